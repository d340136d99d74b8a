"""Key templates: syntax codes, verbatim rendering per type, prefixes, parsing, round trips.

Verbatim (ARCHITECTURE principle 7) is tested as a property: whatever the text, a field's
value appears in the key byte for byte. One integration test stores rendered keys in DynamoDB
Local and selects them back with ``begins_with(prefix)``.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import boto3
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mypy_boto3_dynamodb import DynamoDBClient

from dynastack.core.expressions import Attr, KeyCondition, Placeholders, compile
from dynastack.core.keys import KeyTemplate
from dynastack.core.values import encode
from dynastack.errors import DefinitionError, EncodingError, InvalidRequest

STACK = KeyTemplate("STACK#{stack_name}#{environment}")


class Color(enum.Enum):
    RED = "Red "


class Level(enum.IntEnum):
    HIGH = 3


class Shouty(str):
    def __str__(self) -> str:
        return self.upper()


@pytest.mark.parametrize(
    ("template", "fields", "constant", "bare"),
    [
        ("DEPLOYMENT#{deployment_id}", ("deployment_id",), False, False),
        ("METADATA", (), True, False),
        ("STACK#{stack_name}#{environment}", ("stack_name", "environment"), False, False),
        ("{organization}", ("organization",), False, True),
        ("{a}#", ("a",), False, False),
        ("{{literal}}", (), True, False),
    ],
)
def test_template_shape(template: str, fields: tuple[str, ...], constant: bool, bare: bool) -> None:
    key = KeyTemplate(template)
    assert (key.fields, key.is_constant, key.is_bare) == (fields, constant, bare)


@pytest.mark.parametrize(
    ("template", "code", "message"),
    [
        ("{unclosed", "KEY_TEMPLATE_SYNTAX", "unclosed '{' at position 0"),
        ("A#{b", "KEY_TEMPLATE_SYNTAX", "unclosed '{' at position 2"),
        ("{a{b}", "KEY_TEMPLATE_SYNTAX", "unclosed"),
        ("a}b", "KEY_TEMPLATE_SYNTAX", "single '}'"),
        ("{}", "KEY_TEMPLATE_SYNTAX", "an empty field"),
        ("{a b}", "KEY_TEMPLATE_SYNTAX", "'a b' is not an identifier"),
        ("{1a}", "KEY_TEMPLATE_SYNTAX", "not an identifier"),
        ("{a}#{a}", "KEY_TEMPLATE_SYNTAX", "'a' appears twice"),
        ("", "KEY_TEMPLATE_SYNTAX", "non-empty str"),
        ("{a}{b}", "KEY_TEMPLATE_AMBIGUOUS", "fields 'a' and 'b' touch"),
        ("X#{a}{b}#Y", "KEY_TEMPLATE_AMBIGUOUS", "touch"),
    ],
)
def test_syntax_errors_have_stable_codes(template: str, code: str, message: str) -> None:
    with pytest.raises(DefinitionError, match=message) as caught:
        KeyTemplate(template)
    assert caught.value.code == code


def test_literal_braces() -> None:
    key = KeyTemplate("{{x}}#{a}#}}")
    assert key.render({"a": "1"}) == "{x}#1#}"
    assert key.parse("{x}#1#}") == {"a": "1"}


def test_render_is_verbatim() -> None:
    values = {"stack_name": "  Web App ", "environment": "PROD\n#ß"}
    assert STACK.render(values) == "STACK#  Web App #PROD\n#ß"
    assert KeyTemplate("{organization}").render({"organization": " MyOrg "}) == " MyOrg "
    assert KeyTemplate("T#{s}").render({"s": Shouty("abc")}) == "T#abc"


@pytest.mark.parametrize(
    ("value", "bare", "text"),
    [
        ("x", "x", "K#x"),
        (42, 42, "K#42"),
        (-7, -7, "K#-7"),
        (Decimal("1.50"), Decimal("1.50"), "K#1.50"),
        (Decimal("1E+2"), Decimal("1E+2"), "K#1E+2"),
        (b"\x00\xff", b"\x00\xff", None),
        (bytearray(b"ab"), b"ab", None),
        (Color.RED, "Red ", "K#Red "),
        (Level.HIGH, 3, "K#3"),
        (dt.date(2024, 1, 5), "2024-01-05", "K#2024-01-05"),
        (
            uuid.UUID("12345678-1234-5678-1234-567812345678"),
            "12345678-1234-5678-1234-567812345678",
            "K#12345678-1234-5678-1234-567812345678",
        ),
    ],
)
def test_render_types(value: object, bare: object, text: str | None) -> None:
    got = KeyTemplate("{f}").render({"f": value})
    assert got == bare and type(got) is type(bare)
    if text is None:
        with pytest.raises(EncodingError, match="only a bare template"):
            KeyTemplate("K#{f}").render({"f": value})
    else:
        assert KeyTemplate("K#{f}").render({"f": value}) == text


def test_datetimes_render_like_the_codec_in_utc() -> None:
    paris = dt.datetime(2024, 3, 1, 9, 30, 5, 123, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    rendered = KeyTemplate("{at}").render({"at": paris})
    assert rendered == "2024-03-01T08:30:05.000123Z" == encode(paris)["S"]
    assert isinstance(rendered, str)
    assert KeyTemplate("E#{at}").render({"at": paris}) == f"E#{rendered}"
    with pytest.raises(EncodingError, match="field 'at': naive datetime"):
        KeyTemplate("E#{at}").render({"at": dt.datetime(2024, 3, 1)})


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (True, "is a bool"),
        (1.5, "is a float"),
        (Decimal("NaN"), "finite"),
        (Decimal("Infinity"), "finite"),
        (["x"], "has type list"),
        ("", "is empty"),
        (b"", "is empty"),
    ],
)
def test_unrenderable_values(value: object, message: str) -> None:
    with pytest.raises(EncodingError, match=message):
        KeyTemplate("{f}").render({"f": value})


def test_missing_fields_are_named() -> None:
    with pytest.raises(InvalidRequest, match=r"needs field 'environment'.*given: stack_name"):
        STACK.render({"stack_name": "web", "other": None})
    with pytest.raises(InvalidRequest, match=r"needs field 'stack_name'.*given: nothing"):
        STACK.render({})


def test_render_ignores_extra_values_and_constants_render_themselves() -> None:
    assert STACK.render({"stack_name": "a", "environment": "b", "x": 1}) == "STACK#a#b"
    assert KeyTemplate("METADATA").render({}) == "METADATA"
    assert KeyTemplate("A#{x}").render({"x": ""}) == "A#"  # verbatim, even when empty


@pytest.mark.parametrize(
    ("template", "values", "prefix"),
    [
        (STACK, {}, "STACK#"),
        (STACK, {"stack_name": "web"}, "STACK#web#"),
        (STACK, {"stack_name": "web", "environment": "prod"}, "STACK#web#prod"),
        (STACK, {"environment": "prod"}, "STACK#"),
        (STACK, {"stack_name": None, "environment": "prod"}, "STACK#"),
        (KeyTemplate("METADATA"), {}, "METADATA"),
        (KeyTemplate("{org}"), {}, ""),
        (KeyTemplate("{org}"), {"org": 12}, "12"),
        (KeyTemplate("{a}#X"), {}, ""),
    ],
)
def test_prefix_stops_before_the_first_missing_field(
    template: KeyTemplate, values: dict[str, object], prefix: str
) -> None:
    assert template.prefix(values) == prefix


def test_parse() -> None:
    assert STACK.parse("STACK#web#prod") == {"stack_name": "web", "environment": "prod"}
    assert STACK.parse("STACK#a#b#c") == {"stack_name": "a", "environment": "b#c"}  # first split
    assert STACK.parse("STACK##") == {"stack_name": "", "environment": ""}
    assert KeyTemplate("METADATA").parse("METADATA") == {}
    assert KeyTemplate("{o}").parse("a\nb") == {"o": "a\nb"}
    for bad in ["STACK#web", "stack#web#prod", "METADATA"]:
        with pytest.raises(InvalidRequest, match="does not match key template"):
            STACK.parse(bad)
    untyped: Any = STACK
    with pytest.raises(InvalidRequest, match="does not match"):
        untyped.parse(7)


def test_templates_are_values() -> None:
    assert KeyTemplate("A#{x}") == KeyTemplate("A#{x}")
    assert KeyTemplate("A#{x}") != KeyTemplate("A#{y}")
    assert KeyTemplate("A#{x}") != "A#{x}"
    assert len({KeyTemplate("A#{x}"), KeyTemplate("A#{x}")}) == 1
    assert repr(STACK) == "KeyTemplate('STACK#{stack_name}#{environment}')"


# --- properties ------------------------------------------------------------------------

SEPARATORS = "#|:/"
LITERAL = st.text(min_size=0, max_size=6)
SEPARATOR = st.text(alphabet=SEPARATORS, min_size=1, max_size=3)
FIELD_VALUE = st.text(st.characters(exclude_characters=SEPARATORS), max_size=8)


def escape(literal: str) -> str:
    return literal.replace("{", "{{").replace("}", "}}")


@st.composite
def templates(draw: st.DrawFn) -> tuple[KeyTemplate, dict[str, str], str]:
    """A template f0 SEP f1 SEP … with literal head and tail, values, and the expected key."""
    count = draw(st.integers(1, 4))
    head, tail = draw(LITERAL), draw(LITERAL)
    separators = [draw(SEPARATOR) for _ in range(count - 1)]
    values = {f"f{i}": draw(FIELD_VALUE) for i in range(count)}
    if count == 1 and not head and not tail:
        head = "K"  # a bare template keeps the value's type; tested separately
    template, expected = escape(head), head
    for i in range(count):
        template += "{" + f"f{i}" + "}"
        expected += values[f"f{i}"]
        if i < count - 1:
            template += escape(separators[i])
            expected += separators[i]
    return KeyTemplate(template + escape(tail)), values, expected + tail


@settings(max_examples=400, deadline=None)
@given(templates())
def test_render_parse_round_trip(case: tuple[KeyTemplate, dict[str, str], str]) -> None:
    template, values, expected = case
    rendered = template.render(values)
    assert rendered == expected  # verbatim: the key is exactly the pieces joined
    assert template.parse(expected) == values
    fields = template.fields
    for cut in range(len(fields) + 1):
        partial = {name: values[name] for name in fields[:cut]}
        assert expected.startswith(template.prefix(partial))
    assert template.prefix(values) == expected


@settings(max_examples=300, deadline=None)
@given(st.text(), st.text(min_size=1))
def test_any_text_is_kept_byte_for_byte(literal: str, value: str) -> None:
    assert KeyTemplate("{v}").render({"v": value}) == value
    template = KeyTemplate(escape(literal) + "#{v}")
    assert template.render({"v": value}) == f"{literal}#{value}"


# --- DynamoDB Local --------------------------------------------------------------------


@pytest.fixture(scope="module")
def table(dynamodb_endpoint: str) -> Iterator[tuple[DynamoDBClient, str]]:
    ddb = boto3.client(
        "dynamodb",
        aws_access_key_id="dynastack",
        aws_secret_access_key="dynastack",
        region_name="us-east-1",
        endpoint_url=dynamodb_endpoint,
    )
    name = f"keys-{uuid.uuid4().hex}"
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
    yield ddb, name
    ddb.delete_table(TableName=name)


@pytest.mark.integration
def test_rendered_keys_are_stored_verbatim_and_found_by_prefix(
    table: tuple[DynamoDBClient, str],
) -> None:
    ddb, name = table
    pk = KeyTemplate("ORG#{org}").render({"org": f" Mixed Case ß {uuid.uuid4().hex} "})
    stacks = [("web", "prod"), ("web", "dev"), ("Web", "prod"), ("web2", "x"), ("we", "b#")]
    for stack_name, environment in stacks:
        sk = STACK.render({"stack_name": stack_name, "environment": environment})
        ddb.put_item(TableName=name, Item={"pk": {"S": str(pk)}, "sk": {"S": str(sk)}})
    ph = Placeholders()
    prefix = STACK.prefix({"stack_name": "web"})
    condition = compile(KeyCondition("pk", pk, Attr("sk").begins_with(prefix)), ph)
    found = ddb.query(
        TableName=name,
        KeyConditionExpression=condition,
        ExpressionAttributeNames=ph.names,
        ExpressionAttributeValues={k: {"S": str(v)} for k, v in ph.values.items()},
    )["Items"]
    assert [item["sk"]["S"] for item in found] == ["STACK#web#dev", "STACK#web#prod"]
    assert {item["pk"]["S"] for item in found} == {pk}
    assert [STACK.parse(item["sk"]["S"])["environment"] for item in found] == ["dev", "prod"]


# --- unambiguous renders (issue 7 item 9) ----------------------------------------------

OWNER_ORG = KeyTemplate("OWNER#{owner}#ORG#{org}")


@pytest.mark.parametrize(
    ("template", "values", "field", "literal"),
    [
        (OWNER_ORG, {"owner": "a#ORG#x", "org": "y"}, "owner", "#ORG#"),
        (OWNER_ORG, {"owner": "a#ORG#", "org": "y"}, "owner", "#ORG#"),
        (OWNER_ORG, {"owner": "a#ORG", "org": "y"}, "owner", "#ORG#"),  # straddles the join
        (STACK, {"stack_name": "web#prod", "environment": "x"}, "stack_name", "#"),
        (KeyTemplate("A#{x}##{y}"), {"x": "p#", "y": "q"}, "x", "##"),
        (KeyTemplate("{x}|{y}|{z}"), {"x": "a", "y": "b|c", "z": "d"}, "y", "|"),
    ],
)
def test_a_value_holding_the_literal_after_its_field_is_refused(
    template: KeyTemplate, values: dict[str, object], field: str, literal: str
) -> None:
    message = f"the value of field {field!r} contains {literal!r}"
    with pytest.raises(EncodingError, match=message):
        template.render(values)
    with pytest.raises(EncodingError, match=message):
        template.prefix({name: values[name] for name in template.fields[:-1]})


def test_the_issue_7_collision_cannot_be_rendered() -> None:
    """Owner ``a`` with org ``x#ORG#y`` and owner ``a#ORG#x`` with org ``y`` rendered the same
    partition key: the second is refused, the first (the last field is free) still renders."""
    assert OWNER_ORG.render({"owner": "a", "org": "x#ORG#y"}) == "OWNER#a#ORG#x#ORG#y"
    with pytest.raises(EncodingError, match="'owner' contains '#ORG#'"):
        OWNER_ORG.render({"owner": "a#ORG#x", "org": "y"})
    with pytest.raises(EncodingError, match="'owner' contains '#ORG#'"):
        OWNER_ORG.prefix({"owner": "a#ORG#x"})  # begins_with would reach owner a's org x…
    # the last field, and a field followed only by the tail, take any text
    assert STACK.render({"stack_name": "web", "environment": "b#c#"}) == "STACK#web#b#c#"
    assert KeyTemplate("{a}#").render({"a": "x#y"}) == "x#y#"
    assert KeyTemplate("T#{a}").render({"a": "#T#"}) == "T##T#"


AMBIGUOUS_TEXT = st.text(alphabet="#|ab", max_size=6)


@st.composite
def tricky(draw: st.DrawFn) -> tuple[KeyTemplate, list[dict[str, str]]]:
    """A template f0 SEP f1 SEP … and several value sets drawn from the separators' alphabet."""
    count = draw(st.integers(2, 3))
    seps = [draw(st.text(alphabet="#|a", min_size=1, max_size=3)) for _ in range(count - 1)]
    head, tail = draw(st.sampled_from(["", "K#"])), draw(st.sampled_from(["", "#"]))
    template = head + "".join(
        "{" + f"f{i}" + "}" + (seps[i] if i < count - 1 else "") for i in range(count)
    )
    sets = draw(
        st.lists(st.fixed_dictionaries({f"f{i}": AMBIGUOUS_TEXT for i in range(count)}),
                 min_size=2, max_size=6)
    )  # fmt: skip
    return KeyTemplate(template + tail), sets


def _rendered(template: KeyTemplate, values: dict[str, str]) -> str | None:
    try:
        return str(template.render(values))
    except InvalidRequest:
        return None


@settings(max_examples=500, deadline=None)
@given(tricky())
def test_every_accepted_render_and_prefix_has_one_reading(
    case: tuple[KeyTemplate, list[dict[str, str]]],
) -> None:
    """Property: two value sets that render the same key are the same values, a rendered key
    parses back to its values, and a key starting with an accepted prefix has that prefix's
    values in its leading fields."""
    template, sets = case
    keys: dict[str, dict[str, str]] = {}
    for values in sets:
        key = _rendered(template, values)
        if key is None:
            continue
        assert template.parse(key) == values
        assert keys.setdefault(key, values) == values
    for values in sets:
        for cut in range(1, len(template.fields)):
            leading = {name: values[name] for name in template.fields[:cut]}
            try:
                prefix = template.prefix(leading)
            except InvalidRequest:
                continue
            for key, other in keys.items():
                if key.startswith(prefix):
                    assert {name: other[name] for name in leading} == leading
