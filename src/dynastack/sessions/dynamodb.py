"""``DynamoDBSessionStore``: sessions in a DynamoDB table, shared by every API process.

One item per session, keyed by its public id (``SESSION#<id>``), so validating a request costs
one GetItem. A user's sessions are listed through the ``ByUser`` index, partitioned by user
(``USER#<user_id>``, sorted by ``created_at``): no hot partition on a timestamp alone. The index
is eventually consistent on AWS, so a session created a moment ago may be missing from a list
or from ``revoke_all`` for a fraction of a second; each session still expires by itself.

``expires_at`` is the table's TTL attribute, so DynamoDB deletes dead sessions eventually; the
repository and the lifecycle both compare expiry with the clock on every read anyway (R12:
the sweeper runs late, or not at all on DynamoDB Local). The compare-and-set of a refresh is
the repository's version check (a conditional write), so of many concurrent refreshes of one
token exactly one is stored.

Example:
    >>> import asyncio
    >>> from dynastack.client import AsyncClient
    >>> from dynastack.model import TableSpec
    >>> async def main() -> str:
    ...     async with AsyncClient.local(os.environ["DYNASTACK_ENDPOINT"]) as client:
    ...         spec = TableSpec.compile(SESSIONS_TABLE, env="doc")
    ...         await client.create_table(**spec.create_request())
    ...         store = DynamoDBSessionStore(client, env="doc")
    ...         issued = await store.create("alice")
    ...         found = await store.validate(issued.session_token)
    ...         await client.delete_table(TableName=spec.name)
    ...         return found.user_id
    >>> asyncio.run(main())
    'alice'
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from pydantic import Field

from dynastack.client.async_client import AsyncClient
from dynastack.errors import ConditionalCheckFailed
from dynastack.model import TTL, Entity, Index, Key, Table, Version
from dynastack.repository import AsyncRepository
from dynastack.sessions.lifecycle import SessionLifecycle, SessionRecord, wall_clock
from dynastack.sessions.store import SessionPolicy

__all__ = ["SESSIONS_TABLE", "DynamoDBSessionStore", "SessionItem"]

#: the sessions table (named per environment by the usual rules: ``{table}-{env}``)
SESSIONS_TABLE = Table("dynastack-sessions")


class SessionItem(Entity, table=SESSIONS_TABLE):
    """A stored session: hashes of its credentials, never the credentials."""

    __key__ = Key(pk="SESSION#{session_id}")
    __indexes__ = (Index("ByUser", pk="USER#{user_id}", sk="created_at"),)
    session_id: str
    user_id: str
    secret_hash: str
    refresh_hash: str
    used_refresh_hashes: list[str] = Field(default_factory=list)
    created_at: int
    last_seen: int
    expires_at: TTL[int]
    absolute_expires_at: int
    version: Version = 1
    groups: list[str] = Field(default_factory=list)
    username: str | None = None
    label: str | None = None


def _item(record: SessionRecord, *, version: int) -> SessionItem:
    return SessionItem(
        session_id=record.session_id,
        user_id=record.user_id,
        secret_hash=record.secret_hash,
        refresh_hash=record.refresh_hash,
        used_refresh_hashes=list(record.used_refresh_hashes),
        created_at=record.created_at,
        last_seen=record.last_seen,
        expires_at=record.expires_at,
        absolute_expires_at=record.absolute_expires_at,
        version=version,
        groups=sorted(record.groups),
        username=record.username,
        label=record.label,
    )


def _record(item: SessionItem) -> SessionRecord:
    return SessionRecord(
        session_id=item.session_id,
        user_id=item.user_id,
        secret_hash=item.secret_hash,
        refresh_hash=item.refresh_hash,
        used_refresh_hashes=tuple(item.used_refresh_hashes),
        created_at=item.created_at,
        last_seen=item.last_seen,
        expires_at=item.expires_at,
        absolute_expires_at=item.absolute_expires_at,
        version=item.version,
        groups=frozenset(item.groups),
        username=item.username,
        label=item.label,
    )


#: the fields a compare-and-set rewrites (everything but the key and the version)
_MUTABLE = (
    "secret_hash",
    "refresh_hash",
    "used_refresh_hashes",
    "last_seen",
    "expires_at",
)


class DynamoDBSessionStore(SessionLifecycle):
    """A ``SessionStore`` on the ``SESSIONS_TABLE`` of ``env`` (or ``table_name``)."""

    def __init__(
        self,
        client: AsyncClient,
        *,
        env: str | None = None,
        table_name: str | None = None,
        policy: SessionPolicy | None = None,
        clock: Callable[[], float] = wall_clock,
    ) -> None:
        super().__init__(policy=policy, clock=clock)
        self._repo = AsyncRepository(
            SessionItem,
            client,
            env=env,
            table_name=table_name,
            clock=lambda: datetime.fromtimestamp(clock(), UTC),
        )

    @property
    def table_name(self) -> str:
        """The physical table name."""
        return self._repo.table_name

    async def _load(self, session_id: str) -> SessionRecord | None:
        # consistent: a just-rotated session must never read back with its old hashes
        item = await self._repo.get(session_id=session_id, consistent=True)
        return None if item is None else _record(item)

    async def _insert(self, record: SessionRecord) -> None:
        await self._repo.create(_item(record, version=1))

    async def _replace(self, record: SessionRecord, *, expected_version: int) -> bool:
        stored = _item(record, version=expected_version)
        changes = {name: getattr(stored, name) for name in _MUTABLE}
        try:
            await self._repo.update(stored, **changes)
        except ConditionalCheckFailed:  # version moved on, or the session was revoked
            return False
        return True

    async def _remove(self, session_id: str) -> bool:
        try:
            await self._repo.delete({"session_id": session_id})
        except ConditionalCheckFailed:
            return False
        return True

    async def _by_user(self, user_id: str) -> list[SessionRecord]:
        return [_record(item) async for item in self._repo.query_all("ByUser", user_id=user_id)]
