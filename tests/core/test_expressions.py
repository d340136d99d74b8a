"""Conditions, paths, key conditions and projections: exact strings, precise errors, S8.

The pure tests pin the compiled text. The hypothesis tests prove RELIABILITY S8 (whatever the
attribute names, the expression holds only placeholders, operators and function names, and
the maps round-trip the inputs) and that parentheses follow precedence. The integration tests
send every builder to DynamoDB Local (boto3 with dummy credentials until dynastack's client
lands) and check that the server accepts the text and that it means what we intend.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import boto3
import pytest
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from hypothesis import given, settings
from hypothesis import strategies as st
from mypy_boto3_dynamodb import DynamoDBClient

from dynastack.core.expressions import (
    EXPRESSION_MAX_BYTES,
    IN_MAX_OPERANDS,
    Attr,
    Condition,
    KeyCondition,
    Path,
    Placeholders,
    Size,
    check_length,
    compile,
    projection,
)
from dynastack.errors import InvalidRequest, LimitExceeded

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


def render(node: Condition | KeyCondition) -> tuple[str, dict[str, str], dict[str, object]]:
    ph = Placeholders()
    return compile(node, ph), ph.names, ph.values


# --- placeholders ----------------------------------------------------------------------


def test_names_are_reused_and_numbered_in_order() -> None:
    ph = Placeholders()
    assert [ph.name("a"), ph.name("b"), ph.name("a")] == ["#n0", "#n1", "#n0"]
    assert ph.names == {"#n0": "a", "#n1": "b"}


def test_values_share_only_equal_scalars_of_the_same_type() -> None:
    ph = Placeholders()
    assert ph.value("x") == ph.value("x") == ":v0"
    assert ph.value(1) != ph.value(True)
    assert ph.value(Decimal("1.0")) != ph.value(Decimal("1"))
    assert ph.value(b"x") != ph.value("x")
    assert ph.value([1]) != ph.value([1])  # containers never share
    assert list(ph.values.values()) == ["x", 1, True, Decimal("1.0"), Decimal("1"), b"x", [1], [1]]


def test_maps_are_copies() -> None:
    ph = Placeholders()
    ph.name("a")
    ph.names.clear()
    ph.values.clear()
    assert ph.names == {"#n0": "a"}


@pytest.mark.parametrize("bad", ["", "\udc80", 7, None])
def test_bad_attribute_names_are_refused(bad: Any) -> None:
    with pytest.raises(InvalidRequest, match="attribute name"):
        Placeholders().name(bad)
    with pytest.raises(InvalidRequest):
        Attr(bad)


# --- paths -----------------------------------------------------------------------------


def test_attr_takes_a_dotted_name_literally() -> None:
    assert render(Attr("a.b[0]").exists()) == ("attribute_exists(#n0)", {"#n0": "a.b[0]"}, {})


def test_nested_paths_render_map_keys_and_indexes() -> None:
    text, names, _ = render(Attr("a")["b"][0][12]["c"].exists())
    assert text == "attribute_exists(#n0.#n1[0][12].#n2)"
    assert names == {"#n0": "a", "#n1": "b", "#n2": "c"}


def test_map_key_zero_and_index_zero_differ() -> None:
    assert render(Attr("a")["0"].exists())[0] == "attribute_exists(#n0.#n1)"
    assert render(Attr("a")[0].exists())[0] == "attribute_exists(#n0[0])"


@pytest.mark.parametrize(
    ("text", "elements"),
    [
        ("a", ("a",)),
        ("a.b[0].c", ("a", "b", 0, "c")),
        ("a[0][1]", ("a", 0, 1)),
        ("héllo wörld.x y", ("héllo wörld", "x y")),
    ],
)
def test_path_parse_splits_dots_and_brackets(text: str, elements: tuple[str | int, ...]) -> None:
    assert Path.parse(text).elements == elements


@pytest.mark.parametrize("text", ["", "a..b", "a.", ".a", "a[x]", "[0]", "a]", "a[0", "a[-1]"])
def test_path_parse_rejects_malformed_text(text: str) -> None:
    with pytest.raises(InvalidRequest, match="path"):
        Path.parse(text)


@pytest.mark.parametrize("elements", [(), (0,), ("a", -1), ("a", True), ("a", 1.5), ("a", "")])
def test_path_elements_are_checked(elements: tuple[Any, ...]) -> None:
    with pytest.raises(InvalidRequest):
        Path(*elements)


def test_paths_are_immutable_unhashable_and_readable() -> None:
    path = Attr("a")["b"][0]
    assert repr(path) == "Attr('a')['b'][0]"
    assert repr(path.size()) == "Attr('a')['b'][0].size()"
    with pytest.raises(AttributeError):
        path.elements = ("x",)
    with pytest.raises(TypeError):
        hash(path)
    with pytest.raises(InvalidRequest, match="size"):
        Size("a")  # type: ignore[arg-type]


# --- conditions ------------------------------------------------------------------------

a, b = Attr("a"), Attr("b")


@pytest.mark.parametrize(
    ("condition", "text"),
    [
        (a == 1, "#n0 = :v0"),
        (a != 1, "#n0 <> :v0"),
        (a < 1, "#n0 < :v0"),
        (a <= 1, "#n0 <= :v0"),
        (a > 1, "#n0 > :v0"),
        (a >= 1, "#n0 >= :v0"),
        (1 < a, "#n0 > :v0"),  # noqa: SIM300 - Python reflects the comparison onto the path
        (a < b, "#n0 < #n1"),
        (a.between(1, 2), "#n0 BETWEEN :v0 AND :v1"),
        (a.between(b, 2), "#n0 BETWEEN #n1 AND :v0"),
        (a.begins_with("x"), "begins_with(#n0, :v0)"),
        (a.contains(b), "contains(#n0, #n1)"),
        (a.is_in([1, 2, b]), "#n0 IN (:v0, :v1, #n1)"),
        (a.exists(), "attribute_exists(#n0)"),
        (a.not_exists(), "attribute_not_exists(#n0)"),
        (a.attribute_type("SS"), "attribute_type(#n0, :v0)"),
        (a.size() >= 3, "size(#n0) >= :v0"),
        (a.size() < b.size(), "size(#n0) < size(#n1)"),
        (a.size().between(1, 2), "size(#n0) BETWEEN :v0 AND :v1"),
        (a.size().is_in([1]), "size(#n0) IN (:v0)"),
        (a == None, "#n0 = :v0"),  # noqa: E711 - NULL is a value like any other
    ],
)
def test_each_builder_compiles_to_its_expression(condition: Condition, text: str) -> None:
    assert render(condition)[0] == text


def test_values_land_in_the_values_map() -> None:
    _, _, values = render(a.between(Decimal("1.5"), 9) & a.attribute_type("N"))
    assert values == {":v0": Decimal("1.5"), ":v1": 9, ":v2": "N"}


@pytest.mark.parametrize(
    ("condition", "text"),
    [
        ((a == 1) | (b == 2) & a.exists(), "#n0 = :v0 OR #n1 = :v1 AND attribute_exists(#n0)"),
        (((a == 1) | (b == 2)) & a.exists(), "(#n0 = :v0 OR #n1 = :v1) AND attribute_exists(#n0)"),
        (~((a == 1) & (b == 2)), "NOT (#n0 = :v0 AND #n1 = :v1)"),
        (~(a == 1) & (b == 2), "NOT #n0 = :v0 AND #n1 = :v1"),
        (~~a.exists(), "attribute_exists(#n0)"),
        ((a == 1) & (b == 2) & a.exists(), "#n0 = :v0 AND #n1 = :v1 AND attribute_exists(#n0)"),
        ((a == 1) | ((b == 2) | a.exists()), "#n0 = :v0 OR #n1 = :v1 OR attribute_exists(#n0)"),
    ],
)
def test_parentheses_follow_precedence(condition: Condition, text: str) -> None:
    assert render(condition)[0] == text


def test_conditions_refuse_truth_values() -> None:
    with pytest.raises(TypeError, match="no truth value"):
        bool(a == 1)
    with pytest.raises(TypeError):
        0 < a < 5  # noqa: B015 - the chained comparison itself must fail
    with pytest.raises(TypeError):
        (a == 1) & True  # type: ignore[operator]


def test_attribute_type_is_checked() -> None:
    with pytest.raises(InvalidRequest, match="'STRING' is not one of"):
        a.attribute_type("STRING")


def test_is_in_operand_limits() -> None:
    assert render(a.is_in(range(IN_MAX_OPERANDS)))[0].count(":v") == 100
    with pytest.raises(LimitExceeded, match="101 values; DynamoDB allows at most 100"):
        a.is_in(range(IN_MAX_OPERANDS + 1))
    with pytest.raises(InvalidRequest, match="at least one"):
        a.is_in([])


def test_a_condition_is_not_a_value() -> None:
    with pytest.raises(InvalidRequest, match="cannot be used as a value"):
        render(a == (b == 1))


def test_compile_refuses_other_objects() -> None:
    with pytest.raises(InvalidRequest, match="expected a Condition"):
        compile("a = :v", Placeholders())  # type: ignore[arg-type]


def test_expressions_over_4_kb_are_refused() -> None:
    assert check_length("x" * EXPRESSION_MAX_BYTES, "test") == "x" * 4096
    with pytest.raises(LimitExceeded, match="4097 bytes; DynamoDB allows 4096"):
        check_length("x" * (EXPRESSION_MAX_BYTES + 1), "test")
    many: Condition = Attr("a").exists()
    for i in range(400):
        many = many & (Attr(f"x{i}") == i)
    with pytest.raises(LimitExceeded, match="condition expression"):
        compile(many, Placeholders())


def test_one_placeholders_object_serves_a_whole_request() -> None:
    ph = Placeholders()
    condition = compile(Attr("status") == "live", ph)
    fields = projection(["status", "id"], ph)
    assert (condition, fields) == ("#n0 = :v0", "#n0, #n1")
    assert ph.names == {"#n0": "status", "#n1": "id"}


# --- key conditions --------------------------------------------------------------------

sk = Attr("sk")


@pytest.mark.parametrize(
    ("sort", "text"),
    [
        (None, "#n0 = :v0"),
        (sk == "x", "#n0 = :v0 AND #n1 = :v1"),
        (sk < "x", "#n0 = :v0 AND #n1 < :v1"),
        (sk <= "x", "#n0 = :v0 AND #n1 <= :v1"),
        (sk > "x", "#n0 = :v0 AND #n1 > :v1"),
        (sk >= "x", "#n0 = :v0 AND #n1 >= :v1"),
        (sk.between("a", "b"), "#n0 = :v0 AND #n1 BETWEEN :v1 AND :v2"),
        (sk.begins_with("A#"), "#n0 = :v0 AND begins_with(#n1, :v1)"),
    ],
)
def test_key_conditions_accept_the_seven_sort_operators(sort: Condition | None, text: str) -> None:
    key = KeyCondition("pk", "P#1", sort)
    assert render(key)[0] == text
    assert key.sort_key == (None if sort is None else "sk")


@pytest.mark.parametrize(
    ("sort", "message"),
    [
        (sk != "x", "comparison '<>' is not allowed on a sort key"),
        (sk.is_in(["x"]), r"is_in\(\) is not allowed"),
        (sk.contains("x"), r"contains\(\) is not allowed"),
        (sk.exists(), r"attribute_exists\(\) is not allowed"),
        (sk.not_exists(), r"attribute_not_exists\(\) is not allowed"),
        (sk.attribute_type("S"), r"attribute_type\(\) is not allowed"),
        ((sk > "a") & (sk < "b"), r"& \(AND\) is not allowed"),
        ((sk == "a") | (sk == "b"), r"\| \(OR\) is not allowed"),
        (~(sk == "a"), r"~ \(NOT\) is not allowed"),
        (sk.size() > 1, "must apply to a top-level Attr"),
        (sk["x"] == 1, "must apply to a top-level Attr"),
        (sk == Attr("other"), "with values, not paths"),
        (sk.between("a", Attr("b")), "with values, not paths"),
        (Attr("pk") == "x", "names the partition key 'pk'"),
    ],
)
def test_key_conditions_reject_everything_else_precisely(sort: Condition, message: str) -> None:
    with pytest.raises(InvalidRequest, match=message):
        KeyCondition("pk", "P#1", sort)


def test_partition_value_must_be_a_value() -> None:
    with pytest.raises(InvalidRequest, match="must equal a value"):
        KeyCondition("pk", Attr("x"))
    with pytest.raises(InvalidRequest, match="attribute name"):
        KeyCondition("", "x")


# --- projection ------------------------------------------------------------------------


def test_projection_takes_strings_literally_and_paths_as_built() -> None:
    ph = Placeholders()
    assert projection(["a.b", Attr("m")["k"][2]], ph) == "#n0, #n1.#n2[2]"
    assert ph.names == {"#n0": "a.b", "#n1": "m", "#n2": "k"}


@pytest.mark.parametrize(
    ("paths", "text"),
    [
        (["a", "a"], "#n0"),
        ([Attr("a")["b"], "a"], "#n0"),
        (["a", Attr("a")["b"]], "#n0"),
        ([Attr("a")[0], Attr("a")[1]], "#n0[0], #n0[1]"),
        ([Attr("a")["0"], Attr("a")[0]], "#n0.#n1, #n0[0]"),
        ([Attr("a")[0]["x"], Attr("b"), Attr("a")[0]], "#n0, #n1[0]"),
    ],
)
def test_projection_drops_overlapping_paths(paths: list[Path | str], text: str) -> None:
    assert projection(paths, Placeholders()) == text


def test_projection_errors() -> None:
    with pytest.raises(InvalidRequest, match="at least one path"):
        projection([], Placeholders())
    with pytest.raises(InvalidRequest, match="expected a Path or str"):
        projection([3], Placeholders())  # type: ignore[list-item]
    with pytest.raises(LimitExceeded, match="projection expression"):
        projection([f"attribute{i}" for i in range(700)], Placeholders())


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
    if isinstance(node, Condition) or type(node).__name__ == "Size":
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
