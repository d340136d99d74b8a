"""Create, put, update and delete as write plans, and the resend rule that keeps them honest.

A ``PreparedWrite`` is one conditional write, built once from the entity's metadata: the item or
update expression, the condition, the per-write token and how to explain a failure. The same
plan becomes a single ``PutItem``/``UpdateItem``/``DeleteItem`` (``perform``) or one action of a
transaction (``unit_of_work.py``), so a versioned write means the same thing in both.

Lost replies (RELIABILITY fact 1, R3). The client never resends a conditional write after an
outcome-unknown ``TransportError``, so ``perform`` does, with the *same* operation value and so
the same token, as the client's retry policy decides (resends.py: one policy, one backoff, one
quota; a ``ConnectError``, already retried by the client, is never resent here):

* every put and update stores its token in ``_wt`` and asks for the old item on failure
  (``ReturnValuesOnConditionCheckFailure=ALL_OLD``); if a resend fails its condition and the
  old item carries our token, the first attempt applied: the write succeeded, and the entity
  is built from that item. Nothing is reported as a conflict that was our own write;
* updates also require ``_wt <> :token``, so a relative update (a counter) can never apply
  twice, versioned or not;
* a delete cannot leave a token behind: a *resent* delete whose item is gone succeeded
  (either our first attempt deleted it or someone else did; the item is gone either way).

One ambiguity is left and documented (docs/locking.md): if the reply is lost AND another
writer overwrites the item before our resend, the old item no longer carries our token and a
``VersionConflict`` is reported although our write had applied (and was then overwritten).

Example:
    >>> from dynastack.model import Entity, Key
    >>> class Doc(Entity, table="docs-writes-doc"):
    ...     __key__ = Key(pk="DOC#{doc_id}")
    ...     doc_id: str
    ...     title: str
    >>> from dynastack.repository.binding import EntityBinding
    >>> plan = update_plan(EntityBinding(Doc, table="docs"), {"doc_id": "d1"}, None, None,
    ...                    {"title": "b"})
    >>> op = plan.operation()
    >>> op.update
    'SET #n0 = :v0, #n1 = :v1'
    >>> op.condition
    'attribute_exists(#n2) AND (attribute_not_exists(#n1) OR #n1 <> :v1)'
    >>> op.names, op.return_values, op.return_values_on_condition_check_failure
    ({'#n0': 'title', '#n1': '_wt', '#n2': 'PK'}, 'ALL_NEW', 'ALL_OLD')
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from dynastack.core.expressions import Attr, Condition, Placeholders, compile
from dynastack.core.operations import (
    ConditionCheck,
    DeleteItem,
    PutItem,
    TransactDelete,
    TransactPut,
    TransactUpdate,
    TransactWriteAction,
    UpdateItem,
)
from dynastack.core.steps import Script, Send, Sleep
from dynastack.core.updates import Update
from dynastack.core.updates import compile as compile_update
from dynastack.core.values import decode_item
from dynastack.errors import (
    ConditionalCheckFailed,
    DynastackError,
    InvalidRequest,
    ServiceError,
    TransportError,
)
from dynastack.model.codec import entity_from_item, entity_to_wire
from dynastack.model.entity import Entity
from dynastack.model.items import key_of, stored_ttl
from dynastack.model.meta import TYPE_ATTR, WRITE_TOKEN_ATTR
from dynastack.repository.binding import EntityBinding, all_of, new_token
from dynastack.repository.resends import Resends
from dynastack.repository.update_size import check_update_size

__all__ = [
    "PreparedWrite",
    "carry_request",
    "check_plan",
    "create_plan",
    "delete_plan",
    "perform",
    "put_plan",
    "update_plan",
    "written",
]

E = TypeVar("E", bound=Entity)

Kind = Literal["put", "update", "delete", "check"]
Explain = Callable[[dict[str, Any] | None, Mapping[str, Any] | None], DynastackError]


@dataclass(frozen=True, slots=True)
class PreparedWrite(Generic[E]):
    """One conditional write on one item, ready to send alone or inside a transaction."""

    plans: EntityBinding[E]
    kind: Kind
    key: dict[str, Any]
    item: dict[str, Any] | None
    update: str | None
    condition: str | None
    names: dict[str, str]
    values: dict[str, object]
    token: str | None
    #: what a put stores, as an entity (returned on success without reading back)
    stored: E | None
    #: (old item or None, raw wire item) → the error to raise when the condition failed
    explain: Explain
    #: a delete that finds its item gone after a resend succeeded
    gone_is_success: bool = False

    def operation(self) -> PutItem | UpdateItem | DeleteItem:
        """The single-item operation for this write."""
        common: dict[str, Any] = {
            "table": self.plans.table,
            "condition": self.condition,
            "names": self.names or None,
            "values": self.values or None,
            "return_values_on_condition_check_failure": "ALL_OLD" if self.condition else None,
        }
        if self.kind == "put":
            assert self.item is not None
            return PutItem(item=self.item, **common)
        if self.kind == "update":
            return UpdateItem(key=self.key, update=self.update, return_values="ALL_NEW", **common)
        if self.kind == "delete":
            return DeleteItem(key=self.key, **common)
        raise InvalidRequest("a condition check exists only inside a transaction")

    def transact(self) -> TransactWriteAction:
        """The same write as one action of a ``TransactWriteItems``."""
        common: dict[str, Any] = {
            "table": self.plans.table,
            "names": self.names or None,
            "values": self.values or None,
            "return_values_on_condition_check_failure": "ALL_OLD" if self.condition else None,
        }
        if self.kind == "put":
            assert self.item is not None
            return TransactPut(item=self.item, condition=self.condition, **common)
        if self.kind == "update":
            assert self.update is not None
            return TransactUpdate(
                key=self.key, update=self.update, condition=self.condition, **common
            )
        if self.kind == "delete":
            return TransactDelete(key=self.key, condition=self.condition, **common)
        assert self.condition is not None
        return ConditionCheck(key=self.key, condition=self.condition, **common)


def _compiled(
    condition: Condition | None, update: Update | None = None
) -> tuple[str | None, str | None, dict[str, str], dict[str, object]]:
    ph = Placeholders()
    update_text = compile_update(update, ph) if update is not None else None
    condition_text = compile(condition, ph) if condition is not None else None
    return condition_text, update_text, ph.names, ph.values


def _server_fields(plans: EntityBinding[E], entity: E, *, created: bool, version: int | None) -> E:
    meta = plans.meta
    now = plans.clock()
    changes: dict[str, Any] = stored_ttl(meta, entity)  # the entity returned is the one stored
    if meta.updated_field:
        changes[meta.updated_field] = now
    if created and meta.created_field:
        changes[meta.created_field] = now
    if version is not None and meta.version_field:
        changes[meta.version_field] = version
    if plans.owner is not None and meta.owner_field:
        changes[meta.owner_field] = plans.owner  # creates force owner = me, whatever was given
    return entity.model_copy(update=changes)


def _entity(plans: EntityBinding[E], entity: object) -> E:
    if not isinstance(entity, plans.cls):
        raise InvalidRequest(f"expected a {plans.name}, got {type(entity).__name__}")
    return entity


def create_plan(plans: EntityBinding[E], entity: E) -> PreparedWrite[E]:
    """Store a new item; fails with "already exists" if one has the key (expired ones do not
    count). Version 1, created/updated set now, owner forced in an owner scope."""
    stored = _server_fields(plans, _entity(plans, entity), created=True, version=1)
    item = entity_to_wire(stored)  # the one entity → wire path (model/codec.py)
    token = new_token()
    item[WRITE_TOKEN_ATTR] = {"S": token}
    key = key_of(plans.meta, stored.__dict__)
    absent: Condition = Attr(plans.meta.pk.attr).not_exists()
    now = 0.0  # without a TTL field, visibility does not depend on the time
    if plans.meta.ttl_field is not None:
        now = plans.now()  # one clock reading, as before: test clocks step on every reading
        absent = absent | (Attr(plans.attr(plans.meta.ttl_field)) <= int(now))
    condition, _, names, values = _compiled(absent)
    return PreparedWrite(
        plans, "put", key, item, None, condition, names, values, token, stored,
        lambda old, raw: plans.already_exists(key, old, now=now),
    )  # fmt: skip


def put_plan(plans: EntityBinding[E], entity: E) -> PreparedWrite[E]:
    """Replace the whole item. With a version field the stored version must equal the
    entity's (or, for version 1, the item may be absent) and is bumped; in an owner scope the
    item must be absent or the caller's; without either the put is unconditional."""
    entity = _entity(plans, entity)
    meta = plans.meta
    expected = getattr(entity, meta.version_field) if meta.version_field else None
    stored = _server_fields(
        plans, entity, created=False, version=None if expected is None else expected + 1
    )
    item = entity_to_wire(stored)  # the one entity → wire path (model/codec.py)
    token = new_token()
    item[WRITE_TOKEN_ATTR] = {"S": token}
    key = key_of(meta, stored.__dict__)
    absent = Attr(meta.pk.attr).not_exists()
    conditions: list[Condition] = []
    if expected is not None and meta.version_field:
        same: Condition = Attr(plans.attr(meta.version_field)) == expected
        conditions.append(absent | same if expected == 1 else same)
    if plans.owner is not None and meta.owner_field:
        conditions.append(absent | (Attr(plans.attr(meta.owner_field)) == plans.owner_stored))
    if plans.shared:
        conditions.append(absent | (Attr(TYPE_ATTR) == meta.entity_type))
    condition, _, names, values = _compiled(all_of(conditions))
    now = plans.now()

    def explain(old: dict[str, Any] | None, raw: Mapping[str, Any] | None) -> DynastackError:
        if old is not None and not plans.visible(old, now):
            return plans.already_exists(key)  # the key is someone else's (or another type's)
        return plans.explain(old, key, now=now, expected_version=expected, raw=raw)

    return PreparedWrite(
        plans, "put", key, item, None, condition, names, values, token, stored, explain
    )


def _index_attributes(plans: EntityBinding[E], changed: dict[str, Any], entity: E | None) -> Update:
    """SET (or REMOVE, for a sparse index) every computed index attribute whose template
    reads a changed field, rendered from the entity's values and the changes."""
    meta = plans.meta
    table_attrs = {part.attr for part in meta.key_parts}
    merged = {**(entity.__dict__ if entity is not None else {}), **changed}
    update = Update()
    done: set[str] = set()
    for index in meta.indexes.values():
        for part in (index.pk, index.sk):
            if part is None or not part.computed or part.attr in table_attrs:
                continue
            fields = part.template.fields
            if part.attr in done or not set(fields) & changed.keys():
                continue
            done.add(part.attr)
            missing = [f for f in fields if f not in merged]
            if missing:
                raise InvalidRequest(
                    f"{plans.name}: index {index.name!r} stores {part.attr!r} rendered from "
                    f"{part.template.template!r}, which needs {missing} besides the changed "
                    f"fields; pass the entity (not only its key) or give {missing} too"
                )
            if any(merged[f] is None for f in fields):
                update = update.remove(part.attr)  # sparse: the item leaves the index
            else:
                update = update.set(part.attr, part.template.render(merged))
    return update


def _protected(plans: EntityBinding[E]) -> dict[str, str]:
    """Attribute → why a raw ``Update`` must not touch it."""
    meta = plans.meta
    protected = dict.fromkeys(meta.computed_attrs(), "is computed by the repository")
    for field in meta.key_fields:
        protected[plans.attr(field)] = "is a key field"
    for field in meta.server_fields:
        protected[plans.attr(field)] = "is written by the repository"
    if plans.owner is not None and meta.owner_field:
        protected[plans.attr(meta.owner_field)] = "is the owner of this scope"
    for index in meta.indexes.values():
        for part in (index.pk, index.sk):
            if part is not None and part.computed:
                for field in part.template.fields:
                    protected.setdefault(
                        plans.attr(field),
                        f"feeds index {index.name!r}: change it as a keyword field",
                    )
    return protected


def _check_fields(plans: EntityBinding[E], fields: Mapping[str, object]) -> None:
    meta = plans.meta
    for field in fields:
        if field not in meta.attributes:
            raise InvalidRequest(f"{plans.name} has no field {field!r}")
        if field in meta.key_fields:
            raise InvalidRequest(
                f"{plans.name}.{field} is part of the primary key and cannot change; "
                "create the new item and delete the old one (a UnitOfWork does both at once)"
            )
        if field in meta.server_fields:
            raise InvalidRequest(f"{plans.name}.{field} is written by the repository, not set")
        if plans.owner is not None and field == meta.owner_field:
            raise InvalidRequest(f"{plans.name}.{field}: an owner scope cannot change the owner")


def _check_changes(plans: EntityBinding[E], changes: Update | None) -> None:
    if changes is None:
        return
    if not isinstance(changes, Update):
        raise InvalidRequest(f"changes must be an Update, got {type(changes).__name__}")
    protected = _protected(plans)
    for path in changes.paths:
        why = protected.get(str(path.elements[0]))
        if why is not None:
            raise InvalidRequest(f"update: {path!r} {why}")


def _field_update(plans: EntityBinding[E], changed: Mapping[str, Any]) -> Update:
    update = Update()
    for field, value in changed.items():
        attr = plans.attr(field)
        if value is None:
            update = update.remove(attr)  # None is not stored (to_item drops it too)
        else:
            update = update.set(attr, plans.stored(field, value))
    return update


def _check_expected(plans: EntityBinding[Any], expected_version: int | None) -> None:
    if expected_version is None:
        return
    if not plans.meta.version_field:
        raise InvalidRequest(f"{plans.cls.__name__} has no version field: drop expected_version")
    if isinstance(expected_version, bool) or not isinstance(expected_version, int):
        raise InvalidRequest(f"expected_version must be an int, not {expected_version!r}")


def update_plan(
    plans: EntityBinding[E],
    target: E | Mapping[str, Any],
    changes: Update | None,
    condition: Condition | None,
    fields: Mapping[str, object],
    *,
    expected_version: int | None = None,
) -> PreparedWrite[E]:
    """Change only the given fields (and ``changes``) of an existing item.

    The version is checked against the entity passed, or against ``expected_version`` (which
    lets an API update by key with the version its client saw).
    """
    meta = plans.meta
    entity, values = plans.target(target)
    _check_expected(plans, expected_version)
    key = key_of(meta, values)
    _check_fields(plans, fields)
    _check_changes(plans, changes)
    if not fields and (changes is None or not changes.actions):
        raise InvalidRequest(f"update {plans.describe(key)}: nothing to change")
    now = plans.now()
    changed = {field: plans.validate(field, value) for field, value in fields.items()}
    update = _field_update(plans, changed)
    if meta.updated_field:
        stamp = changed[meta.updated_field] = plans.clock()
        update = update.set(plans.attr(meta.updated_field), plans.stored(meta.updated_field, stamp))
    expected: int | None = None
    conditions: list[Condition] = [Attr(meta.pk.attr).exists(), *plans.scope_conditions(now)]
    if meta.version_field:
        attr = plans.attr(meta.version_field)
        if entity is not None or expected_version is not None:
            expected = (
                expected_version
                if expected_version is not None
                else getattr(entity, meta.version_field)
            )
            conditions.append(Attr(attr) == expected)
            update = update.set(attr, expected + 1)
            changed[meta.version_field] = expected + 1
        else:
            update = update.increment(attr)  # key-only: not checked, but still bumped
    update = update.merge(_index_attributes(plans, changed, entity))
    if changes is not None:
        update = update.merge(changes)
    if condition is not None:
        conditions.append(condition)
    token = new_token()
    conditions.append(plans.fresh_token_condition(token))
    update = update.set(WRITE_TOKEN_ATTR, token)
    check_update_size(f"update {plans.describe(key)}", key, update)  # before anything is sent
    condition_text, update_text, names, values_ = _compiled(all_of(conditions), update)
    return PreparedWrite(
        plans, "update", key, None, update_text, condition_text, names, values_, token, None,
        lambda old, raw: plans.explain(old, key, now=now, expected_version=expected, raw=raw),
    )  # fmt: skip


def delete_plan(
    plans: EntityBinding[E],
    target: E | Mapping[str, Any],
    condition: Condition | None,
    *,
    expected_version: int | None = None,
) -> PreparedWrite[E]:
    """Delete an existing item (version-checked when an entity with a version, or
    ``expected_version``, is given)."""
    meta = plans.meta
    entity, values = plans.target(target)
    _check_expected(plans, expected_version)
    key = key_of(meta, values)
    now = plans.now()
    conditions: list[Condition] = [Attr(meta.pk.attr).exists(), *plans.scope_conditions(now)]
    expected: int | None = None
    if meta.version_field and (entity is not None or expected_version is not None):
        expected = (
            expected_version
            if expected_version is not None
            else getattr(entity, meta.version_field)
        )
        conditions.append(Attr(plans.attr(meta.version_field)) == expected)
    if condition is not None:
        conditions.append(condition)
    condition_text, _, names, values_ = _compiled(all_of(conditions))
    return PreparedWrite(
        plans, "delete", key, None, None, condition_text, names, values_, None, None,
        lambda old, raw: plans.explain(old, key, now=now, expected_version=expected, raw=raw),
        gone_is_success=True,
    )  # fmt: skip


def check_plan(
    plans: EntityBinding[E], target: E | Mapping[str, Any], condition: Condition | None
) -> PreparedWrite[E]:
    """A transaction's condition check: the item exists (in scope, at the entity's version
    when an entity is given) and ``condition`` holds."""
    plan = delete_plan(plans, target, condition)
    return PreparedWrite(
        plans, "check", plan.key, None, None, plan.condition, plan.names, plan.values, None,
        None, plan.explain,
    )  # fmt: skip


def carry_request(explained: DynastackError, error: ServiceError) -> DynastackError:
    """``explained`` with the request id and operation of the client's ``error`` (for support
    and logs), and nothing else of it: the client's error holds the whole old item, which may
    be another owner's, so it is never chained (``__cause__`` / ``__context__``)."""
    if isinstance(explained, ServiceError):
        explained.request_id = error.request_id
        explained.operation = error.operation
        explained.status = error.status
    return explained


def perform(plan: PreparedWrite[E], resends: Resends) -> Script[E | None]:
    """Send one write, resending it after lost replies as ``resends`` decides; the entity
    written (``None`` for a delete), or the explained error."""
    op = plan.operation()
    sends = 0
    while True:
        sends += 1
        failure: DynastackError | None = None
        try:
            result = yield Send(op)
        except ConditionalCheckFailed as error:
            raw = error.raw_item
            old = decode_item(raw) if raw else None
            if (
                old is not None
                and plan.token is not None
                and old.get(WRITE_TOKEN_ATTR) == plan.token
            ):
                return _written(plan, old)  # a lost reply: our earlier attempt applied
            if old is None and sends > 1 and plan.gone_is_success:
                return None
            failure = carry_request(plan.explain(old, raw), error)
        except TransportError as error:
            delay = resends.after_lost_reply(error, sends=sends)
            if delay is None:
                raise
            yield Sleep(delay)
            continue
        if failure is not None:
            # raised outside the except block: inside it, even ``from None`` would keep the
            # client's error (and the old item) reachable as ``__context__``
            raise failure
        if plan.kind == "update":
            return entity_from_item(plan.plans.cls, result.attributes)
        return plan.stored


def written(plan: PreparedWrite[E], resends: Resends) -> Script[E]:
    """``perform`` for a put or an update: the entity as stored."""
    entity = yield from perform(plan, resends)
    if entity is None:
        raise AssertionError(f"a {plan.kind} returned no entity")  # pragma: no cover
    return entity


def _written(plan: PreparedWrite[E], item: dict[str, Any]) -> E:
    if plan.stored is not None:
        return plan.stored
    return entity_from_item(plan.plans.cls, item)
