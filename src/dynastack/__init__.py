"""dynastack: a declarative data model turned into a complete DynamoDB-backed backend."""

__version__ = "0.1.0"
