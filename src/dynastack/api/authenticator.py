"""The one thing the API needs from ``dynastack.auth``: request headers in, a ``Principal`` out.

Declared here structurally (a ``Protocol``), so the API depends on the shape, not on a class:
the JWT/JWKS verifier, the API-key store and the dev-token issuer of ``dynastack.auth`` all fit,
and so does a test's stand-in. ``authenticate`` raises ``AuthenticationFailed`` (a 401) for a
missing, malformed, forged or expired credential; anything else it raises is a 503 (a JWKS
outage must not look like a bad token, and must not let the request through).

Example:
    >>> class Nobody:
    ...     async def authenticate(self, headers: Mapping[str, str]) -> Principal:
    ...         raise AuthenticationFailed("missing")
    >>> isinstance(Nobody(), Authenticator)
    True
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable

from dynastack.auth.principal import AuthenticationFailed, Principal

__all__ = ["AuthenticationFailed", "Authenticator", "Principal"]


@runtime_checkable
class Authenticator(Protocol):
    """Turns a request's headers into the calling ``Principal``."""

    async def authenticate(self, headers: Mapping[str, str]) -> Principal:
        """The principal the headers' credential proves; ``AuthenticationFailed`` otherwise."""
        ...
