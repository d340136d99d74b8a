"""``AsyncRepository[E]``: ``Repository``'s twin over an ``AsyncClient``.

Written by mirroring repository/repository.py method by method: the same scripts from the pure
modules, driven by ``arun`` with ``await client.send`` and ``asyncio.sleep``. Iterators are
async iterators; a parallel scan runs one task per segment instead of one thread.
tests/repository/test_twins.py fails when the two classes' public methods or parameters drift.

Example:
    >>> import asyncio
    >>> from dynastack.client import AsyncClient
    >>> from dynastack.model import Entity, Key, TableSpec
    >>> class Note(Entity, table="notes-async-repository-doc"):
    ...     __key__ = Key(pk="NOTE#{note_id}")
    ...     note_id: str
    ...     text: str
    >>> async def main() -> str | None:
    ...     async with AsyncClient.local(os.environ["DYNASTACK_ENDPOINT"]) as client:
    ...         spec = TableSpec.compile(Note.__dynastack__.table)
    ...         await client.create_table(**spec.create_request())
    ...         notes = AsyncRepository(Note, client)
    ...         await notes.create(Note(note_id="n1", text="hi"))
    ...         found = await notes.get(note_id="n1")
    ...         await client.delete_table(TableName=spec.name)
    ...         return None if found is None else found.text
    >>> asyncio.run(main())
    'hi'
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, Generic, Self, TypeVar, overload

from dynastack.client.async_client import AsyncClient
from dynastack.core.expressions import Condition
from dynastack.core.steps import Script, arun
from dynastack.core.updates import Update
from dynastack.model.app import TableNaming
from dynastack.model.entity import Entity
from dynastack.model.partial import Partial
from dynastack.repository import batch, queries, writes
from dynastack.repository.batch import BatchProgress
from dynastack.repository.binding import EntityBinding, check_segments, table_name_for
from dynastack.repository.cursors import DEFAULT_TTL, CursorSealer
from dynastack.repository.page import Page
from dynastack.repository.resends import Resends

__all__ = ["AsyncRepository"]

E = TypeVar("E", bound=Entity)
T = TypeVar("T")


class AsyncRepository(Generic[E]):
    """Typed access to one entity's items in one table, through an ``AsyncClient``.

    The constructor and every method match ``Repository``; I/O methods are coroutines and
    ``query_all``/``scan`` are async iterators.
    """

    __slots__ = ("_client", "_plans", "_resends", "_sleep")

    def __init__(
        self,
        entity: type[E],
        client: AsyncClient,
        *,
        env: str | None = None,
        table_name: str | None = None,
        app: TableNaming | None = None,
        cursor_key: bytes | str | None = None,
        cursor_ttl: float = DEFAULT_TTL,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        name = table_name_for(entity, env=env, table_name=table_name, app=app)
        sealer = CursorSealer(cursor_key, ttl=cursor_ttl)
        self._plans: EntityBinding[E] = EntityBinding(
            entity, table=name, clock=clock, sealer=sealer
        )
        self._client = client
        self._resends = Resends.of(client)
        self._sleep: Callable[[float], Awaitable[object]] = asyncio.sleep

    async def _run(self, script: Script[T]) -> T:
        return await arun(script, send=self._client.send, sleep=self._sleep)

    @property
    def entity(self) -> type[E]:
        """The entity class this repository stores."""
        return self._plans.cls

    @property
    def table_name(self) -> str:
        """The physical table name."""
        return self._plans.table

    @property
    def owner(self) -> object | None:
        """The owner of this view (``None`` for an unscoped repository)."""
        return self._plans.owner

    def for_owner(self, owner: object) -> Self:
        """A view whose reads and writes are limited to ``owner``'s items (docs/owner-scope.md)."""
        view = copy.copy(self)
        view._plans = self._plans.with_owner(owner)
        return view

    @overload
    async def get(
        self, /, *, consistent: bool = False, fields: None = None, **key: Any
    ) -> E | None: ...
    @overload
    async def get(
        self, /, *, consistent: bool = False, fields: Iterable[str], **key: Any
    ) -> Partial[E] | None: ...
    async def get(
        self, /, *, consistent: bool = False, fields: Iterable[str] | None = None, **key: Any
    ) -> E | Partial[E] | None:
        """The entity with these key fields, or ``None`` (missing, expired or not in scope).

        With ``fields=[...]`` only those fields are read (a projection) and the result is a
        ``Partial[E]`` holding them, each validated by its declared type.
        """
        if fields is not None:
            return await self._run(queries.get_partial(self._plans, key, consistent, fields))
        return await self._run(queries.get(self._plans, key, consistent))

    async def create(self, entity: E, /) -> E:
        """Store a new item; ``ConditionalCheckFailed`` ("… already exists") if the key is taken."""
        plan = writes.create_plan(self._plans, entity)
        return await self._run(writes.written(plan, self._resends))

    async def put(self, entity: E, /) -> E:
        """Replace the whole item (version-checked and bumped when the entity has a version)."""
        plan = writes.put_plan(self._plans, entity)
        return await self._run(writes.written(plan, self._resends))

    async def update(
        self,
        target: E | Mapping[str, Any],
        changes: Update | None = None,
        /,
        *,
        condition: Condition | None = None,
        expected_version: int | None = None,
        **fields: Any,
    ) -> E:
        """Change only ``fields`` (and ``changes``) of an existing item; the entity after it.

        The version is checked against ``target`` when it is an entity, or against
        ``expected_version`` (an update by key with the version a client saw).
        """
        plan = writes.update_plan(
            self._plans, target, changes, condition, fields, expected_version=expected_version
        )
        return await self._run(writes.written(plan, self._resends))

    async def delete(
        self,
        target: E | Mapping[str, Any],
        /,
        *,
        condition: Condition | None = None,
        expected_version: int | None = None,
    ) -> None:
        """Delete an existing item (version-checked when an entity with a version, or
        ``expected_version``, is given)."""
        plan = writes.delete_plan(self._plans, target, condition, expected_version=expected_version)
        await self._run(writes.perform(plan, self._resends))

    async def query(
        self,
        index: str | None = None,
        /,
        *,
        filter: Condition | None = None,
        newest_first: bool = False,
        limit: int | None = None,
        cursor: str | None = None,
        consistent: bool = False,
        **key: Any,
    ) -> Page[E]:
        """One page of the items matching the key fields, filled to ``limit`` after filtering."""
        shape = queries.query_shape(
            self._plans, index, key, filter=filter, newest_first=newest_first, consistent=consistent
        )
        return await self._run(queries.query(self._plans, shape, limit, cursor))

    async def query_all(
        self,
        index: str | None = None,
        /,
        *,
        filter: Condition | None = None,
        newest_first: bool = False,
        consistent: bool = False,
        **key: Any,
    ) -> AsyncIterator[E]:
        """Every matching item, page after page, fetched as the iteration goes."""
        shape = queries.query_shape(
            self._plans, index, key, filter=filter, newest_first=newest_first, consistent=consistent
        )
        start: dict[str, Any] | None = None
        while True:
            items, start = await self._run(queries.fill(self._plans, shape, start, None, calls=1))
            for item in items:
                yield item
            if start is None:
                return

    async def count(
        self,
        index: str | None = None,
        /,
        *,
        filter: Condition | None = None,
        consistent: bool = False,
        **key: Any,
    ) -> int:
        """How many items match (expired items excluded), over all pages."""
        shape = queries.query_shape(
            self._plans, index, key, filter=filter, newest_first=False, consistent=consistent,
            alive_at=self._plans.now(),
        )  # fmt: skip
        return await self._run(queries.count(self._plans, shape))

    async def scan(
        self, *, filter: Condition | None = None, segments: int = 1, consistent: bool = False
    ) -> AsyncIterator[E]:
        """Every item of this entity in the table (maintenance); ``segments`` > 1 scans in
        parallel tasks, yielding items as segments deliver them (no global order)."""
        shape = queries.scan_shape(self._plans, filter, consistent)
        total = check_segments(segments)
        if total == 1:
            async for item in self._segment(shape, 0, 1):
                yield item
            return
        pages: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        room = asyncio.Semaphore(4 * total)  # backpressure: items in flight per scan

        async def worker(segment: int) -> None:
            try:
                async for item in self._segment(shape, segment, total):
                    await room.acquire()
                    pages.put_nowait(("item", item))
            except Exception as error:  # handed to the consumer, raised there
                pages.put_nowait(("error", error))
            finally:
                pages.put_nowait(("done", None))  # never blocks, even when cancelled

        tasks = [asyncio.create_task(worker(segment)) for segment in range(total)]
        try:
            running = total
            while running:
                kind, value = await pages.get()
                if kind == "item":
                    room.release()
                    yield value
                elif kind == "error":
                    raise value
                else:
                    running -= 1
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _segment(
        self, shape: queries.ScanShape, segment: int, total: int
    ) -> AsyncIterator[E]:
        start: dict[str, Any] | None = None
        while True:
            items, start = await self._run(
                queries.scan_page(self._plans, shape, segment, total, start)
            )
            for item in items:
                yield item
            if start is None:
                return

    async def batch_get(
        self, keys: Iterable[Mapping[str, Any]], /, *, consistent: bool = False
    ) -> list[E]:
        """The entities for ``keys`` (mappings of key fields) that exist and are visible, in
        the order asked; chunks of 100, unprocessed keys retried, duplicates refused."""
        return await self._run(batch.batch_get(self._plans, keys, consistent))

    async def batch_write(
        self,
        puts: Iterable[E] | AsyncIterable[E] = (),
        deletes: Iterable[E | Mapping[str, Any]] | AsyncIterable[E | Mapping[str, Any]] = (),
        *,
        on_progress: Callable[[BatchProgress], object] | None = None,
    ) -> BatchProgress:
        """Unconditional bulk puts, then deletes, streamed from iterables or async iterables
        (consumed as requests go: 25 writes or 16 MB each); unprocessed writes are retried,
        ``on_progress`` hears after every request, the last write of an item wins. Not
        available in an owner scope."""
        writer = batch.BatchWriter(self._plans, on_progress)
        async for entity in _each(puts):
            if (due := writer.put(entity)) is not None:
                await self._run(writer.send(due))
        async for target in _each(deletes):
            if (due := writer.delete(target)) is not None:
                await self._run(writer.send(due))
        if (due := writer.finish()) is not None:
            await self._run(writer.send(due))
        return writer.progress

    def __repr__(self) -> str:
        scope = "" if self.owner is None else f", owner={self.owner!r}"
        return f"AsyncRepository({self.entity.__name__}, table={self.table_name!r}{scope})"


async def _each(values: Iterable[T] | AsyncIterable[T]) -> AsyncIterator[T]:
    """The items of a sync or an async iterable, one at a time (never collected)."""
    if isinstance(values, AsyncIterable):
        async for value in values:
            yield value
    else:
        for value in values:
            yield value
