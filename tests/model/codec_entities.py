"""Entities and comparisons shared by the fused-codec tests (``test_codec*.py``).

``Rich`` holds every field kind the codec plan treats differently; the smaller classes each
exercise one way out of the fast path (serializers in annotations, ``field_serializer("*")``,
overridden pydantic entry points, schema upgrades, ``model_serializer``, ``extra="allow"``).
``outcome`` reduces a call to its exact result (types and reprs all the way down) or to its
exception's type and message, so that "the same" means the same.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    computed_field,
    field_serializer,
    model_serializer,
)
from pydantic_core import core_schema

from dynastack.core.values import decode_item, encode_item
from dynastack.model import TTL, Entity, Index, Key, Version, from_item, to_item
from dynastack.model.codec import entity_from_wire, entity_to_wire


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Mood(enum.StrEnum):
    CALM = "calm"
    WILD = "wild"


class Inner(BaseModel):
    a: int
    b: str | None = None


@dataclasses.dataclass
class Point:
    x: int


class Rich(Entity, table="codec-rich"):
    __key__ = Key(pk="RICH#{rich_id}", sk="V#{variant}")
    __indexes__ = (
        Index("ByOwner", pk="OWNER#{owner}", sk="{count}"),
        Index("ByKind", pk="kind", sk="T#{kind}#{rich_id}"),
        Index("ByLevel", sk="LEVEL#{level}", local=True),
    )
    rich_id: str
    variant: str = "A"
    owner: str | None = None
    kind: str | None = None
    count: int = 0
    ratio: float = 0.5
    price: Decimal = Decimal("1.10")
    flag: bool = False
    color: Color = Color.RED
    level: Level = Level.LOW
    mood: Mood = Mood.CALM
    when: dt.datetime | None = None
    day: dt.date | None = None
    uid: uuid.UUID | None = None
    blob: bytes | None = None
    tags: list[str] = Field(default_factory=list)
    labels: set[str] | None = None
    nums: frozenset[int] | None = None
    pairs: tuple[int, ...] = ()
    meta: dict[str, Any] = Field(default_factory=dict)
    anything: Any = None
    lit: Literal["x", "y"] = "x"
    note: Annotated[str, Field(min_length=1)] | None = None
    expires: TTL[dt.datetime] | None = None
    version: Version = 1
    aliased: int = Field(default=0, alias="Aliased")
    renamed: str = Field(default="r", serialization_alias="Renamed")
    inner: Inner | None = None
    inners: list[Inner] = Field(default_factory=list)
    secret: str = Field(default="hidden", exclude=True)
    shout: str = "hi"

    @field_serializer("shout")
    def _loud(self, value: str) -> str:
        return value.upper()

    @computed_field  # type: ignore[prop-decorator]
    @property
    def tag_count(self) -> int:
        return len(self.tags)


class Upper(str):
    """A custom type whose own schema changes how it is dumped."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        return core_schema.no_info_after_validator_function(
            cls,
            core_schema.str_schema(),
            serialization=core_schema.plain_serializer_function_ser_schema(str.upper),
        )


class Shouty(enum.Enum):
    """An enum whose own schema dumps it differently."""

    QUIET = "quiet"

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        return core_schema.no_info_plain_validator_function(
            cls,
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda member: member.value.upper()
            ),
        )


class Custom(Entity, table="codec-custom"):
    __key__ = Key(pk="C#{custom_id}")
    custom_id: str
    doubled: Annotated[int, PlainSerializer(lambda v: v * 2)] = 1
    bumped: list[Annotated[int, PlainSerializer(lambda v: v + 1)]] = Field(default_factory=list)
    maybe: Annotated[int, PlainSerializer(lambda v: -v)] | None = None
    upper: Upper = Upper("a")
    shouty: Shouty = Shouty.QUIET
    odd_meta: list[Annotated[str, ["unhashable"]]] = Field(default_factory=lambda: ["m"])
    plain: str = "p"


class Starred(Entity, table="codec-starred"):
    __key__ = Key(pk="{starred_id}")
    starred_id: str
    n: int = 1

    @field_serializer("*")
    def _every(self, value: Any) -> Any:
        return value * 2


class Audited(Entity, table="codec-audited"):
    """Overrides the two pydantic entry points the reference path calls."""

    __key__ = Key(pk="{audited_id}")
    audited_id: str
    note: str = ""

    @classmethod
    def model_validate(cls, obj: Any, *args: Any, **kwargs: Any) -> Self:
        return super().model_validate({**obj, "note": "read"}, *args, **kwargs)

    def model_dump(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return {**super().model_dump(*args, **kwargs), "note": "written"}


class Expiring(Entity, table="codec-expiring"):
    __key__ = Key(pk="{session_id}")
    session_id: str
    ttl: TTL[int] | None = None


def _rename(item: dict[str, Any]) -> dict[str, Any]:
    item["full_name"] = item.pop("name", "?")
    return item


class Person(Entity, table="codec-person", schema_version=2):
    __key__ = Key(pk="PERSON#{person_id}")
    __upgrades__: ClassVar[dict[int, Any]] = {1: _rename}
    person_id: str
    full_name: str


class Shaped(Entity, table="codec-shaped"):
    __key__ = Key(pk="{shape_id}")
    shape_id: str
    size: int = 1

    @model_serializer(mode="wrap")
    def _dump(self, handler: Any) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        data["size"] = data["size"] * 10
        return data


class Open(Entity, table="codec-open"):
    model_config = ConfigDict(extra="allow")
    __key__ = Key(pk="{open_id}")
    open_id: str


# --- comparing outcomes ----------------------------------------------------------------


def exact(value: Any) -> Any:
    """A value's structure with every type and repr, so that 1 ≠ 1.0 ≠ True and -0.0 ≠ 0.0."""
    if isinstance(value, BaseModel):
        return (
            type(value).__qualname__,
            [(k, exact(v)) for k, v in value.__dict__.items()],
            sorted(value.model_fields_set),
            exact(value.__pydantic_extra__),
        )
    if isinstance(value, dict):
        return ("dict", [(exact(k), exact(v)) for k, v in value.items()])
    if isinstance(value, list | tuple):
        return (type(value).__name__, [exact(v) for v in value])
    if isinstance(value, set | frozenset):
        return (type(value).__name__, sorted(repr(exact(v)) for v in value))
    return (type(value).__qualname__, repr(value))


def holds_model(value: Any) -> bool:
    if isinstance(value, BaseModel) or dataclasses.is_dataclass(value):
        return True
    if isinstance(value, dict):
        return any(holds_model(v) for v in value.values())
    if isinstance(value, list | tuple | set | frozenset):
        return any(holds_model(v) for v in value)
    return False


def outcome(call: Callable[[], Any]) -> Any:
    try:
        return ("ok", exact(call()))
    except Exception as error:  # the comparison is the point: any exception must match
        return ("error", type(error).__name__, str(error))


def assert_encodes_alike(entity: Entity) -> None:
    fused = outcome(lambda: entity_to_wire(entity))
    assert fused == outcome(lambda: encode_item(to_item(entity)))


def assert_decodes_alike(cls: type[Entity], wire: dict[str, Any]) -> None:
    fused = outcome(lambda: entity_from_wire(cls, wire))
    assert fused == outcome(lambda: from_item(cls, decode_item(wire)))
