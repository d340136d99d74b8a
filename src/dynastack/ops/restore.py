"""``import_app``: restore a backup made by ``export_app``, checked first, written in bulk.

Nothing is written until everything has been checked: the manifest's format, every file's
SHA-256, size and line count, every line (a JSON object holding the key attributes with the
types the key schema says), the App declaring every table of the backup with the same key
schema, and each target table existing with that key schema. A mismatch anywhere is a
``ConfigurationError`` naming the file, line or table; ``dry_run=True`` stops there.

By default the target tables must be empty, so that the counts at the end prove the restore:
after writing, a consistent ``Select=COUNT`` scan must find exactly the backup's item count.
``merge=True`` writes into tables that already hold items (an item with the same key is
replaced, the others are kept); the check is then that the count lies between the backup's
count and the sum of both. (On AWS, items whose TTL has passed may be swept meanwhile: a
restore of expired items can come up short for that reason alone.)

Writes are ``BatchWriteItem`` requests of 25 puts, sent by ``workers`` threads (default 4)
through one thread-safe ``Client``; throttles are retried by the client's retry policy, and
``UnprocessedItems`` are re-sent here with exponential backoff and full jitter (AWS returns them
under load; DynamoDB Local never does, so the tests inject them). Items are sent exactly as the
file holds them, in wire format, so the restored items are byte-for-byte the exported ones.

Example:
    >>> backoff(0, rand=lambda: 1.0), backoff(3, rand=lambda: 0.5), backoff(30, rand=lambda: 1.0)
    (0.05, 0.2, 5.0)
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from dynastack.app import App
from dynastack.core.operations.raw import RawCall
from dynastack.errors import ConfigurationError, Throttled
from dynastack.model.tablespec import TableSpec
from dynastack.ops.backup import DEFAULT_SEGMENTS, Progress, count_items, describe_or_none
from dynastack.ops.manifest import KeySchema, Manifest, TableEntry, read_manifest
from dynastack.provisioning.drivers import Sender

__all__ = [
    "BATCH_SIZE",
    "DEFAULT_WORKERS",
    "RestoreReport",
    "TableRestore",
    "backoff",
    "import_app",
    "verify_backup",
]

#: DynamoDB's limit of requests per BatchWriteItem
BATCH_SIZE = 25
DEFAULT_WORKERS = 4
#: rounds of UnprocessedItems re-sends before giving up on a batch
MAX_ROUNDS = 12
_BASE = 0.05
_CAP = 5.0


def backoff(round_index: int, *, rand: Callable[[], float] = random.random) -> float:
    """Seconds to wait before re-sending unprocessed items: full jitter, capped at 5 s."""
    return rand() * min(_CAP, _BASE * 2.0 ** min(round_index, 32))


@dataclass(frozen=True, slots=True)
class TableRestore:
    """One table's restore: what the backup held, what was there before and after."""

    logical_name: str
    table_name: str
    items: int
    written: int
    count_before: int
    count_after: int | None = None

    @property
    def verified(self) -> bool | None:
        """Counts match (``None``: not counted, e.g. a dry run)."""
        if self.count_after is None:
            return None
        if self.count_before == 0:
            return self.count_after == self.items
        return self.items <= self.count_after <= self.items + self.count_before


@dataclass(frozen=True, slots=True)
class RestoreReport:
    """The whole restore; ``ok`` is false when a table's counts do not match."""

    manifest: Manifest
    tables: tuple[TableRestore, ...]
    dry_run: bool

    @property
    def ok(self) -> bool:
        """No table failed its count check."""
        return all(t.verified is not False for t in self.tables)


def _check_line(line: bytes, key: KeySchema, where: str) -> dict[str, Any]:
    try:
        item = orjson.loads(line)
    except orjson.JSONDecodeError as error:
        raise ConfigurationError(f"{where} is not JSON: {error}") from None
    if not isinstance(item, dict):
        raise ConfigurationError(f"{where} is not a JSON object")
    parts = [key.pk] if key.sk is None else [key.pk, key.sk]
    for name, kind in parts:
        value = item.get(name)
        if not isinstance(value, dict) or list(value) != [kind]:
            raise ConfigurationError(f"{where} has no key attribute {name} of type {kind}")
    return item


def verify_backup(folder: Path, entry: TableEntry) -> None:
    """Check one table's file against its manifest entry: size, SHA-256, lines and keys."""
    path = folder / entry.file
    if not path.is_file():
        raise ConfigurationError(f"{path} is missing from the backup")
    digest = hashlib.sha256()
    size = lines = 0
    with path.open("rb") as stream:
        for line in stream:
            digest.update(line)
            size += len(line)
            lines += 1
            _check_line(line, entry.key_schema, f"{path}:{lines}")
    if size != entry.bytes or digest.hexdigest() != entry.sha256:
        raise ConfigurationError(
            f"{path} does not match its checksum in the manifest (sha256 {digest.hexdigest()}, "
            f"{size} bytes; expected {entry.sha256}, {entry.bytes} bytes): "
            "the file was changed or truncated after the export"
        )
    if lines != entry.items:
        raise ConfigurationError(f"{path} holds {lines} items, the manifest says {entry.items}")


def _items(path: Path) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    with path.open("rb") as stream:
        for line in stream:
            chunk.append(orjson.loads(line))
            if len(chunk) == BATCH_SIZE:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


def _check_all(
    app: App,
    client: Sender,
    folder: Path,
    manifest: Manifest,
    *,
    env: str | None,
    environ: Mapping[str, str] | None,
    merge: bool,
    segments: int,
) -> list[tuple[TableEntry, TableSpec, int]]:
    specs = {spec.logical_name: spec for spec in app.table_specs(env=env, environ=environ)}
    checked = []
    for entry in manifest.tables:
        spec = specs.get(entry.logical_name)
        if spec is None:
            raise ConfigurationError(
                f"the backup holds table {entry.logical_name!r}, which app {app.name!r} "
                "does not declare"
            )
        declared = KeySchema.of_spec(spec)
        if declared != entry.key_schema:
            raise ConfigurationError(
                f"table {entry.logical_name!r}: the backup's key is "
                f"{entry.key_schema.describe()}, the app declares {declared.describe()}"
            )
        verify_backup(folder, entry)
        described = describe_or_none(client, spec.name)
        if described is None:
            option = f" --env {env}" if env else ""
            raise ConfigurationError(
                f"table {spec.name} does not exist: create it first "
                f"(`dynastack tables apply APP{option}`)"
            )
        actual = KeySchema.of_description(described)
        if actual != entry.key_schema:
            raise ConfigurationError(
                f"table {spec.name} has key {actual.describe()}, the backup's items have "
                f"{entry.key_schema.describe()}"
            )
        before = count_items(client, spec.name, segments=segments)
        if before and not merge:
            raise ConfigurationError(
                f"table {spec.name} already holds {before} items: import into empty tables, "
                "or merge (items with the same key are replaced, the others kept)"
            )
        checked.append((entry, spec, before))
    return checked


def import_app(
    app: App,
    client: Sender,
    source: Path,
    *,
    env: str | None = None,
    environ: Mapping[str, str] | None = None,
    workers: int = DEFAULT_WORKERS,
    dry_run: bool = False,
    merge: bool = False,
    verify: bool = True,
    segments: int = DEFAULT_SEGMENTS,
    progress: Progress | None = None,
    sleep: Callable[[float], object] = time.sleep,
    rand: Callable[[], float] = random.random,
) -> RestoreReport:
    """Restore the backup in ``source`` into ``app``'s tables named for ``env``.

    Everything is checked before the first write (see the module docstring); ``dry_run``
    returns after the checks. ``verify=False`` skips the final count scans. ``sleep`` and
    ``rand`` drive the backoff between re-sends of unprocessed items (for tests).
    """
    if workers < 1:
        raise ConfigurationError(f"workers must be at least 1, not {workers}")
    manifest = read_manifest(source)
    checked = _check_all(
        app, client, source, manifest, env=env, environ=environ, merge=merge, segments=segments
    )
    results = []
    for entry, spec, before in checked:
        if dry_run:
            results.append(TableRestore(entry.logical_name, spec.name, entry.items, 0, before))
            continue
        writer = _TableWriter(client, entry, spec.name, progress, sleep, rand)
        written = writer.run(source / entry.file, workers)
        after = count_items(client, spec.name, segments=segments) if verify else None
        results.append(
            TableRestore(entry.logical_name, spec.name, entry.items, written, before, after)
        )
    return RestoreReport(manifest, tuple(results), dry_run)


@dataclass(slots=True)
class _TableWriter:
    """Writes one table's file in batches from a thread pool, counting what DynamoDB took."""

    client: Sender
    entry: TableEntry
    table: str
    progress: Progress | None
    sleep: Callable[[float], object]
    rand: Callable[[], float]
    done: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, path: Path, workers: int) -> int:
        """Write every item of ``path``; return how many DynamoDB acknowledged."""
        self._report(0)
        in_flight: set[Future[None]] = set()
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dynastack-import") as pool:
            try:
                for chunk in _items(path):
                    # bounded: a large file is streamed, never held in memory whole
                    while len(in_flight) >= workers * 2:
                        finished, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
                        for future in finished:
                            future.result()
                    in_flight.add(pool.submit(self._write_chunk, chunk))
                for future in in_flight:
                    future.result()
            except BaseException:
                for future in in_flight:
                    future.cancel()
                raise
        return self.done

    def _report(self, count: int) -> None:
        with self.lock:
            self.done += count
            if self.progress is not None:
                self.progress(self.entry.logical_name, self.done, self.entry.items)

    def _write_chunk(self, items: list[dict[str, Any]]) -> None:
        table = self.table
        pending: list[Any] = [{"PutRequest": {"Item": item}} for item in items]
        for round_index in range(MAX_ROUNDS):
            reply: dict[str, Any] = self.client.send(
                RawCall.of("BatchWriteItem", {"RequestItems": {table: pending}})
            )
            left = (reply.get("UnprocessedItems") or {}).get(table) or []
            self._report(len(pending) - len(left))
            if not left:
                return
            pending = list(left)
            self.sleep(backoff(round_index, rand=self.rand))
        raise Throttled(
            f"{len(pending)} items for {table} were still unprocessed after {MAX_ROUNDS} "
            "BatchWriteItem attempts; the table is overloaded: import again later, merging "
            "(items already written are replaced by the same items)"
        )
