"""``plan``: what it takes to make a table match its ``TableSpec``, as a pure diff.

The inputs are the replies of DescribeTable, DescribeTimeToLive and DescribeContinuousBackups
(dicts shaped as DynamoDB sends them, with or without their outer member), so that planning
never does I/O and every case is testable with hand-written descriptions; ``apply`` reads
them and then calls this function.

Changes come out in the order DynamoDB can take them: create the table, or else drop the
indexes no entity declares (fewer indexes to give capacity, one index operation at a time),
switch billing, add the missing indexes one by one, change the stream, then TTL and
point-in-time recovery. What DynamoDB cannot change in place (the table key, local indexes,
the type of an attribute an index keeps keying on) is ``Drift``: reported, never "fixed" by
deleting data. A global index declared differently from the one in the table is drift too,
unless ``recreate_indexes=True`` allows dropping and rebuilding it.

Some decisions are deliberately one-way: point-in-time recovery is switched on when
declared, never off, and provisioned capacity numbers are not compared (autoscaling owns
them). Features an endpoint does not offer (DynamoDB Local has no PITR) are named in
``unsupported`` and become notes instead of changes.

Example:
    >>> from dynastack.model import AttributeSpec, TableSpec
    >>> spec = TableSpec("notes", "notes-dev", AttributeSpec("PK", "S"), None, (),
    ...                  "expires_at", "PAY_PER_REQUEST", None, False)
    >>> print(plan(spec, None).render())
    table notes-dev: 2 changes
      + create table notes-dev
          key HASH PK S
          billing PAY_PER_REQUEST
          stream off
      + enable TTL on attribute expires_at
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from typing import Any

from dynastack.errors import DefinitionError
from dynastack.model.tablespec import AttributeSpec, IndexSpec, TableSpec
from dynastack.provisioning.changes import (
    AddIndex,
    Change,
    CreateTable,
    DisableStream,
    DisableTtl,
    Drift,
    DriftKind,
    DropIndex,
    EnablePitr,
    EnableStream,
    EnableTtl,
    UpdateBilling,
    describe_index,
)

__all__ = ["Plan", "plan"]

_ON = frozenset({"ENABLED", "ENABLING"})
_REBUILD = "drop and re-add it by renaming the index, or plan with recreate_indexes=True"


@dataclass(frozen=True, slots=True)
class Plan:
    """The changes for one table, the drift refused, and notes (skipped or unusual things)."""

    spec: TableSpec
    changes: tuple[Change, ...]
    drift: tuple[Drift, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def table(self) -> str:
        """The physical table name."""
        return self.spec.name

    @property
    def empty(self) -> bool:
        """Nothing to change and nothing drifted: the table matches its spec."""
        return not self.changes and not self.drift

    @property
    def creates(self) -> bool:
        """The table does not exist yet."""
        return any(isinstance(change, CreateTable) for change in self.changes)

    def check(self) -> None:
        """Raise ``DefinitionError`` (code ``TABLE_DRIFT``) listing every drift, if any."""
        if self.drift:
            lines = "\n".join(f"  {d}" for d in self.drift)
            raise DefinitionError(
                "TABLE_DRIFT",
                f"table {self.table} differs from its declaration in ways apply will not "
                f"change:\n{lines}",
            )

    def render(self) -> str:
        """The plan as indented text, one line per change (``+`` add, ``-`` remove, ``~``)."""
        if self.empty:
            head = f"table {self.table}: up to date"
        else:
            count = len(self.changes)
            head = f"table {self.table}: {count} change{'' if count == 1 else 's'}"
            if self.drift:
                head += f", {len(self.drift)} drift (apply refuses)"
        lines = [head]
        for change in self.changes:
            lines.append(f"  {change.symbol} {change}")
            if isinstance(change, CreateTable):
                lines.extend(f"      {detail}" for detail in change.details())
        lines.extend(f"  ! drift: {d}" for d in self.drift)
        lines.extend(f"  · {note}" for note in self.notes)
        return "\n".join(lines)


def plan(
    spec: TableSpec,
    described: Mapping[str, Any] | None,
    ttl: Mapping[str, Any] | None = None,
    *,
    backups: Mapping[str, Any] | None = None,
    unsupported: Collection[str] = (),
    recreate_indexes: bool = False,
) -> Plan:
    """Diff ``spec`` against a table's description (``None``: the table does not exist).

    ``ttl`` is a DescribeTimeToLive reply (``None``: expiry off), ``backups`` a
    DescribeContinuousBackups reply (``None``: unknown, so PITR is enabled when declared).
    ``unsupported`` may hold ``"ttl"`` and ``"pitr"``: features the endpoint lacks.
    """
    notes: list[str] = []
    changes: list[Change] = []
    if described is None:
        changes.append(CreateTable(spec))
        if spec.ttl_attribute:
            _ttl_or_note(changes, notes, spec, unsupported)
        if spec.point_in_time_recovery:
            _pitr_or_note(changes, notes, spec, unsupported)
        return Plan(spec, tuple(changes), (), tuple(notes))
    table = _Table.read(described.get("Table", described))
    drift = _key_drift(spec, table) + _local_drift(spec, table)
    if table.status not in ("ACTIVE", None):
        notes.append(f"the table is {table.status}; apply waits for it to become ACTIVE")
    drops, adds, index_drift = _global_changes(spec, table, recreate_indexes)
    drift += index_drift
    changes.extend(drops)
    billing = table.billing
    if billing != spec.billing_mode:
        dropped = {d.name for d in drops}
        kept = tuple(n for n in table.gsis if n not in dropped)
        changes.append(UpdateBilling(spec.name, spec.billing_mode, billing, kept))
    changes.extend(adds)
    if table.stream != spec.stream:
        if table.stream is not None:
            changes.append(DisableStream(spec.name, table.stream))
        if spec.stream is not None:
            changes.append(EnableStream(spec.name, spec.stream))
    changes.extend(_ttl_changes(spec, ttl, unsupported, notes))
    if spec.point_in_time_recovery and not _pitr_on(backups):
        _pitr_or_note(changes, notes, spec, unsupported)
    elif not spec.point_in_time_recovery and _pitr_on(backups):
        notes.append("point-in-time recovery is on but not declared: left on")
    return Plan(spec, tuple(changes), tuple(drift), tuple(notes))


@dataclass(frozen=True, slots=True)
class _Table:
    """The parts of a TableDescription that planning compares."""

    status: str | None
    pk: AttributeSpec
    sk: AttributeSpec | None
    gsis: dict[str, IndexSpec]
    lsis: dict[str, IndexSpec]
    billing: str
    stream: str | None

    @classmethod
    def read(cls, raw: Mapping[str, Any]) -> _Table:
        types = {
            d["AttributeName"]: d["AttributeType"] for d in raw.get("AttributeDefinitions") or ()
        }
        pk, sk = _keys(raw.get("KeySchema") or (), types)
        if pk is None:
            raise DefinitionError("TABLE_DESCRIPTION", f"no HASH key in description {raw!r}")
        gsis = {
            ix["IndexName"]: _index(ix, types, local=False)
            for ix in raw.get("GlobalSecondaryIndexes") or ()
            if ix.get("IndexStatus") != "DELETING"  # on its way out: as good as gone
        }
        lsis = {
            ix["IndexName"]: _index(ix, types, local=True)
            for ix in raw.get("LocalSecondaryIndexes") or ()
        }
        # a table created PROVISIONED may have no BillingModeSummary at all
        billing = (raw.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED")
        stream_spec = raw.get("StreamSpecification") or {}
        stream = stream_spec.get("StreamViewType") if stream_spec.get("StreamEnabled") else None
        return cls(raw.get("TableStatus"), pk, sk, gsis, lsis, billing, stream)


def _keys(
    schema: Any, types: Mapping[str, str]
) -> tuple[AttributeSpec | None, AttributeSpec | None]:
    found: dict[str, AttributeSpec] = {}
    for element in schema:
        name = element["AttributeName"]
        found[element["KeyType"]] = AttributeSpec(name, types.get(name, "?"))
    return found.get("HASH"), found.get("RANGE")


def _index(raw: Mapping[str, Any], types: Mapping[str, str], *, local: bool) -> IndexSpec:
    pk, sk = _keys(raw.get("KeySchema") or (), types)
    projection = raw.get("Projection") or {}
    kind = projection.get("ProjectionType", "ALL")
    shape: Any = tuple(projection.get("NonKeyAttributes") or ()) if kind == "INCLUDE" else kind
    return IndexSpec(raw["IndexName"], pk or AttributeSpec("?", "?"), sk, local, shape)


def _same(a: IndexSpec, b: IndexSpec) -> bool:
    def projection(ix: IndexSpec) -> object:
        return frozenset(ix.projection) if isinstance(ix.projection, tuple) else ix.projection

    return (a.pk, a.sk, projection(a)) == (b.pk, b.sk, projection(b))


def _same_names(a: IndexSpec, b: IndexSpec) -> bool:
    """The same key attribute names and projection: only a key type differs."""
    names = (a.pk.name, a.sk and a.sk.name) == (b.pk.name, b.sk and b.sk.name)
    return names and _same(a, replace(b, pk=a.pk, sk=a.sk))


def _key_text(pk: AttributeSpec, sk: AttributeSpec | None) -> str:
    text = f"HASH {pk.name} {pk.type}"
    return text if sk is None else f"{text}, RANGE {sk.name} {sk.type}"


def _key_drift(spec: TableSpec, table: _Table) -> list[Drift]:
    if (spec.pk, spec.sk) == (table.pk, table.sk):
        return []
    hint = "a table's key cannot change: create a new table and copy the items over"
    expected, actual = _key_text(spec.pk, spec.sk), _key_text(table.pk, table.sk)
    return [Drift("key_schema", spec.name, "table key", expected, actual, hint)]


def _local_drift(spec: TableSpec, table: _Table) -> list[Drift]:
    declared = {ix.name: ix for ix in spec.indexes if ix.local}
    found: list[Drift] = []
    for name in sorted(declared.keys() | table.lsis.keys()):
        subject = f"local index {name}"
        want, have = declared.get(name), table.lsis.get(name)
        if want is not None and have is not None:
            # a local index's partition key is the table's: a change there is key drift
            if not _same(want, replace(have, pk=want.pk)):
                hint = "local indexes cannot change: rename it, or create a new table"
                found.append(
                    Drift(
                        "local_index",
                        spec.name,
                        subject,
                        describe_index(want),
                        describe_index(have),
                        hint,
                    )
                )
        elif want is not None:
            hint = "local indexes exist only from CreateTable: declare a global index instead"
            found.append(
                Drift("local_index", spec.name, subject, describe_index(want), "none", hint)
            )
        elif have is not None:
            hint = "a local index cannot be dropped: declare it again with local=True"
            found.append(
                Drift("local_index", spec.name, subject, "none", describe_index(have), hint)
            )
    return found


def _global_changes(
    spec: TableSpec, table: _Table, recreate: bool
) -> tuple[list[DropIndex], list[AddIndex], list[Drift]]:
    declared = {ix.name: ix for ix in spec.indexes if not ix.local}
    provisioned = spec.billing_mode == "PROVISIONED"
    drops = [DropIndex(spec.name, name) for name in table.gsis if name not in declared]
    adds: list[AddIndex] = []
    drift: list[Drift] = []
    for name, want in declared.items():
        have = table.gsis.get(name)
        if have is None:
            adds.append(AddIndex(spec.name, want, provisioned))
        elif not _same(want, have):
            if recreate:
                drops.append(DropIndex(spec.name, name, "declared differently: rebuilt"))
                adds.append(AddIndex(spec.name, want, provisioned))
                continue
            kind: DriftKind = "attribute_type" if _same_names(want, have) else "index_shape"
            subject = f"global index {name}"
            drift.append(
                Drift(
                    kind, spec.name, subject, describe_index(want), describe_index(have), _REBUILD
                )
            )
    drift.extend(_retyped_attributes(spec, table, {d.name for d in drops}, adds))
    return drops, adds, drift


def _retyped_attributes(
    spec: TableSpec, table: _Table, dropped: set[str], adds: list[AddIndex]
) -> list[Drift]:
    """New index keys whose attribute a kept key already defines with another type."""
    kept: dict[str, str] = {}
    for key in (table.pk, table.sk):
        if key is not None:
            kept[key.name] = key.type
    kept_indexes = [ix for n, ix in table.gsis.items() if n not in dropped]
    for ix in [*kept_indexes, *table.lsis.values()]:
        for key in (ix.pk, ix.sk):
            if key is not None:
                kept[key.name] = key.type
    found: list[Drift] = []
    for add in adds:
        for key in (add.index.pk, add.index.sk):
            if key is not None and kept.get(key.name, key.type) != key.type:
                found.append(
                    Drift(
                        "attribute_type",
                        spec.name,
                        f"attribute {key.name}",
                        f"{key.type} (for index {add.index.name})",
                        kept[key.name],
                        "an attribute has one type per table: rename the attribute "
                        "(pk_attr/sk_attr) or drop the indexes that key on it first",
                    )
                )
    return found


def _ttl_changes(
    spec: TableSpec,
    ttl: Mapping[str, Any] | None,
    unsupported: Collection[str],
    notes: list[str],
) -> list[Change]:
    description = (ttl or {}).get("TimeToLiveDescription", ttl) or {}
    status = description.get("TimeToLiveStatus", "DISABLED")
    attribute = description.get("AttributeName")
    on = status in _ON and attribute is not None
    want = spec.ttl_attribute
    if "ttl" in unsupported:
        if want:
            notes.append("TTL is not supported by this endpoint: skipped")
        return []
    if want is None:
        return [DisableTtl(spec.name, attribute)] if on and attribute else []
    if on and attribute == want:
        return []
    changes: list[Change] = []
    if on and attribute:
        # AWS refuses to re-enable TTL for up to an hour after it was disabled
        notes.append(f"TTL moves from {attribute} to {want}: AWS may refuse it for an hour")
        changes.append(DisableTtl(spec.name, attribute))
    changes.append(EnableTtl(spec.name, want))
    return changes


def _ttl_or_note(
    changes: list[Change], notes: list[str], spec: TableSpec, unsupported: Collection[str]
) -> None:
    changes.extend(_ttl_changes(spec, None, unsupported, notes))


def _pitr_on(backups: Mapping[str, Any] | None) -> bool:
    if backups is None:
        return False
    description = backups.get("ContinuousBackupsDescription", backups) or {}
    pitr = description.get("PointInTimeRecoveryDescription") or {}
    return pitr.get("PointInTimeRecoveryStatus") in _ON


def _pitr_or_note(
    changes: list[Change], notes: list[str], spec: TableSpec, unsupported: Collection[str]
) -> None:
    if "pitr" in unsupported:
        notes.append("point-in-time recovery is not supported by this endpoint: skipped")
    else:
        changes.append(EnablePitr(spec.name))
