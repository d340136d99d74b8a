"""The fused codec equals the two-step reference, value for value, error for error.

``entity_to_wire(e)`` must be ``encode_item(to_item(e))`` (same attributes, same order) and
``entity_from_wire(cls, w)`` must be ``from_item(cls, decode_item(w))`` (same field values down
to their types and reprs, same ``model_fields_set``); where the reference raises, the fused path
raises the same exception type with the same message. Generated entities cover every field kind
the plan treats specially, values injected past validation with ``model_copy(update=…)`` cover
the values pydantic's serializer hands back unchanged, and generated wire items cover malformed
input. The encoder of a supported class is also called directly, so a passing test cannot hide
a fast path that always falls back.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal, Self

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    computed_field,
    field_serializer,
    model_serializer,
)
from pydantic_core import TzInfo, core_schema

from dynastack.core.values import decode_item, encode, encode_item
from dynastack.errors import EncodingError
from dynastack.model import TTL, Entity, Index, Key, Version, from_item, to_item
from dynastack.model.codec import _PLANS, entity_from_wire, entity_to_wire
from dynastack.model.value_encoders import enc_any

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


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


# --- strategies --------------------------------------------------------------------------

ZONES = st.sampled_from(
    [
        dt.UTC,
        TzInfo(0),
        TzInfo(3600),
        dt.timezone(dt.timedelta(hours=-5, minutes=-30)),
        dt.timezone(dt.timedelta(microseconds=1)),  # orjson would round this to Z
        dt.timezone(dt.timedelta(seconds=30)),
    ]
)
AWARE = st.datetimes(
    min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30), timezones=ZONES
)
DATETIMES = AWARE | st.datetimes()  # naive ones must fail alike
DECIMALS = st.builds(
    lambda digits, exponent: Decimal(digits).scaleb(exponent),
    st.integers(-(10**40), 10**40) | st.integers(-999, 999),
    st.integers(-140, 140) | st.integers(-3, 3),
)
NUMBERS = (
    st.integers(min_value=-(10**45), max_value=10**45)
    | st.integers(-1000, 1000)
    | st.floats()
    | DECIMALS
    | st.sampled_from([0.0, -0.0, 1e-130, 9.9e125, 1e126, 1e-131, Decimal("-0"), Decimal("1E+2")])
)
LEAVES = (
    st.none()
    | st.booleans()
    | NUMBERS
    | st.text(max_size=6)
    | st.binary(max_size=6)
    | DATETIMES
    | st.sampled_from([Color.BLUE, Level.HIGH, Mood.WILD, uuid.UUID(int=7), dt.date(2024, 2, 29)])
)
KEYS = st.text(max_size=4) | st.integers(0, 3)
NESTED = st.recursive(
    LEAVES,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.tuples(inner, inner)
        | st.dictionaries(KEYS, inner, max_size=3)
        | st.frozensets(st.text(max_size=3) | st.integers(-5, 5), max_size=3)
        | st.builds(Inner, a=st.integers(0, 9), b=st.none() | st.text(max_size=3))
        | st.builds(Point, x=st.integers(0, 9))
    ),
    max_leaves=8,
)
JSON_LIKE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5) | st.floats(allow_nan=False),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=10,
)

RICH_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "variant": st.text(max_size=4),
    "owner": st.none() | st.text(max_size=4),
    "kind": st.none() | st.text(max_size=4),
    "count": st.integers(min_value=-(10**40), max_value=10**40),
    "ratio": st.floats(),
    "price": DECIMALS,
    "flag": st.booleans(),
    "color": st.sampled_from(Color),
    "level": st.sampled_from(Level),
    "mood": st.sampled_from(Mood),
    "when": st.none() | DATETIMES,
    "day": st.none() | st.dates(),
    "uid": st.none() | st.uuids(),
    "blob": st.none() | st.binary(max_size=20),
    "tags": st.lists(st.text(max_size=4), max_size=4),
    "labels": st.none() | st.sets(st.text(max_size=4), max_size=3),
    "nums": st.none() | st.frozensets(st.integers(-(10**3), 10**3), max_size=3),
    "pairs": st.lists(st.integers(-9, 9), max_size=3).map(tuple),
    "meta": st.dictionaries(st.text(max_size=4), JSON_LIKE, max_size=4),
    "anything": NESTED,
    "lit": st.sampled_from(["x", "y"]),
    "note": st.none() | st.text(min_size=1, max_size=4),
    "expires": st.none() | DATETIMES,
    "version": st.integers(1, 10**6),
    "Aliased": st.integers(-100, 100),
    "renamed": st.text(max_size=3),
    "inner": st.none() | st.builds(Inner, a=st.integers(0, 9), b=st.none() | st.text(max_size=3)),
    "inners": st.lists(st.builds(Inner, a=st.integers(0, 9)), max_size=2),
    "secret": st.text(max_size=3),
    "shout": st.text(max_size=3),
}


@st.composite
def rich_entities(draw: st.DrawFn) -> Rich:
    values = {"rich_id": draw(st.text(max_size=6))}
    for name in draw(st.sets(st.sampled_from(sorted(RICH_FIELDS)))):
        values[name] = draw(RICH_FIELDS[name])
    return Rich.model_validate(values)


# --- properties --------------------------------------------------------------------------


@SETTINGS
@given(rich_entities())
def test_generated_entities_encode_exactly_as_the_reference(entity: Rich) -> None:
    assert_encodes_alike(entity)
    try:
        expected = encode_item(to_item(entity))
    except EncodingError:
        return
    if holds_model(entity.anything):
        return  # model_dump turns it into a dict; the fast path leaves that to the reference
    plan = _PLANS[Rich]
    assert plan.encode is not None
    fast = plan.encode(entity)  # the fast path itself, without the safety net
    assert list(fast.items()) == list(expected.items())


@SETTINGS
@given(rich_entities())
def test_generated_entities_decode_exactly_as_the_reference(entity: Rich) -> None:
    try:
        wire = orjson.loads(orjson.dumps(encode_item(to_item(entity))))
    except EncodingError:
        return
    assert_decodes_alike(Rich, wire)
    assert entity_from_wire(Rich, wire) == from_item(Rich, decode_item(wire))


@SETTINGS
@given(
    rich_entities(),
    st.lists(st.tuples(st.sampled_from(sorted(Rich.model_fields)), NESTED), max_size=3),
)
def test_values_injected_past_validation_encode_alike(
    entity: Rich, changes: list[tuple[str, Any]]
) -> None:
    # model_copy(update=…) skips validation: pydantic's serializer then meets any type at all
    assert_encodes_alike(entity.model_copy(update=dict(changes)))


AV_TAGS = st.sampled_from(["S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS", "X"])
AV_VALUES = (
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.sampled_from(["1", "-0", "2.50", "1e3", " 7", "x", "AAE=", "7_0.5", "2024-01-01"])
    | st.text(max_size=4)
    | st.lists(st.sampled_from(["1", "a", "AA=="]), max_size=2)
)
ATTRIBUTE_VALUES = st.recursive(
    st.dictionaries(AV_TAGS, AV_VALUES, min_size=1, max_size=2),
    lambda inner: (
        st.dictionaries(st.just("M"), st.dictionaries(st.text(max_size=3), inner, max_size=2))
        | st.dictionaries(st.just("L"), st.lists(inner, max_size=2))
        | inner
    ),
    max_leaves=5,
)


@SETTINGS
@given(
    st.dictionaries(
        st.sampled_from(["rich_id", "count", "ratio", "price", "tags", "meta", "when", "PK"])
        | st.text(max_size=3),
        ATTRIBUTE_VALUES | st.none() | st.text(max_size=2),
        max_size=6,
    )
)
def test_malformed_wire_items_fail_alike(wire: dict[str, Any]) -> None:
    assert_decodes_alike(Rich, wire)


# --- edge cases ----------------------------------------------------------------------------


def test_key_order_and_markers_match_to_item() -> None:
    entity = Rich(rich_id="r1", owner="ann", kind="k", tags=["a"], Aliased=3)
    wire = entity_to_wire(entity)
    assert list(wire) == list(encode_item(to_item(entity)))
    assert wire["PK"] == {"S": "RICH#r1"} and wire["SK"] == {"S": "V#A"}
    assert wire["ByOwnerPK"] == {"S": "OWNER#ann"} and wire["ByKindSK"] == {"S": "T#k#r1"}
    assert wire["Aliased"] == {"N": "3"} and wire["Renamed"] == {"S": "r"}
    assert wire["shout"] == {"S": "HI"} and wire["tag_count"] == {"N": "1"}
    assert "secret" not in wire and wire["_type"] == {"S": "Rich"}


def test_sparse_index_keys_are_left_out_when_a_field_is_missing() -> None:
    wire = entity_to_wire(Rich(rich_id="r1"))
    assert "ByOwnerPK" not in wire and "ByKindSK" not in wire and "owner" not in wire
    assert wire["ByLevelSK"] == {"S": "LEVEL#1"}  # an IntEnum renders through the template
    assert_encodes_alike(Rich(rich_id="r1", owner=""))


@pytest.mark.parametrize(
    "when",
    [
        dt.datetime(2024, 1, 15, 10, 30, 0, 123456, tzinfo=dt.UTC),
        dt.datetime(2024, 1, 15, 10, 30, tzinfo=TzInfo(0)),  # zero microseconds
        dt.datetime(5, 1, 1, tzinfo=dt.UTC),  # a year below 1000 keeps four digits
        dt.datetime(2024, 1, 15, tzinfo=dt.timezone(dt.timedelta(hours=2))),
        dt.datetime(2024, 1, 15, tzinfo=dt.timezone(dt.timedelta(microseconds=1))),
        dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=1))),  # before year 1 in UTC
        dt.datetime(2024, 1, 15),  # naive
    ],
)
def test_datetimes_and_ttl_encode_alike(when: dt.datetime) -> None:
    entity = Rich(rich_id="r", when=when, expires=when)
    assert_encodes_alike(entity)


def test_ttl_is_epoch_seconds_for_datetimes_and_ints() -> None:
    when = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    assert entity_to_wire(Rich(rich_id="r", expires=when))["expires"] == {
        "N": str(int(when.timestamp()))
    }
    assert entity_to_wire(Expiring(session_id="s", ttl=1_900_000_000))["ttl"] == {"N": "1900000000"}
    assert "ttl" not in entity_to_wire(Expiring(session_id="s"))
    assert_encodes_alike(Expiring(session_id="s").model_copy(update={"ttl": "soon"}))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("count", 10**38),
        ("count", -(10**38) + 1),
        ("ratio", float("nan")),
        ("ratio", -0.0),
        ("ratio", 1e-131),
        ("price", Decimal("1.10")),
        ("price", Decimal("1E+126")),
        ("price", Decimal("0." + "1" * 39)),
        ("labels", set()),
        ("meta", {"": 1}),
        ("meta", {"deep": {"d": {"d": {}}}}),
        ("anything", Inner(a=1)),
        ("anything", Point(x=1)),
        ("anything", {"k": Inner(a=2, b=None)}),
        ("tags", ["a", 1]),
        ("rich_id", 7),
        ("owner", Mood.WILD),
    ],
)
def test_numbers_sets_and_odd_values_encode_alike(field: str, value: Any) -> None:
    assert_encodes_alike(Rich(rich_id="r").model_copy(update={field: value}))


@pytest.mark.parametrize("depth", [29, 30, 31, 32, 40])
def test_nesting_at_the_limit_encodes_alike(depth: int) -> None:
    deep: dict[str, Any] = {"leaf": 1}
    for _ in range(depth):
        deep = {"d": deep}
    assert_encodes_alike(Rich(rich_id="r", meta=deep))
    assert_encodes_alike(Rich(rich_id="r", anything=[deep]))


BOUNDARIES = [
    0.0,
    -0.0,
    1e-130,
    -1e-130,
    1e-131,
    9.999999999999999e125,
    1e126,
    -1e126,
    float("inf"),
    float("nan"),
    10**38 - 1,
    -(10**38) + 1,
    10**38,
    -(10**38),
    Decimal("1E-130"),
    Decimal("1E-131"),
    Decimal("9.9999999999999999999999999999999999999E+125"),
    Decimal("1E+126"),
    Decimal("0E+200"),
    Decimal("1" * 38),
    Decimal("1" * 39),
    Decimal("1" * 38 + "0" * 5),
    Decimal("NaN"),
    Decimal("-Infinity"),
    dt.datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=TzInfo(0)),
    dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.UTC),
    dt.datetime(9999, 12, 31, 23, 59, tzinfo=dt.timezone(dt.timedelta(hours=-1))),
    b"",
    ["a", None],
    {"a": {"": 1}},
    {"a": -0.0, "b": None, "c": [1]},
]


@pytest.mark.parametrize("value", BOUNDARIES, ids=repr)
def test_value_encoders_agree_with_core_values_at_the_limits(value: Any) -> None:
    assert outcome(lambda: enc_any(value)) == outcome(lambda: encode(value))
    assert_encodes_alike(Rich(rich_id="r").model_copy(update={"anything": value}))


def test_numbers_round_trip_exactly() -> None:
    entity = Rich(rich_id="r", price=Decimal("1.10"), ratio=0.1, count=-7, meta={"n": 2**60})
    back = entity_from_wire(Rich, orjson.loads(orjson.dumps(entity_to_wire(entity))))
    assert (back.price, back.ratio, back.count, back.meta) == (
        Decimal("1.10"),
        0.1,
        -7,
        {"n": 2**60},
    )
    assert repr(back.price) == "Decimal('1.10')" and type(back.meta["n"]) is int


def test_schema_upgrades_apply_on_read() -> None:
    old = {"person_id": {"S": "p1"}, "name": {"S": "Ada"}, "_type": {"S": "Person"}}
    assert entity_from_wire(Person, old) == Person(person_id="p1", full_name="Ada")
    assert_decodes_alike(Person, old)
    wire = entity_to_wire(Person(person_id="p1", full_name="Ada"))
    assert wire["_sv"] == {"N": "2"}
    assert_decodes_alike(Person, wire)


def test_classes_the_plan_cannot_mirror_take_the_reference_path() -> None:
    shaped = Shaped(shape_id="s", size=2)
    assert entity_to_wire(shaped)["size"] == {"N": "20"}
    assert_encodes_alike(shaped)
    opened = Open.model_validate({"open_id": "o", "extra_field": 5})
    assert entity_to_wire(opened)["extra_field"] == {"N": "5"}
    assert_decodes_alike(Open, entity_to_wire(opened))
    assert _PLANS[Shaped].encode is None and _PLANS[Open].encode is None
    assert _PLANS[Rich].encode is not None


@SETTINGS
@given(
    st.integers(-(10**40), 10**40),
    st.lists(st.integers(-5, 5), max_size=3),
    st.none() | st.integers(-5, 5),
    st.text(max_size=3),
)
def test_serializers_in_annotations_are_honoured(
    doubled: int, bumped: list[int], maybe: int | None, upper: str
) -> None:
    entity = Custom(custom_id="c", doubled=doubled, bumped=bumped, maybe=maybe, upper=upper)
    assert_encodes_alike(entity)
    wire = entity_to_wire(Custom(custom_id="c", doubled=2, bumped=[1], maybe=3, upper="x"))
    assert (wire["doubled"], wire["bumped"], wire["maybe"], wire["upper"]) == (
        {"N": "4"},
        {"L": [{"N": "2"}]},
        {"N": "-3"},
        {"S": "X"},
    )
    assert wire["shouty"] == {"S": "QUIET"}


def test_a_serializer_for_every_field_is_honoured() -> None:
    assert entity_to_wire(Starred(starred_id="s", n=2))["n"] == {"N": "4"}
    assert_encodes_alike(Starred(starred_id="s", n=2))


def test_overridden_model_validate_and_model_dump_are_called() -> None:
    wire = entity_to_wire(Audited(audited_id="a"))
    assert wire["note"] == {"S": "written"}
    assert entity_from_wire(Audited, wire).note == "read"
    assert_decodes_alike(Audited, wire)


def test_reads_validate() -> None:
    wire = entity_to_wire(Rich(rich_id="r"))
    wire["count"] = {"S": "not a number"}
    assert_decodes_alike(Rich, wire)
    with pytest.raises(ValueError, match="count"):
        entity_from_wire(Rich, wire)
