"""One interface over ``Repository`` and ``AsyncRepository``, and unique tables per test.

``Shell`` wraps either twin so that a test is written once, as an ``async def``, and runs for
both: ``await shell.get(...)`` calls the sync method directly or awaits the async one, and
``await shell.collect("query_all", ...)`` drains an iterator or an async iterator. ``Kit``
makes uniquely named tables for an entity's table declaration and removes them afterwards.
"""

from __future__ import annotations

import contextlib
import inspect
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from dynastack.client.async_client import AsyncClient
from dynastack.client.client import Client
from dynastack.model import Entity, TableSpec
from dynastack.repository import AsyncRepository, Repository

CURSOR_KEY = bytes(range(32))


class Shell:
    """A repository of either kind behind awaitable methods."""

    def __init__(self, repo: Repository[Any] | AsyncRepository[Any]) -> None:
        self.repo = repo

    @property
    def is_async(self) -> bool:
        return isinstance(self.repo, AsyncRepository)

    def for_owner(self, owner: object) -> Shell:
        return Shell(self.repo.for_owner(owner))

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self.repo, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            result = method(*args, **kwargs)
            if inspect.isawaitable(result):
                result = await result
            return result

        return call

    async def collect(self, name: str, *args: Any, **kwargs: Any) -> list[Any]:
        """All items of ``query_all`` / ``scan``."""
        found = getattr(self.repo, name)(*args, **kwargs)
        if isinstance(found, AsyncIterator):
            return [item async for item in found]
        assert isinstance(found, Iterator)
        return list(found)


class Clock:
    """A settable clock for TTL and cursor expiry tests."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Kit:
    """Makes tables and repositories for one test, for one twin (``mode``)."""

    mode: str
    endpoint: str
    client: Client
    aclient: AsyncClient | None
    tables: dict[int, str] = field(default_factory=dict)
    extra_clients: list[Client | AsyncClient] = field(default_factory=list)

    def table(self, entity: type[Entity]) -> str:
        """A fresh physical table for ``entity``'s table declaration (shared per test)."""
        declared = entity.__dynastack__.table
        name = self.tables.get(id(declared))
        if name is None:
            name = f"t-{declared.name}-{uuid.uuid4().hex[:10]}"
            spec = replace(TableSpec.compile(declared), name=name)
            self.client.create_table(**spec.create_request())
            self.tables[id(declared)] = name
        return name

    def repo(self, entity: type[Entity], **options: Any) -> Shell:
        """A repository of the kit's twin on the entity's fresh table."""
        options.setdefault("cursor_key", CURSOR_KEY)
        options.setdefault("table_name", self.table(entity))
        if self.mode == "async":
            assert self.aclient is not None
            return Shell(AsyncRepository(entity, self.aclient, **options))
        return Shell(Repository(entity, self.client, **options))

    def sync_repo(self, entity: type[Entity], **options: Any) -> Repository[Any]:
        """A sync repository on the same table (for setup and for checking what is stored)."""
        options.setdefault("cursor_key", CURSOR_KEY)
        options.setdefault("table_name", self.table(entity))
        return Repository(entity, self.client, **options)

    def through(
        self, transport: Callable[[bool], Any], entity: type[Entity], **options: Any
    ) -> Shell:
        """A repository on the entity's table whose client sends through
        ``transport(is_async)`` (a fault injector wrapping a real transport)."""
        options.setdefault("cursor_key", CURSOR_KEY)
        options.setdefault("table_name", self.table(entity))
        if self.mode == "async":
            aclient = AsyncClient.local(self.endpoint, transport=transport(True))
            self.extra_clients.append(aclient)
            return Shell(AsyncRepository(entity, aclient, **options))
        client = Client.local(self.endpoint, transport=transport(False))
        self.extra_clients.append(client)
        return Shell(Repository(entity, client, **options))

    async def cleanup(self) -> None:
        for name in self.tables.values():
            with contextlib.suppress(Exception):
                self.client.delete_table(TableName=name)
        for client in self.extra_clients:
            if isinstance(client, AsyncClient):
                await client.aclose()
            else:
                client.close()
