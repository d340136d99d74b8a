"""``Repository[E]``: typed reads and writes of one entity through a blocking ``Client``.

The shell only sends and loops: every method builds a step script from the pure modules
(``writes``, ``queries``, ``batch``) and drives it with ``client.send`` and ``time.sleep``.
``AsyncRepository`` (async_repository.py) drives the very same scripts with ``await``;
tests/repository/test_twins.py fails when the two classes' public methods drift.

Example:
    >>> from dynastack.client import Client
    >>> from dynastack.model import Entity, Key, TableSpec
    >>> class Memo(Entity, table="memos-repository-doc"):
    ...     __key__ = Key(pk="MEMO#{memo_id}")
    ...     memo_id: str
    ...     text: str
    >>> client = Client.local(os.environ["DYNASTACK_ENDPOINT"])
    >>> spec = TableSpec.compile(Memo.__dynastack__.table)
    >>> _ = client.create_table(**spec.create_request())
    >>> memos = Repository(Memo, client)
    >>> memos.create(Memo(memo_id="m1", text="hello"))
    Memo(memo_id='m1', text='hello')
    >>> memos.update({"memo_id": "m1"}, text="bye").text
    'bye'
    >>> memos.delete({"memo_id": "m1"}); memos.get(memo_id="m1") is None
    True
    >>> _ = client.delete_table(TableName=spec.name); client.close()
"""

from __future__ import annotations

import copy
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any, Generic, Self, TypeVar, overload

from dynastack.client.client import Client
from dynastack.core.expressions import Condition
from dynastack.core.steps import Script, run
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

__all__ = ["Repository"]

E = TypeVar("E", bound=Entity)
T = TypeVar("T")


class Repository(Generic[E]):
    """Typed access to one entity's items in one table, through a blocking ``Client``.

    ``env``/``app`` pick the physical table by the naming rules (``table_name`` overrides
    them). Cursors are sealed with ``cursor_key`` (else ``DYNASTACK_CURSOR_KEY``, else a random
    per-process key) and live ``cursor_ttl`` seconds. ``clock`` (aware UTC ``datetime``) drives
    timestamps, TTL hiding and cursor expiry.
    """

    __slots__ = ("_client", "_plans", "_resends", "_sleep")

    def __init__(
        self,
        entity: type[E],
        client: Client,
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
        self._sleep: Callable[[float], object] = time.sleep

    def _run(self, script: Script[T]) -> T:
        return run(script, send=self._client.send, sleep=self._sleep)

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
    def get(self, /, *, consistent: bool = False, fields: None = None, **key: Any) -> E | None: ...
    @overload
    def get(
        self, /, *, consistent: bool = False, fields: Iterable[str], **key: Any
    ) -> Partial[E] | None: ...
    def get(
        self, /, *, consistent: bool = False, fields: Iterable[str] | None = None, **key: Any
    ) -> E | Partial[E] | None:
        """The entity with these key fields, or ``None`` (missing, expired or not in scope).

        With ``fields=[...]`` only those fields are read (a projection) and the result is a
        ``Partial[E]`` holding them, each validated by its declared type.
        """
        if fields is not None:
            return self._run(queries.get_partial(self._plans, key, consistent, fields))
        return self._run(queries.get(self._plans, key, consistent))

    def create(self, entity: E, /) -> E:
        """Store a new item; ``ConditionalCheckFailed`` ("… already exists") if the key is taken."""
        plan = writes.create_plan(self._plans, entity)
        return self._run(writes.written(plan, self._resends))

    def put(self, entity: E, /) -> E:
        """Replace the whole item (version-checked and bumped when the entity has a version)."""
        plan = writes.put_plan(self._plans, entity)
        return self._run(writes.written(plan, self._resends))

    def update(
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
        return self._run(writes.written(plan, self._resends))

    def delete(
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
        self._run(writes.perform(plan, self._resends))

    def query(
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
        return self._run(queries.query(self._plans, shape, limit, cursor))

    def query_all(
        self,
        index: str | None = None,
        /,
        *,
        filter: Condition | None = None,
        newest_first: bool = False,
        consistent: bool = False,
        **key: Any,
    ) -> Iterator[E]:
        """Every matching item, page after page, fetched as the iteration goes."""
        shape = queries.query_shape(
            self._plans, index, key, filter=filter, newest_first=newest_first, consistent=consistent
        )
        start: dict[str, Any] | None = None
        while True:
            items, start = self._run(queries.fill(self._plans, shape, start, None, calls=1))
            yield from items
            if start is None:
                return

    def count(
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
        return self._run(queries.count(self._plans, shape))

    def scan(
        self, *, filter: Condition | None = None, segments: int = 1, consistent: bool = False
    ) -> Iterator[E]:
        """Every item of this entity in the table (maintenance); ``segments`` > 1 scans in
        parallel threads, yielding items as segments deliver them (no global order)."""
        shape = queries.scan_shape(self._plans, filter, consistent)
        total = check_segments(segments)
        if total == 1:
            yield from self._segment(shape, 0, 1, None)
            return
        pages: queue.Queue[tuple[str, Any]] = queue.Queue()
        room = threading.Semaphore(4 * total)  # backpressure: items in flight per scan
        stop = threading.Event()

        def worker(segment: int) -> None:
            try:
                for item in self._segment(shape, segment, total, stop):
                    while not room.acquire(timeout=0.1):
                        if stop.is_set():
                            return
                    pages.put(("item", item))
            except BaseException as error:  # handed to the consumer, raised there
                pages.put(("error", error))
            finally:
                pages.put(("done", None))

        with ThreadPoolExecutor(max_workers=total, thread_name_prefix="dynastack-scan") as pool:
            for segment in range(total):
                pool.submit(worker, segment)
            try:
                running = total
                while running:
                    kind, value = pages.get()
                    if kind == "item":
                        room.release()
                        yield value
                    elif kind == "error":
                        raise value
                    else:
                        running -= 1
            finally:
                stop.set()  # workers finish their current page and leave

    def _segment(
        self,
        shape: queries.ScanShape,
        segment: int,
        total: int,
        stop: threading.Event | None,
    ) -> Iterator[E]:
        start: dict[str, Any] | None = None
        while stop is None or not stop.is_set():
            items, start = self._run(queries.scan_page(self._plans, shape, segment, total, start))
            yield from items
            if start is None:
                return

    def batch_get(
        self, keys: Iterable[Mapping[str, Any]], /, *, consistent: bool = False
    ) -> list[E]:
        """The entities for ``keys`` (mappings of key fields) that exist and are visible, in
        the order asked; chunks of 100, unprocessed keys retried, duplicates refused."""
        return self._run(batch.batch_get(self._plans, keys, consistent))

    def batch_write(
        self,
        puts: Iterable[E] = (),
        deletes: Iterable[E | Mapping[str, Any]] = (),
        *,
        on_progress: Callable[[BatchProgress], object] | None = None,
    ) -> BatchProgress:
        """Unconditional bulk puts, then deletes, streamed: the iterables are consumed as
        requests go (25 writes or 16 MB each), unprocessed writes are retried, and
        ``on_progress`` hears after every request. An item named again goes in a later
        request, so the last write wins. Not available in an owner scope."""
        return self._run(batch.batch_write(self._plans, puts, deletes, on_progress))

    def __repr__(self) -> str:
        scope = "" if self.owner is None else f", owner={self.owner!r}"
        return f"Repository({self.entity.__name__}, table={self.table_name!r}{scope})"
