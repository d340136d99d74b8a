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

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic_core import TzInfo

from dynastack.core.values import decode_item, encode_item
from dynastack.errors import EncodingError
from dynastack.model import from_item, to_item
from dynastack.model.codec import _PLANS, entity_from_wire, entity_to_wire

from .codec_entities import (
    Color,
    Custom,
    Inner,
    Level,
    Mood,
    Point,
    Rich,
    Starred,
    assert_decodes_alike,
    assert_encodes_alike,
    holds_model,
)

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

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
