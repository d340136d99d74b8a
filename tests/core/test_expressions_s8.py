"""RELIABILITY S8 and the meaning of expressions: hypothesis properties and DynamoDB Local.

The properties prove S8 at the compile level (whatever the attribute names, an expression
holds only placeholders, operators and function names, and the maps round-trip the inputs) and
that parentheses follow precedence. The integration tests send every builder to DynamoDB Local
(boto3 with dummy credentials until dynastack's client lands): the server accepts the text, it
means what we intend, and hostile names are written and read back through placeholders.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from hypothesis import given, settings
from hypothesis import strategies as st
from mypy_boto3_dynamodb import DynamoDBClient

from dynastack.core.expressions import (
    Attr,
    Condition,
    KeyCondition,
    Path,
    Placeholders,
    Size,
    compile,
    projection,
)

FUNCTIONS = (
    "size|attribute_exists|attribute_not_exists|attribute_type|begins_with|contains"
    "|if_not_exists|list_append"
)
TOKEN = (
    r"#n\d+|:v\d+|\[\d+\]|[.,()]|<>|<=|>=|[=<>+-]| "
    rf"|(?:AND|OR|NOT|BETWEEN|IN|SET|REMOVE|ADD|DELETE|{FUNCTIONS})(?![\w])"
)
GRAMMAR = re.compile(f"(?:{TOKEN})*")


def assert_only_placeholders(expression: str, ph: Placeholders) -> None:
    """S8: nothing but vocabulary, and the maps hold exactly the placeholders used."""
    assert GRAMMAR.fullmatch(expression), expression
    assert set(re.findall(r"#n\d+", expression)) == set(ph.names)
    assert set(re.findall(r":v\d+", expression)) == set(ph.values)


sk = Attr("sk")


# --- hypothesis: S8 and precedence -----------------------------------------------------

#: any text DynamoDB can carry (UTF-8, so no lone surrogates), bias towards hostile syntax
NAMES = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=20),
    st.sampled_from(["#n0", ":v0", "a.b", "a[0]", "AND", "size", "x) OR (y", "' OR 1=1 --"]),
)
#: values DynamoDB can store (numbers within its 38 digits), so the wire tests can use them too
VALUES = st.one_of(
    st.text(max_size=5),
    st.integers(-(10**30), 10**30),
    st.booleans(),
    st.binary(max_size=4),
    st.decimals(-(10**9), 10**9, allow_nan=False, allow_infinity=False, places=4),
    st.lists(st.integers(-9, 9), max_size=2),
)


@st.composite
def paths(draw: st.DrawFn) -> Path:
    path: Path = Attr(draw(NAMES))
    for step in draw(st.lists(st.one_of(NAMES, st.integers(0, 99)), max_size=2)):
        path = path[step]
    return path


@st.composite
def atoms(draw: st.DrawFn) -> Condition:
    path, other = draw(paths()), draw(st.one_of(paths(), VALUES))
    build: list[Callable[[], Condition]] = [
        lambda: path == other,
        lambda: path != other,
        lambda: path < other,
        lambda: path >= other,
        lambda: path.between(draw(VALUES), other),
        lambda: path.begins_with(other),
        lambda: path.contains(other),
        lambda: path.is_in([other, draw(VALUES)]),
        path.exists,
        path.not_exists,
        lambda: path.attribute_type("M"),
        lambda: path.size() > other,
    ]
    return draw(st.sampled_from(build))()


CONDITIONS = st.recursive(
    atoms(),
    lambda inner: st.one_of(
        st.builds(lambda x, y: x & y, inner, inner),
        st.builds(lambda x, y: x | y, inner, inner),
        st.builds(lambda x: ~x, inner),
    ),
    max_leaves=6,
)


def _names_in(node: object) -> set[str]:
    """Every attribute name inside a condition tree (walks the dataclass fields)."""
    if isinstance(node, Path):
        return {e for e in node.elements if isinstance(e, str)}
    if isinstance(node, tuple):
        return set().union(*map(_names_in, node)) if node else set()
    slots = getattr(type(node), "__slots__", ())
    if isinstance(node, (Condition, Size)):
        return set().union(*(_names_in(getattr(node, s)) for s in slots)) if slots else set()
    return set()


@settings(max_examples=300, deadline=None)
@given(CONDITIONS)
def test_s8_names_never_reach_the_expression(condition: Condition) -> None:
    ph = Placeholders()
    text = compile(condition, ph)
    assert_only_placeholders(text, ph)
    assert set(ph.names.values()) == _names_in(condition)


@settings(max_examples=200, deadline=None)
@given(NAMES, NAMES, VALUES, st.lists(paths(), min_size=1, max_size=4))
def test_s8_key_conditions_and_projections(
    pk: str, sort_key: str, value: object, projected: list[Path]
) -> None:
    ph = Placeholders()
    sort = Attr(sort_key).begins_with(value) if sort_key != pk else None
    key = compile(KeyCondition(pk, value, sort), ph)
    fields = projection(projected, ph)
    assert_only_placeholders(f"{key} {fields}", ph)
    assert ph.names[key.split(" ")[0]] == pk
    for stored in ph.values.values():  # equal values share a placeholder; nothing else changes
        assert type(stored) is type(value) and stored == value


@st.composite
def boolean_trees(draw: st.DrawFn) -> tuple[Condition, bool, dict[str, bool]]:
    """A random AND/OR/NOT tree over attribute_exists atoms, with its truth by Python rules."""
    truth = {f"t{i}": draw(st.booleans()) for i in range(4)}

    def tree(depth: int) -> tuple[Condition, bool]:
        kind = draw(st.sampled_from(["atom", "and", "or", "not"] if depth < 4 else ["atom"]))
        if kind == "atom":
            name = draw(st.sampled_from(sorted(truth)))
            return Attr(name).exists(), truth[name]
        if kind == "not":
            node, value = tree(depth + 1)
            return ~node, not value
        (left, lv), (right, rv) = tree(depth + 1), tree(depth + 1)
        return (left & right, lv and rv) if kind == "and" else (left | right, lv or rv)

    condition, expected = tree(0)
    return condition, expected, truth


@settings(max_examples=300, deadline=None)
@given(boolean_trees())
def test_rendered_text_evaluates_like_the_tree(
    case: tuple[Condition, bool, dict[str, bool]],
) -> None:
    condition, expected, truth = case
    ph = Placeholders()
    text = compile(condition, ph)
    # DynamoDB's precedence (NOT > AND > OR) is Python's: evaluate the text as Python
    python = re.sub(r"attribute_exists\((#n\d+)\)", lambda m: str(truth[ph.names[m[1]]]), text)
    python = python.replace("AND", "and").replace("OR", "or").replace("NOT", "not")
    assert eval(python) is expected  # the text holds only True/False/and/or/not/()


# --- DynamoDB Local --------------------------------------------------------------------

SERIALIZER = TypeSerializer()
DESERIALIZER = TypeDeserializer()


def wire(ph: Placeholders, **expressions: str) -> dict[str, Any]:
    """boto3 keyword arguments for one request's expressions and placeholders."""
    args: dict[str, Any] = dict(expressions)
    if ph.names:
        args["ExpressionAttributeNames"] = ph.names
    if ph.values:
        args["ExpressionAttributeValues"] = {
            k: SERIALIZER.serialize(v) for k, v in ph.values.items()
        }
    return args


def item(**attributes: Any) -> dict[str, Any]:
    return {k: SERIALIZER.serialize(v) for k, v in attributes.items()}


def python(wire_item: dict[str, Any]) -> dict[str, Any]:
    """A returned item as Python values (numbers as Decimal, which compare equal to ints)."""
    return {k: DESERIALIZER.deserialize(v) for k, v in wire_item.items()}


@pytest.fixture(scope="module")
def ddb(dynamodb_endpoint: str) -> DynamoDBClient:
    return boto3.client(
        "dynamodb",
        aws_access_key_id="dynastack",
        aws_secret_access_key="dynastack",
        region_name="us-east-1",
        endpoint_url=dynamodb_endpoint,
    )


@pytest.fixture(scope="module")
def table(ddb: DynamoDBClient) -> Iterator[str]:
    name = f"expressions-{uuid.uuid4().hex}"
    ddb.create_table(
        TableName=name,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    yield name
    ddb.delete_table(TableName=name)


STORED = {
    "n": 5,
    "lo": 1,
    "hi": 9,
    "s": "hello",
    "tags": {"a", "b"},
    "l": [1, 2, 3],
    "m": {"x": {"y": 1}},
    "a.b": "dotted",
    "nul": None,
    "bin": b"\x00\x01",
}
n, s, m = Attr("n"), Attr("s"), Attr("m")
WIRE_CASES: list[tuple[Condition, bool]] = [
    (n == 5, True),
    (n != 5, False),
    (n < 6, True),
    (n <= 5, True),
    (n > 5, False),
    (n >= 6, False),
    (Attr("lo") < Attr("hi"), True),
    (Attr("hi") < Attr("lo"), False),
    (n.between(1, 5), True),
    (n.between(6, 9), False),
    (n.between(Attr("lo"), Attr("hi")), True),
    (s.begins_with("he"), True),
    (s.begins_with("x"), False),
    (Attr("bin").begins_with(b"\x00"), True),
    (s.contains("ell"), True),
    (Attr("tags").contains("a"), True),
    (Attr("l").contains(2), True),
    (Attr("l").contains(7), False),
    (n.is_in([1, 5, 9]), True),
    (n.is_in([1]), False),
    (Attr("missing").not_exists(), True),
    (Attr("missing").exists(), False),
    (Attr("tags").attribute_type("SS"), True),
    (n.attribute_type("S"), False),
    (Attr("nul").attribute_type("NULL"), True),
    (Attr("tags").size() == 2, True),
    (s.size() > 10, False),
    (Attr("l").size().between(3, 3), True),
    (s.size().is_in([5, 6]), True),
    (m["x"]["y"] == 1, True),
    (Attr("l")[1] == 2, True),
    (Attr("a.b") == "dotted", True),
    (Path.parse("a.b").exists(), False),
    ((n == 1) | (s == "hello"), True),
    ((n == 1) | (s == "x"), False),
    (~(n == 5), False),
    ((n == 5) & ~Attr("missing").exists(), True),
    (((n == 1) | (n == 5)) & (s == "hello"), True),
    ((n == 1) | (n == 5) & (s == "x"), False),
]


@pytest.mark.integration
@pytest.mark.parametrize(("condition", "holds"), WIRE_CASES, ids=[repr(c) for c, _ in WIRE_CASES])
def test_conditions_on_put_item(
    ddb: DynamoDBClient, table: str, condition: Condition, holds: bool
) -> None:
    stored = item(pk="COND", sk=uuid.uuid4().hex, **STORED)
    ddb.put_item(TableName=table, Item=stored)
    ph = Placeholders()
    put = {
        "TableName": table,
        "Item": stored,
        **wire(ph, ConditionExpression=compile(condition, ph)),
    }
    if holds:
        ddb.put_item(**put)
    else:
        with pytest.raises(ddb.exceptions.ConditionalCheckFailedException):
            ddb.put_item(**put)


@pytest.mark.integration
@settings(max_examples=40, deadline=None)
@given(boolean_trees())
def test_random_boolean_trees_at_the_wire(
    ddb: DynamoDBClient, table: str, case: tuple[Condition, bool, dict[str, bool]]
) -> None:
    condition, expected, truth = case
    stored = item(pk="TREE", sk=uuid.uuid4().hex, **{k: 1 for k, v in truth.items() if v})
    ddb.put_item(TableName=table, Item=stored)
    ph = Placeholders()
    put = {
        "TableName": table,
        "Item": stored,
        **wire(ph, ConditionExpression=compile(condition, ph)),
    }
    try:
        ddb.put_item(**put)
        held = True
    except ddb.exceptions.ConditionalCheckFailedException:
        held = False
    assert held is expected


SORT_KEYS = ["A#1", "A#2", "A#3", "B#1", "B#2"]


@pytest.mark.integration
@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (None, SORT_KEYS),
        (sk == "A#2", ["A#2"]),
        (sk < "A#2", ["A#1"]),
        (sk <= "A#2", ["A#1", "A#2"]),
        (sk > "B#1", ["B#2"]),
        (sk >= "B#1", ["B#1", "B#2"]),
        (sk.between("A#2", "B#1"), ["A#2", "A#3", "B#1"]),
        (sk.begins_with("A#"), ["A#1", "A#2", "A#3"]),
    ],
)
def test_key_conditions_select_the_expected_items(
    ddb: DynamoDBClient, table: str, sort: Condition | None, expected: list[str]
) -> None:
    partition = f"KEYS#{uuid.uuid4().hex}"
    for key in SORT_KEYS:
        ddb.put_item(TableName=table, Item=item(pk=partition, sk=key))
        ddb.put_item(TableName=table, Item=item(pk=f"{partition}-other", sk=key))
    ph = Placeholders()
    found = ddb.query(
        TableName=table,
        **wire(ph, KeyConditionExpression=compile(KeyCondition("pk", partition, sort), ph)),
    )
    assert [i["sk"]["S"] for i in found["Items"]] == expected


@pytest.mark.integration
def test_projection_at_the_wire(ddb: DynamoDBClient, table: str) -> None:
    key = item(pk="PROJ", sk="1")
    ddb.put_item(TableName=table, Item={**key, **item(**STORED)})
    ph = Placeholders()
    paths: list[Path | str] = ["a.b", m["x"], m["x"]["y"], Attr("l")[2], Attr("l")[0], "absent"]
    got = ddb.get_item(
        TableName=table, Key=key, **wire(ph, ProjectionExpression=projection(paths, ph))
    )
    assert python(got["Item"]) == {"a.b": "dotted", "m": {"x": {"y": 1}}, "l": [1, 3]}


@pytest.mark.integration
@settings(max_examples=60, deadline=None)
@given(NAMES.filter(lambda x: x not in ("pk", "sk")), NAMES, VALUES)
def test_s8_hostile_names_round_trip_through_dynamodb(
    ddb: DynamoDBClient, table: str, name: str, inner: str, value: object
) -> None:
    key = item(pk="S8", sk=uuid.uuid4().hex)
    stored = {**key, **item(**{name: {inner: value}})}
    ph = Placeholders()
    create = compile(Attr(name).not_exists(), ph)
    ddb.put_item(TableName=table, Item=stored, **wire(ph, ConditionExpression=create))
    ph = Placeholders()
    same = compile((Attr(name)[inner] == value) & Attr(name).attribute_type("M"), ph)
    ddb.put_item(TableName=table, Item=stored, **wire(ph, ConditionExpression=same))
    ph = Placeholders()
    fields = projection([Attr(name)[inner]], ph)
    got = ddb.get_item(TableName=table, Key=key, **wire(ph, ProjectionExpression=fields))
    assert python(got["Item"]) == {name: {inner: value}}
