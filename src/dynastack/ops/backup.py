"""``export_app``: every table of an App to JSON Lines files, exactly as DynamoDB sent them.

Seed 001 backed up with ``aws dynamodb scan > backup.json``: one unpaginated, eventually
consistent scan whose output nothing could restore. This module is that, done right:

* **Lossless.** Items are kept in DynamoDB's wire format (``{"price": {"N": "12.50"}}``), the
  bytes the endpoint sent, never decoded to Python values: numbers stay strings with all their
  38 digits, binaries stay base64, sets stay sets, nested maps and unicode stay as they are. A
  restore sends the very same values back, so the round trip is exact on DynamoDB Local and AWS.
* **Parallel.** Each table is read with a parallel scan of ``segments`` segments (default 4),
  one thread each, through one thread-safe ``Client``.
* **Checked.** ``manifest.json`` (see ``ops.manifest``) records each file's item count, size and
  SHA-256 and the table's key schema; it is written last, so a folder without it is an export
  that did not finish, and ``import_app`` refuses it.

What "consistent" means here, honestly: every scan page is read with ``ConsistentRead=True``,
so each page reflects every write acknowledged before that page was read. The backup as a
whole is **not** a point-in-time snapshot: a write made while the export runs may or may not be
in it (depending on whether its segment had passed that key), and a multi-table change can be
half in. Take the backup while writers are stopped when that matters. On AWS, point-in-time
recovery (PITR) and "export to S3" give true snapshots; use them for production disaster
recovery, and this tool for copying environments, fixtures and DynamoDB Local data.

Example:
    >>> encode_lines([{"pk": {"S": "ü"}, "n": {"N": "1.50"}}])
    b'{"pk":{"S":"\\xc3\\xbc"},"n":{"N":"1.50"}}\\n'
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from dynastack import __version__
from dynastack.app import App
from dynastack.core.operations.raw import RawCall
from dynastack.core.operations.tables import DescribeTable
from dynastack.errors import ConfigurationError, ResourceNotFound
from dynastack.model.tablespec import TableSpec
from dynastack.ops.manifest import KeySchema, Manifest, TableEntry, write_manifest
from dynastack.provisioning.drivers import Sender

__all__ = [
    "DEFAULT_SEGMENTS",
    "Progress",
    "count_items",
    "describe_or_none",
    "encode_lines",
    "export_app",
    "parallel_scan",
]

#: parallel scan segments per table unless told otherwise
DEFAULT_SEGMENTS = 4

#: ``progress(logical_table_name, items_done, total_or_None)``; called from worker threads,
#: one call at a time
Progress = Callable[[str, int, int | None], object]

PageHandler = Callable[[dict[str, Any]], object]


def encode_lines(items: Iterable[Mapping[str, Any]]) -> bytes:
    """Wire-format items as JSON Lines (UTF-8, one compact object per line)."""
    return b"".join(orjson.dumps(item) + b"\n" for item in items)


def describe_or_none(client: Sender, table: str) -> dict[str, Any] | None:
    """The table's DescribeTable ``Table`` member, or ``None`` when it does not exist."""
    try:
        return client.send(DescribeTable(table=table)).raw
    except ResourceNotFound:
        return None


def parallel_scan(
    client: Sender,
    table: str,
    handle_page: PageHandler,
    *,
    segments: int = DEFAULT_SEGMENTS,
    select_count: bool = False,
) -> None:
    """Scan ``table`` in ``segments`` threads, strongly consistent, calling ``handle_page``.

    ``handle_page`` receives each raw Scan reply (wire format), from the worker threads; it
    must do its own locking. The first error stops the other segments and is raised.
    """
    if segments < 1:
        raise ConfigurationError(f"segments must be at least 1, not {segments}")
    stop = threading.Event()

    def scan_segment(segment: int) -> None:
        payload: dict[str, Any] = {
            "TableName": table,
            "ConsistentRead": True,
            "Segment": segment,
            "TotalSegments": segments,
        }
        if select_count:
            payload["Select"] = "COUNT"
        while not stop.is_set():
            try:
                reply: dict[str, Any] = client.send(RawCall.of("Scan", payload))
                handle_page(reply)
            except BaseException:
                stop.set()
                raise
            last = reply.get("LastEvaluatedKey")
            if not last:
                return
            payload = {**payload, "ExclusiveStartKey": last}

    with ThreadPoolExecutor(max_workers=segments, thread_name_prefix="dynastack-scan") as pool:
        futures = [pool.submit(scan_segment, s) for s in range(segments)]
    for future in futures:
        future.result()  # re-raises the first failure, in segment order


def count_items(client: Sender, table: str, *, segments: int = DEFAULT_SEGMENTS) -> int:
    """The exact number of items in ``table`` (a consistent ``Select=COUNT`` parallel scan)."""
    lock = threading.Lock()
    total = 0

    def add(reply: dict[str, Any]) -> None:
        nonlocal total
        with lock:
            total += int(reply.get("Count", 0))

    parallel_scan(client, table, add, segments=segments, select_count=True)
    return total


def _file_name(spec: TableSpec) -> str:
    name = f"{spec.logical_name}.jsonl"
    if "/" in name or "\\" in name or name.startswith("."):
        raise ConfigurationError(f"table name {spec.logical_name!r} cannot name a backup file")
    return name


def _prepare(folder: Path, specs: list[TableSpec]) -> dict[str, str]:
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ConfigurationError(
            f"{folder} is not an empty folder: export into a new or empty folder, "
            "so that no file of an older backup is mixed in"
        )
    files = {spec.logical_name: _file_name(spec) for spec in specs}
    if len(set(files.values())) != len(specs):
        raise ConfigurationError("two tables of the app share one logical name")
    folder.mkdir(parents=True, exist_ok=True)
    return files


def export_app(
    app: App,
    client: Sender,
    out: Path,
    *,
    env: str | None = None,
    environ: Mapping[str, str] | None = None,
    segments: int = DEFAULT_SEGMENTS,
    progress: Progress | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Manifest:
    """Back up every table of ``app`` (named for ``env``) into the new or empty folder ``out``.

    Every table must exist (``ConfigurationError`` names the missing one). Returns the
    manifest that was written to ``out/manifest.json``.
    """
    if segments < 1:
        raise ConfigurationError(f"segments must be at least 1, not {segments}")
    specs = app.table_specs(env=env, environ=environ)
    described = []
    for spec in specs:
        found = describe_or_none(client, spec.name)
        if found is None:
            raise ConfigurationError(
                f"table {spec.name} ({spec.logical_name}) does not exist: nothing to export"
            )
        described.append(found)
    files = _prepare(out, specs)
    entries = [
        _export_table(
            client,
            spec,
            description,
            out / files[spec.logical_name],
            segments=segments,
            progress=progress,
        )
        for spec, description in zip(specs, described, strict=True)
    ]
    manifest = Manifest(
        app=app.name,
        env=env,
        dynastack_version=__version__,
        exported_at=now().isoformat(),
        segments=segments,
        tables=tuple(entries),
    )
    write_manifest(out, manifest)
    return manifest


def _export_table(
    client: Sender,
    spec: TableSpec,
    described: Mapping[str, Any],
    path: Path,
    *,
    segments: int,
    progress: Progress | None,
) -> TableEntry:
    reported = described.get("ItemCount")
    estimate = reported if isinstance(reported, int) else None
    digest = hashlib.sha256()
    lock = threading.Lock()
    counts = {"items": 0, "bytes": 0}
    with path.open("wb") as stream:

        def write_page(reply: dict[str, Any]) -> None:
            items = reply.get("Items") or []
            data = encode_lines(items)
            with lock:  # one page at a time: the file and its hash see the same order
                stream.write(data)
                digest.update(data)
                counts["items"] += len(items)
                counts["bytes"] += len(data)
                if progress is not None:
                    progress(spec.logical_name, counts["items"], estimate)

        if progress is not None:
            progress(spec.logical_name, 0, estimate)
        parallel_scan(client, spec.name, write_page, segments=segments)
        stream.flush()
        os.fsync(stream.fileno())  # the files are durable before the manifest vouches for them
    return TableEntry(
        logical_name=spec.logical_name,
        table_name=spec.name,
        file=path.name,
        items=counts["items"],
        bytes=counts["bytes"],
        sha256=digest.hexdigest(),
        key_schema=KeySchema.of_description(described),
        indexes=tuple({**index.to_request(), "Local": index.local} for index in spec.indexes),
        ttl_attribute=spec.ttl_attribute,
        reported_item_count=estimate,
    )
