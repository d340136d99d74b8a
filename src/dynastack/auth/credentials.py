"""Opaque credentials: a public lookup id and a secret, of which only a hash is ever stored.

One shape for session ids, refresh tokens and API keys: ``<prefix>.<id>.<secret>``. The id
(128 bits) finds the record with one key lookup; the secret (256 bits, from ``secrets``) proves
possession and is stored as its SHA-256 only, so a copy of the table opens nothing. A fast hash
is enough here because the secret is random and long: no dictionary to try, unlike a password.
Secrets are compared in constant time.

Example:
    >>> made = Credential.new("s")
    >>> parsed = Credential.parse(made.text, "s")
    >>> parsed == made, made.matches(made.secret_hash)
    (True, True)
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

__all__ = ["ID_BYTES", "SECRET_BYTES", "Credential", "hash_secret"]

#: the lookup id: 128 random bits (hex)
ID_BYTES = 16
#: the secret: 256 random bits (base64url)
SECRET_BYTES = 32

_ID = re.compile(r"[0-9a-f]{32}")
_SECRET = re.compile(r"[A-Za-z0-9_-]{43}")


def hash_secret(secret: str) -> str:
    """The stored form of a secret: its SHA-256, hex."""
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


@dataclass(frozen=True, slots=True)
class Credential:
    """A parsed credential; ``text`` is what the holder keeps (never logged, never stored)."""

    prefix: str
    id: str
    secret: str

    def __repr__(self) -> str:  # a credential in a log line or traceback shows no secret
        return f"Credential({self.prefix!r}, {self.id!r}, secret=***)"

    @classmethod
    def new(cls, prefix: str) -> Credential:
        """A fresh credential from the ``secrets`` module."""
        return cls(prefix, secrets.token_hex(ID_BYTES), secrets.token_urlsafe(SECRET_BYTES))

    @classmethod
    def parse(cls, text: str, prefix: str) -> Credential | None:
        """The credential in ``text`` if it has exactly the shape ``new`` makes, else ``None``."""
        if not isinstance(text, str) or len(text) > 128:
            return None
        parts = text.split(".")
        if len(parts) != 3 or parts[0] != prefix:
            return None
        if not _ID.fullmatch(parts[1]) or not _SECRET.fullmatch(parts[2]):
            return None
        return cls(prefix, parts[1], parts[2])

    @property
    def text(self) -> str:
        """The credential as the holder presents it."""
        return f"{self.prefix}.{self.id}.{self.secret}"

    @property
    def secret_hash(self) -> str:
        """What is stored."""
        return hash_secret(self.secret)

    def matches(self, stored_hash: str) -> bool:
        """Whether this secret is the one whose hash was stored (constant time)."""
        return hmac.compare_digest(self.secret_hash, stored_hash)
