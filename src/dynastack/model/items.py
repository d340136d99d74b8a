"""Entity ⇄ item (Python values, before the wire codec): keys rendered, markers added.

``to_item`` is the only place that decides what an entity looks like in the table, and
``from_item`` the only place that turns a stored item back into a validated entity, applying
lazy schema upgrades on the way. ``None`` fields are not stored at all: that keeps sparse
indexes sparse and items small, and reads fill them back from the field defaults.

Example:
    >>> from dynastack.model import Entity, Key
    >>> class Tag(Entity, table="tags-doc"):
    ...     __key__ = Key(pk="TAG#{name}", sk="METADATA")
    ...     name: str
    ...     uses: int = 0
    >>> item = to_item(Tag(name="db", uses=3))
    >>> item["PK"], item["SK"], item["_type"], item["uses"]
    ('TAG#db', 'METADATA', 'Tag', 3)
    >>> from_item(Tag, item)
    Tag(name='db', uses=3)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypeVar

from dynastack.errors import EncodingError
from dynastack.model.entity import Entity
from dynastack.model.meta import TYPE_ATTR, VERSION_ATTR, EntityMeta, KeyPart

__all__ = ["expiry_epoch", "from_item", "key_of", "render_part", "stored_ttl", "to_item"]

E = TypeVar("E", bound=Entity)


def render_part(part: KeyPart, values: Mapping[str, Any]) -> Any:
    """The stored value of one key attribute, from field values (by field name)."""
    if part.field is not None:
        value = values.get(part.field)
        if value is None:
            raise EncodingError(f"key field {part.field!r} is missing")
        return _scalar_value(value)
    return part.template.render(values)


def _scalar_value(value: Any) -> Any:
    # a bare key keeps the field's own type; enums and datetimes need their stored form
    if isinstance(value, datetime | str | int | bytes):
        return value
    return getattr(value, "value", value)


def key_of(meta: EntityMeta, values: Mapping[str, Any]) -> dict[str, Any]:
    """The primary key (attribute → Python value) from field values."""
    key = {meta.pk.attr: render_part(meta.pk, values)}
    if meta.sk is not None:
        key[meta.sk.attr] = render_part(meta.sk, values)
    return key


def expiry_epoch(value: Any) -> int | None:
    """A TTL field's value as epoch seconds (DynamoDB's TTL wants a number)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise EncodingError("a TTL datetime must be timezone-aware")
        # floor, not int(): before 1970 int() would round up, away from what reads back
        return math.floor(value.timestamp())
    return int(value)


def stored_ttl(meta: EntityMeta, entity: Entity) -> dict[str, Any]:
    """The TTL field as it reads back (whole seconds), when ``entity`` holds more precision.

    ``TTL[...]`` truncates on validation, but ``model_copy(update=...)``, ``model_construct``
    and a role given as ``Annotated[datetime, Role.TTL]`` skip that; a write returns the
    entity as stored, so the repository applies this to every entity it writes.

    >>> from dynastack.model import Entity, Key
    >>> class Plain(Entity, table="plain-items-doc"):
    ...     __key__ = Key(pk="P#{p}")
    ...     p: str
    >>> stored_ttl(Plain.__dynastack__, Plain(p="x"))  # no TTL field: nothing to change
    {}
    """
    field = meta.ttl_field
    if field is None:
        return {}
    value = entity.__dict__.get(field)
    if isinstance(value, datetime) and value.microsecond:
        return {field: value.replace(microsecond=0)}
    return {}


def to_item(entity: Entity) -> dict[str, Any]:
    """The item (Python values) that stores ``entity``: fields, keys, index keys, markers."""
    meta = type(entity).__dynastack__
    values = entity.__dict__
    item: dict[str, Any] = entity.model_dump(by_alias=True, exclude_none=True)
    for part in meta.key_parts:
        if part.computed:
            item[part.attr] = part.template.render(values)
    for index in meta.indexes.values():
        for ipart in (index.pk, index.sk):
            if ipart is None or not ipart.computed or ipart is meta.pk:
                continue
            # sparse index: an item with a missing index field stays out of the index
            if all(values.get(f) is not None for f in ipart.template.fields):
                item[ipart.attr] = ipart.template.render(values)
    if meta.ttl_field is not None:
        epoch = expiry_epoch(values.get(meta.ttl_field))
        if epoch is not None:
            item[meta.attributes[meta.ttl_field]] = epoch
    item[TYPE_ATTR] = meta.entity_type
    if meta.schema_version != 1:
        item[VERSION_ATTR] = meta.schema_version
    return item


def upgrade(meta: EntityMeta, item: dict[str, Any]) -> dict[str, Any]:
    """Apply the entity's upgrade functions to an item stored at an older schema version."""
    stored = int(item.get(VERSION_ATTR, 1))
    while stored < meta.schema_version:
        item = meta.upgrades[stored](dict(item))
        stored += 1
        item[VERSION_ATTR] = stored
    return item


def from_item(cls: type[E], item: Mapping[str, Any]) -> E:
    """Validate a stored item (Python values) into ``cls``, upgrading old schema versions."""
    meta = cls.__dynastack__
    data = item if isinstance(item, dict) else dict(item)
    if meta.schema_version != 1 and int(data.get(VERSION_ATTR, 1)) < meta.schema_version:
        data = upgrade(meta, data)
    return cls.model_validate(data)
