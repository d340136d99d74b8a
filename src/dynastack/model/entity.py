"""``Entity``: a pydantic model that declares how it is stored, and nothing more.

Entities are declarations, not active records (ARCHITECTURE principle 6): no ``save()``, no
hidden connection. The class keyword ``table=`` and the ``__key__``/``__indexes__`` class
attributes are compiled once, when the class is created, into ``__dynastack__`` (an
``EntityMeta``); a mistake raises ``DefinitionError`` with a stable code right there, at import.
Instances are frozen: an update returns a new instance.

Example:
    >>> from dynastack.model import Entity, Key, Index
    >>> class Note(Entity, table="notes-doc"):
    ...     __key__ = Key(pk="NOTE#{note_id}", sk="METADATA")
    ...     __indexes__ = (Index("ByAuthor", pk="author", sk="title"),)
    ...     note_id: str
    ...     author: str
    ...     title: str
    >>> meta = Note.__dynastack__
    >>> meta.pk.attr, meta.sk.template, meta.indexes["ByAuthor"].pk.attr
    ('PK', KeyTemplate('METADATA'), 'author')
"""

from __future__ import annotations

import datetime as dt
import enum
import types
import typing
import uuid
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, ClassVar, get_args, get_origin

from pydantic import BaseModel, ConfigDict
from pydantic.fields import FieldInfo

from dynastack.core.keys import KeyTemplate
from dynastack.errors import DefinitionError
from dynastack.model.declarations import Index, Key, Table, ensure_table
from dynastack.model.markers import Role, role_of
from dynastack.model.meta import EntityMeta, IndexMeta, KeyPart, ScalarType

__all__ = ["Entity"]


class Entity(BaseModel):
    """Base class of every stored entity. Subclass it with ``table=``."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    __dynastack__: ClassVar[EntityMeta]
    __key__: ClassVar[Key]
    __indexes__: ClassVar[tuple[Index, ...]] = ()
    #: schema version n → function turning a raw item of version n into version n + 1
    __upgrades__: ClassVar[Mapping[int, Callable[[dict[str, Any]], dict[str, Any]]]] = {}

    _dynastack_options: ClassVar[tuple[Table | str | None, str | None, int]]

    def __init_subclass__(
        cls,
        *,
        table: Table | str | None = None,
        entity_type: str | None = None,
        schema_version: int = 1,
        **kwargs: Any,
    ) -> None:
        super().__init_subclass__(**kwargs)
        cls._dynastack_options = (table, entity_type, schema_version)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        table, entity_type, schema_version = cls._dynastack_options
        if table is None:
            return  # an abstract base shared by several entities
        if not cls.__pydantic_complete__:
            # an unresolved annotation would silently drop its role (Version, TTL …)
            raise DefinitionError(
                "ENTITY_UNRESOLVED",
                f"{cls.__name__} has annotations that cannot be resolved where it is defined; "
                "import every type its fields use at module level",
            )
        meta = compile_entity(cls, ensure_table(table), entity_type, schema_version)
        cls.__dynastack__ = meta
        meta.table.register(cls)


def compile_entity(
    cls: type[Entity], table: Table, entity_type: str | None, schema_version: int
) -> EntityMeta:
    """Check the declaration against the fields and build its ``EntityMeta``."""
    name = cls.__name__
    fields = cls.model_fields
    key = cls.__dict__.get("__key__") or getattr(cls, "__key__", None)
    if not isinstance(key, Key):
        raise DefinitionError("ENTITY_NO_KEY", f"{name} needs __key__ = Key(pk=…, sk=…)")
    if not isinstance(schema_version, int) or schema_version < 1:
        raise DefinitionError("ENTITY_SCHEMA_VERSION", f"{name}: schema_version must be ≥ 1")
    for version in range(1, schema_version):
        if version not in cls.__upgrades__:
            raise DefinitionError(
                "ENTITY_UPGRADE_MISSING",
                f"{name} is at schema_version {schema_version} but has no __upgrades__[{version}]",
            )
    roles = _roles(cls)
    pk = _part(cls, key.pk, key.pk_attr or "PK", "__key__.pk", True, named=key.pk_attr)
    sk = None
    if key.sk is not None:
        sk = _part(cls, key.sk, key.sk_attr or "SK", "__key__.sk", True, named=key.sk_attr)
    indexes: dict[str, IndexMeta] = {}
    for index in cls.__indexes__:
        if not isinstance(index, Index):
            raise DefinitionError("INDEX_TYPE", f"{name}.__indexes__ holds {index!r}")
        if index.name in indexes:
            raise DefinitionError("INDEX_DUPLICATE", f"{name} declares {index.name!r} twice")
        indexes[index.name] = _index(cls, index, pk)
    return EntityMeta(
        entity_type=entity_type or name,
        table=table,
        pk=pk,
        sk=sk,
        indexes=indexes,
        attributes={f: (info.alias or f) for f, info in fields.items()},
        version_field=roles.get(Role.VERSION),
        owner_field=roles.get(Role.OWNER),
        ttl_field=roles.get(Role.TTL),
        created_field=roles.get(Role.CREATED),
        updated_field=roles.get(Role.UPDATED),
        schema_version=schema_version,
        upgrades=dict(cls.__upgrades__),
    )


def _roles(cls: type[Entity]) -> dict[Role, str]:
    found: dict[Role, str] = {}
    for field_name, info in cls.model_fields.items():
        role = role_of(info.metadata) or role_of(_union_metadata(info.annotation))
        if role is None:
            continue
        if role in found:
            raise DefinitionError(
                "ROLE_DUPLICATE",
                f"{cls.__name__} marks both {found[role]!r} and {field_name!r} as {role.value}",
            )
        found[role] = field_name
        base = _strip_optional(info.annotation)
        if role is Role.VERSION and base is not int:
            raise DefinitionError("ROLE_TYPE", f"{cls.__name__}.{field_name}: Version is an int")
        if role is Role.TTL and base not in (dt.datetime, int):
            raise DefinitionError(
                "ROLE_TYPE", f"{cls.__name__}.{field_name}: TTL must be a datetime or an int"
            )
    return found


def _index(cls: type[Entity], index: Index, table_pk: KeyPart) -> IndexMeta:
    where = f"__indexes__[{index.name!r}]"
    if index.local:
        if index.pk is not None and index.pk != table_pk.template.template:
            raise DefinitionError(
                "INDEX_LOCAL_PK", f"{cls.__name__}: local index {index.name!r} shares the table pk"
            )
        if index.sk is None:
            raise DefinitionError("INDEX_LOCAL_SK", f"{cls.__name__}: {where} needs an sk")
        pk = table_pk
    else:
        if index.pk is None:
            raise DefinitionError("INDEX_NO_PK", f"{cls.__name__}: {where} needs a pk")
        attr = index.pk_attr or f"{index.name}PK"
        pk = _part(cls, index.pk, attr, f"{where}.pk", False, named=index.pk_attr)
    sk = None
    if index.sk is not None:
        attr = index.sk_attr or f"{index.name}SK"
        sk = _part(cls, index.sk, attr, f"{where}.sk", False, named=index.sk_attr)
    return IndexMeta(index.name, pk, sk, index.local, index.projection)


def _part(
    cls: type[Entity], spec: str, attr: str, where: str, required: bool, *, named: str | None
) -> KeyPart:
    """``named``: the attribute the declaration gave explicitly (a bare field is then copied
    into it, keeping its own attribute too)."""
    fields = cls.model_fields
    if not isinstance(spec, str) or not spec:
        raise DefinitionError("KEY_TEMPLATE_SYNTAX", f"{cls.__name__}.{where} is {spec!r}")
    source = "{" + spec + "}" if spec in fields and "{" not in spec else spec
    template = KeyTemplate(source)
    for field_name in template.fields:
        if field_name not in fields:
            raise DefinitionError(
                "KEY_UNKNOWN_FIELD",
                f"{cls.__name__}.{where} {spec!r} names {field_name!r}, which is not a field",
            )
        if required and _allows_none(fields[field_name]):
            raise DefinitionError(
                "KEY_OPTIONAL_FIELD",
                f"{cls.__name__}.{where}: key field {field_name!r} must not be optional",
            )
    if template.is_bare:
        field_name = template.fields[0]
        info = fields[field_name]
        own = info.alias or field_name
        kind = _scalar(cls, field_name, info)
        if named is not None and named != own:
            return KeyPart(named, template, kind, None)  # a typed copy under its own name
        return KeyPart(own, template, kind, field_name)
    return KeyPart(attr, template, "S", None)


def _allows_none(info: FieldInfo) -> bool:
    origin = get_origin(info.annotation)
    return origin in (typing.Union, types.UnionType) and type(None) in get_args(info.annotation)


def _strip_optional(annotation: Any) -> Any:
    """``X | None`` → ``X``, with any ``Annotated`` wrapper of ``X`` removed."""
    origin = get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            annotation = args[0]
    if get_origin(annotation) is typing.Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _union_metadata(annotation: Any) -> list[object]:
    # ``TTL[datetime] | None`` keeps its marker inside the union, where pydantic leaves it
    found: list[object] = []
    if get_origin(annotation) in (typing.Union, types.UnionType):
        for arg in get_args(annotation):
            if get_origin(arg) is typing.Annotated:
                found.extend(arg.__metadata__)
    return found


_SCALARS: dict[type, ScalarType] = {
    str: "S",
    dt.datetime: "S",
    dt.date: "S",
    uuid.UUID: "S",
    int: "N",
    float: "N",
    Decimal: "N",
    bytes: "B",
}


#: pydantic's constrained date/time types are not subclasses of datetime/date, yet store as S
_PYDANTIC_TEMPORAL = frozenset(
    {"AwareDatetime", "NaiveDatetime", "PastDatetime", "FutureDatetime", "PastDate", "FutureDate"}
)


def _scalar(cls: type[Entity], field_name: str, info: FieldInfo) -> ScalarType:
    annotation = _strip_optional(info.annotation)
    if (
        getattr(annotation, "__module__", "") == "pydantic.types"
        and getattr(annotation, "__name__", "") in _PYDANTIC_TEMPORAL
    ):
        return "S"
    if isinstance(annotation, type):
        for base, kind in _SCALARS.items():
            if issubclass(annotation, base):
                return kind
        if issubclass(annotation, enum.Enum):
            values = {type(member.value) for member in annotation}
            if values <= {str}:
                return "S"
            if values <= {int}:
                return "N"
    raise DefinitionError(
        "KEY_TYPE",
        f"{cls.__name__}.{field_name}: a key attribute must be a string, number or bytes "
        f"field, not {annotation!r}",
    )
