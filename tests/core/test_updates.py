"""Update expressions: exact clauses, overlap and argument errors, S8, and stored results.

The integration tests apply each builder with UpdateItem on DynamoDB Local (boto3 with dummy
credentials until dynastack's client lands) and compare the stored item with what the builder
promises, including the "missing attribute starts at 0 / []" rules.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import boto3
import pytest
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from hypothesis import given, settings
from hypothesis import strategies as st
from mypy_boto3_dynamodb import DynamoDBClient

from dynastack.core.expressions import Attr, Placeholders
from dynastack.core.updates import Action, Update, compile
from dynastack.errors import InvalidRequest, LimitExceeded


def render(update: Update) -> tuple[str, dict[str, str], dict[str, object]]:
    ph = Placeholders()
    return compile(update, ph), ph.names, ph.values


@pytest.mark.parametrize(
    ("update", "text", "values"),
    [
        (Update().set("a", 1), "SET #n0 = :v0", [1]),
        (Update().set("a", Attr("b")["c"]), "SET #n0 = #n1.#n2", []),
        (Update().set("a", None), "SET #n0 = :v0", [None]),
        (Update().set_if_not_exists("a", "x"), "SET #n0 = if_not_exists(#n0, :v0)", ["x"]),
        (Update().increment("a"), "SET #n0 = if_not_exists(#n0, :v0) + :v1", [0, 1]),
        (
            Update().increment("a", Decimal("0.5")),
            "SET #n0 = if_not_exists(#n0, :v0) + :v1",
            [0, Decimal("0.5")],
        ),
        (Update().decrement("a", 3), "SET #n0 = if_not_exists(#n0, :v0) - :v1", [0, 3]),
        (
            Update().append("a", (1, 2)),
            "SET #n0 = list_append(if_not_exists(#n0, :v0), :v1)",
            [[], [1, 2]],
        ),
        (
            Update().prepend("a", [1]),
            "SET #n0 = list_append(:v0, if_not_exists(#n0, :v1))",
            [[1], []],
        ),
        (Update().remove("a"), "REMOVE #n0", []),
        (Update().add("a", 2), "ADD #n0 :v0", [2]),
        (Update().add("a", {"x"}), "ADD #n0 :v0", [frozenset({"x"})]),
        (Update().delete("a", frozenset({1})), "DELETE #n0 :v0", [frozenset({1})]),
    ],
)
def test_each_builder_compiles_to_its_clause(
    update: Update, text: str, values: list[object]
) -> None:
    compiled, names, got = render(update)
    assert compiled == text
    assert names["#n0"] == "a"
    assert list(got.values()) == values


def test_clauses_are_grouped_in_a_fixed_order() -> None:
    update = (
        Update()
        .delete("d", {"x"})
        .remove("r1")
        .set("s1", 1)
        .add("n", 1)
        .remove(Attr("m")["k"])
        .set("s2", 2)
    )
    text, names, _ = render(update)
    assert text == "SET #n0 = :v0, #n1 = :v1 REMOVE #n2, #n3.#n4 ADD #n5 :v0 DELETE #n6 :v2"
    assert list(names.values()) == ["s1", "s2", "r1", "m", "k", "n", "d"]
    assert update.paths[0].elements == ("d",)
    assert len(update) == 6


def test_string_paths_are_taken_literally() -> None:
    assert render(Update().set("a.b[0]", 1))[1] == {"#n0": "a.b[0]"}


def test_the_builder_is_immutable() -> None:
    empty = Update()
    one = empty.set("a", 1)
    two = one.set("b", 2)
    assert (len(empty), len(one), len(two)) == (0, 1, 2)
    with pytest.raises(AttributeError):
        one.actions = ()  # type: ignore[misc]


@pytest.mark.parametrize(
    ("update", "message"),
    [
        (
            lambda: Update().set("a", 1).remove("a"),
            r"remove\(Attr\('a'\)\) overlaps set\(Attr\('a'\)\)",
        ),
        (lambda: Update().set("a", 1).set(Attr("a")["b"], 2), "overlaps set"),
        (
            lambda: Update().remove(Attr("a")["b"]).add("a", 1),
            r"add\(Attr\('a'\)\) overlaps remove",
        ),
        (lambda: Update().set(Attr("a")[0], 1).set(Attr("a")[0]["x"], 1), "overlaps"),
        (lambda: Update().set("a", 1) + Update().increment("a"), "overlaps"),
    ],
)
def test_overlapping_paths_are_refused_at_once(update: Any, message: str) -> None:
    with pytest.raises(InvalidRequest, match=message):
        update()


def test_siblings_are_not_overlaps() -> None:
    update = (
        Update()
        .remove(Attr("l")[0])
        .remove(Attr("l")[1])
        .set(Attr("m")["0"], 1)
        .set(Attr("m")["x"], 1)
        .set(Attr("ab"), 1)
        .set(Attr("a"), 1)
    )
    assert len(update) == 6
    mixed = Update().set(Attr("m")[0], 1).set(Attr("m")["0"], 1)  # index 0 is not key "0"
    assert len(mixed) == 2


def test_merge_and_plus() -> None:
    left, right = Update().set("a", 1), Update().increment("version")
    assert render(left + right)[0] == render(left.merge(right))[0]
    assert render(left + right)[0] == "SET #n0 = :v0, #n1 = if_not_exists(#n1, :v1) + :v0"
    with pytest.raises(TypeError):
        left + 1  # type: ignore[operator]


#: the wrong argument types below are the point of the test: keep mypy out of it
UNTYPED: Any = Update()
UNTYPED_COMPILE: Any = compile


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: UNTYPED.increment("a", True),
            r"increment\(Attr\('a'\)\) needs an int or Decimal",
        ),
        (lambda: UNTYPED.decrement("a", 1.5), "needs an int or Decimal"),
        (lambda: UNTYPED.increment("a", "1"), "needs an int or Decimal"),
        (lambda: UNTYPED.append("a", "abc"), "needs a list of values"),
        (lambda: UNTYPED.append("a", {1}), "needs a list of values"),
        (lambda: UNTYPED.prepend("a", 3), "needs a list of values"),
        (lambda: UNTYPED.add("a", set()), "needs a non-empty set"),
        (lambda: UNTYPED.add("a", False), "needs an int or Decimal"),
        (lambda: UNTYPED.add("a", "x"), "needs an int or Decimal"),
        (lambda: UNTYPED.delete("a", [1]), "needs a non-empty set"),
        (lambda: UNTYPED.delete("a", frozenset()), "needs a non-empty set"),
        (lambda: UNTYPED.set("a", Attr("b") == 1), "needs a value, got the expression"),
        (lambda: UNTYPED.set("a", Attr("b").size()), "needs a value, got the expression"),
        (lambda: UNTYPED.set_if_not_exists("a", Attr("b")), "needs a value"),
        (lambda: UNTYPED.set(3, 1), "expected a Path or str"),
        (lambda: UNTYPED.set("", 1), "attribute name"),
        (lambda: Action("upsert", Attr("a")), "unknown action 'upsert'"),
        (lambda: compile(Update(), Placeholders()), "nothing to update"),
        (lambda: UNTYPED_COMPILE("SET a = :v", Placeholders()), "expected an Update"),
    ],
)
def test_bad_arguments_are_refused_precisely(build: Any, message: str) -> None:
    with pytest.raises(InvalidRequest, match=message):
        build()


def test_updates_over_4_kb_are_refused() -> None:
    update = Update()
    for i in range(500):
        update = update.set(f"attribute{i}", i)
    with pytest.raises(
        LimitExceeded, match=r"update expression is \d+ bytes; DynamoDB allows 4096"
    ):
        compile(update, Placeholders())


# --- hypothesis: S8 and clause syntax --------------------------------------------------

NAMES = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=20),
    st.sampled_from(["#n0", ":v0", "a.b", "SET", "x = :y REMOVE z", "list_append("]),
)
P = r"#n\d+(?:\.#n\d+|\[\d+\])*"
V = r":v\d+"
SET_ACTION = (
    rf"{P} = (?:{V}|{P}|if_not_exists\({P}, {V}\)(?: [+-] {V})?"
    rf"|list_append\(if_not_exists\({P}, {V}\), {V}\)"
    rf"|list_append\({V}, if_not_exists\({P}, {V}\)\))"
)
UPDATE_SYNTAX = re.compile(
    rf"(?:SET {SET_ACTION}(?:, {SET_ACTION})*)?(?: ?REMOVE {P}(?:, {P})*)?"
    rf"(?: ?ADD {P} {V}(?:, {P} {V})*)?(?: ?DELETE {P} {V}(?:, {P} {V})*)?"
)
KINDS = ["set", "copy", "set_if_not_exists", "increment", "decrement", "append", "prepend"]
KINDS += ["remove", "add_number", "add_set", "delete"]


def apply(update: Update, kind: str, path: Attr, value: int) -> Update:
    """One builder call of ``kind`` with a simple value (the wire test computes its effect)."""
    calls = {
        "set": lambda: update.set(path, value),
        "copy": lambda: update.set(path, Attr("seed")),
        "set_if_not_exists": lambda: update.set_if_not_exists(path, value),
        "increment": lambda: update.increment(path, value),
        "decrement": lambda: update.decrement(path, value),
        "append": lambda: update.append(path, [value]),
        "prepend": lambda: update.prepend(path, [value, value]),
        "remove": lambda: update.remove(path),
        "add_number": lambda: update.add(path, value),
        "add_set": lambda: update.add(path, {str(value)}),
        "delete": lambda: update.delete(path, {str(value)}),
    }
    result: Update = calls[kind]()
    return result


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(NAMES, st.sampled_from(KINDS), st.integers(-5, 5)),
        min_size=1,
        max_size=6,
        unique_by=lambda t: t[0],
    )
)
def test_s8_updates_hold_only_placeholders_in_valid_clauses(
    actions: list[tuple[str, str, int]],
) -> None:
    update = Update()
    for name, kind, value in actions:
        if name != "seed":
            update = apply(update, kind, Attr(name), value)
    if not len(update):
        return
    ph = Placeholders()
    text = compile(update, ph)
    assert UPDATE_SYNTAX.fullmatch(text), text
    assert set(re.findall(r"#n\d+", text)) == set(ph.names)
    assert set(re.findall(r":v\d+", text)) == set(ph.values)
    used = {name for name, _, _ in actions if name != "seed"}
    copies = any(kind == "copy" for name, kind, _ in actions if name != "seed")
    assert set(ph.names.values()) == used | ({"seed"} if copies else set())


# --- DynamoDB Local --------------------------------------------------------------------

SERIALIZER, DESERIALIZER = TypeSerializer(), TypeDeserializer()


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
    name = f"updates-{uuid.uuid4().hex}"
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    yield name
    ddb.delete_table(TableName=name)


def run(ddb: DynamoDBClient, table: str, before: dict[str, Any], update: Update) -> dict[str, Any]:
    """Store ``before`` under a fresh key, apply ``update``, return the stored item (no key)."""
    key = {"pk": {"S": uuid.uuid4().hex}}
    ddb.put_item(
        TableName=table, Item={**key, **{k: SERIALIZER.serialize(v) for k, v in before.items()}}
    )
    ph = Placeholders()
    request: dict[str, Any] = {"UpdateExpression": compile(update, ph)}
    if ph.names:
        request["ExpressionAttributeNames"] = ph.names
    if ph.values:
        request["ExpressionAttributeValues"] = {
            k: SERIALIZER.serialize(v) for k, v in ph.values.items()
        }
    ddb.update_item(TableName=table, Key=key, **request)
    stored = ddb.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
    return {k: DESERIALIZER.deserialize(v) for k, v in stored.items() if k != "pk"}


m = Attr("m")
STORED_CASES: list[tuple[str, dict[str, Any], Update, dict[str, Any]]] = [
    ("set", {"a": 1}, Update().set("a", 2).set("b", "x"), {"a": 2, "b": "x"}),
    ("copy", {"a": 1}, Update().set("c", Attr("a")), {"a": 1, "c": 1}),
    (
        "set_if_not_exists",
        {"a": 1},
        Update().set_if_not_exists("a", 5).set_if_not_exists("b", 5),
        {"a": 1, "b": 5},
    ),
    (
        "increment",
        {"n": 10},
        Update().increment("n", 5).increment("fresh").decrement("down", 2),
        {"n": 15, "fresh": 1, "down": -2},
    ),
    (
        "append",
        {"l": [2], "q": [2]},
        Update().append("l", [3, 4]).prepend("q", [0, 1]).prepend("p", [1]).append("e", [7]),
        {"l": [2, 3, 4], "q": [0, 1, 2], "p": [1], "e": [7]},
    ),
    (
        "remove",
        {"a": 1, "m": {"x": 1, "y": 2}, "l": [1, 2, 3]},
        Update().remove("a").remove(m["x"]).remove(Attr("l")[0]),
        {"m": {"y": 2}, "l": [2, 3]},
    ),
    (
        "add",
        {"n": 1, "s": {"a"}},
        Update().add("n", 2).add("s", {"b"}).add("new", {"z"}).add("cnt", Decimal("2.5")),
        {"n": 3, "s": {"a", "b"}, "new": {"z"}, "cnt": Decimal("2.5")},
    ),
    ("delete", {"s": {"a", "b", "c"}}, Update().delete("s", {"a", "c"}), {"s": {"b"}}),
    ("nested", {"m": {"x": 1}}, Update().set(m["y"], 2).increment(m["x"]), {"m": {"x": 2, "y": 2}}),
    ("dotted", {}, Update().set("a.b", 1), {"a.b": 1}),
    (
        "all clauses",
        {"r": 1, "s": {"a", "b"}},
        Update().set("x", 1).remove("r").add("n", 4).delete("s", {"a"}),
        {"x": 1, "n": 4, "s": {"b"}},
    ),
]


@pytest.mark.integration
@pytest.mark.parametrize(
    ("before", "update", "after"), [c[1:] for c in STORED_CASES], ids=[c[0] for c in STORED_CASES]
)
def test_updates_store_what_they_promise(
    ddb: DynamoDBClient, table: str, before: dict[str, Any], update: Update, after: dict[str, Any]
) -> None:
    assert run(ddb, table, before, update) == after


#: what each kind leaves in a missing attribute (``seed`` holds 7, ``copy`` reads it)
def expected(kind: str, value: int) -> object:
    effects: dict[str, object] = {
        "set": value,
        "copy": 7,
        "set_if_not_exists": value,
        "increment": value,
        "decrement": -value,
        "append": [value],
        "prepend": [value, value],
        "add_number": value,
        "add_set": {str(value)},
    }
    return effects.get(kind)


@pytest.mark.integration
@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(NAMES, st.sampled_from(KINDS), st.integers(-5, 5)),
        min_size=1,
        max_size=5,
        unique_by=lambda t: t[0],
    )
)
def test_s8_hostile_names_are_updated_at_the_wire(
    ddb: DynamoDBClient, table: str, actions: list[tuple[str, str, int]]
) -> None:
    actions = [a for a in actions if a[0] not in ("pk", "seed")]
    update = Update().set("marker", 1)
    for name, kind, value in actions:
        if name != "marker":
            update = apply(update, kind, Attr(name), value)
    want: dict[str, object] = {"seed": 7, "marker": 1}
    for name, kind, value in actions:
        effect = expected(kind, value)
        if name != "marker" and effect is not None:
            want[name] = effect
    assert run(ddb, table, {"seed": 7}, update) == want
