"""Authentication: credentials (bearer JWTs, API keys, session cookies) turned into a ``Principal``."""
