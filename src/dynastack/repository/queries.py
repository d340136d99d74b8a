"""Queries, counts and scans: from key fields to key conditions, and pages filled to the limit.

Key conditions come from *fields*. The partition key is rendered through the index's template
(``DEPLOYMENT#{deployment_id}``, or a bare ``organization``). The sort key is, for a bare field,
a value or a ``SortCondition`` given as that field (``created_at=between(a, b)``); for a template
sort key, either ``sk=`` (a rendered value or a ``SortCondition``) or some of the template's
fields: all of them mean equality, a leading part means ``begins_with`` of the rendered prefix
(``STACK#web#`` for ``stack_name="web"``), none means the template's constant prefix
(``STACK#``), which is how one entity type is picked out of a shared partition. The last field
given may be a ``SortCondition`` (``placed_at=between(a, b)`` on ``ORDER#{placed_at}#{id}``):
a range on that field, kept inside the text before it (``core/key_ranges.py`` states the ends).

Pages (R11): a page holds ``limit`` items *after* filtering (and after hiding expired items),
so one page may take several Query calls. When a call returns more than the page needs, the
page is cut and the cursor is built from the last item *returned* (its table and index key
attributes), not from DynamoDB's ``LastEvaluatedKey``: nothing is skipped or repeated.
Cursors are sealed and bound to the query's shape and the caller's owner scope (cursors.py).

Owner scope: a query is allowed only on an index (or the table) whose partition key contains
the owner field, and the owner is always the scope's: ownership is in the key condition, never
in a filter (RELIABILITY fact 2).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from dynastack.core.expressions import (
    Attr,
    Condition,
    KeyCondition,
    Placeholders,
    compile,
    projection,
)
from dynastack.core.key_ranges import field_range
from dynastack.core.operations import (
    GetItem,
    GetItemResult,
    Query,
    QueryResult,
    Scan,
    ScanResult,
)
from dynastack.core.steps import Script, Send
from dynastack.core.values import encode
from dynastack.errors import InvalidCursor, InvalidRequest
from dynastack.model.entity import Entity
from dynastack.model.meta import TYPE_ATTR, KeyPart
from dynastack.model.partial import Partial
from dynastack.repository.batch import get_items, identity
from dynastack.repository.binding import EntityBinding, all_of
from dynastack.repository.conditions import SortCondition, eq
from dynastack.repository.cursors import binding
from dynastack.repository.page import Page

__all__ = [
    "QueryShape",
    "ScanShape",
    "count",
    "fill",
    "get",
    "query",
    "query_shape",
    "scan_page",
    "scan_shape",
]

E = TypeVar("E", bound=Entity)

#: most items asked of one Query call when a filter may drop many of them
_FILTERED_REQUEST_MAX = 1000


@dataclass(frozen=True, slots=True)
class QueryShape:
    """A compiled query: everything but the position and the page size."""

    index: str | None
    key_condition: str
    filter: str | None
    names: dict[str, str]
    values: dict[str, object]
    forward: bool
    consistent: bool
    #: attributes that make a position: the table key and the index key
    position: tuple[str, ...]
    #: what cursors of this query are bound to
    bound_to: bytes
    #: the index projects KEYS_ONLY or INCLUDE: each page's items are fetched from the table
    fetch: bool = False

    def operation(self, table: str, start: Mapping[str, Any] | None, limit: int | None) -> Query:
        """One Query call from ``start`` asking for at most ``limit`` items."""
        return Query(
            table=table,
            index=self.index,
            key_condition=self.key_condition,
            filter=self.filter,
            names=self.names or None,
            values=self.values or None,
            forward=self.forward,
            consistent=self.consistent,
            limit=limit,
            exclusive_start_key=start,
        )


def _index_parts(plans: EntityBinding[E], index: str | None) -> tuple[KeyPart, KeyPart | None]:
    meta = plans.meta
    if index is None:
        return meta.pk, meta.sk
    found = meta.indexes.get(index)
    if found is None:
        raise InvalidRequest(
            f"{plans.name} has no index {index!r}; its indexes are {sorted(meta.indexes)}"
        )
    return found.pk, found.sk


def _fetches(plans: EntityBinding[E], index: str | None) -> bool:
    """Whether the index holds less than whole items (KEYS_ONLY, INCLUDE): then a query reads
    keys from the index and the items from the table (one BatchGetItem per Query call)."""
    return index is not None and plans.meta.indexes[index].projection != "ALL"


def _sort_value(plans: EntityBinding[E], part: KeyPart, field: str, value: object) -> object:
    # a bare sort key compares with the field's stored key form (datetime → fixed-width text)
    return part.template.render({field: plans.validate(field, value)})


def _sort_condition(
    plans: EntityBinding[E], part: KeyPart | None, given: dict[str, Any], where: str
) -> Condition | None:
    raw_sk = given.pop("sk", None)
    if part is None:
        if raw_sk is not None:
            raise InvalidRequest(f"{where} has no sort key, so sk= means nothing")
        return None
    if part.template.is_bare:  # a bare field: its own attribute, or a typed copy of it
        field = part.template.fields[0]
        if raw_sk is not None:
            raise InvalidRequest(f"{where} sorts by the field {field!r}: pass it by name")
        if field not in given:
            return None
        value = given.pop(field)
        cond = value if isinstance(value, SortCondition) else eq(value)
        if cond.op != "begins_with":  # a prefix is stored text already ("2024-01")
            cond = cond.map(lambda v: _sort_value(plans, part, field, v))
        return cond.to_condition(part.attr)
    if raw_sk is not None:
        if any(f in given for f in part.template.fields):
            named = [f for f in part.template.fields if f in given]
            raise InvalidRequest(f"{where}: give sk= or the fields {named}, not both")
        cond = raw_sk if isinstance(raw_sk, SortCondition) else eq(raw_sk)
        return cond.to_condition(part.attr)
    return _template_sort(plans, part, given, where)


def _template_sort(
    plans: EntityBinding[E], part: KeyPart, given: dict[str, Any], where: str
) -> Condition | None:
    """A template sort key from its fields: equality, a leading prefix, or a range on the
    last field given (``core.key_ranges`` has the semantics)."""
    fields = part.template.fields
    named = [f for f in fields if f in given]
    if named != list(fields[: len(named)]):
        raise InvalidRequest(
            f"{where}: the sort key {part.template.template!r} matches by prefix, so give its "
            f"fields from the left ({list(fields)}), got {named}"
        )
    for f in named[:-1]:
        if isinstance(given[f], SortCondition):
            raise InvalidRequest(
                f"{where}: only the last field given may be a range; {f!r} is followed by "
                f"{named[named.index(f) + 1 :]}"
            )
    if named and isinstance(given[named[-1]], SortCondition):
        field = named[-1]
        ranged: SortCondition = given.pop(field)
        if ranged.op != "=":
            # a range on the last field given: one key condition bounded to the text before it
            values = {f: plans.validate(f, given.pop(f)) for f in named[:-1]}
            bounds = ranged.values
            if ranged.op != "begins_with":  # a prefix is stored text already ("2024-05")
                bounds = tuple(plans.validate(field, bound) for bound in bounds)
            op, texts = field_range(part.template, field, ranged.op, bounds, values)
            return SortCondition(op, texts).to_condition(part.attr)
        given[field] = ranged.values[0]
    values = {f: plans.validate(f, given.pop(f)) for f in named}
    if len(named) == len(fields):
        return Attr(part.attr) == part.template.render(values)
    prefix = part.template.prefix(values)
    return Attr(part.attr).begins_with(prefix) if prefix else None


def query_shape(
    plans: EntityBinding[E],
    index: str | None,
    key: Mapping[str, Any],
    *,
    filter: Condition | None,
    newest_first: bool,
    consistent: bool,
    alive_at: float | None = None,
) -> QueryShape:
    """Compile a query from key fields (see the module docstring for the rules).

    ``alive_at`` adds a server-side filter dropping items expired at that time (for counts,
    which cannot look at items; pages hide expired items client-side and keep their shape).
    """
    meta = plans.meta
    pk, sk = _index_parts(plans, index)
    where = f"{plans.name} query on {'index ' + repr(index) if index else 'the table key'}"
    if consistent and index is not None and not meta.indexes[index].local:
        raise InvalidRequest(f"{where}: global secondary indexes have no consistent reads")
    given = dict(key)
    owner = meta.owner_field
    if plans.owner is not None and owner is not None:
        if owner not in pk.template.fields:
            raise InvalidRequest(
                f"{where}: an owner-scoped query needs the owner field {owner!r} in the "
                f"partition key ({pk.template.template!r} does not have it); filtering by owner "
                "would leak other users' keys"
            )
        if owner in given and plans.validate(owner, given[owner]) != plans.owner:
            raise InvalidRequest(f"{where}: an owner scope queries only its own owner's items")
        given[owner] = plans.owner
    missing = [f for f in pk.template.fields if given.get(f) is None]
    if missing:
        raise InvalidRequest(f"{where}: the partition key {pk.template.template!r} needs {missing}")
    pk_value = pk.template.render({f: plans.validate(f, given.pop(f)) for f in pk.template.fields})
    sort = _sort_condition(plans, sk, given, where)
    if given:
        raise InvalidRequest(
            f"{where}: {sorted(given)} are not part of this key; filter on other fields with "
            "filter=Attr(...)"
        )
    fetch = _fetches(plans, index)
    if fetch:
        _check_fetch(plans, index, where, filter=filter, counting=alive_at is not None)
    filters = [filter] if filter is not None else []
    if plans.shared and not fetch:  # fetched items are judged whole, type included
        filters.append(Attr(TYPE_ATTR) == meta.entity_type)
    if alive_at is not None and meta.ttl_field is not None:
        ttl = Attr(plans.attr(meta.ttl_field))
        filters.append(ttl.not_exists() | (ttl > int(alive_at)))
    ph = Placeholders()
    key_condition = compile(KeyCondition(pk.attr, pk_value, sort), ph)
    combined = all_of(filters)
    filter_text = compile(combined, ph) if combined is not None else None
    position = tuple(dict.fromkeys(p.attr for p in (*meta.key_parts, pk, sk) if p is not None))
    values = ph.values
    bound = binding(
        "query", plans.table, index, meta.entity_type, key_condition, filter_text, ph.names,
        {name: encode(value) for name, value in values.items()}, not newest_first,
        None if plans.owner_stored is None else encode(plans.owner_stored),
    )  # fmt: skip
    return QueryShape(
        index, key_condition, filter_text, ph.names, values, not newest_first, consistent,
        position, bound, fetch,
    )  # fmt: skip


def _check_fetch(
    plans: EntityBinding[E], index: str | None, where: str, *, filter: object, counting: bool
) -> None:
    """What a query on a KEYS_ONLY / INCLUDE index cannot do, refused with the reason."""
    projection = plans.meta.indexes[str(index)].projection
    if filter is not None:
        raise InvalidRequest(
            f"{where}: the index projects {projection!r}, so a filter would see only the "
            "projected attributes; query an index that projects ALL to filter"
        )
    if counting and (plans.shared or plans.meta.ttl_field is not None):
        why = "other entity types" if plans.shared else "expired items"
        raise InvalidRequest(
            f"{where}: the index projects {projection!r}, so a count cannot leave out {why}; "
            "count on an index that projects ALL"
        )


def get(plans: EntityBinding[E], key: Mapping[str, Any], consistent: bool) -> Script[E | None]:
    """Read one item by its key fields; absent, expired, foreign or other-type is ``None``."""
    op = GetItem(table=plans.table, key=plans.key(key), consistent=consistent)
    result: GetItemResult = yield Send(op)
    if result.item is None:
        return None
    return plans.accept(result.item, plans.now())


def get_partial(
    plans: EntityBinding[E], key: Mapping[str, Any], consistent: bool, fields: Iterable[str]
) -> Script[Partial[E] | None]:
    """Read only ``fields`` of one item (a ``ProjectionExpression``): a ``Partial`` or
    ``None``, hidden exactly as ``get`` hides (the visibility attributes are projected too)."""
    wanted, attrs = plans.projected(fields)
    ph = Placeholders()
    text = projection(attrs, ph)
    op = GetItem(
        table=plans.table, key=plans.key(key), consistent=consistent, projection=text,
        names=ph.names,
    )  # fmt: skip
    result: GetItemResult = yield Send(op)
    if result.item is None:
        return None
    return plans.accept_partial(result.item, wanted, plans.now())


def fill(
    plans: EntityBinding[E],
    shape: QueryShape,
    start: Mapping[str, Any] | None,
    limit: int | None,
    *,
    calls: int | None = None,
) -> Script[tuple[list[E], dict[str, Any] | None]]:
    """Items from ``start`` until ``limit`` visible items (or the end, or ``calls`` Query
    calls), and the position after the last one returned (``None``: the end)."""
    now = plans.now()
    items: list[E] = []
    made = 0
    while True:
        want = None if limit is None else limit - len(items)
        if want is not None and shape.filter is not None:
            want = min(max(2 * want, 32), _FILTERED_REQUEST_MAX)
        result: QueryResult = yield Send(shape.operation(plans.table, start, want))
        made += 1
        last = len(result.items) - 1
        whole: dict[Any, dict[str, Any]] = {}
        if shape.fetch and result.items:
            keys = [{p.attr: raw[p.attr] for p in plans.meta.key_parts} for raw in result.items]
            whole = yield from get_items(plans, keys, shape.consistent)
        for i, raw in enumerate(result.items):
            item = raw
            if shape.fetch:
                key = {p.attr: raw[p.attr] for p in plans.meta.key_parts}
                found = whole.get(identity(plans, key))
                if found is None:
                    continue  # deleted between the index read and the fetch
                item = found
            entity = plans.accept(item, now)
            if entity is None:
                continue
            items.append(entity)
            if limit is not None and len(items) == limit:
                if i == last and result.last_evaluated_key is None:
                    return items, None
                return items, {attr: raw[attr] for attr in shape.position}
        start = result.last_evaluated_key
        if start is None or (calls is not None and made >= calls):
            return items, start


def query(
    plans: EntityBinding[E],
    shape: QueryShape,
    limit: int | None,
    cursor: str | None,
) -> Script[Page[E]]:
    """One page of at most ``limit`` items (all of them for ``None``) and its cursor."""
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise InvalidRequest(f"limit must be an int >= 1 or None, got {limit!r}")
    sealer = plans.sealer
    assert sealer is not None
    now = plans.now()
    start = None
    if cursor is not None:
        start = sealer.open(cursor, shape.bound_to, now=now)
        if set(start) != set(shape.position):
            raise InvalidCursor("invalid cursor: it does not fit this query")
    items, last = yield from fill(plans, shape, start, limit)
    if last is None:
        return Page(items, None)
    return Page(items, sealer.seal(last, shape.bound_to, now=now))


def count(plans: EntityBinding[E], shape: QueryShape) -> Script[int]:
    """How many items match, over every page (``Select=COUNT``). Build the shape with
    ``alive_at`` so that expired items are not counted."""
    total = 0
    start: dict[str, Any] | None = None
    while True:
        op = Query(
            table=plans.table,
            index=shape.index,
            key_condition=shape.key_condition,
            filter=shape.filter,
            names=shape.names or None,
            values=shape.values or None,
            consistent=shape.consistent,
            select="COUNT",
            exclusive_start_key=start,
        )
        result: QueryResult = yield Send(op)
        total += result.count
        start = result.last_evaluated_key
        if start is None:
            return total


@dataclass(frozen=True, slots=True)
class ScanShape:
    """A compiled scan of this entity's items (type filter and the caller's filter)."""

    filter: str | None
    names: dict[str, str]
    values: dict[str, object]
    consistent: bool


def scan_shape(plans: EntityBinding[E], filter: Condition | None, consistent: bool) -> ScanShape:
    """Compile a maintenance scan; refused in an owner scope (a scan cannot be keyed)."""
    if plans.owner is not None:
        raise InvalidRequest(
            f"{plans.name}: scan reads the whole table and cannot be owner-scoped; use query"
        )
    filters = [filter] if filter is not None else []
    if plans.shared:
        filters.append(Attr(TYPE_ATTR) == plans.meta.entity_type)
    combined = all_of(filters)
    ph = Placeholders()
    text = compile(combined, ph) if combined is not None else None
    return ScanShape(text, ph.names, ph.values, consistent)


def scan_page(
    plans: EntityBinding[E],
    shape: ScanShape,
    segment: int,
    segments: int,
    start: Mapping[str, Any] | None,
) -> Script[tuple[list[E], dict[str, Any] | None]]:
    """One Scan call of one segment: the visible entities and where to go on."""
    op = Scan(
        table=plans.table,
        filter=shape.filter,
        names=shape.names or None,
        values=shape.values or None,
        consistent=shape.consistent,
        segment=segment if segments > 1 else None,
        total_segments=segments if segments > 1 else None,
        exclusive_start_key=start,
    )
    result: ScanResult = yield Send(op)
    now = plans.now()
    found = [e for e in (plans.accept(raw, now) for raw in result.items) if e is not None]
    return found, result.last_evaluated_key
