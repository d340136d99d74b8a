"""``SessionLifecycle``: every session decision, written once, over five storage primitives.

The stores differ only in storage (a dict, a DynamoDB table); when a session expires, how
expiry slides, when a refresh token is reuse and what that revokes are decided here, once, so
the two stores cannot drift (ARCHITECTURE principle 11). A subclass provides ``_load``,
``_insert``, ``_replace`` (compare-and-set on ``version``), ``_remove`` and ``_by_user``.

Rules:

* expiry is compared with the clock on every read (R12): a record past ``expires_at`` is dead
  even when the store's TTL sweeper has not deleted it yet;
* ``validate`` slides ``expires_at`` to ``now + idle_ttl`` (capped by the absolute expiry) when
  more than ``touch_interval`` passed since the last slide; a lost compare-and-set there is
  harmless (someone else just slid it);
* ``refresh`` rotates the session token and the refresh token together with one
  compare-and-set. The consumed refresh hash is remembered: presenting it again, or losing the
  compare-and-set to another refresh of the same token, is *reuse* and ends the session (its
  token family), since a replayed refresh token cannot be told from a stolen one (RFC 9700
  §4.14). Of N concurrent refreshes of one token, exactly one gets new credentials. A
  refresh token that is simply wrong (never issued) fails without revoking anything, so a
  guessed secret cannot log a user out.

Example:
    >>> from dynastack.sessions.memory import InMemorySessionStore
    >>> import asyncio
    >>> store = InMemorySessionStore(clock=lambda: 1_000.0)
    >>> issued = asyncio.run(store.create("alice"))
    >>> asyncio.run(store.validate(issued.session_token)).user_id
    'alice'
"""

from __future__ import annotations

import dataclasses
import math
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

from dynastack.auth.credentials import Credential
from dynastack.auth.principal import AuthenticationFailed
from dynastack.sessions.store import IssuedSession, Session, SessionPolicy

__all__ = ["REFRESH_PREFIX", "SESSION_PREFIX", "SessionLifecycle", "SessionRecord"]

SESSION_PREFIX = "s"
REFRESH_PREFIX = "r"


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """What a store keeps for one session: hashes, never tokens."""

    session_id: str
    user_id: str
    secret_hash: str
    refresh_hash: str
    used_refresh_hashes: tuple[str, ...]
    created_at: int
    last_seen: int
    expires_at: int
    absolute_expires_at: int
    version: int = 1
    groups: frozenset[str] = frozenset()
    username: str | None = None
    label: str | None = None

    def view(self) -> Session:
        return Session(
            session_id=self.session_id,
            user_id=self.user_id,
            created_at=self.created_at,
            last_seen=self.last_seen,
            expires_at=self.expires_at,
            groups=self.groups,
            username=self.username,
            label=self.label,
        )


class SessionLifecycle(ABC):
    """The ``SessionStore`` behaviour over five primitives a subclass stores."""

    def __init__(self, *, policy: SessionPolicy | None = None, clock: Callable[[], float]) -> None:
        self.policy = policy or SessionPolicy()
        self._clock = clock

    # -- the storage primitives ------------------------------------------------------------
    @abstractmethod
    async def _load(self, session_id: str) -> SessionRecord | None:
        """The record, or ``None``; may return an expired one (expiry is checked here)."""

    @abstractmethod
    async def _insert(self, record: SessionRecord) -> None:
        """Store a new record (ids are random: a collision is a bug, not a case)."""

    @abstractmethod
    async def _replace(self, record: SessionRecord, *, expected_version: int) -> bool:
        """Store ``record`` if the stored one still has ``expected_version``; whether it did."""

    @abstractmethod
    async def _remove(self, session_id: str) -> bool:
        """Delete the record; whether there was one."""

    @abstractmethod
    async def _by_user(self, user_id: str) -> list[SessionRecord]:
        """Every record of ``user_id`` (expired ones may be included)."""

    # -- the decisions ---------------------------------------------------------------------
    def _now(self) -> int:
        return math.floor(self._clock())

    def _alive(self, record: SessionRecord | None, now: int) -> SessionRecord | None:
        if record is None or now >= record.expires_at or now >= record.absolute_expires_at:
            return None
        return record

    def _slid(self, now: int, absolute: int) -> int:
        return min(now + self.policy.idle_ttl, absolute)

    async def create(
        self,
        user_id: str,
        *,
        groups: frozenset[str] = frozenset(),
        username: str | None = None,
        label: str | None = None,
    ) -> IssuedSession:
        if not isinstance(user_id, str) or not user_id:
            raise ValueError("a session needs a user id")
        now = self._now()
        session = Credential.new(SESSION_PREFIX)
        refresh = dataclasses.replace(Credential.new(REFRESH_PREFIX), id=session.id)
        absolute = now + self.policy.absolute_ttl
        record = SessionRecord(
            session_id=session.id,
            user_id=user_id,
            secret_hash=session.secret_hash,
            refresh_hash=refresh.secret_hash,
            used_refresh_hashes=(),
            created_at=now,
            last_seen=now,
            expires_at=self._slid(now, absolute),
            absolute_expires_at=absolute,
            groups=frozenset(groups),
            username=username,
            label=label,
        )
        await self._insert(record)
        return IssuedSession(record.view(), session.text, refresh.text)

    async def validate(self, session_token: str) -> Session:
        credential = Credential.parse(session_token, SESSION_PREFIX)
        if credential is None:
            raise AuthenticationFailed("session_invalid")
        now = self._now()
        record = self._alive(await self._load(credential.id), now)
        if record is None or not credential.matches(record.secret_hash):
            raise AuthenticationFailed("session_invalid")
        if now - record.last_seen >= self.policy.touch_interval:
            slid = dataclasses.replace(
                record,
                last_seen=now,
                expires_at=self._slid(now, record.absolute_expires_at),
                version=record.version + 1,
            )
            if await self._replace(slid, expected_version=record.version):
                record = slid
        return record.view()

    async def refresh(self, refresh_token: str) -> IssuedSession:
        credential = Credential.parse(refresh_token, REFRESH_PREFIX)
        if credential is None:
            raise AuthenticationFailed("refresh_invalid")
        now = self._now()
        record = self._alive(await self._load(credential.id), now)
        if record is None:
            raise AuthenticationFailed("refresh_invalid")
        presented = credential.secret_hash
        if not credential.matches(record.refresh_hash):
            if presented in record.used_refresh_hashes:
                await self._remove(record.session_id)
                raise AuthenticationFailed("refresh_reused")
            raise AuthenticationFailed("refresh_invalid")
        session = dataclasses.replace(Credential.new(SESSION_PREFIX), id=record.session_id)
        refresh = dataclasses.replace(Credential.new(REFRESH_PREFIX), id=record.session_id)
        used = (*record.used_refresh_hashes, presented)[-self.policy.remembered_refreshes :]
        rotated = dataclasses.replace(
            record,
            secret_hash=session.secret_hash,
            refresh_hash=refresh.secret_hash,
            used_refresh_hashes=used,
            last_seen=now,
            expires_at=self._slid(now, record.absolute_expires_at),
            version=record.version + 1,
        )
        if not await self._replace(rotated, expected_version=record.version):
            # another refresh consumed this very token first: a replay, so end the family
            await self._remove(record.session_id)
            raise AuthenticationFailed("refresh_reused")
        return IssuedSession(rotated.view(), session.text, refresh.text)

    async def revoke(self, session_id: str, *, user_id: str | None = None) -> bool:
        if not isinstance(session_id, str) or not session_id:
            return False
        if user_id is not None:
            record = await self._load(session_id)
            if record is None or record.user_id != user_id:
                return False  # another user's session looks exactly like a missing one
        return await self._remove(session_id)

    async def logout(self, session_token: str) -> bool:
        credential = Credential.parse(session_token, SESSION_PREFIX)
        if credential is None:
            return False
        record = await self._load(credential.id)
        if record is None or not credential.matches(record.secret_hash):
            return False
        return await self._remove(record.session_id)

    async def revoke_all(self, user_id: str) -> int:
        ended = 0
        for record in await self._by_user(user_id):
            ended += await self._remove(record.session_id)
        return ended

    async def list_sessions(self, user_id: str) -> list[Session]:
        now = self._now()
        alive = [r for r in await self._by_user(user_id) if self._alive(r, now) is not None]
        return [r.view() for r in sorted(alive, key=lambda r: (r.created_at, r.session_id))]


def wall_clock() -> float:
    """Epoch seconds (the default clock of both stores)."""
    return time.time()
