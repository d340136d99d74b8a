"""``backfill``: rewrite items stored at an older schema version, with progress and resume.

Reads already upgrade lazily (``from_item`` applies ``__upgrades__``), so a backfill is never
required for correctness; it makes the stored data current, so that other readers (analytics,
other services, filters on new attributes) see the new shape too.

How: a scan (optionally in parallel segments) filtered to this entity's items whose schema
marker ``_sv`` is missing or below the current version; each item is upgraded through the same
``from_item`` a read uses and written back with ``to_item`` under a condition that both its
schema marker and its write token ``_wt`` are unchanged. Every repository write stores a
fresh token, so a concurrent write makes the condition fail instead of being overwritten: the
item is then read again and retried (``MAX_ATTEMPTS`` times), or counted as skipped when it
is already current or gone. Lost replies are handled as for any write (writes.perform).

Resume: with ``checkpoint=path``, the position of every segment (its last evaluated key) and
the counts are saved atomically after each page; a later run with the same path and segment
count continues from there (a crash mid-page repeats at most that page, and items it already
upgraded no longer match the filter). The file is removed when the backfill completes.

Example:
    >>> BackfillReport(seen=3, upgraded=2, skipped=1).done
    3
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from dynastack.core.expressions import Attr, Condition, Placeholders, compile
from dynastack.core.operations import GetItem, GetItemResult, Scan, ScanResult
from dynastack.core.steps import Script, Send, arun, run
from dynastack.core.values import decode_item, encode_item
from dynastack.errors import ConditionalCheckFailed, InvalidRequest
from dynastack.model.app import TableNaming
from dynastack.model.codec import entity_from_item, entity_to_wire
from dynastack.model.entity import Entity
from dynastack.model.items import key_of
from dynastack.model.meta import TYPE_ATTR, VERSION_ATTR, WRITE_TOKEN_ATTR
from dynastack.repository.binding import (
    EntityBinding,
    all_of,
    check_segments,
    new_token,
    table_name_for,
)
from dynastack.repository.resends import Resends
from dynastack.repository.writes import PreparedWrite, perform

if TYPE_CHECKING:
    from dynastack.client.async_client import AsyncClient
    from dynastack.client.client import Client

__all__ = ["MAX_ATTEMPTS", "BackfillReport", "abackfill", "backfill"]

E = TypeVar("E", bound=Entity)

#: attempts to rewrite one item that keeps changing underneath the backfill
MAX_ATTEMPTS = 3
#: failures kept in the report (the count goes on)
_MAX_FAILURES_KEPT = 100

Progress = Callable[[int, int], object]


@dataclass
class BackfillReport:
    """What a backfill did. ``seen``: old items found; ``upgraded``: rewritten by this run;
    ``skipped``: changed meanwhile and current, or deleted; ``failed``: items that did not
    validate after upgrading (their keys and errors, the first 100, in ``failures``)."""

    seen: int = 0
    upgraded: int = 0
    skipped: int = 0
    failed: int = 0
    failures: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    segments: int = 1
    resumed: bool = False

    @property
    def done(self) -> int:
        """Items dealt with, one way or another."""
        return self.upgraded + self.skipped + self.failed


@dataclass
class _Run:
    """Shared, lock-protected state of one backfill: positions, counts, checkpoint."""

    report: BackfillReport
    positions: dict[int, dict[str, Any] | None]
    finished: set[int]
    checkpoint: Path | None
    identity: dict[str, Any]
    progress: Progress | None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def page_done(self, segment: int, last: dict[str, Any] | None) -> None:
        with self.lock:
            if last is None:
                self.finished.add(segment)
            self.positions[segment] = last
            self._save()

    def count(self, kind: str, key: dict[str, Any] | None = None, error: str = "") -> None:
        with self.lock:
            report = self.report
            if kind == "seen":
                report.seen += 1
                return
            setattr(report, kind, getattr(report, kind) + 1)
            if kind == "failed" and key is not None and len(report.failures) < _MAX_FAILURES_KEPT:
                report.failures.append((key, error))
            done, seen = report.done, report.seen
        if self.progress is not None:
            self.progress(done, seen)

    def _save(self) -> None:
        if self.checkpoint is None:
            return
        report = self.report
        state = {
            **self.identity,
            "finished": sorted(self.finished),
            "positions": {
                str(s): None if p is None else encode_item(p) for s, p in self.positions.items()
            },
            "counts": [report.seen, report.upgraded, report.skipped, report.failed],
        }
        partial = self.checkpoint.with_name(self.checkpoint.name + ".tmp")
        partial.write_text(json.dumps(state), encoding="utf-8")
        os.replace(partial, self.checkpoint)  # atomic: a crash leaves the old or the new state


def _start(
    plans: EntityBinding[Any],
    segments: int,
    checkpoint: Path | None,
    progress: Progress | None,
) -> _Run:
    identity = {"table": plans.table, "entity": plans.meta.entity_type, "segments": segments}
    report = BackfillReport(segments=segments)
    run_state = _Run(report, dict.fromkeys(range(segments)), set(), checkpoint, identity, progress)
    if checkpoint is None or not checkpoint.exists():
        return run_state
    state = json.loads(checkpoint.read_text(encoding="utf-8"))
    found = {name: state.get(name) for name in identity}
    if found != identity:
        raise InvalidRequest(
            f"checkpoint {str(checkpoint)!r} belongs to {found}, not {identity}; "
            "use another file or the same segment count"
        )
    run_state.finished = set(state["finished"])
    run_state.positions = {
        int(s): None if p is None else decode_item(p) for s, p in state["positions"].items()
    }
    report.seen, report.upgraded, report.skipped, report.failed = state["counts"]
    report.resumed = True
    return run_state


def _filter(plans: EntityBinding[Any]) -> tuple[str, dict[str, str], dict[str, object]]:
    marker = Attr(VERSION_ATTR)
    conditions: list[Condition] = [marker.not_exists() | (marker < plans.meta.schema_version)]
    if plans.shared:
        conditions.append(Attr(TYPE_ATTR) == plans.meta.entity_type)
    ph = Placeholders()
    condition = all_of(conditions)
    assert condition is not None
    return compile(condition, ph), ph.names, ph.values


def _rewrite_plan(plans: EntityBinding[E], raw: dict[str, Any]) -> PreparedWrite[E]:
    entity = entity_from_item(plans.cls, raw)  # upgraded on the way, as every read
    item = entity_to_wire(entity)
    token = new_token()
    item[WRITE_TOKEN_ATTR] = {"S": token}
    marker, written = Attr(VERSION_ATTR), Attr(WRITE_TOKEN_ATTR)
    same_marker = marker.not_exists() if VERSION_ATTR not in raw else marker == raw[VERSION_ATTR]
    old_token = raw.get(WRITE_TOKEN_ATTR)
    same_token = written.not_exists() if old_token is None else written == old_token
    ph = Placeholders()
    condition = compile(same_marker & same_token, ph)
    key = key_of(plans.meta, entity.__dict__)
    return PreparedWrite(
        plans, "put", key, item, None, condition, ph.names, ph.values, token, entity,
        lambda old, raw_item: ConditionalCheckFailed("changed during the backfill"),
    )  # fmt: skip


def _upgrade(
    plans: EntityBinding[E], raw: dict[str, Any], state: _Run, resends: Resends
) -> Script[None]:
    key = {part.attr: raw[part.attr] for part in plans.meta.key_parts}
    for _ in range(MAX_ATTEMPTS):
        try:
            plan = _rewrite_plan(plans, raw)
        except ValueError as error:  # pydantic's ValidationError: the upgraded item is invalid
            state.count("failed", key, str(error))
            return None
        try:
            yield from perform(plan, resends)
        except ConditionalCheckFailed:
            result: GetItemResult = yield Send(GetItem(table=plans.table, key=key, consistent=True))
            current = result.item
            if current is None or int(current.get(VERSION_ATTR, 1)) >= plans.meta.schema_version:
                state.count("skipped")
                return None
            raw = current
            continue
        state.count("upgraded")
        return None
    state.count("failed", key, f"still changing after {MAX_ATTEMPTS} attempts")
    return None


def _segment(
    plans: EntityBinding[E],
    segment: int,
    total: int,
    state: _Run,
    page_size: int | None,
    *,
    resends: Resends,
) -> Script[None]:
    if segment in state.finished or plans.meta.schema_version == 1:
        return None  # version 1 is the first: nothing can be older
    text, names, values = _filter(plans)
    start = state.positions.get(segment)
    while True:
        op = Scan(
            table=plans.table,
            filter=text,
            names=names,
            values=values,
            consistent=True,
            limit=page_size,
            segment=segment if total > 1 else None,
            total_segments=total if total > 1 else None,
            exclusive_start_key=start,
        )
        result: ScanResult = yield Send(op)
        for raw in result.items:
            state.count("seen")
            yield from _upgrade(plans, raw, state, resends)
        start = result.last_evaluated_key
        state.page_done(segment, start)
        if start is None:
            return None


def _prepare(
    entity: type[E],
    *,
    env: str | None,
    table_name: str | None,
    app: TableNaming | None,
    segments: int,
    checkpoint: Path | str | None,
    progress: Progress | None,
    clock: Callable[[], datetime] | None,
) -> tuple[EntityBinding[E], _Run]:
    name = table_name_for(entity, env=env, table_name=table_name, app=app)
    plans = EntityBinding(entity, table=name, clock=clock)
    path = Path(checkpoint) if checkpoint is not None else None
    return plans, _start(plans, check_segments(segments), path, progress)


def _each_segment(work: Callable[[int], object], total: int) -> None:
    """``work(segment)`` for every segment: here for one, else in a pool of threads.

    The one place the twins differ on purpose (tests/test_twins.py lists it)."""
    if total == 1:
        work(0)
        return
    with ThreadPoolExecutor(max_workers=total, thread_name_prefix="dynastack-backfill") as pool:
        for future in [pool.submit(work, segment) for segment in range(total)]:
            future.result()


async def _aeach_segment(work: Callable[[int], Awaitable[object]], total: int) -> None:
    """``_each_segment`` for coroutines: one task per segment."""
    await asyncio.gather(*(work(segment) for segment in range(total)))


def _finish(state: _Run) -> BackfillReport:
    if state.checkpoint is not None:
        state.checkpoint.unlink(missing_ok=True)
    return state.report


def backfill(
    entity: type[E],
    client: Client,
    *,
    env: str | None = None,
    table_name: str | None = None,
    app: TableNaming | None = None,
    segments: int = 1,
    page_size: int | None = None,
    progress: Progress | None = None,
    checkpoint: Path | str | None = None,
    clock: Callable[[], datetime] | None = None,
) -> BackfillReport:
    """Rewrite ``entity``'s items stored below its ``schema_version`` (see the module doc).

    ``progress(done, seen)`` is called after each item; ``segments`` > 1 scans in threads;
    ``page_size`` bounds the items read per Scan call (and so the work between checkpoints).
    """
    plans, state = _prepare(
        entity, env=env, table_name=table_name, app=app, segments=segments,
        checkpoint=checkpoint, progress=progress, clock=clock,
    )  # fmt: skip
    total = state.report.segments
    resends = Resends.of(client)

    def one(segment: int) -> None:
        run(
            _segment(plans, segment, total, state, page_size, resends=resends),
            send=client.send,
            sleep=time.sleep,
        )

    _each_segment(one, total)
    return _finish(state)


async def abackfill(
    entity: type[E],
    client: AsyncClient,
    *,
    env: str | None = None,
    table_name: str | None = None,
    app: TableNaming | None = None,
    segments: int = 1,
    page_size: int | None = None,
    progress: Progress | None = None,
    checkpoint: Path | str | None = None,
    clock: Callable[[], datetime] | None = None,
) -> BackfillReport:
    """``backfill`` through an ``AsyncClient``; segments run as tasks."""
    plans, state = _prepare(
        entity, env=env, table_name=table_name, app=app, segments=segments,
        checkpoint=checkpoint, progress=progress, clock=clock,
    )  # fmt: skip
    total = state.report.segments
    resends = Resends.of(client)

    async def one(segment: int) -> None:
        await arun(
            _segment(plans, segment, total, state, page_size, resends=resends),
            send=client.send,
            sleep=asyncio.sleep,
        )

    await _aeach_segment(one, total)
    return _finish(state)
