"""TransactGetItems / TransactWriteItems: requests, tokens, limits at ±1, duplicates."""

from __future__ import annotations

import dataclasses

import pytest

from dynastack.core.operations import (
    ConditionCheck,
    TransactDelete,
    TransactGet,
    TransactGetItems,
    TransactGetResult,
    TransactPut,
    TransactUpdate,
    TransactWriteAction,
    TransactWriteItems,
    TransactWriteResult,
)
from dynastack.errors import EncodingError, InvalidRequest, ItemTooLarge, LimitExceeded


def _deletes(n: int) -> list[TransactWriteAction]:
    return [TransactDelete(table="t", key={"pk": f"k{i}"}) for i in range(n)]


# --- TransactGetItems ---------------------------------------------------------------------


def test_transact_get_request_and_parse() -> None:
    op = TransactGetItems(
        gets=[
            TransactGet(table="t", key={"pk": "a"}, projection="#n", names={"#n": "name"}),
            TransactGet(table="u", key={"id": 1}),
        ],
        return_consumed_capacity="TOTAL",
    )
    assert op.to_request() == {
        "TransactItems": [
            {
                "Get": {
                    "TableName": "t",
                    "Key": {"pk": {"S": "a"}},
                    "ProjectionExpression": "#n",
                    "ExpressionAttributeNames": {"#n": "name"},
                }
            },
            {"Get": {"TableName": "u", "Key": {"id": {"N": "1"}}}},
        ],
        "ReturnConsumedCapacity": "TOTAL",
    }
    result = op.parse(
        {
            "Responses": [{"Item": {"name": {"S": "Ada"}}}, {}],
            "ConsumedCapacity": [{"TableName": "t", "CapacityUnits": 2.0}],
        }
    )
    assert result == TransactGetResult(
        [{"name": "Ada"}, None], [{"TableName": "t", "CapacityUnits": 2.0}]
    )
    assert op.resend_safe is True
    assert op.table_name is None


def test_transact_get_without_responses_means_nothing_found() -> None:
    op = TransactGetItems(gets=[TransactGet(table="t", key={"pk": "a"})] * 1)
    assert op.parse({}).items == [None]
    assert op.table_name == "t"


def test_transact_get_limit_at_100() -> None:
    gets = [TransactGet(table="t", key={"pk": f"k{i}"}) for i in range(101)]
    TransactGetItems(gets=gets[:100]).to_request()
    with pytest.raises(LimitExceeded):
        TransactGetItems(gets=gets)
    with pytest.raises(InvalidRequest):
        TransactGetItems(gets=[])


def test_transact_get_duplicate_item() -> None:
    gets = [TransactGet(table="t", key={"pk": "a"}), TransactGet(table="t", key={"pk": "a"})]
    with pytest.raises(InvalidRequest, match="two actions"):
        TransactGetItems(gets=gets).to_request()


# --- TransactWriteItems -------------------------------------------------------------------


def test_transact_write_request_with_every_action() -> None:
    op = TransactWriteItems(
        actions=[
            TransactPut(
                table="t",
                item={"pk": "a", "n": 1},
                condition="attribute_not_exists(pk)",
                return_values_on_condition_check_failure="ALL_OLD",
            ),
            TransactUpdate(
                table="t",
                key={"pk": "b"},
                update="SET #b = #b - :x",
                condition="#b >= :x",
                names={"#b": "balance"},
                values={":x": 10},
            ),
            TransactDelete(table="t", key={"pk": "c"}, condition="attribute_exists(pk)"),
            ConditionCheck(
                table="u",
                key={"id": "d"},
                condition="#s = :s",
                names={"#s": "status"},
                values={":s": "OPEN"},
                return_values_on_condition_check_failure="NONE",
            ),
        ],
        client_request_token="tok",
        return_consumed_capacity="INDEXES",
        return_item_collection_metrics="SIZE",
    )
    assert op.to_request() == {
        "TransactItems": [
            {
                "Put": {
                    "TableName": "t",
                    "Item": {"pk": {"S": "a"}, "n": {"N": "1"}},
                    "ConditionExpression": "attribute_not_exists(pk)",
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            },
            {
                "Update": {
                    "TableName": "t",
                    "Key": {"pk": {"S": "b"}},
                    "UpdateExpression": "SET #b = #b - :x",
                    "ConditionExpression": "#b >= :x",
                    "ExpressionAttributeNames": {"#b": "balance"},
                    "ExpressionAttributeValues": {":x": {"N": "10"}},
                }
            },
            {
                "Delete": {
                    "TableName": "t",
                    "Key": {"pk": {"S": "c"}},
                    "ConditionExpression": "attribute_exists(pk)",
                }
            },
            {
                "ConditionCheck": {
                    "TableName": "u",
                    "Key": {"id": {"S": "d"}},
                    "ConditionExpression": "#s = :s",
                    "ExpressionAttributeNames": {"#s": "status"},
                    "ExpressionAttributeValues": {":s": {"S": "OPEN"}},
                    "ReturnValuesOnConditionCheckFailure": "NONE",
                }
            },
        ],
        "ClientRequestToken": "tok",
        "ReturnConsumedCapacity": "INDEXES",
        "ReturnItemCollectionMetrics": "SIZE",
    }
    assert op.resend_safe is True
    assert op.table_name is None


def test_transact_write_parse() -> None:
    op = TransactWriteItems(actions=_deletes(1))
    assert op.parse({}) == TransactWriteResult()
    metrics = {"t": [{"ItemCollectionKey": {"pk": {"S": "a"}}, "SizeEstimateRangeGB": [0, 1]}]}
    capacity = [{"TableName": "t", "CapacityUnits": 2.0}]
    reply = {"ConsumedCapacity": capacity, "ItemCollectionMetrics": metrics}
    assert op.parse(reply) == TransactWriteResult(capacity, metrics)


def test_token_is_fixed_per_value_and_fresh_per_new_value() -> None:
    op = TransactWriteItems(actions=_deletes(2))
    first = op.to_request()["ClientRequestToken"]
    assert first == op.to_request()["ClientRequestToken"]
    assert 1 <= len(first) <= 36
    # a resend after a lost reply uses the same value, hence the same token
    assert dataclasses.replace(op, return_consumed_capacity="TOTAL").client_request_token == first
    other = TransactWriteItems(actions=_deletes(2))
    assert other.client_request_token != first
    assert other != op


def test_token_length_is_checked() -> None:
    TransactWriteItems(actions=_deletes(1), client_request_token="x" * 36)
    with pytest.raises(InvalidRequest):
        TransactWriteItems(actions=_deletes(1), client_request_token="x" * 37)
    with pytest.raises(InvalidRequest):
        TransactWriteItems(actions=_deletes(1), client_request_token="")


def test_transact_write_limit_at_100_actions() -> None:
    TransactWriteItems(actions=_deletes(100)).to_request()
    with pytest.raises(LimitExceeded):
        TransactWriteItems(actions=_deletes(101))
    with pytest.raises(InvalidRequest):
        TransactWriteItems(actions=[])


def _big_puts(total: int, count: int) -> list[TransactWriteAction]:
    # each item: "pk" + value (2 + 5 bytes) and "d" + payload; sizes add up to `total`
    base, extra = divmod(total, count)
    actions: list[TransactWriteAction] = []
    for i in range(count):
        size = base + (1 if i < extra else 0)
        actions.append(TransactPut(table="t", item={"pk": f"k{i:04d}", "d": "x" * (size - 8)}))
    return actions


def test_transact_write_limit_at_4mb() -> None:
    limit = 4 * 1024 * 1024
    TransactWriteItems(actions=_big_puts(limit, 11)).to_request()
    with pytest.raises(LimitExceeded, match="4194305"):
        TransactWriteItems(actions=_big_puts(limit + 1, 11)).to_request()


def test_transact_put_item_size_limit() -> None:
    at = TransactPut(table="t", item={"pk": "a", "d": "x" * (400 * 1024 - 4)})
    TransactWriteItems(actions=[at]).to_request()
    over = TransactPut(table="t", item={"pk": "a", "d": "x" * (400 * 1024 - 3)})
    with pytest.raises(ItemTooLarge):
        TransactWriteItems(actions=[over]).to_request()


def test_transact_write_two_actions_on_one_item() -> None:
    keyed: list[TransactWriteAction] = [
        TransactUpdate(table="t", key={"pk": "a"}, update="SET n = :n", values={":n": 1}),
        ConditionCheck(table="t", key={"pk": "a"}, condition="attribute_exists(pk)"),
    ]
    with pytest.raises(InvalidRequest, match="two actions"):
        TransactWriteItems(actions=keyed).to_request()
    # a put's key is found through another action's key names on the same table
    put_and_delete: list[TransactWriteAction] = [
        TransactPut(table="t", item={"pk": "a", "v": 1}),
        TransactDelete(table="t", key={"pk": "a"}),
    ]
    with pytest.raises(InvalidRequest, match="two actions"):
        TransactWriteItems(actions=put_and_delete).to_request()


def test_transact_write_duplicate_puts_need_key_names() -> None:
    puts: list[TransactWriteAction] = [
        TransactPut(table="t", item={"pk": "a", "v": 1}),
        TransactPut(table="t", item={"pk": "a", "v": 2}),
    ]
    TransactWriteItems(actions=puts).to_request()
    with pytest.raises(InvalidRequest, match="two actions"):
        TransactWriteItems(actions=puts, key_attributes={"t": ("pk",)}).to_request()


def test_transact_write_declared_key_names_are_enforced() -> None:
    op = TransactWriteItems(
        actions=[TransactPut(table="t", item={"v": 1})], key_attributes={"t": ("pk",)}
    )
    with pytest.raises(InvalidRequest, match="lacks key attributes"):
        op.to_request()
    with pytest.raises(EncodingError):
        TransactWriteItems(actions=[TransactDelete(table="t", key={"pk": ""})]).to_request()
