"""The fused codec at its edges: keys, TTL, limits, datetimes, upgrades and the reference path.

Each case compares ``entity_to_wire``/``entity_from_wire`` with the two-step reference (see
``codec_entities.outcome``) and, where the stored form is the point, states it outright.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import orjson
import pytest
from pydantic import ConfigDict
from pydantic.alias_generators import to_camel
from pydantic_core import TzInfo

from dynastack.core.values import encode, encode_item
from dynastack.model import Entity, Key, to_item
from dynastack.model.codec import _PLANS, entity_from_wire, entity_to_wire
from dynastack.model.value_encoders import enc_any

from .codec_entities import (
    Audited,
    Expiring,
    Inner,
    Mood,
    Open,
    Person,
    Point,
    Rich,
    Shaped,
    assert_decodes_alike,
    assert_encodes_alike,
    outcome,
)


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


class Camel(Entity, table="codec-camel"):
    """Aliases from a generator, and a subclass that inherits the declaration."""

    model_config = ConfigDict(alias_generator=to_camel)
    __key__ = Key(pk="CAMEL#{camel_id}")
    camel_id: str
    long_name: str | None = None
    sort_order: int = 0


class SubCamel(Camel):
    extra_flag: bool = True


def test_generated_aliases_and_inherited_declarations_encode_alike() -> None:
    camel = Camel(camel_id="c", long_name="n", sort_order=2)
    wire = entity_to_wire(camel)
    assert list(wire) == ["camelId", "longName", "sortOrder", "PK", "_type"]
    assert_encodes_alike(camel)
    assert_decodes_alike(Camel, wire)
    sub = SubCamel(camel_id="s")
    assert entity_to_wire(sub)["extraFlag"] == {"BOOL": True}
    assert_encodes_alike(sub)
    assert_decodes_alike(SubCamel, entity_to_wire(sub))
