"""Provisioning as scripts: generators that yield requests and pauses, with no I/O of their own.

Reading a table's state, waiting for ACTIVE and walking a plan are the same logic for the
blocking and the asyncio client; only "send this" and "sleep that long" differ. So the logic is
written once in the one step protocol (``dynastack.core.steps``, shared with the repository):
generators that ``yield Send(RawCall)`` (and receive DynamoDB's reply dict, or have the error
thrown in at the ``yield``) or ``Sleep(seconds)``. ``drivers.py`` runs them with ``run`` /
``arun``. The same shape lets tests drive a script by hand with fake replies and a fake clock,
without patching anything. Requests go through ``RawCall`` rather than typed operations because
one of them (UpdateContinuousBackups) has none, and the raw path keeps ``tables plan`` quick.

Waiting is a bounded poll: DescribeTable until the table and all its global indexes are ACTIVE
(a dropped index has vanished), with delays doubling from ``Polling.first`` up to
``Polling.most``, and ``ResourceInUse`` naming what was still busy when ``Polling.timeout`` ran
out. Changes that leave the table busy are waited for before the next one, because DynamoDB
takes one index operation at a time; TTL and PITR changes are not waited for (AWS takes up to an
hour to finish them and the table stays usable meanwhile).

Example:
    >>> steps = wait_ready("t-dev", Polling(), clock=lambda: 0.0)
    >>> step = next(steps)
    >>> step.op.action, step.op.payload
    ('DescribeTable', {'TableName': 't-dev'})
    >>> try:
    ...     steps.send({"Table": {"TableStatus": "ACTIVE"}})
    ... except StopIteration as done:
    ...     done.value["TableStatus"]
    'ACTIVE'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from dynastack.core.operations.raw import RawCall
from dynastack.core.steps import Script, Send, Sleep
from dynastack.errors import ResourceInUse, ResourceNotFound, ServiceError, ServiceLimitExceeded
from dynastack.model.tablespec import TableSpec
from dynastack.provisioning.changes import Change, CreateTable, EnablePitr
from dynastack.provisioning.plan import Plan, plan

__all__ = [
    "UNSUPPORTED_CODES",
    "Applied",
    "Observed",
    "Polling",
    "Progress",
    "apply_steps",
    "observe",
    "plan_steps",
    "wait_ready",
]


#: error codes an endpoint answers for an action it does not implement (DynamoDB Local 3.x
#: answers UnknownOperationException, HTTP 400, to Describe/UpdateContinuousBackups)
UNSUPPORTED_CODES = frozenset({"UnknownOperationException", "UnrecognizedOperationException"})
#: AWS answers this to UpdateContinuousBackups while a new table's backups are being set up
_BACKUPS_NOT_READY = "ContinuousBackupsUnavailableException"
#: how often a change is retried when the table turned busy between our wait and our send
_BUSY_RETRIES = 5

Progress = Callable[[str], object]


def _call(action: str, payload: dict[str, Any]) -> Send:
    """The step that sends ``action`` with ``payload``; the script receives the reply dict."""
    return Send(RawCall.of(action, payload))


@dataclass(frozen=True, slots=True)
class Polling:
    """How to wait for ACTIVE: first delay, longest delay, and the give-up time, in seconds."""

    first: float = 1.0
    most: float = 10.0
    timeout: float = 1800.0


@dataclass(frozen=True, slots=True)
class Observed:
    """A table's state as read from the endpoint (``table`` is ``None`` when it is absent)."""

    table: Mapping[str, Any] | None
    ttl: Mapping[str, Any] | None = None
    backups: Mapping[str, Any] | None = None
    unsupported: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Applied:
    """What ``apply`` did: the changes sent, in order, and notes (skipped or unsupported)."""

    table: str
    changes: tuple[Change, ...]
    notes: tuple[str, ...] = ()


def _unsupported(error: ServiceError) -> bool:
    return error.code in UNSUPPORTED_CODES


def observe(spec: TableSpec) -> Script[Observed]:
    """Read the table, its TTL and (when declared) its PITR setting."""
    name = {"TableName": spec.name}
    try:
        described = yield _call("DescribeTable", dict(name))
    except ResourceNotFound:
        return Observed(None)
    unsupported: set[str] = set()
    ttl = backups = None
    try:
        ttl = yield _call("DescribeTimeToLive", dict(name))
    except ServiceError as error:
        if not _unsupported(error):
            raise
        unsupported.add("ttl")
    if spec.point_in_time_recovery:
        try:
            backups = yield _call("DescribeContinuousBackups", dict(name))
        except ServiceError as error:
            if not _unsupported(error):
                raise
            unsupported.add("pitr")
    return Observed(described, ttl, backups, frozenset(unsupported))


def plan_steps(spec: TableSpec, *, recreate_indexes: bool = False) -> Script[Plan]:
    """Observe the table, then plan (pure) against what was read."""
    seen = yield from observe(spec)
    return plan(
        spec,
        seen.table,
        seen.ttl,
        backups=seen.backups,
        unsupported=seen.unsupported,
        recreate_indexes=recreate_indexes,
    )


def _busy(table: Mapping[str, Any]) -> list[str]:
    busy = []
    status = table.get("TableStatus")
    if status != "ACTIVE":
        busy.append(f"table {status or 'status unknown'}")
    for index in table.get("GlobalSecondaryIndexes") or ():
        if index.get("IndexStatus", "ACTIVE") != "ACTIVE":
            busy.append(f"index {index.get('IndexName')} {index.get('IndexStatus')}")
    return busy


def wait_ready(
    table: str,
    polling: Polling,
    *,
    clock: Callable[[], float],
    progress: Progress | None = None,
) -> Script[dict[str, Any]]:
    """Poll DescribeTable until the table and its global indexes are ACTIVE; return it."""
    deadline = clock() + polling.timeout
    delay = polling.first
    shown: list[str] = []
    while True:
        try:
            reply = yield _call("DescribeTable", {"TableName": table})
        except ResourceNotFound:
            reply = {"Table": {"TableStatus": "not visible yet"}}  # eventual consistency
        described: dict[str, Any] = reply.get("Table") or {}
        busy = _busy(described)
        if not busy:
            return described
        if clock() + delay > deadline:
            raise ResourceInUse(
                f"table {table} is not ready after {polling.timeout:g} s: {', '.join(busy)}; "
                "run apply again later, it resumes where this stopped",
                operation="DescribeTable",
            )
        if progress is not None and busy != shown:
            progress(f"{table}: waiting ({', '.join(busy)})")
            shown = busy
        yield Sleep(delay)
        delay = min(delay * 2, polling.most)


def _send(
    change: Change, polling: Polling, clock: Callable[[], float], notes: list[str]
) -> Script[bool]:
    """Send one change, riding out a busy table; False when the endpoint lacks the feature."""
    retries = 0
    while True:
        try:
            yield _call(change.action, change.payload())
        except (ResourceInUse, ServiceLimitExceeded):
            # busy through no doing of ours (another deploy, an index still building):
            # wait for it and try again; CreateTable's ResourceInUse means "exists" and stops
            retries += 1
            if isinstance(change, CreateTable) or retries > _BUSY_RETRIES:
                raise
            yield from wait_ready(change.table, polling, clock=clock)
            continue
        except ServiceError as error:
            if not isinstance(change, EnablePitr):
                raise
            if _unsupported(error):
                notes.append("point-in-time recovery is not supported by this endpoint: skipped")
                return False
            retries += 1
            if error.code != _BACKUPS_NOT_READY or retries > _BUSY_RETRIES:
                raise
            yield Sleep(polling.most)
            continue
        return True


def apply_steps(
    planned: Plan,
    *,
    wait: bool = True,
    polling: Polling | None = None,
    clock: Callable[[], float],
    progress: Progress | None = None,
) -> Script[Applied]:
    """Make every change of ``planned`` in order; refuse the whole plan if it has drift."""
    planned.check()
    polling = polling or Polling()
    table = planned.table
    notes = list(planned.notes)
    sent: list[Change] = []
    settle = not planned.creates  # an existing table may be busy from an earlier run
    for change in planned.changes:
        if settle:
            yield from wait_ready(table, polling, clock=clock, progress=progress)
        if progress is not None:
            progress(f"{table}: {change.symbol} {change}")
        if (yield from _send(change, polling, clock, notes)):
            sent.append(change)
        settle = change.busy
    if wait and sent and settle:
        yield from wait_ready(table, polling, clock=clock, progress=progress)
    return Applied(table, tuple(sent), tuple(notes))
