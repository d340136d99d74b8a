"""GetItem / PutItem / UpdateItem / DeleteItem: exact requests, parsed replies, resend rules."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dynastack.core.limits import EXPRESSION_MAX_BYTES
from dynastack.core.operations import (
    DeleteItem,
    DeleteItemResult,
    GetItem,
    GetItemResult,
    PutItem,
    PutItemResult,
    UpdateItem,
    UpdateItemResult,
)
from dynastack.errors import EncodingError, InvalidRequest, ItemTooLarge, LimitExceeded

CAPACITY = {"TableName": "users", "CapacityUnits": 0.5}
METRICS = {"ItemCollectionKey": {"pk": {"S": "U#1"}}, "SizeEstimateRangeGB": [0.0, 1.0]}


def test_get_item_minimal_request() -> None:
    op = GetItem(table="users", key={"pk": "U#1", "sk": 7})
    assert op.to_request() == {
        "TableName": "users",
        "Key": {"pk": {"S": "U#1"}, "sk": {"N": "7"}},
    }


def test_get_item_full_request() -> None:
    op = GetItem(
        table="users",
        key={"pk": b"\x00\x01"},
        consistent=True,
        projection="#n, age",
        names={"#n": "name"},
        return_consumed_capacity="TOTAL",
    )
    assert op.to_request() == {
        "TableName": "users",
        "Key": {"pk": {"B": "AAE="}},
        "ConsistentRead": True,
        "ProjectionExpression": "#n, age",
        "ExpressionAttributeNames": {"#n": "name"},
        "ReturnConsumedCapacity": "TOTAL",
    }


def test_get_item_parse_found_and_missing() -> None:
    op = GetItem(table="users", key={"pk": "U#1"})
    found = op.parse(
        {
            "Item": {"pk": {"S": "U#1"}, "price": {"N": "9.99"}, "tags": {"SS": ["a"]}},
            "ConsumedCapacity": CAPACITY,
        }
    )
    assert found == GetItemResult({"pk": "U#1", "price": Decimal("9.99"), "tags": {"a"}}, CAPACITY)
    # DynamoDB Local and AWS both answer {} for a missing item
    assert op.parse({}) == GetItemResult(None, None)


def test_get_item_rejects_bad_key_values_before_sending() -> None:
    with pytest.raises(EncodingError):
        GetItem(table="users", key={"pk": ""}).to_request()
    with pytest.raises(EncodingError):
        GetItem(table="users", key={"pk": True}).to_request()


def test_put_item_minimal_and_full_request() -> None:
    assert PutItem(table="t", item={"pk": "a", "n": None}).to_request() == {
        "TableName": "t",
        "Item": {"pk": {"S": "a"}, "n": {"NULL": True}},
    }
    op = PutItem(
        table="t",
        item={"pk": "a", "v": 2},
        condition="attribute_not_exists(pk) OR #v < :v",
        names={"#v": "v"},
        values={":v": 2},
        return_values="ALL_OLD",
        return_values_on_condition_check_failure="ALL_OLD",
        return_consumed_capacity="INDEXES",
        return_item_collection_metrics="SIZE",
    )
    assert op.to_request() == {
        "TableName": "t",
        "Item": {"pk": {"S": "a"}, "v": {"N": "2"}},
        "ConditionExpression": "attribute_not_exists(pk) OR #v < :v",
        "ExpressionAttributeNames": {"#v": "v"},
        "ExpressionAttributeValues": {":v": {"N": "2"}},
        "ReturnValues": "ALL_OLD",
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        "ReturnConsumedCapacity": "INDEXES",
        "ReturnItemCollectionMetrics": "SIZE",
    }


def test_put_item_omits_empty_attribute_maps() -> None:
    # DynamoDB rejects an empty ExpressionAttributeNames/Values map
    req = PutItem(table="t", item={"pk": "a"}, names={}, values={}).to_request()
    assert "ExpressionAttributeNames" not in req
    assert "ExpressionAttributeValues" not in req


def test_put_item_parse() -> None:
    op = PutItem(table="t", item={"pk": "a"}, return_values="ALL_OLD")
    result = op.parse(
        {
            "Attributes": {"pk": {"S": "a"}, "n": {"N": "1"}},
            "ConsumedCapacity": CAPACITY,
            "ItemCollectionMetrics": METRICS,
        }
    )
    assert result == PutItemResult({"pk": "a", "n": 1}, CAPACITY, METRICS)
    assert op.parse({}) == PutItemResult(None)


def _item_of_size(size: int) -> dict[str, object]:
    # item size = len(attribute names) + len(string values): "pk"+"a" = 3, "d" = 1
    return {"pk": "a", "d": "x" * (size - 4)}


def test_put_item_size_limit_at_400kb() -> None:
    PutItem(table="t", item=_item_of_size(400 * 1024)).to_request()
    with pytest.raises(ItemTooLarge) as info:
        PutItem(table="t", item=_item_of_size(400 * 1024 + 1)).to_request()
    assert info.value.size == 400 * 1024 + 1


@pytest.mark.parametrize(
    ("op", "safe"),
    [
        (PutItem(table="t", item={"pk": "a"}), True),
        (PutItem(table="t", item={"pk": "a"}, return_values="NONE"), True),
        (PutItem(table="t", item={"pk": "a"}, return_values="ALL_OLD"), False),
        (PutItem(table="t", item={"pk": "a"}, condition="attribute_not_exists(pk)"), False),
        (DeleteItem(table="t", key={"pk": "a"}), True),
        (DeleteItem(table="t", key={"pk": "a"}, return_values="ALL_OLD"), False),
        (DeleteItem(table="t", key={"pk": "a"}, condition="attribute_exists(pk)"), False),
        (UpdateItem(table="t", key={"pk": "a"}, update="SET x = :x", values={":x": 1}), False),
        (GetItem(table="t", key={"pk": "a"}), True),
    ],
)
def test_resend_safe(op: PutItem | DeleteItem | UpdateItem | GetItem, safe: bool) -> None:
    assert op.resend_safe is safe
    assert op.table_name == "t"


def test_update_item_request_and_parse() -> None:
    op = UpdateItem(
        table="t",
        key={"pk": "a", "sk": "b"},
        update="SET #s = :s ADD n :one",
        condition="#v = :v",
        names={"#s": "status", "#v": "version"},
        values={":s": "DONE", ":one": 1, ":v": 3},
        return_values="ALL_NEW",
        return_values_on_condition_check_failure="ALL_OLD",
        return_consumed_capacity="TOTAL",
        return_item_collection_metrics="SIZE",
    )
    assert op.to_request() == {
        "TableName": "t",
        "Key": {"pk": {"S": "a"}, "sk": {"S": "b"}},
        "UpdateExpression": "SET #s = :s ADD n :one",
        "ConditionExpression": "#v = :v",
        "ExpressionAttributeNames": {"#s": "status", "#v": "version"},
        "ExpressionAttributeValues": {":s": {"S": "DONE"}, ":one": {"N": "1"}, ":v": {"N": "3"}},
        "ReturnValues": "ALL_NEW",
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        "ReturnConsumedCapacity": "TOTAL",
        "ReturnItemCollectionMetrics": "SIZE",
    }
    reply = {"Attributes": {"status": {"S": "DONE"}, "n": {"N": "4"}}}
    assert op.parse(reply) == UpdateItemResult({"status": "DONE", "n": 4})
    assert op.parse({}).attributes is None


def test_update_item_without_expressions() -> None:
    assert UpdateItem(table="t", key={"pk": "a"}).to_request() == {
        "TableName": "t",
        "Key": {"pk": {"S": "a"}},
    }


def test_delete_item_request_and_parse() -> None:
    op = DeleteItem(
        table="t",
        key={"pk": "a"},
        condition="owner = :me",
        values={":me": "u1"},
        return_values="ALL_OLD",
        return_values_on_condition_check_failure="ALL_OLD",
    )
    assert op.to_request() == {
        "TableName": "t",
        "Key": {"pk": {"S": "a"}},
        "ConditionExpression": "owner = :me",
        "ExpressionAttributeValues": {":me": {"S": "u1"}},
        "ReturnValues": "ALL_OLD",
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    assert op.parse({"Attributes": {"pk": {"S": "a"}}}) == DeleteItemResult({"pk": "a"})


def test_expression_limit_at_4kb() -> None:
    at_limit = "a" * EXPRESSION_MAX_BYTES
    PutItem(table="t", item={"pk": "a"}, condition=at_limit)
    with pytest.raises(LimitExceeded, match="ConditionExpression"):
        PutItem(table="t", item={"pk": "a"}, condition=at_limit + "a")
    # the limit is in UTF-8 bytes: 1,366 three-byte characters are 4,098 bytes
    with pytest.raises(LimitExceeded, match="UpdateExpression"):
        UpdateItem(table="t", key={"pk": "a"}, update="€" * 1366)
    with pytest.raises(LimitExceeded, match="ProjectionExpression"):
        GetItem(table="t", key={"pk": "a"}, projection="p" * (EXPRESSION_MAX_BYTES + 1))


def test_empty_expression_is_rejected() -> None:
    with pytest.raises(InvalidRequest, match="ConditionExpression"):
        DeleteItem(table="t", key={"pk": "a"}, condition="")


def test_operations_are_frozen_comparable_values() -> None:
    a = GetItem(table="t", key={"pk": "a"})
    assert a == GetItem(table="t", key={"pk": "a"})
    assert a != GetItem(table="t", key={"pk": "b"})
    with pytest.raises(AttributeError):
        a.table = "other"  # type: ignore[misc]


def test_to_request_does_not_alias_the_value() -> None:
    names = {"#n": "name"}
    op = GetItem(table="t", key={"pk": "a"}, projection="#n", names=names)
    op.to_request()["ExpressionAttributeNames"]["#x"] = "y"
    assert op.to_request()["ExpressionAttributeNames"] == {"#n": "name"}
