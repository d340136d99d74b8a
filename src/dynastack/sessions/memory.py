"""``InMemorySessionStore``: sessions in a dict, for tests and single-process development.

Each primitive runs without awaiting anything, so on one event loop it is atomic: the
compare-and-set in ``_replace`` needs no lock. Not shared between processes: use
``DynamoDBSessionStore`` behind a load balancer.

Example:
    >>> import asyncio
    >>> store = InMemorySessionStore()
    >>> issued = asyncio.run(store.create("alice", label="laptop"))
    >>> [s.label for s in asyncio.run(store.list_sessions("alice"))]
    ['laptop']
"""

from __future__ import annotations

from collections.abc import Callable

from dynastack.sessions.lifecycle import SessionLifecycle, SessionRecord, wall_clock
from dynastack.sessions.store import SessionPolicy

__all__ = ["InMemorySessionStore"]


class InMemorySessionStore(SessionLifecycle):
    """A ``SessionStore`` in this process's memory; ``clock`` gives epoch seconds."""

    def __init__(
        self, *, policy: SessionPolicy | None = None, clock: Callable[[], float] = wall_clock
    ) -> None:
        super().__init__(policy=policy, clock=clock)
        self._records: dict[str, SessionRecord] = {}

    async def _load(self, session_id: str) -> SessionRecord | None:
        return self._records.get(session_id)

    async def _insert(self, record: SessionRecord) -> None:
        self._records[record.session_id] = record
        self._sweep()

    async def _replace(self, record: SessionRecord, *, expected_version: int) -> bool:
        current = self._records.get(record.session_id)
        if current is None or current.version != expected_version:
            return False
        self._records[record.session_id] = record
        return True

    async def _remove(self, session_id: str) -> bool:
        return self._records.pop(session_id, None) is not None

    async def _by_user(self, user_id: str) -> list[SessionRecord]:
        return [r for r in self._records.values() if r.user_id == user_id]

    def _sweep(self) -> None:
        """Drop expired records now and then (the dict's TTL sweeper), so memory stays bounded."""
        if len(self._records) % 1024:
            return
        now = self._now()
        for dead in [k for k, r in self._records.items() if self._alive(r, now) is None]:
            del self._records[dead]
