"""Who is calling: the principal an authenticated request carries, and the two ways it fails.

``auth`` turns credentials (a bearer token, an API key, a session cookie) into a ``Principal``;
``api`` and ``graphql`` only ever see the ``Principal``, never the credential, so no layer above
``auth`` can log or echo a token.

Example:
    >>> p = Principal(subject="u-1", groups=frozenset({"Developers"}))
    >>> p.in_any({"Administrators", "Developers"})
    True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from dynastack.errors import DynastackError

__all__ = ["AuthenticationFailed", "PermissionDenied", "Principal"]


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller: a user (from a token or session) or a service (an API key)."""

    subject: str
    groups: frozenset[str] = frozenset()
    username: str | None = None
    kind: Literal["user", "service"] = "user"
    claims: Mapping[str, Any] = field(default_factory=dict, repr=False)

    def in_any(self, groups: Iterable[str]) -> bool:
        """True when the principal belongs to at least one of ``groups``."""
        return not self.groups.isdisjoint(groups)


class AuthenticationFailed(DynastackError):
    """The credential is missing, malformed, forged or expired (HTTP 401).

    ``reason`` is a short stable code (``missing``, ``malformed``, ``signature``, ``expired``,
    ``issuer``, ``audience``, ...) safe to log; the credential itself is never kept.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(f"authentication failed: {reason}")
        self.reason = reason


class PermissionDenied(DynastackError):
    """The principal is known but may not perform the operation (HTTP 403)."""

    def __init__(self, operation: str) -> None:
        super().__init__(f"permission denied: {operation}")
        self.operation = operation
