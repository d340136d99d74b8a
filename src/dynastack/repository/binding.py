"""``EntityBinding``: everything a repository knows about one entity in one table, without I/O.

Both shells (``Repository``, ``AsyncRepository``) hold one ``EntityBinding`` and hand it to the
step scripts in ``writes``, ``queries`` and ``batch``; the scripts build operations from it and
judge what comes back with it. So the rules below exist once, for both shells:

* keys come from key *fields*, validated by the entity's own field types (a pattern on
  ``deployment_id`` applies to ``get(deployment_id=…)`` too), and are rendered by the templates;
* every item read is judged by ``accept``: another entity type's item, an item whose TTL has
  passed (compared with the injected clock, before DynamoDB's sweeper deletes it, R12), and in
  an owner scope another owner's item are all *absent*, and everything else is validated;
* a failed conditional write is explained by ``explain`` from the old item DynamoDB returned:
  missing, hidden or foreign → the same "not found" error (an owner scope must not reveal that
  someone else's item exists), a version mismatch → ``VersionConflict``, anything else →
  ``ConditionalCheckFailed``; the last two carry the current entity (``current``), and only
  an item the scope may see is ever carried.

Example:
    >>> from dynastack.model import Entity, Key
    >>> class Pet(Entity, table="pets-plans-doc"):
    ...     __key__ = Key(pk="PET#{pet_id}")
    ...     pet_id: str
    ...     name: str
    >>> plans = EntityBinding(Pet, table="pets")
    >>> plans.key({"pet_id": "p1"})
    {'PK': 'PET#p1'}
    >>> plans.accept({"PK": "PET#p1", "_type": "Pet", "pet_id": "p1", "name": "Rex"}, now=0)
    Pet(pet_id='p1', name='Rex')
    >>> plans.accept({"PK": "PET#p1", "_type": "Toy", "pet_id": "p1", "name": "Ball"}, now=0)
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Annotated, Any, Generic, TypeVar

from pydantic import TypeAdapter, ValidationError
from pydantic_core import PydanticUndefined

from dynastack.core.expressions import And, Attr, Condition
from dynastack.errors import (
    ConditionalCheckFailed,
    DynastackError,
    InvalidRequest,
    ItemAlreadyExists,
    ItemNotFound,
    VersionConflict,
)
from dynastack.model.app import TableNaming
from dynastack.model.codec import entity_from_item
from dynastack.model.entity import Entity
from dynastack.model.items import expiry_epoch, key_of
from dynastack.model.meta import TYPE_ATTR, WRITE_TOKEN_ATTR, EntityMeta
from dynastack.model.partial import Partial
from dynastack.repository.cursors import CursorSealer

__all__ = [
    "MAX_SEGMENTS",
    "EntityBinding",
    "all_of",
    "check_segments",
    "new_token",
    "table_name_for",
    "utc_now",
]

E = TypeVar("E", bound=Entity)

_CONDITION_CODE = "ConditionalCheckFailedException"
#: most scan segments one call may run in parallel
MAX_SEGMENTS = 64


def utc_now() -> datetime:
    """The default clock: now, timezone-aware, in UTC."""
    return datetime.now(UTC)


def new_token() -> str:
    """A fresh per-write token (96 random bits): tells our own lost-reply writes apart."""
    return secrets.token_urlsafe(12)


def all_of(conditions: list[Condition]) -> Condition | None:
    """The AND of ``conditions`` (``None`` when there are none)."""
    if not conditions:
        return None
    if len(conditions) == 1:
        return conditions[0]
    return And(tuple(conditions))


def table_name_for(
    entity: type[Entity], *, env: str | None, table_name: str | None, app: TableNaming | None
) -> str:
    """The physical table of ``entity``: ``table_name`` as given, else the naming rules."""
    if table_name is not None:
        return table_name
    meta = getattr(entity, "__dynastack__", None)
    if not isinstance(meta, EntityMeta):
        raise InvalidRequest(f"{entity!r} is not a stored entity (no table= declared)")
    return meta.table.physical_name(env, default_pattern=app.naming if app else None)


def check_segments(segments: int) -> int:
    """Validate a parallel scan's segment count."""
    if isinstance(segments, bool) or not isinstance(segments, int):
        raise InvalidRequest(f"segments must be an int, got {segments!r}")
    if not 1 <= segments <= MAX_SEGMENTS:
        raise InvalidRequest(f"segments must be from 1 to {MAX_SEGMENTS}, got {segments}")
    return segments


@lru_cache(maxsize=1024)
def _adapter(cls: type[Entity], name: str) -> TypeAdapter[Any]:
    info = cls.model_fields[name]
    annotation: Any = info.annotation
    if info.metadata:
        annotation = Annotated[(annotation, *info.metadata)]
    return TypeAdapter(annotation)


class EntityBinding(Generic[E]):
    """One entity class bound to one physical table, a clock, a cursor key and an owner scope."""

    __slots__ = (
        "clock",
        "cls",
        "meta",
        "owner",
        "owner_stored",
        "sealer",
        "shared",
        "table",
    )

    cls: type[E]
    meta: EntityMeta
    table: str
    clock: Callable[[], datetime]
    sealer: CursorSealer | None
    owner: object | None
    owner_stored: object | None
    #: other entity types live in this table: reads check the type marker, writes require it
    shared: bool

    def __init__(
        self,
        cls: type[E],
        *,
        table: str,
        clock: Callable[[], datetime] | None = None,
        sealer: CursorSealer | None = None,
    ) -> None:
        meta = getattr(cls, "__dynastack__", None)
        if not isinstance(meta, EntityMeta):
            raise InvalidRequest(
                f"{getattr(cls, '__name__', cls)!r} is not a stored entity: declare it as "
                "class X(Entity, table=…)"
            )
        self.cls = cls
        self.meta = meta
        self.table = table
        self.clock = clock or utc_now
        self.sealer = sealer
        self.owner = None
        self.owner_stored = None
        self.shared = len(meta.table.entities) > 1

    # -- scope ------------------------------------------------------------------------------

    def with_owner(self, owner: object) -> EntityBinding[E]:
        """A copy whose reads and writes are limited to items of ``owner``."""
        field = self.meta.owner_field
        if field is None:
            raise InvalidRequest(
                f"{self.cls.__name__} declares no Owner[...] field, so it has no owner scope"
            )
        if owner is None:
            raise InvalidRequest("for_owner(None): an owner scope needs an owner")
        copy = self._copy()
        copy.owner = self.validate(field, owner)
        copy.owner_stored = self.stored(field, copy.owner)
        return copy

    # -- values -----------------------------------------------------------------------------

    @property
    def name(self) -> str:
        """The entity class's name, for messages."""
        return self.cls.__name__

    def attr(self, field: str) -> str:
        """The attribute name of ``field`` (aliases applied)."""
        return self.meta.attributes[field]

    def now(self) -> float:
        """The injected clock as epoch seconds (TTL and cursor expiry compare with this)."""
        return self.clock().timestamp()

    def validate(self, field: str, value: object) -> Any:
        """``value`` validated by ``field``'s declared type and constraints."""
        if field not in self.cls.model_fields:
            raise InvalidRequest(f"{self.name} has no field {field!r}")
        try:
            return _adapter(self.cls, field).validate_python(value)
        except ValidationError as error:
            raise InvalidRequest(f"{self.name}.{field}: {error}") from None

    def stored(self, field: str, value: Any) -> Any:
        """A validated field value as ``to_item`` stores it (TTL as epoch seconds)."""
        if field == self.meta.ttl_field:
            return expiry_epoch(value)
        return _adapter(self.cls, field).dump_python(value, by_alias=True, exclude_none=True)

    # -- keys -------------------------------------------------------------------------------

    def key_values(self, given: Mapping[str, object]) -> dict[str, Any]:
        """Validated key-field values from ``given``, which must name exactly the key fields."""
        needed = self.meta.key_fields
        missing = sorted(needed - given.keys())
        extra = sorted(given.keys() - needed)
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"missing {missing}")
            if extra:
                parts.append(f"not key fields: {extra}")
            raise InvalidRequest(
                f"{self.name} is identified by {sorted(needed)}; {', '.join(parts)}"
            )
        return {field: self.validate(field, value) for field, value in given.items()}

    def key(self, given: Mapping[str, object]) -> dict[str, Any]:
        """The primary key (attribute → stored value) from key-field values."""
        return key_of(self.meta, self.key_values(given))

    def target(self, target: object) -> tuple[E | None, dict[str, Any]]:
        """``(entity or None, field values)`` for an entity or a mapping of its key fields."""
        if isinstance(target, self.cls):
            return target, dict(target.__dict__)
        if isinstance(target, Entity):
            raise InvalidRequest(f"this repository stores {self.name}, not {type(target).__name__}")
        if isinstance(target, Mapping):
            return None, self.key_values(target)
        raise InvalidRequest(
            f"expected a {self.name} or a mapping of its key fields, got {type(target).__name__}"
        )

    def describe(self, key: Mapping[str, Any]) -> str:
        """How errors name an item: the entity and its rendered key."""
        return f"{self.name} {dict(key)!r}"

    # -- reads ------------------------------------------------------------------------------

    def visible(self, item: Mapping[str, Any], now: float) -> bool:
        """Whether ``item`` exists for this repository: its type, not expired, the owner's."""
        found = item.get(TYPE_ATTR)
        if found is not None and found != self.meta.entity_type:
            return False
        ttl = self.meta.ttl_field
        if ttl is not None:
            expires = item.get(self.attr(ttl))
            if isinstance(expires, int | Decimal) and expires <= now:
                return False
        if self.owner is not None:
            owner = self.meta.owner_field
            assert owner is not None  # with_owner checked it
            if item.get(self.attr(owner)) != self.owner_stored:
                return False
        return True

    def projected(self, fields: Iterable[str]) -> tuple[tuple[str, ...], list[str]]:
        """``(fields, attributes)`` for a read of only ``fields``: their attributes plus those
        that decide visibility (type, TTL, owner), so a partial read hides what a whole one
        hides. Unknown and repeated fields are refused."""
        if isinstance(fields, str):
            raise InvalidRequest(f"fields= takes a list of field names, not the str {fields!r}")
        wanted = tuple(fields)
        unknown = sorted(set(wanted) - self.meta.attributes.keys())
        if unknown or not wanted or len(set(wanted)) != len(wanted):
            why = f"has no fields {unknown}" if unknown else "needs distinct field names"
            raise InvalidRequest(
                f"{self.name} {why} (fields={list(wanted)}); its fields are "
                f"{sorted(self.meta.attributes)}"
            )
        attrs = [self.attr(f) for f in wanted]
        attrs.append(TYPE_ATTR)
        for role in (self.meta.ttl_field, self.meta.owner_field):
            if role is not None:
                attrs.append(self.attr(role))
        return wanted, list(dict.fromkeys(attrs))

    def accept_partial(
        self, item: Mapping[str, Any], fields: tuple[str, ...], now: float
    ) -> Partial[E] | None:
        """The ``Partial`` of a projected item, each field validated by its own type; a field
        not stored (``None`` is not stored) takes its default."""
        if not self.visible(item, now):
            return None
        values: dict[str, Any] = {}
        for field in fields:
            attr = self.attr(field)
            if attr in item:
                values[field] = self.validate(field, item[attr])
            else:
                default = self.cls.model_fields[field].get_default(call_default_factory=True)
                values[field] = None if default is PydanticUndefined else default
        return Partial(self.cls, values)

    def accept(self, item: Mapping[str, Any], now: float) -> E | None:
        """The validated entity for a stored item, or ``None`` when it is not visible."""
        if not self.visible(item, now):
            return None
        return entity_from_item(self.cls, item)

    # -- write conditions -------------------------------------------------------------------

    def scope_conditions(self, now: float, *, ttl: bool = True) -> list[Condition]:
        """Conditions every write on an *existing* item carries: type, owner, not expired."""
        conditions: list[Condition] = []
        if self.shared:
            conditions.append(Attr(TYPE_ATTR) == self.meta.entity_type)
        if self.owner is not None and self.meta.owner_field is not None:
            conditions.append(Attr(self.attr(self.meta.owner_field)) == self.owner_stored)
        if ttl and self.meta.ttl_field is not None:
            attr = Attr(self.attr(self.meta.ttl_field))
            conditions.append(attr.not_exists() | (attr > int(now)))
        return conditions

    @staticmethod
    def fresh_token_condition(token: str) -> Condition:
        """True unless the item already carries ``token``: a resend cannot apply twice."""
        attr = Attr(WRITE_TOKEN_ATTR)
        return attr.not_exists() | (attr != token)

    # -- errors -----------------------------------------------------------------------------

    def not_found(self, key: Mapping[str, Any]) -> ConditionalCheckFailed:
        """The error for a missing item; identical for an item hidden from this scope."""
        return ItemNotFound(f"{self.describe(key)} not found", code=_CONDITION_CODE)

    def already_exists(
        self, key: Mapping[str, Any], old: Mapping[str, Any] | None = None, *, now: float = 0.0
    ) -> ConditionalCheckFailed:
        """The error for a create whose key is taken; ``current`` is the entity there when
        this scope may see it (``old``: the item DynamoDB returned)."""
        current = self._current(old) if old is not None and self.visible(old, now) else None
        return ItemAlreadyExists(
            f"{self.describe(key)} already exists", code=_CONDITION_CODE, current=current
        )

    def explain(
        self,
        old: dict[str, Any] | None,
        key: Mapping[str, Any],
        *,
        now: float,
        expected_version: int | None,
        raw: Mapping[str, Any] | None = None,
    ) -> DynastackError:
        """Why a conditional write on an existing item failed, from the old item returned.

        Only an item this scope may see is looked at, and only then does the error carry it
        (``current``, validated, and ``raw_item``): an error handed to a scoped caller holds
        nothing of another owner's item (ARCHITECTURE principle 13).
        """
        if old is None or not self.visible(old, now):
            return self.not_found(key)
        current = self._current(old)
        field = self.meta.version_field
        if expected_version is not None and field is not None:
            stored = old.get(self.attr(field))
            if stored != expected_version:
                return VersionConflict(
                    f"{self.describe(key)} is at version {stored}, not {expected_version}: "
                    "somebody else wrote it first; retry with the current entity",
                    current=current,
                    code=_CONDITION_CODE,
                    item=raw,
                )
        return ConditionalCheckFailed(
            f"{self.describe(key)}: the write's condition is false",
            code=_CONDITION_CODE,
            item=raw,
            current=current,
        )

    def _current(self, old: Mapping[str, Any]) -> E | None:
        """The stored entity a condition failure carries; ``None`` if the stored item no longer
        validates, so that the failure is still reported as what it is (a read of that item
        raises the validation error)."""
        try:
            return entity_from_item(self.cls, old)
        except ValidationError:
            return None

    def _copy(self) -> EntityBinding[E]:
        copy = object.__new__(type(self))
        for name in self.__slots__:
            setattr(copy, name, getattr(self, name))
        return copy
