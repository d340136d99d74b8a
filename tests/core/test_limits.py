"""Client-side limits: each at ±1 gives a precise error (R10, S9), and item sizes are exact.

The expected sizes were measured on DynamoDB Local 3.3 by finding, for each shape, the
longest filler string it still accepts under the 400 KB limit; the integration test at the
end repeats that measurement against the session's DynamoDB Local.
"""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dynastack.core.limits import (
    BATCH_GET_MAX,
    BATCH_WRITE_MAX,
    EXPRESSION_MAX_BYTES,
    ITEM_MAX_BYTES,
    PARTITION_KEY_MAX_BYTES,
    SORT_KEY_MAX_BYTES,
    TRANSACT_MAX_ACTIONS,
    TRANSACT_MAX_BYTES,
    check_count,
    check_expression_size,
    check_item_size,
    check_key_values,
    item_size,
)
from dynastack.core.values import encode_item
from dynastack.errors import EncodingError, ItemTooLarge, LimitExceeded


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


# --- item_size ---------------------------------------------------------------------------


def test_the_aws_docs_example() -> None:
    assert item_size({"a": {"S": "xyz"}}) == 4


@pytest.mark.parametrize(
    ("value", "size"),
    [
        ({"S": "xyz"}, 3),
        ({"S": "éé"}, 4),  # UTF-8 bytes, not characters
        ({"S": ""}, 0),
        ({"B": b64(b"hello")}, 5),  # raw bytes, from the base64 length
        ({"B": b64(b"")}, 0),
        ({"B": b64(b"ab")}, 2),
        ({"B": b64(b"abc")}, 3),
        ({"B": b"raw"}, 3),  # botocore's raw-bytes form is accepted too
        ({"BOOL": False}, 1),
        ({"NULL": True}, 1),
        ({"L": []}, 3),
        ({"L": [{"S": "x"}]}, 5),
        ({"L": [{"S": "x"}, {"S": "y"}]}, 7),
        ({"M": {}}, 3),
        ({"M": {"k": {"S": "x"}}}, 6),
        ({"M": {"éé": {"BOOL": False}}}, 9),
        ({"SS": ["x", "yy"]}, 3),
        ({"BS": [b64(b"abc"), b64(b"de")]}, 5),
        ({"NS": ["1", "1234", "-1.5"]}, 2 + 3 + 4),
    ],
    ids=str,
)
def test_value_sizes(value: dict[str, Any], size: int) -> None:
    assert item_size({"v": value}) == 1 + size


@pytest.mark.parametrize(
    ("number", "size"),
    [
        # measured on DynamoDB Local: one byte per pair of digits aligned on the decimal
        # point, plus one, plus one if negative
        ("0", 1),
        ("-0", 1),
        ("1", 2),
        ("12", 2),
        ("123", 3),
        ("1234", 3),
        ("-1", 3),
        ("-12", 3),
        ("-123", 4),
        ("10", 2),
        ("100", 2),
        ("1000000", 2),
        ("99", 2),
        ("101", 3),
        ("1010", 3),
        ("0.001", 2),
        ("0.5", 2),
        ("0.05", 2),
        ("1.5", 3),
        ("12.5", 3),
        ("1.25", 3),
        ("10.1", 3),
        ("1.01", 3),
        ("-0.5", 3),
        ("123456.789", 6),
        ("-1010.01", 5),
        ("0.000123", 3),
        ("0.0000123", 3),
        ("5E-7", 2),
        ("55E-7", 3),
        ("12E+3", 3),
        ("123E+3", 3),
        ("1E+125", 2),
        ("1E-130", 2),
        ("-1E-130", 3),
        ("0E-10", 1),
        ("1" * 38, 20),
        ("-" + "1" * 38, 21),
        ("9.9999999999999999999999999999999999999E+125", 20),
    ],
)
def test_number_sizes(number: str, size: int) -> None:
    assert item_size({"n": {"N": number}}) == 1 + size


def test_nested_size() -> None:
    value = {"M": {"a": {"L": [{"M": {}}, {"SS": ["q"]}]}}}
    assert item_size({"v": value}) == 1 + 3 + (1 + 1 + (3 + (1 + 3) + (1 + 1)))


@given(st.dictionaries(st.text(min_size=1, max_size=5), st.text(max_size=30), max_size=10))
def test_json_length_bounds_item_size(item: dict[str, str]) -> None:
    # the encoded JSON body is never smaller than the item: a cheap pre-check for callers
    wire = encode_item(item)
    assert item_size(wire) <= len(json.dumps(wire, ensure_ascii=False).encode())


@pytest.mark.parametrize("av", [{"X": "1"}, {}, {"N": "abc"}, {"N": "NaN"}], ids=str)
def test_item_size_rejects_malformed_values(av: dict[str, Any]) -> None:
    with pytest.raises(EncodingError):
        item_size({"v": av})


# --- the 400 KB limit at ±1 --------------------------------------------------------------


def filled(total: int) -> dict[str, dict[str, Any]]:
    """An item of exactly ``total`` bytes: "pk"+"a" (3) and "data"+filler (4 + n)."""
    return {"pk": {"S": "a"}, "data": {"S": "x" * (total - 7)}}


def test_item_at_exactly_400_kb_passes() -> None:
    assert ITEM_MAX_BYTES == 409_600
    assert check_item_size(filled(ITEM_MAX_BYTES)) == ITEM_MAX_BYTES


def test_item_one_byte_over_fails_precisely() -> None:
    with pytest.raises(ItemTooLarge) as caught:
        check_item_size(filled(ITEM_MAX_BYTES + 1))
    assert caught.value.size == ITEM_MAX_BYTES + 1
    assert caught.value.limit == ITEM_MAX_BYTES
    assert "item is 409601 bytes; DynamoDB allows at most 409600 bytes" in str(caught.value)
    assert "'data' (409598 bytes)" in str(caught.value)


# --- counts and expressions at ±1 --------------------------------------------------------


@pytest.mark.parametrize(
    ("what", "limit"),
    [
        ("BatchWriteItem requests", BATCH_WRITE_MAX),
        ("BatchGetItem keys", BATCH_GET_MAX),
        ("TransactWriteItems actions", TRANSACT_MAX_ACTIONS),
        ("TransactWriteItems bytes", TRANSACT_MAX_BYTES),
    ],
)
def test_counts_at_the_limit_pass_and_one_more_fails(what: str, limit: int) -> None:
    check_count(what, limit, limit)
    with pytest.raises(LimitExceeded) as caught:
        check_count(what, limit + 1, limit)
    assert str(caught.value) == f"{what}: {limit + 1} exceeds DynamoDB's maximum of {limit}"


def test_documented_limit_values() -> None:
    assert (BATCH_WRITE_MAX, BATCH_GET_MAX, TRANSACT_MAX_ACTIONS) == (25, 100, 100)
    assert TRANSACT_MAX_BYTES == 4 * 1024 * 1024
    assert EXPRESSION_MAX_BYTES == 4096


def test_expression_size_counts_utf8_bytes() -> None:
    check_expression_size("UpdateExpression", "x" * EXPRESSION_MAX_BYTES)
    check_expression_size("UpdateExpression", "é" * (EXPRESSION_MAX_BYTES // 2))
    with pytest.raises(LimitExceeded, match=r"UpdateExpression is 4097 bytes; .* at most 4096"):
        check_expression_size("UpdateExpression", "x" * (EXPRESSION_MAX_BYTES + 1))
    with pytest.raises(LimitExceeded, match="is 4098 bytes"):
        check_expression_size("FilterExpression", "é" * (EXPRESSION_MAX_BYTES // 2 + 1))


# --- key values --------------------------------------------------------------------------


def test_valid_keys_pass() -> None:
    check_key_values({"pk": {"S": "USER#1"}})
    check_key_values({"pk": {"N": "0"}, "sk": {"B": b64(b"\x00")}}, sort_key="sk")


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ({"pk": {"S": ""}}, "key attribute 'pk' is an empty string"),
        ({"pk": {"B": ""}}, "key attribute 'pk' is empty binary"),
        ({"pk": {"N": ""}}, "key attribute 'pk' is an empty number"),
        ({"pk": {"BOOL": True}}, "key attribute 'pk' is of type BOOL; key attributes must be"),
        ({"pk": {"SS": ["a"]}}, "is of type SS"),
        ({"pk": {"S": "a", "N": "1"}}, "exactly one type"),
        ({}, "a key has 1 or 2 attributes"),
        ({"a": {"S": "1"}, "b": {"S": "2"}, "c": {"S": "3"}}, "got 3"),
    ],
    ids=str,
)
def test_invalid_keys_fail_precisely(key: dict[str, Any], message: str) -> None:
    with pytest.raises(EncodingError, match=message):
        check_key_values(key)


def test_key_value_sizes_at_the_limits() -> None:
    check_key_values({"pk": {"S": "p" * PARTITION_KEY_MAX_BYTES}})
    check_key_values({"pk": {"S": "p"}, "sk": {"S": "s" * SORT_KEY_MAX_BYTES}}, sort_key="sk")
    check_key_values({"pk": {"B": b64(b"b" * PARTITION_KEY_MAX_BYTES)}})
    with pytest.raises(LimitExceeded, match=r"'pk' is 2049 bytes; .* at most 2048 .* partition"):
        check_key_values({"pk": {"S": "p" * (PARTITION_KEY_MAX_BYTES + 1)}})
    with pytest.raises(LimitExceeded, match=r"'sk' is 1025 bytes; .* at most 1024 .* sort"):
        check_key_values(
            {"pk": {"S": "p"}, "sk": {"S": "s" * (SORT_KEY_MAX_BYTES + 1)}}, sort_key="sk"
        )
    with pytest.raises(LimitExceeded, match="2049 bytes"):
        check_key_values({"pk": {"B": b64(b"b" * (PARTITION_KEY_MAX_BYTES + 1))}})


# --- the size model on the real engine ---------------------------------------------------

SHAPES: list[dict[str, dict[str, Any]]] = [
    {},
    {"n": {"N": "-1010.01"}},
    {"n": {"N": "1" * 38}},
    {"ns": {"NS": ["5E-7", "-123E+3", "0.0000123"]}},
    {"b": {"B": b64(b"hello")}, "bs": {"BS": [b64(b"x" * 7), b64(b"ab")]}},
    {"m": {"M": {"é": {"L": [{"NULL": True}, {"BOOL": False}, {"M": {}}]}}}},
]


@pytest.mark.integration
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_dynamodb_local_agrees_at_400_kb(dynamodb_endpoint: str, shape: dict[str, Any]) -> None:
    import boto3
    from botocore.exceptions import ClientError

    client = boto3.client(
        "dynamodb",
        endpoint_url=dynamodb_endpoint,
        region_name="us-east-1",
        aws_access_key_id="limits",
        aws_secret_access_key="limits",
    )
    table = f"limits-{uuid.uuid4().hex[:8]}"
    client.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    try:
        base = {"pk": {"S": "a"}, **shape, "data": {"S": ""}}
        filler = ITEM_MAX_BYTES - item_size(base)
        outcomes = []
        for extra in (0, 1):
            item = {**base, "data": {"S": "x" * (filler + extra)}}
            assert item_size(item) == ITEM_MAX_BYTES + extra
            try:
                client.put_item(TableName=table, Item=raw_bytes(item))
                outcomes.append(True)
            except ClientError:
                outcomes.append(False)
        assert outcomes == [True, False]  # exactly at the limit: stored; one byte more: not
    finally:
        client.delete_table(TableName=table)


def raw_bytes(item: dict[str, Any]) -> Any:
    """Our JSON wire form as boto3's low-level client takes it (it base64-encodes B itself)."""

    def convert(av: dict[str, Any]) -> dict[str, Any]:
        ((tag, value),) = av.items()
        if tag == "B":
            return {"B": base64.b64decode(value)}
        if tag == "BS":
            return {"BS": [base64.b64decode(v) for v in value]}
        if tag == "L":
            return {"L": [convert(v) for v in value]}
        if tag == "M":
            return {"M": {k: convert(v) for k, v in value.items()}}
        return av

    return {name: convert(av) for name, av in item.items()}


@given(st.integers(min_value=-(10**38) + 1, max_value=10**38 - 1))
def test_integer_fast_path_agrees_with_the_decimal_path(number: int) -> None:
    text = str(number)
    assert item_size({"n": {"N": text}}) == item_size({"n": {"N": f"{text}.0"}})
