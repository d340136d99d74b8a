"""Conditions, paths, key conditions and projections: exact strings and precise errors.

These pure tests pin the compiled text of every builder and every refusal. The S8 properties
and the DynamoDB Local checks of meaning are in ``test_expressions_s8.py``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from dynastack.core.expressions import (
    EXPRESSION_MAX_BYTES,
    IN_MAX_OPERANDS,
    Attr,
    Comparison,
    Condition,
    FunctionCall,
    KeyCondition,
    Path,
    Placeholders,
    Size,
    check_length,
    compile,
    projection,
)
from dynastack.errors import InvalidRequest, LimitExceeded


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


def test_nodes_built_by_hand_cannot_smuggle_text() -> None:
    with pytest.raises(InvalidRequest, match="comparison operator '= :v0 OR 1 ='"):
        Comparison("= :v0 OR 1 =", a, 1)
    with pytest.raises(InvalidRequest, match="condition function 'sleep'"):
        FunctionCall("sleep", (a,))
    with pytest.raises(InvalidRequest, match=r"begins_with\(\) takes a path and 1 more"):
        FunctionCall("begins_with", ("x", a))
    with pytest.raises(InvalidRequest, match="takes a path"):
        FunctionCall("attribute_exists", (a, 1))


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
