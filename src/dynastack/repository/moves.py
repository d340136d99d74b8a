"""Re-keying an item: the two write plans of a move (delete the old key, create the new one).

Why a module of its own: a key field cannot change in place (DynamoDB has no "rename the
key"), so ``update`` refuses it and says to create the new item and delete the old one. Done
as two calls that leaves a window in which both or neither exist; ``UnitOfWork.move`` sends
both plans in one transaction instead. What a move means, decided here once:

* the old item must still be the one the caller read: the delete is version-checked (as
  ``delete(entity)`` is), and it must exist in the caller's scope;
* the new key must be free (as for ``create``: an expired item does not count);
* the moved item is the same record under a new key: every field is kept, ``created_at``
  too, the version is bumped (a caller holding the old version cannot overwrite it by
  accident), ``updated_at`` is now, the owner stays the scope's owner;
* only key fields may be given, and the new key must differ from the old one.

Example:
    >>> from dynastack.model import Entity, Key
    >>> from dynastack.repository.binding import EntityBinding
    >>> class Doc(Entity, table="docs-moves-doc"):
    ...     __key__ = Key(pk="DOC#{doc_id}")
    ...     doc_id: str
    ...     title: str
    >>> gone, made = move_plans(EntityBinding(Doc, table="docs"), Doc(doc_id="a", title="t"),
    ...                         {"doc_id": "b"})
    >>> gone.kind, gone.key, made.kind, made.key, made.stored
    ('delete', {'PK': 'DOC#a'}, 'put', {'PK': 'DOC#b'}, Doc(doc_id='b', title='t'))
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from dynastack.core.expressions import Attr, Condition, Placeholders, compile
from dynastack.errors import InvalidRequest
from dynastack.model.entity import Entity
from dynastack.model.items import key_of, to_item
from dynastack.model.meta import WRITE_TOKEN_ATTR
from dynastack.repository.binding import EntityBinding, new_token
from dynastack.repository.writes import PreparedWrite, delete_plan

__all__ = ["move_plans"]

E = TypeVar("E", bound=Entity)


def _new_key_fields(plans: EntityBinding[E], new_key: Mapping[str, object]) -> dict[str, Any]:
    meta = plans.meta
    if not new_key:
        raise InvalidRequest(
            f"move {plans.name}: give the new value of at least one key field "
            f"({', '.join(sorted(meta.key_fields))})"
        )
    if plans.owner is not None and meta.owner_field in new_key:
        raise InvalidRequest(f"move {plans.name}: an owner scope cannot change the owner")
    other = sorted(set(new_key) - meta.key_fields)
    if other:
        raise InvalidRequest(
            f"move {plans.name}: {other} are not key fields (the key is made of "
            f"{sorted(meta.key_fields)}); change other fields with update"
        )
    return {field: plans.validate(field, value) for field, value in new_key.items()}


def move_plans(
    plans: EntityBinding[E], entity: E, new_key: Mapping[str, object]
) -> tuple[PreparedWrite[E], PreparedWrite[E]]:
    """The delete of ``entity``'s item and the create of the same record under the key that
    ``new_key`` (key fields → new values) gives it; see the module docstring."""
    if not isinstance(entity, plans.cls):
        raise InvalidRequest(
            f"move needs the {plans.name} itself (its fields are copied to the new key), "
            f"not {type(entity).__name__}"
        )
    meta = plans.meta
    changed = _new_key_fields(plans, new_key)
    old = delete_plan(plans, entity, None)  # version-checked and scoped like delete(entity)
    updates: dict[str, Any] = dict(changed)
    if meta.version_field:
        updates[meta.version_field] = getattr(entity, meta.version_field) + 1
    if meta.updated_field:
        updates[meta.updated_field] = plans.clock()
    if plans.owner is not None and meta.owner_field:
        updates[meta.owner_field] = plans.owner
    moved = entity.model_copy(update=updates)
    key = key_of(meta, moved.__dict__)
    if key == old.key:
        raise InvalidRequest(f"move {plans.describe(key)}: the new key is the old key")
    item = to_item(moved)
    token = new_token()
    item[WRITE_TOKEN_ATTR] = token
    free: Condition = Attr(meta.pk.attr).not_exists()
    if meta.ttl_field is not None:
        free = free | (Attr(plans.attr(meta.ttl_field)) <= int(plans.now()))
    ph = Placeholders()
    condition = compile(free, ph)
    made = PreparedWrite(
        plans, "put", key, item, None, condition, ph.names, ph.values, token, moved,
        lambda found, raw: plans.already_exists(key),
    )  # fmt: skip
    return old, made
