"""The compiled parameter checks agree with botocore's ParamValidator, and name the path.

No I/O: these are pure checks over botocore's shipped model. The integration tests
(tests/integration/test_client_safety.py) show that nothing is sent when they refuse.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.loaders import Loader
from botocore.model import ServiceModel
from botocore.validate import ParamValidator

from dynastack.client.validation import validator
from dynastack.errors import InvalidParameter

ALL_TYPES = {
    "pk": {"S": "a"},
    "n": {"N": "1.5"},
    "b": {"B": b"\x00"},
    "ss": {"SS": ["a", "b"]},
    "ns": {"NS": ["1"]},
    "bs": {"BS": [b"x"]},
    "m": {"M": {"deep": {"L": [{"NULL": True}, {"BOOL": False}, {"M": {}}]}}},
}

# (operation, params, the path named, or None when valid)
CASES: list[tuple[str, dict[str, Any], str | None]] = [
    ("PutItem", {"TableName": "t", "Item": ALL_TYPES}, None),
    ("PutItem", {"TableName": "t", "Item": {"pk": "a"}}, "Item.pk"),
    ("PutItem", {"TableName": "t", "Item": {"pk": {"S": 1}}}, "Item.pk.S"),
    (
        "PutItem",
        {"TableName": "t", "Item": {"m": {"M": {"x": {"L": [{"SS": [1]}]}}}}},
        "Item.m.M.x.L[0].SS",
    ),
    ("PutItem", {"TableName": "t", "Item": {"b": {"B": 5}}}, "Item.b.B"),
    ("PutItem", {"TableName": "t", "Item": {}, "ReturnValues": 1}, "ReturnValues"),
    ("PutItem", {"TableName": "", "Item": {}}, "TableName"),
    ("Query", {"TableName": "t", "ExclusiveStartKey": {"pk": ["a"]}}, "ExclusiveStartKey.pk"),
    (
        "Query",
        {"TableName": "t", "ExpressionAttributeNames": {"#a": 1}},
        "ExpressionAttributeNames.#a",
    ),
    (
        "BatchWriteItem",
        {"RequestItems": {"t": [{"PutRequest": {"Item": {"pk": {"N": 1}}}}]}},
        "RequestItems.t[0].PutRequest.Item.pk.N",
    ),
    (
        "BatchWriteItem",
        {"RequestItems": {"t": [{"PutRequest": {}}]}},
        "RequestItems.t[0].PutRequest.Item",
    ),
    (
        "TransactWriteItems",
        {"TransactItems": [{"Put": {"TableName": "t", "Itm": {}}}]},
        "TransactItems[0].Put.Itm",
    ),
    ("TransactWriteItems", {"TransactItems": []}, "TransactItems"),
]

_SHAPES = ServiceModel(Loader().load_service_model("dynamodb", "service-2"))


@pytest.mark.parametrize(("action", "params", "path"), CASES, ids=[str(c[2]) for c in CASES])
def test_agrees_with_botocore_and_names_the_path(
    action: str, params: dict[str, Any], path: str | None
) -> None:
    shape = _SHAPES.operation_model(action).input_shape
    assert shape is not None
    botocore_report = ParamValidator().validate(params, shape)
    check = validator("dynamodb", f"{action}Input")
    if path is None:
        assert not botocore_report.has_errors()
        check(params)
        return
    assert botocore_report.has_errors()
    with pytest.raises(InvalidParameter) as caught:
        check(params)
    assert caught.value.path == path
    assert str(caught.value).startswith(f"{path} ")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({}, "exactly one type key, got none"),
        ({"S": "a", "N": "1"}, "exactly one type key, got N, S"),
        ({"X": "a"}, "unknown AttributeValue type 'X'"),
        ({"NULL": False}, "must be True, got bool"),
    ],
)
def test_attribute_values_have_exactly_one_known_type(value: dict[str, Any], message: str) -> None:
    # botocore lets these through to DynamoDB; they are refused here with the reason
    with pytest.raises(InvalidParameter, match=message):
        validator("dynamodb", "GetItemInput")({"TableName": "t", "Key": {"pk": value}})


def test_stricter_than_botocore_where_dynamodb_would_refuse() -> None:
    # botocore leaves integer minimums to DynamoDB (a ValidationException); the model has them
    with pytest.raises(InvalidParameter, match="Limit must be at least 1"):
        validator("dynamodb", "QueryInput")({"TableName": "t", "Limit": 0})
    # and a bool is not an int here (botocore sends `true`, DynamoDB refuses to parse it)
    with pytest.raises(InvalidParameter, match="Limit must be an int, got bool"):
        validator("dynamodb", "QueryInput")({"TableName": "t", "Limit": True})


def test_messages_name_types_never_values() -> None:
    secret = "4111-1111-1111-1111"
    with pytest.raises(InvalidParameter) as caught:
        validator("dynamodb", "PutItemInput", "put_item")(
            {"TableName": "t", "Item": {"card": secret}}
        )
    assert secret not in str(caught.value)
    assert str(caught.value) == (
        "put_item(): Item.card must be an AttributeValue (a dict with one type key such as "
        '{"S": ...}), got str'
    )
