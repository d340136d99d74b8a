"""The codec is lossless or loud: round trips are exact, every limit fails with its path.

Property tests prove decode(encode(x)) == x (with the same types) for the decode-stable
types, and that floats land on ``Decimal(repr(f))`` exactly. boto3's TypeSerializer and
TypeDeserializer are the reference for the wire form of the types both support. The limit
edges were measured on DynamoDB Local; the integration test at the end re-checks them there.
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
import uuid
from collections import OrderedDict
from decimal import Decimal
from typing import Any

import pytest
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dynastack.core.values import (
    NESTING_MAX_DEPTH,
    NUMBER_MAX,
    NUMBER_MAX_DIGITS,
    NUMBER_MIN_POSITIVE,
    decode,
    decode_item,
    encode,
    encode_item,
)
from dynastack.errors import EncodingError

# --- strategies --------------------------------------------------------------------------

ints = st.integers(min_value=-(10**38) + 1, max_value=10**38 - 1)
texts = st.text(max_size=20)
keys = st.text(min_size=1, max_size=8)


@st.composite
def decimals(draw: st.DrawFn) -> Decimal:
    """Decimals DynamoDB stores: up to 38 digits, leading digit at 10**-130 .. 10**125."""
    mantissa = draw(st.integers(min_value=-(10**38) + 1, max_value=10**38 - 1))
    exponent = draw(st.integers(min_value=-168, max_value=125))
    value = Decimal(f"{mantissa}E{exponent}")
    assume(value.is_zero() or -130 <= value.adjusted() <= 125)
    return value


finite_floats = st.floats(allow_nan=False, allow_infinity=False).filter(
    lambda f: f == 0.0 or 1e-130 <= abs(f) < 1e126
)

# Values that decode to themselves *with the same types* (Decimals are compared apart).
stable_scalars = st.one_of(texts, ints, st.booleans(), st.none(), st.binary(max_size=20))
stable_sets = st.one_of(
    st.frozensets(texts, min_size=1, max_size=5).map(set),
    st.frozensets(ints, min_size=1, max_size=5).map(set),
    st.frozensets(st.binary(max_size=8), min_size=1, max_size=5).map(set),
)
stable_values = st.recursive(
    st.one_of(stable_scalars, stable_sets),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)),
    max_leaves=20,
)


def same(a: object, b: object) -> bool:
    """Deep equality that also demands identical types (so 1 is not True is not 1.0)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, set) and isinstance(b, set):
        return a == b and {type(x) for x in a} == {type(y) for y in b}
    return a == b


def nested(levels: int, leaf: object = "x") -> object:
    """``levels`` lists wrapped around ``leaf``."""
    value = leaf
    for _ in range(levels):
        value = [value]
    return value


# --- round trips -------------------------------------------------------------------------


@given(stable_values)
def test_stable_values_round_trip_with_their_types(value: object) -> None:
    assert same(decode(encode(value)), value)


@given(st.dictionaries(keys, stable_values, max_size=8))
def test_items_round_trip(item: dict[str, Any]) -> None:
    assert same(decode_item(encode_item(item)), item)


@given(ints)
def test_int_stays_int(number: int) -> None:
    back = decode(encode(number))
    assert type(back) is int
    assert back == number


@given(finite_floats)
def test_float_is_stored_as_its_shortest_repr(number: float) -> None:
    wire = encode(number)
    assert wire == {"N": repr(number)}
    back = decode(wire)
    assert back == Decimal(repr(number))  # exact: no binary expansion drift
    assert float(back) == number


@given(decimals())
def test_decimal_round_trips_exactly(number: Decimal) -> None:
    wire = encode(number)
    assert wire == {"N": str(number)}
    back = decode(wire)
    assert back == number
    if "." in wire["N"] or "E" in wire["N"]:
        assert type(back) is Decimal
        assert str(back) == str(number)  # not only equal: the same digits and exponent
    else:
        assert type(back) is int


@given(st.sets(decimals(), min_size=1, max_size=5))
def test_number_sets_round_trip(numbers: set[Decimal]) -> None:
    assert decode(encode(numbers)) == numbers


def test_number_decoding_rule() -> None:
    assert decode({"N": "100"}) == 100
    assert type(decode({"N": "-7"})) is int
    assert decode({"N": "1E+2"}) == Decimal("1E+2")
    assert type(decode({"N": "1E+2"})) is Decimal
    assert type(decode({"N": "2.0"})) is Decimal


def test_decimal_with_exponent_keeps_its_form() -> None:
    assert encode(Decimal("1E+2")) == {"N": "1E+2"}
    assert str(decode(encode(Decimal("1E+2")))) == "1E+2"


def test_negative_zero() -> None:
    assert encode(-0.0) == {"N": "-0.0"}
    assert decode(encode(-0.0)) == 0
    assert encode(Decimal("-0")) == {"N": "-0"}
    assert decode({"N": "-0"}) == 0
    assert type(decode({"N": "-0"})) is int


# --- each type's wire form ---------------------------------------------------------------


class Color(enum.Enum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


class Mode(enum.StrEnum):
    FAST = "fast"


class Point(enum.Enum):
    ORIGIN = (0, 0)


class Name(str):
    pass


class Count(int):
    pass


def test_wire_forms() -> None:
    assert encode("") == {"S": ""}
    assert encode(True) == {"BOOL": True}
    assert encode(1) == {"N": "1"}
    assert encode(None) == {"NULL": True}
    assert encode(b"\x00\xff") == {"B": "AP8="}
    assert encode(bytearray(b"ab")) == {"B": "YWI="}
    assert encode(memoryview(b"ab")) == {"B": "YWI="}
    assert encode((1, "a")) == {"L": [{"N": "1"}, {"S": "a"}]}
    assert encode(frozenset({"b", "a"})) == {"SS": ["a", "b"]}
    assert encode({b"b", b"a"}) == {"BS": ["YQ==", "Yg=="]}
    assert encode({3, Decimal("1.5"), 2.25}) == {"NS": ["1.5", "2.25", "3"]}
    assert encode(OrderedDict(a=1)) == {"M": {"a": {"N": "1"}}}
    assert encode(dt.date(7, 3, 9)) == {"S": "0007-03-09"}
    assert encode(uuid.UUID(int=1)) == {"S": "00000000-0000-0000-0000-000000000001"}


def test_bool_is_never_a_number() -> None:
    assert encode(False) == {"BOOL": False}
    assert encode([True, 1]) == {"L": [{"BOOL": True}, {"N": "1"}]}
    with pytest.raises(EncodingError, match="BOOL"):
        encode({True})


def test_enums_store_their_value() -> None:
    assert encode(Color.RED) == {"S": "red"}
    assert encode(Level.HIGH) == {"N": "3"}
    assert encode(Mode.FAST) == {"S": "fast"}
    assert encode(Point.ORIGIN) == {"L": [{"N": "0"}, {"N": "0"}]}
    assert encode({Level.HIGH, 4}) == {"NS": ["3", "4"]}
    assert encode_item({"m": {Mode.FAST: 1}}) == {"m": {"M": {"fast": {"N": "1"}}}}


def test_subclasses_are_stored_as_their_plain_base() -> None:
    wire = encode([Name("n"), Count(5)])
    assert wire == {"L": [{"S": "n"}, {"N": "5"}]}
    assert type(wire["L"][0]["S"]) is str


def test_sets_are_sorted_so_bytes_are_stable() -> None:
    assert encode({"b", "c", "a"}) == {"SS": ["a", "b", "c"]}


# --- datetimes ---------------------------------------------------------------------------


def test_aware_datetime_is_stored_in_utc() -> None:
    plus2 = dt.timezone(dt.timedelta(hours=2))
    assert encode(dt.datetime(2024, 1, 15, 12, 30, tzinfo=plus2)) == {
        "S": "2024-01-15T10:30:00.000000Z"
    }
    assert encode(dt.datetime(2024, 1, 15, 10, 30, 0, 123456, tzinfo=dt.UTC)) == {
        "S": "2024-01-15T10:30:00.123456Z"
    }


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(EncodingError, match=r"created: naive datetime .* attach a timezone"):
        encode_item({"created": dt.datetime(2024, 1, 15)})


def test_datetime_out_of_range_in_utc() -> None:
    minus1 = dt.timezone(dt.timedelta(hours=-1))
    with pytest.raises(EncodingError, match="outside year"):
        encode(dt.datetime(9999, 12, 31, 23, 30, tzinfo=minus1))


@given(
    st.lists(
        st.datetimes(
            min_value=dt.datetime(2, 1, 1),
            max_value=dt.datetime(9998, 12, 31),
            timezones=st.sampled_from(
                [dt.UTC, dt.timezone(dt.timedelta(hours=5, minutes=30)), dt.timezone.min]
            ),
        ),
        min_size=2,
        max_size=6,
    )
)
def test_datetime_strings_sort_like_time(moments: list[dt.datetime]) -> None:
    texts_ = [encode(m)["S"] for m in moments]
    assert {len(t) for t in texts_} == {27}
    assert sorted(texts_) == [encode(m)["S"] for m in sorted(moments)]
    for moment, text in zip(moments, texts_, strict=True):
        assert dt.datetime.fromisoformat(text) == moment


# --- limits, each at ±1 ------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        int("9" * 38),
        -int("9" * 38),
        10**38,  # one significant digit: trailing zeros do not count
        int("1" * 38 + "000"),
        Decimal("1" * 38),
        Decimal("0." + "0" * 5 + "1" * 38),
        Decimal("1" * 38 + "E+88"),
        NUMBER_MAX,
        NUMBER_MAX.copy_negate(),  # unary minus would round to the context's 28 digits
        NUMBER_MIN_POSITIVE,
        NUMBER_MIN_POSITIVE.copy_negate(),
        10**125,
        Decimal("0E-200"),
        1e-130,
        9.999999999999998e125,  # the largest float below 1e126
    ],
    ids=str,
)
def test_numbers_at_the_limits_are_accepted(number: int | Decimal | float) -> None:
    assert decode(encode(number)) == Decimal(repr(number) if isinstance(number, float) else number)


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        (int("1" * 39), "39 significant digits"),
        (-int("1" * 39), "39 significant digits"),
        (10**38 + 1, "39 significant digits"),
        (Decimal("1" * 39), "39 significant digits"),
        (Decimal("1." + "1" * 38), "39 significant digits"),
        (Decimal("1" * 37 + "01"), "39 significant digits"),
        (10**126, "out of range"),
        (-(10**126), "out of range"),
        (Decimal("1E+126"), "out of range"),
        (Decimal("9.9999999999999999999999999999999999999E-131"), "out of range"),
        (Decimal("-1E-131"), "out of range"),
        (1e126, "out of range"),
        (9.99e-131, "out of range"),
        # past str()'s 4300-digit limit: still a clean error, not a ValueError
        pytest.param(10**5000, "out of range", id="10**5000"),
    ],
    ids=lambda v: str(v)[:24],
)
def test_numbers_past_the_limits_are_refused(number: object, reason: str) -> None:
    with pytest.raises(EncodingError, match=reason):
        encode(number)
    assert NUMBER_MAX_DIGITS == 38


@pytest.mark.parametrize(
    "number",
    [float("nan"), float("inf"), float("-inf"), Decimal("NaN"), Decimal("sNaN"), Decimal("-Inf")],
    ids=str,
)
def test_non_finite_numbers_are_refused(number: object) -> None:
    with pytest.raises(EncodingError, match="finite"):
        encode(number)


def test_nesting_32_levels_passes_and_33_fails() -> None:
    # the item is level 1, so an attribute holds at most 31 nested containers
    deepest = NESTING_MAX_DEPTH - 1
    assert decode_item(encode_item({"a": nested(deepest)})) == {"a": nested(deepest)}
    assert encode_item({"a": nested(deepest - 1, leaf=[])})["a"]  # an empty list counts too
    with pytest.raises(EncodingError, match="level 33; DynamoDB allows at most 32"):
        encode_item({"a": nested(deepest + 1)})
    with pytest.raises(EncodingError, match="level 33"):
        encode_item({"a": nested(deepest, leaf={})})


def test_empty_sets_are_refused() -> None:
    empties: tuple[set[str], frozenset[str]] = (set(), frozenset())
    for empty in empties:
        with pytest.raises(EncodingError, match="tags: empty set"):
            encode_item({"tags": empty})


def test_mixed_and_duplicate_sets_are_refused() -> None:
    with pytest.raises(EncodingError, match="mixes N and S"):
        encode({1, "a"})
    with pytest.raises(EncodingError, match="equal once encoded"):
        encode({0.1, Decimal("0.1")})
    with pytest.raises(EncodingError, match="equal once encoded"):
        encode({Color.RED, "red"})
    with pytest.raises(EncodingError, match="sets hold only S, N or B"):
        encode({None})


def test_map_keys_must_be_non_empty_str() -> None:
    with pytest.raises(EncodingError, match=r"^config: map key 5 has type int"):
        encode_item({"config": {5: "x"}})
    with pytest.raises(EncodingError, match=r"^config\.env: empty map key"):
        encode_item({"config": {"env": {"": 1}}})
    with pytest.raises(EncodingError, match=r"^item: empty map key"):
        encode_item({"": 1})


def test_errors_name_the_attribute_path() -> None:
    item = {"items": [{"price": 1}, {"price": 2}, {"price": 3}, {"price": Decimal("1" * 39)}]}
    with pytest.raises(EncodingError, match=r"^items\[3\]\.price: number 1{39} has 39 "):
        encode_item(item)
    with pytest.raises(EncodingError, match=r"^a\['b c'\]\[0\]: cannot encode a builtins\.object"):
        encode_item({"a": {"b c": [object()]}})
    with pytest.raises(EncodingError, match=r"^\[1\]: float nan"):
        encode([1, float("nan")])
    with pytest.raises(EncodingError, match=r"^value: cannot encode a builtins\.complex"):
        encode(1j)


def test_unsupported_types_are_named() -> None:
    with pytest.raises(EncodingError, match=r"datetime\.time"):
        encode(dt.time(12, 0))


# --- decoding malformed input ------------------------------------------------------------


@pytest.mark.parametrize(
    "av",
    [
        {},
        {"X": 1},
        {"S": "a", "N": "1"},
        {"N": "abc"},
        {"N": "NaN"},
        {"N": ""},
        {"N": "1.2.3"},
        {"B": "!!!"},
        {"SS": 5},
        {"M": {"a": "S"}},
        {"L": [{"Q": 1}]},
    ],
    ids=str,
)
def test_malformed_attribute_values_raise(av: dict[str, Any]) -> None:
    with pytest.raises(EncodingError, match="malformed"):
        decode(av)


def test_malformed_item_raises() -> None:
    with pytest.raises(EncodingError, match="malformed"):
        decode_item({"a": {"N": "x1"}})
    with pytest.raises(EncodingError, match="malformed"):
        decode_item({"a": {"Q": 1}})
    with pytest.raises(EncodingError, match="malformed"):
        decode_item({"a": {"B": "AA==", "SS": []}})


# --- boto3 as the reference wire form ----------------------------------------------------

boto3_values = st.recursive(
    st.one_of(
        texts,
        ints,
        st.booleans(),
        st.none(),
        st.binary(max_size=16),
        decimals(),
        st.frozensets(texts, min_size=1, max_size=4).map(set),
        st.frozensets(ints, min_size=1, max_size=4).map(set),
        st.frozensets(st.binary(max_size=6), min_size=1, max_size=4).map(set),
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)),
    max_leaves=15,
)


def as_boto3_wire(av: dict[str, Any]) -> dict[str, Any]:
    """Our JSON wire form as botocore hands it to TypeDeserializer: B and BS as raw bytes."""
    ((tag, value),) = av.items()
    if tag == "B":
        return {"B": base64.b64decode(value)}
    if tag == "BS":
        return {"BS": [base64.b64decode(v) for v in value]}
    if tag == "L":
        return {"L": [as_boto3_wire(v) for v in value]}
    if tag == "M":
        return {"M": {k: as_boto3_wire(v) for k, v in value.items()}}
    return av


def as_base64(value: str | bytes) -> str:
    return value if isinstance(value, str) else base64.b64encode(value).decode()


def normalized(av: dict[str, Any]) -> dict[str, Any]:
    """boto3's wire form made comparable: bytes as base64, set members sorted."""
    ((tag, value),) = av.items()
    if tag == "B":
        return {"B": as_base64(value)}
    if tag == "BS":
        return {"BS": sorted(as_base64(v) for v in value)}
    if tag in ("SS", "NS"):
        return {tag: sorted(value)}
    if tag == "L":
        return {"L": [normalized(v) for v in value]}
    if tag == "M":
        return {"M": {k: normalized(v) for k, v in value.items()}}
    return {tag: value}


@settings(max_examples=200)
@given(boto3_values)
def test_wire_form_matches_boto3(value: object) -> None:
    reference: dict[str, Any] | None
    try:
        reference = dict(TypeSerializer().serialize(value))
    except Exception:  # boto3's context refuses some numbers DynamoDB stores (1E-130)
        reference = None
    assume(reference is not None)
    assert reference is not None
    ours = encode(value)
    assert normalized(ours) == normalized(reference)
    wire_for_boto3: Any = as_boto3_wire(ours)
    assert decode(ours) == TypeDeserializer().deserialize(wire_for_boto3)


# --- the same edges on the real engine ---------------------------------------------------

EDGE_VALUES: list[object] = [
    int("9" * 38),
    int("1" * 39),
    10**38,
    10**38 + 1,
    Decimal("1" * 37 + "01"),
    NUMBER_MAX,
    Decimal("1E+126"),
    NUMBER_MIN_POSITIVE,
    Decimal("9.9999999999999999999999999999999999999E-131"),
    NUMBER_MIN_POSITIVE.copy_negate(),
    Decimal("-1E-131"),
    Decimal("0E-200"),
    -0.0,
    9.999999999999998e125,
    1e126,
    nested(NESTING_MAX_DEPTH - 1),
    nested(NESTING_MAX_DEPTH),
    {"": 1},
    {"k": {"": 1}},
    {"", "a"},
    {b"", b"a"},
]


@pytest.mark.integration
def test_dynamodb_local_accepts_exactly_what_encode_accepts(dynamodb_endpoint: str) -> None:
    import boto3
    from botocore.exceptions import ClientError

    client = boto3.client(
        "dynamodb",
        endpoint_url=dynamodb_endpoint,
        region_name="us-east-1",
        aws_access_key_id="codec",
        aws_secret_access_key="codec",
    )
    table = f"codec-edges-{uuid.uuid4().hex[:8]}"
    client.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    try:
        disagreements = []
        for number, value in enumerate(EDGE_VALUES):
            try:
                av, ours = as_boto3_wire(encode(value)), True
            except EncodingError:  # send what a codec without checks would have sent
                av, ours = raw_wire(value), False
            item = {"pk": {"S": f"edge{number}"}, "v": av}
            try:
                client.put_item(TableName=table, Item=item)
                server = True
            except ClientError:
                server = False
            if ours != server:
                disagreements.append((str(value)[:60], ours, server))
        assert disagreements == []
    finally:
        client.delete_table(TableName=table)


def raw_wire(value: object) -> dict[str, Any]:
    """What a codec without client-side checks would send for the refused edge values."""
    if isinstance(value, int | float | Decimal):
        return {"N": str(value) if not isinstance(value, float) else repr(value)}
    if isinstance(value, list):
        return {"L": [raw_wire(v) for v in value]} if value else {"L": []}
    if isinstance(value, dict):
        return {"M": {k: raw_wire(v) for k, v in value.items()}}
    if isinstance(value, str):
        return {"S": value}
    raise AssertionError(f"no raw form for {value!r}")


def test_property_tests_run_without_a_deadline() -> None:
    # tests/conftest.py's profile: a deadline is a timing, and timings belong in bench/
    current = settings.default
    assert current is not None and current.deadline is None
