"""The per-class plan behind ``model.codec``: which fields can skip ``model_dump``, and the encoder.

Why a separate module: deciding, once per class, what is safe to read straight from an
instance is the delicate part of the fused codec, and it deserves to be read on its own.

A field is *plain* when ``model_dump(by_alias=True, exclude_none=True)`` returns its value
unchanged (the same object): its annotation is built only from plain types, it has no
serializer, no ``exclude``/``exclude_if``, and its metadata holds only constraints, validators
and dynastack's role markers. pydantic's python-mode serializers return such values as they
are; the one thing they transform, models and dataclasses met inside ``Any``, the codec cannot
encode, so those raise and the caller takes the reference path. Every other field is dumped by
the class's own serializer with ``include=`` those fields: the same call ``model_dump`` makes.

The encoder is generated source, one straight block per field, compiled once per class (as
``dataclasses`` and ``attrs`` do): in CPython a loop over field descriptors costs more than the
encoding itself. A field whose value has exactly its declared type gets that type's rule
inline; any other value goes through ``enc_any``. Only identifiers and ``repr`` of field names
reach the source; attribute names, types and renderers are passed in as constants.
"""

from __future__ import annotations

import datetime as dt
import enum
import types
import typing
import uuid
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from decimal import Decimal
from string import Formatter
from typing import Any, Final, get_args, get_origin

import annotated_types
from pydantic import AfterValidator, BaseModel, BeforeValidator, PlainValidator, WrapValidator
from pydantic.fields import FieldInfo
from pydantic_core import SchemaSerializer

from dynastack.core.keys import KeyTemplate
from dynastack.core.values import WireItem
from dynastack.model import value_encoders
from dynastack.model.entity import Entity
from dynastack.model.items import expiry_epoch
from dynastack.model.markers import Role
from dynastack.model.meta import TYPE_ATTR, VERSION_ATTR, EntityMeta, KeyPart

__all__ = ["ClassCodec", "compile_codec"]

Encoder = Callable[[Entity], WireItem]

# --- which fields are plain --------------------------------------------------------------

_PLAIN_TYPES: Final = frozenset(
    {str, int, float, bool, bytes, Decimal, dt.datetime, dt.date, uuid.UUID, type(None)}
    | {list, tuple, set, frozenset, dict, Any}
)
_PLAIN_ORIGINS: Final = frozenset(
    {list, tuple, set, frozenset, dict, Sequence, Mapping, AbstractSet, typing.Union}
    | {types.UnionType}
)
_PLAIN_METADATA: Final = (
    annotated_types.BaseMetadata,
    Role,
    AfterValidator,
    BeforeValidator,
    PlainValidator,
    WrapValidator,
)


def _plain_metadata(item: object) -> bool:
    if isinstance(item, _PLAIN_METADATA):
        return True
    if isinstance(item, annotated_types.GroupedMetadata):  # StringConstraints and the like
        return all(_plain_metadata(inner) for inner in item)
    if isinstance(item, FieldInfo):
        return not _has_dump_options(item) and all(_plain_metadata(m) for m in item.metadata)
    return False


def _plain_annotation(annotation: Any) -> bool:
    try:
        if annotation in _PLAIN_TYPES:
            return True
    except TypeError:  # unhashable metadata somewhere inside (Annotated[str, ["x"]])
        pass
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return not hasattr(annotation, "__get_pydantic_core_schema__")
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is typing.Annotated:
        return _plain_annotation(args[0]) and all(
            _plain_metadata(m) for m in annotation.__metadata__
        )
    if origin is typing.Literal:
        return all(type(a) in (str, int, bool, bytes) or a is None for a in args)
    if origin in _PLAIN_ORIGINS:
        return all(a is Ellipsis or _plain_annotation(a) for a in args)
    return False


def _has_dump_options(info: FieldInfo) -> bool:
    return bool(info.exclude) or getattr(info, "exclude_if", None) is not None


def _declared_type(annotation: Any) -> Any:
    """The one exact type a field's values normally have (``X | None`` → ``X``), else None."""
    if get_origin(annotation) is typing.Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return _declared_type(args[0]) if len(args) == 1 else None
    return annotation if isinstance(annotation, type) else get_origin(annotation)


# --- keys ----------------------------------------------------------------------------------


def _renderer(template: KeyTemplate) -> Callable[[Mapping[str, Any]], Any]:
    """Concatenation when every field is a plain str; the template itself otherwise."""
    if template.is_constant:
        text = template.render({})
        return lambda values: text
    # str.format's syntax ({{, }}, {name}) is the key template's, which has validated it
    segments = [(lit, name) for lit, name, _, _ in Formatter().parse(template.template)]
    render = template.render
    if len(template.fields) == 1:  # [(prefix, field)] or [(prefix, field), (suffix, None)]
        prefix, field = segments[0][0], template.fields[0]
        suffix = segments[1][0] if len(segments) > 1 else ""

        def one(values: Mapping[str, Any]) -> Any:
            value = values.get(field)
            if type(value) is str:
                return prefix + value + suffix
            return render(values)

        return one
    fields = template.fields
    source = template.template
    guards = template.guards

    def many(values: Mapping[str, Any]) -> Any:
        for name in fields:
            if type(values.get(name)) is not str:
                return render(values)
        for name, after in guards:
            if after in values[name] + after[:-1]:
                return render(values)  # an ambiguous key: the template raises why
        return source.format_map(values)

    return many


# --- the plan ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClassCodec:
    """What the codec does for one class.

    ``encode`` is None when the class must take the reference path; ``validate_directly`` says
    whether its validator may be called as ``model_validate`` would (not overridden, no schema
    upgrades to apply first). The validator and serializer are looked up on each call, so a
    ``model_rebuild`` is honoured.
    """

    encode: Encoder | None
    validate_directly: bool


def compile_codec(cls: type[Entity]) -> ClassCodec | None:
    """Compile the plan of ``cls``; ``None`` while pydantic has not finished building it."""
    if not cls.__pydantic_complete__:
        return None
    meta: EntityMeta = cls.__dynastack__
    direct = meta.schema_version == 1 and getattr(cls.model_validate, "__func__", None) is getattr(
        BaseModel.model_validate, "__func__", BaseModel
    )
    return ClassCodec(_encoder(cls, meta), direct)


def _encoder(cls: type[Entity], meta: EntityMeta) -> Encoder | None:
    decorators = cls.__pydantic_decorators__
    if (
        not isinstance(cls.__pydantic_serializer__, SchemaSerializer)
        or cls.model_dump is not BaseModel.model_dump
        or decorators.model_serializers
        or cls.model_config.get("extra") == "allow"
        or type(meta.entity_type) is not str
        or any(p.type != "S" for p in _computed_parts(meta))  # the source writes S keys
    ):
        return None
    serialized = {f for d in decorators.field_serializers.values() for f in d.info.fields}
    source = _Source()
    dumped: list[str] = []
    for name, info in cls.model_fields.items():
        key = info.serialization_alias or info.alias or name
        if (
            "*" not in serialized
            and name not in serialized
            and not _has_dump_options(info)
            and _plain_annotation(info.annotation)
            and all(_plain_metadata(m) for m in info.metadata)
        ):
            source.plain_field(name, key, _declared_type(info.annotation))
        else:
            source.dumped_field(key)
            dumped.append(name)
    for name, cinfo in cls.__pydantic_computed_fields__.items():
        source.dumped_field(cinfo.alias or name)
        dumped.append(name)
    for part in meta.key_parts:
        if part.computed:
            source.key(part.attr, _renderer(part.template))
    for index in meta.indexes.values():
        for ipart in (index.pk, index.sk):
            if ipart is not None and ipart.computed and ipart is not meta.pk:
                source.index_key(ipart.attr, ipart.template.fields, _renderer(ipart.template))
    if meta.ttl_field is not None:
        source.ttl(meta.ttl_field, meta.attributes[meta.ttl_field])
    source.markers(meta.entity_type, meta.schema_version)
    if any(type(k) is not str or not k for k in source.attributes):
        return None  # encode_item refuses these names; let it say so
    return source.compile(cls.__name__, frozenset(dumped) or None)


def _computed_parts(meta: EntityMeta) -> list[KeyPart]:
    parts = [p for p in meta.key_parts if p.computed]
    for index in meta.indexes.values():
        parts += [p for p in (index.pk, index.sk) if p is not None and p.computed]
    return parts


_INLINE: Final[dict[type, str]] = {
    str: '{{"S": v}}',
    bool: '{{"BOOL": v}}',
    int: '{{"N": str(v)}} if -INT_LIMIT < v < INT_LIMIT else enc_int(v)',
    float: "enc_float(v)",
    Decimal: "enc_decimal(v)",
    bytes: "enc_bytes(v)",
    dt.datetime: "enc_datetime(v)",
    list: "enc_list(v)",
    dict: "enc_dict(v)",
}


class _Source:
    """Builds the encoder's source, block by block, in ``to_item``'s order of assignments."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.names: dict[str, Any] = {
            name: getattr(value_encoders, name) for name in value_encoders.__all__
        }
        self.names.update(
            expiry_epoch=expiry_epoch,
            TYPE_ATTR=TYPE_ATTR,
            VERSION_ATTR=VERSION_ATTR,
            WireItem=WireItem,
        )
        self.attributes: list[Any] = []

    def _const(self, value: Any) -> str:
        name = f"c{len(self.names)}"
        self.names[name] = value
        return name

    def plain_field(self, name: str, key: Any, declared: Any) -> None:
        k = self._const(key)
        self.attributes.append(key)
        self.lines.append(f"v = values[{name!r}]")
        inline = _INLINE.get(declared)
        if inline is None and isinstance(declared, type) and issubclass(declared, enum.Enum):
            inline = '{{"S": v._value_}}' if value_encoders.plain_str_enum(declared) else None
            inline = inline or "enc_enum(v)"
        if inline is None:
            self.lines += ["if v is not None:", f"    out[{k}] = enc_any(v)"]
            return
        t = self._const(declared)
        self.lines += [
            f"if type(v) is {t}:",
            f"    out[{k}] = {inline.format()}",
            "elif v is not None:",
            f"    out[{k}] = enc_any(v)",
        ]

    def dumped_field(self, key: Any) -> None:
        k = self._const(key)
        self.attributes.append(key)
        self.lines += [f"if {k} in dumped:", f"    out[{k}] = enc_any(dumped[{k}])"]

    def key(self, attr: str, render: Callable[..., Any]) -> None:
        self.attributes.append(attr)
        self.lines.append(f'out[{self._const(attr)}] = {{"S": {self._const(render)}(values)}}')

    def index_key(self, attr: str, fields: tuple[str, ...], render: Callable[..., Any]) -> None:
        # sparse index: an item with a missing index field stays out of the index
        self.attributes.append(attr)
        present = " and ".join(f"values.get({f!r}) is not None" for f in fields) or "True"
        self.lines += [
            f"if {present}:",
            f'    out[{self._const(attr)}] = {{"S": {self._const(render)}(values)}}',
        ]

    def ttl(self, field: str, attr: str) -> None:
        self.lines += [
            f"epoch = expiry_epoch(values.get({field!r}))",
            "if epoch is not None:",
            f"    out[{self._const(attr)}] = enc_int(epoch)",
        ]

    def markers(self, entity_type: str, schema_version: int) -> None:
        self.lines.append(f'out[TYPE_ATTR] = {{"S": {self._const(entity_type)}}}')
        if schema_version != 1:
            self.lines.append(f'out[VERSION_ATTR] = {{"N": {self._const(str(schema_version))}}}')

    def compile(self, owner: str, include: frozenset[str] | None) -> Encoder:
        head = [
            "def encode_entity(entity):",
            "    values = entity.__dict__",
            "    out = WireItem()",
        ]
        if include is not None:  # model_dump's own call, restricted to these fields
            self.names.update(include=include)
            head.append(
                "    dumped = entity.__pydantic_serializer__.to_python("
                "entity, include=include, by_alias=True, exclude_none=True)"
            )
        body = [f"    {line}" for line in self.lines]
        text = "\n".join([*head, *body, "    return out", ""])
        namespace = dict(self.names)
        exec(compile(text, f"<dynastack encoder of {owner}>", "exec"), namespace)  # noqa: S102
        encoder: Encoder = namespace["encode_entity"]
        return encoder
