"""``doctor``: does the endpoint answer, and do an App's tables match what its entities declare?

Seed 004 had three helpers (``test_connection``, ``check_all_tables_exist``,
``get_table_info``) that printed what they saw and left the judging to a human. Here every
observation is a ``Check`` with a verdict and a precise detail (what was declared, what the
table has), so that CI can trust the exit code and a person can read the one line that failed.

Two halves, as everywhere in dynastack: ``check_table`` is pure (a ``TableSpec`` and the
DescribeTable / DescribeTimeToLive replies in, checks out) and testable with hand-written
descriptions; ``diagnose`` does the reading. The comparison itself is not re-implemented: it is
``provisioning.plan``, the same diff ``dynastack tables plan`` shows, so doctor and plan can never
disagree about what "drift" means. Anything the plan would change or refuses to change is a
failed check; everything it leaves alone is a passed one.

Exit codes (``DoctorReport.exit_code``): 0 all checks pass, 1 drift or missing tables,
2 the connection test failed (nothing else could be checked).

``ItemCount`` is reported as DynamoDB gives it: on AWS it is refreshed about every six hours,
so it is approximate there; DynamoDB Local keeps it current.

Example:
    >>> from dynastack.model import AttributeSpec, TableSpec
    >>> spec = TableSpec("notes", "notes-dev", AttributeSpec("PK", "S"), None, (),
    ...                  None, "PAY_PER_REQUEST", None, False)
    >>> [(c.subject, c.ok, c.detail) for c in check_table(spec, None)]
    [('table', False, 'missing (declared key HASH PK S); create it with `dynastack tables apply`')]
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from dynastack.app import App
from dynastack.core.operations.raw import RawCall
from dynastack.core.operations.table_description import TableDescription
from dynastack.core.operations.tables import DescribeTable, ListTables
from dynastack.errors import CircuitOpen, ResourceNotFound, ServiceError, TransportError
from dynastack.model.tablespec import AttributeSpec, TableSpec
from dynastack.provisioning.changes import (
    AddIndex,
    Change,
    DisableStream,
    DisableTtl,
    Drift,
    DropIndex,
    EnablePitr,
    EnableStream,
    EnableTtl,
    UpdateBilling,
    describe_index,
)
from dynastack.provisioning.drivers import Sender
from dynastack.provisioning.plan import plan
from dynastack.provisioning.script import UNSUPPORTED_CODES

__all__ = [
    "EXIT_DRIFT",
    "EXIT_OK",
    "EXIT_UNREACHABLE",
    "Check",
    "DoctorReport",
    "check_table",
    "diagnose",
]

#: every check passed
EXIT_OK = 0
#: a table is missing or differs from its declaration
EXIT_DRIFT = 1
#: the connection test failed: the endpoint is unreachable or refused us
EXIT_UNREACHABLE = 2

_ON = frozenset({"ENABLED", "ENABLING"})
_COUNT_NOTE = "approximate on AWS, refreshed about every 6 hours"


@dataclass(frozen=True, slots=True)
class Check:
    """One observation: ``subject`` ("table key", "global index ByOrg" …) and its verdict.

    ``table`` is the physical table name (``None`` for the connection test); ``detail`` says
    what was found, or, when ``ok`` is false, exactly what differs.
    """

    table: str | None
    subject: str
    ok: bool
    detail: str

    def to_json(self) -> dict[str, Any]:
        """The check as a JSON-ready dict."""
        return {"table": self.table, "check": self.subject, "ok": self.ok, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class DoctorReport:
    """Everything ``diagnose`` found, with the verdict as an exit code."""

    endpoint: str
    reachable: bool
    latency_ms: float | None
    checks: tuple[Check, ...] = ()
    error: str | None = None
    item_counts: Mapping[str, int] = field(default_factory=dict)

    @property
    def failures(self) -> tuple[Check, ...]:
        """The checks that did not pass."""
        return tuple(c for c in self.checks if not c.ok)

    @property
    def ok(self) -> bool:
        """The endpoint answered and every check passed."""
        return self.reachable and not self.failures

    @property
    def exit_code(self) -> int:
        """``EXIT_OK``, ``EXIT_DRIFT`` or ``EXIT_UNREACHABLE``.

        >>> DoctorReport("http://127.0.0.1:1", reachable=False, latency_ms=None).exit_code
        2
        """
        if not self.reachable:
            return EXIT_UNREACHABLE
        return EXIT_DRIFT if self.failures else EXIT_OK

    def to_json(self) -> dict[str, Any]:
        """The report as a JSON-ready dict (the ``--json`` output)."""
        return {
            "endpoint": self.endpoint,
            "reachable": self.reachable,
            "latency_ms": None if self.latency_ms is None else round(self.latency_ms, 3),
            "error": self.error,
            "ok": self.ok,
            "exit_code": self.exit_code,
            "checks": [c.to_json() for c in self.checks],
            "item_counts": dict(self.item_counts),
        }


def _key_text(pk: AttributeSpec, sk: AttributeSpec | None) -> str:
    text = f"HASH {pk.name} {pk.type}"
    return text if sk is None else f"{text}, RANGE {sk.name} {sk.type}"


def _differs(drift: Drift) -> str:
    return f"declared {drift.expected}, table has {drift.actual} ({drift.hint})"


def check_table(
    spec: TableSpec,
    described: Mapping[str, Any] | None,
    ttl: Mapping[str, Any] | None = None,
    *,
    backups: Mapping[str, Any] | None = None,
    unsupported: Collection[str] = (),
) -> list[Check]:
    """The checks of one table, from its DescribeTable (``None``: absent) and TTL replies.

    ``backups`` and ``unsupported`` are as for ``provisioning.plan``.
    """
    name = spec.name
    if described is None:
        key = _key_text(spec.pk, spec.sk)
        detail = f"missing (declared key {key}); create it with `dynastack tables apply`"
        return [Check(name, "table", False, detail)]
    raw = described.get("Table", described)
    found = plan(spec, raw, ttl, backups=backups, unsupported=unsupported)
    drift = {d.subject: d for d in found.drift}
    changes = list(found.changes)
    checks = [_status(name, TableDescription(dict(raw)))]

    key_drift = drift.pop("table key", None)
    if key_drift is None:
        checks.append(Check(name, "table key", True, _key_text(spec.pk, spec.sk)))
    else:
        checks.append(Check(name, "table key", False, _differs(key_drift)))

    checks.extend(_index_checks(spec, drift, changes))
    checks.extend(Check(name, subject, False, _differs(d)) for subject, d in drift.items())
    checks.append(_ttl_check(spec, ttl, changes, unsupported))
    checks.append(_pick(name, "billing", changes, (UpdateBilling,), spec.billing_mode))
    checks.append(_pick(name, "stream", changes, (EnableStream, DisableStream), spec.stream))
    if spec.point_in_time_recovery or any(isinstance(c, EnablePitr) for c in changes):
        shown = "not supported by this endpoint" if "pitr" in unsupported else "on"
        checks.append(_pick(name, "point-in-time recovery", changes, (EnablePitr,), shown))
    # whatever the plan holds that no row above claimed still fails the table
    checks.extend(Check(name, "change pending", False, str(c)) for c in changes)
    count = raw.get("ItemCount")
    if isinstance(count, int):
        checks.append(Check(name, "items", True, f"{count} ({_COUNT_NOTE})"))
    return checks


def _status(name: str, desc: TableDescription) -> Check:
    busy = [f"index {n} {s}" for n, s in desc.index_statuses.items() if s != "ACTIVE"]
    status = desc.status or "unknown"
    if desc.is_ready:
        return Check(name, "status", True, status)
    parts = [] if status == "ACTIVE" else [f"table {status}"]
    return Check(name, "status", False, "; ".join([*parts, *busy]) + " (expected ACTIVE)")


def _index_checks(spec: TableSpec, drift: dict[str, Drift], changes: list[Change]) -> list[Check]:
    checks: list[Check] = []
    for index in spec.indexes:
        subject = f"{'local' if index.local else 'global'} index {index.name}"
        declared = describe_index(index)
        adds = [c for c in changes if isinstance(c, AddIndex) and c.index.name == index.name]
        differs = drift.pop(subject, None)
        if adds:
            changes.remove(adds[0])
            checks.append(Check(spec.name, subject, False, f"missing: declared {declared}"))
        elif differs is not None:
            checks.append(Check(spec.name, subject, False, _differs(differs)))
        else:
            checks.append(Check(spec.name, subject, True, declared))
    for change in [c for c in changes if isinstance(c, DropIndex)]:
        changes.remove(change)
        detail = f"in the table but {change.reason}"
        checks.append(Check(spec.name, f"global index {change.name}", False, detail))
    return checks


def _ttl_check(
    spec: TableSpec,
    ttl: Mapping[str, Any] | None,
    changes: list[Change],
    unsupported: Collection[str],
) -> Check:
    description = (ttl or {}).get("TimeToLiveDescription", ttl) or {}
    status = description.get("TimeToLiveStatus", "DISABLED")
    attribute = description.get("AttributeName")
    actual = f"{attribute} {status}" if attribute and status in _ON else "off"
    expected = f"{spec.ttl_attribute} ENABLED" if spec.ttl_attribute else "off"
    pending = [c for c in changes if isinstance(c, EnableTtl | DisableTtl)]
    for change in pending:
        changes.remove(change)
    if pending:
        return Check(spec.name, "ttl", False, f"declared {expected}, table has {actual}")
    if "ttl" in unsupported:
        return Check(spec.name, "ttl", True, "not supported by this endpoint")
    return Check(spec.name, "ttl", True, actual)


def _pick(
    name: str,
    subject: str,
    changes: list[Change],
    kinds: tuple[type[Any], ...],
    declared: str | None,
) -> Check:
    mine = [c for c in changes if isinstance(c, kinds)]
    for change in mine:
        changes.remove(change)
    if not mine:
        return Check(name, subject, True, declared or "off")
    return Check(name, subject, False, "; ".join(str(c) for c in mine) + " needed")


def diagnose(
    app: App,
    client: Sender,
    *,
    env: str | None = None,
    environ: Mapping[str, str] | None = None,
    endpoint: str = "",
    clock: Callable[[], float] = time.perf_counter,
) -> DoctorReport:
    """Test the connection (a ListTables round trip), then check every table of ``app``.

    A failed connection test gives a report with ``reachable=False`` (exit code 2) instead of
    raising; errors after it (a table read refused, say) propagate as ``DynastackError``.
    ``endpoint`` is only shown in the report.
    """
    specs = app.table_specs(env=env, environ=environ)
    started = clock()
    try:
        client.send(ListTables(limit=1))
    except (TransportError, CircuitOpen, ServiceError) as error:
        return DoctorReport(endpoint, False, None, error=str(error) or type(error).__name__)
    latency = (clock() - started) * 1000.0
    checks = [Check(None, "connection", True, f"ListTables answered in {latency:.1f} ms")]
    counts: dict[str, int] = {}
    for spec in specs:
        described, ttl, backups, unsupported = _read(spec, client)
        checks.extend(check_table(spec, described, ttl, backups=backups, unsupported=unsupported))
        count = None if described is None else described.get("ItemCount")
        if isinstance(count, int):
            counts[spec.name] = count
    return DoctorReport(endpoint, True, latency, tuple(checks), item_counts=counts)


def _read(
    spec: TableSpec, client: Sender
) -> tuple[dict[str, Any] | None, dict[str, Any] | None, dict[str, Any] | None, frozenset[str]]:
    try:
        described = client.send(DescribeTable(table=spec.name)).raw
    except ResourceNotFound:
        return None, None, None, frozenset()
    unsupported: set[str] = set()
    ttl = _optional(client, "DescribeTimeToLive", spec.name, "ttl", unsupported)
    backups = None
    if spec.point_in_time_recovery:
        backups = _optional(client, "DescribeContinuousBackups", spec.name, "pitr", unsupported)
    return described, ttl, backups, frozenset(unsupported)


def _optional(
    client: Sender, action: str, table: str, feature: str, unsupported: set[str]
) -> dict[str, Any] | None:
    try:
        reply: dict[str, Any] = client.send(RawCall.of(action, {"TableName": table}))
    except ServiceError as error:
        if error.code not in UNSUPPORTED_CODES:
            raise
        unsupported.add(feature)
        return None
    return reply
