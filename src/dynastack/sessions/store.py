"""The ``SessionStore`` protocol and the values it hands out.

A session is a user's signed-in device. Its holder keeps two credentials (see
``auth.credentials``): the *session token* (sent on every request, in an HttpOnly cookie)
and the *refresh token* (sent only to rotate both). The store keeps their hashes, never the
tokens. What a store returns about a session (``Session``) holds no secret, so it can be listed
to its user ("your devices") and logged.

Both stores (``InMemorySessionStore``, ``DynamoDBSessionStore``) share one lifecycle
(``sessions.lifecycle``) and differ only in how five record primitives are stored; one contract
test suite runs against both (tests/sessions/test_contract.py).

Example:
    >>> policy = SessionPolicy(idle_ttl=900, absolute_ttl=86_400)
    >>> policy.idle_ttl < policy.absolute_ttl
    True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from dynastack.errors import ConfigurationError

__all__ = ["IssuedSession", "Session", "SessionPolicy", "SessionStore"]


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    """How long sessions live, in seconds.

    ``idle_ttl``: a session unused this long expires (sliding: each use pushes it back, at most
    once per ``touch_interval`` to spare a write per request); ``absolute_ttl``: no session
    outlives this from its creation, however busy; ``remembered_refreshes``: how many rotated
    refresh tokens are remembered to detect reuse.
    """

    idle_ttl: int = 30 * 60
    absolute_ttl: int = 7 * 24 * 3600
    touch_interval: int = 60
    remembered_refreshes: int = 16

    def __post_init__(self) -> None:
        if not 0 < self.idle_ttl <= self.absolute_ttl:
            raise ConfigurationError("sessions need 0 < idle_ttl <= absolute_ttl")
        if not 0 <= self.touch_interval < self.idle_ttl:
            raise ConfigurationError("sessions need 0 <= touch_interval < idle_ttl")
        if self.remembered_refreshes < 1:
            raise ConfigurationError("remember at least one rotated refresh token")


@dataclass(frozen=True, slots=True)
class Session:
    """A session as its user may see it: no secret. Times are epoch seconds."""

    session_id: str  # the public lookup id (128 random bits), not the session token
    user_id: str
    created_at: int
    last_seen: int
    expires_at: int  # sliding, never past created_at + absolute_ttl
    groups: frozenset[str] = frozenset()
    username: str | None = None
    label: str | None = None


@dataclass(frozen=True, slots=True)
class IssuedSession:
    """A session with the two credentials its holder keeps; shown once, at create or refresh."""

    session: Session
    session_token: str = field(repr=False)
    refresh_token: str = field(repr=False)


class SessionStore(Protocol):
    """What the API and the session-cookie authenticator need from a session store.

    Every failure to present a valid credential is ``AuthenticationFailed`` with a stable
    reason (``session_invalid``, ``refresh_invalid``, ``refresh_reused``).
    """

    async def create(
        self,
        user_id: str,
        *,
        groups: frozenset[str] = frozenset(),
        username: str | None = None,
        label: str | None = None,
    ) -> IssuedSession:
        """Start a session for ``user_id``."""
        ...

    async def validate(self, session_token: str) -> Session:
        """The live session of ``session_token`` (and slide its expiry)."""
        ...

    async def refresh(self, refresh_token: str) -> IssuedSession:
        """Rotate both credentials; a reused refresh token revokes the whole session."""
        ...

    async def revoke(self, session_id: str, *, user_id: str | None = None) -> bool:
        """End one session (only if it is ``user_id``'s, when given); whether it existed."""
        ...

    async def logout(self, session_token: str) -> bool:
        """End the session of ``session_token``; whether there was one."""
        ...

    async def revoke_all(self, user_id: str) -> int:
        """End every session of ``user_id`` (all devices); how many there were."""
        ...

    async def list_sessions(self, user_id: str) -> list[Session]:
        """The live sessions of ``user_id``, oldest first."""
        ...
