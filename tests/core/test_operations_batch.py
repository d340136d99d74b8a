"""BatchGetItem / BatchWriteItem: requests, limits at ±1, duplicates, unprocessed retries."""

from __future__ import annotations

from typing import Any

import pytest

from dynastack.core.operations import (
    BatchGetItem,
    BatchGetResult,
    BatchWriteItem,
    DeleteRequest,
    KeysAndAttributes,
    PutRequest,
    WriteRequest,
)
from dynastack.errors import EncodingError, InvalidRequest, ItemTooLarge, LimitExceeded


def _keys(n: int, prefix: str = "k") -> list[dict[str, object]]:
    return [{"pk": f"{prefix}{i}"} for i in range(n)]


# --- BatchGetItem -------------------------------------------------------------------------


def test_batch_get_request() -> None:
    op = BatchGetItem(
        requests={
            "users": KeysAndAttributes(
                keys=[{"pk": "a", "sk": 1}, {"pk": "b", "sk": 2}],
                consistent=True,
                projection="#n",
                names={"#n": "name"},
            ),
            "orders": KeysAndAttributes(keys=[{"id": "o1"}]),
        },
        return_consumed_capacity="TOTAL",
    )
    assert op.to_request() == {
        "RequestItems": {
            "users": {
                "Keys": [
                    {"pk": {"S": "a"}, "sk": {"N": "1"}},
                    {"pk": {"S": "b"}, "sk": {"N": "2"}},
                ],
                "ConsistentRead": True,
                "ProjectionExpression": "#n",
                "ExpressionAttributeNames": {"#n": "name"},
            },
            "orders": {"Keys": [{"id": {"S": "o1"}}]},
        },
        "ReturnConsumedCapacity": "TOTAL",
    }
    assert op.resend_safe is True
    assert op.table_name is None


def test_batch_get_limit_at_100_keys_across_tables() -> None:
    BatchGetItem(
        requests={
            "a": KeysAndAttributes(keys=_keys(60)),
            "b": KeysAndAttributes(keys=_keys(40)),
        }
    ).to_request()
    with pytest.raises(LimitExceeded):
        BatchGetItem(
            requests={
                "a": KeysAndAttributes(keys=_keys(60)),
                "b": KeysAndAttributes(keys=_keys(41)),
            }
        )


def test_batch_get_rejects_empty_input() -> None:
    with pytest.raises(InvalidRequest):
        BatchGetItem(requests={})
    with pytest.raises(InvalidRequest):
        BatchGetItem(requests={"a": KeysAndAttributes(keys=[])})


def test_batch_get_duplicate_keys() -> None:
    with pytest.raises(InvalidRequest, match="twice"):
        BatchGetItem(
            requests={"a": KeysAndAttributes(keys=[{"pk": "x", "n": 1}, {"n": 1.0, "pk": "x"}])}
        ).to_request()
    # the same key in two tables names two different items
    BatchGetItem(
        requests={
            "a": KeysAndAttributes(keys=[{"pk": "x"}]),
            "b": KeysAndAttributes(keys=[{"pk": "x"}]),
        }
    ).to_request()


def test_batch_get_rejects_bad_key_values() -> None:
    with pytest.raises(EncodingError):
        BatchGetItem(requests={"a": KeysAndAttributes(keys=[{"pk": ""}])}).to_request()


def test_batch_get_parse_with_unprocessed_keys() -> None:
    spec = KeysAndAttributes(keys=_keys(3), consistent=True, projection="pk")
    op = BatchGetItem(requests={"t": spec}, return_consumed_capacity="TOTAL")
    result = op.parse(
        {
            "Responses": {"t": [{"pk": {"S": "k0"}, "n": {"N": "5"}}]},
            "UnprocessedKeys": {
                "t": {
                    "Keys": [{"pk": {"S": "k1"}}, {"pk": {"S": "k2"}}],
                    "ConsistentRead": True,
                    "ProjectionExpression": "pk",
                }
            },
            "ConsumedCapacity": [{"TableName": "t", "CapacityUnits": 1.0}],
        }
    )
    assert result.responses == {"t": [{"pk": "k0", "n": 5}]}
    assert result.unprocessed_keys == {"t": [{"pk": "k1"}, {"pk": "k2"}]}
    assert result.consumed_capacity == [{"TableName": "t", "CapacityUnits": 1.0}]
    assert result.retry == BatchGetItem(
        requests={
            "t": KeysAndAttributes(
                keys=[{"pk": "k1"}, {"pk": "k2"}], consistent=True, projection="pk"
            )
        },
        return_consumed_capacity="TOTAL",
    )


def test_batch_get_parse_unknown_table_rebuilds_from_the_reply() -> None:
    op = BatchGetItem(requests={"t": KeysAndAttributes(keys=_keys(1))})
    result = op.parse(
        {"UnprocessedKeys": {"other": {"Keys": [{"pk": {"S": "z"}}], "ConsistentRead": True}}}
    )
    assert result.retry is not None
    assert result.retry.requests == {
        "other": KeysAndAttributes(keys=[{"pk": "z"}], consistent=True)
    }


def test_batch_get_parse_complete() -> None:
    op = BatchGetItem(requests={"t": KeysAndAttributes(keys=_keys(1))})
    assert op.parse({"Responses": {"t": []}, "UnprocessedKeys": {}}) == BatchGetResult(
        {"t": []}, {}, None, None
    )
    # an engine that leaves out both maps
    assert op.parse({}) == BatchGetResult({}, {}, None, None)


# --- BatchWriteItem -----------------------------------------------------------------------


def test_batch_write_request() -> None:
    op = BatchWriteItem(
        requests={
            "t": [PutRequest({"pk": "a", "n": 1}), DeleteRequest({"pk": "b"})],
            "u": [PutRequest({"id": "c"})],
        },
        return_consumed_capacity="INDEXES",
        return_item_collection_metrics="SIZE",
    )
    assert op.to_request() == {
        "RequestItems": {
            "t": [
                {"PutRequest": {"Item": {"pk": {"S": "a"}, "n": {"N": "1"}}}},
                {"DeleteRequest": {"Key": {"pk": {"S": "b"}}}},
            ],
            "u": [{"PutRequest": {"Item": {"id": {"S": "c"}}}}],
        },
        "ReturnConsumedCapacity": "INDEXES",
        "ReturnItemCollectionMetrics": "SIZE",
    }
    assert op.resend_safe is True
    assert op.table_name is None
    assert BatchWriteItem(requests={"t": [DeleteRequest({"pk": "b"})]}).table_name == "t"


def test_batch_write_limit_at_25_requests_across_tables() -> None:
    puts: list[WriteRequest] = [PutRequest(k) for k in _keys(20)]
    deletes: list[WriteRequest] = [DeleteRequest(k) for k in _keys(6, "d")]
    BatchWriteItem(requests={"a": puts, "b": deletes[:5]}).to_request()
    with pytest.raises(LimitExceeded):
        BatchWriteItem(requests={"a": puts, "b": deletes})


def test_batch_write_rejects_empty_input() -> None:
    with pytest.raises(InvalidRequest):
        BatchWriteItem(requests={})
    with pytest.raises(InvalidRequest):
        BatchWriteItem(requests={"a": []})


def test_batch_write_item_size_limit() -> None:
    at_limit = {"pk": "a", "d": "x" * (400 * 1024 - 4)}
    BatchWriteItem(requests={"t": [PutRequest(at_limit)]}).to_request()
    over = {"pk": "a", "d": "x" * (400 * 1024 - 3)}
    with pytest.raises(ItemTooLarge):
        BatchWriteItem(requests={"t": [PutRequest(over)]}).to_request()


def test_batch_write_duplicate_deletes() -> None:
    op = BatchWriteItem(requests={"t": [DeleteRequest({"pk": "a"}), DeleteRequest({"pk": "a"})]})
    with pytest.raises(InvalidRequest, match="twice"):
        op.to_request()


def test_batch_write_duplicate_puts_need_key_names() -> None:
    writes: list[WriteRequest] = [
        PutRequest({"pk": "a", "v": 1}),
        PutRequest({"pk": "a", "v": 2}),
    ]
    # without key names the puts cannot be compared: DynamoDB's own check remains
    BatchWriteItem(requests={"t": writes}).to_request()
    with pytest.raises(InvalidRequest, match="twice"):
        BatchWriteItem(requests={"t": writes}, key_attributes={"t": ("pk",)}).to_request()
    # same key values, other table: two items
    BatchWriteItem(
        requests={"t": writes[:1], "u": writes[1:]}, key_attributes={"t": ("pk",), "u": ("pk",)}
    ).to_request()


def test_batch_write_put_and_delete_of_one_item_via_inferred_key_names() -> None:
    writes: list[WriteRequest] = [
        PutRequest({"pk": "a", "sk": 1, "v": 1}),
        DeleteRequest({"sk": 1, "pk": "a"}),
    ]
    with pytest.raises(InvalidRequest, match="twice"):
        BatchWriteItem(requests={"t": writes}).to_request()
    different: list[WriteRequest] = [
        PutRequest({"pk": "a", "sk": 2}),
        DeleteRequest({"pk": "a", "sk": 1}),
    ]
    BatchWriteItem(requests={"t": different}).to_request()


def test_batch_write_declared_key_names_are_enforced() -> None:
    op = BatchWriteItem(requests={"t": [PutRequest({"v": 1})]}, key_attributes={"t": ["pk"]})
    with pytest.raises(InvalidRequest, match="lacks key attributes"):
        op.to_request()
    bad = BatchWriteItem(requests={"t": [PutRequest({"pk": ""})]}, key_attributes={"t": ["pk"]})
    with pytest.raises(EncodingError):
        bad.to_request()


def test_batch_write_parse_unprocessed_gives_the_original_requests_back() -> None:
    writes: list[WriteRequest] = [
        PutRequest({"pk": "a", "n": 1, "tags": {"x", "y"}}),
        DeleteRequest({"pk": "b"}),
        PutRequest({"pk": "c"}),
    ]
    op = BatchWriteItem(
        requests={"t": writes}, key_attributes={"t": ("pk",)}, return_consumed_capacity="TOTAL"
    )
    wire = op.to_request()["RequestItems"]["t"]
    result = op.parse(
        {
            "UnprocessedItems": {"t": wire[:2]},
            "ConsumedCapacity": [{"TableName": "t", "CapacityUnits": 1.0}],
        }
    )
    assert result.unprocessed == {"t": writes[:2]}
    assert result.retry == BatchWriteItem(
        requests={"t": writes[:2]}, key_attributes={"t": ("pk",)}, return_consumed_capacity="TOTAL"
    )
    assert result.retry.to_request()["RequestItems"]["t"] == wire[:2]
    assert result.consumed_capacity == [{"TableName": "t", "CapacityUnits": 1.0}]


def test_batch_write_parse_complete() -> None:
    op = BatchWriteItem(requests={"t": [PutRequest({"pk": "a"})]})
    replies: list[dict[str, Any]] = [{}, {"UnprocessedItems": {}}, {"UnprocessedItems": {"t": []}}]
    for reply in replies:
        result = op.parse(reply)
        assert result.unprocessed == {}
        assert result.retry is None


def test_batch_write_declared_sort_key_size_limit() -> None:
    names = {"t": ("pk", "sk")}
    ok = PutRequest({"pk": "a", "sk": "s" * 1024})
    BatchWriteItem(requests={"t": [ok]}, key_attributes=names).to_request()
    over = PutRequest({"pk": "a", "sk": "s" * 1025})
    with pytest.raises(LimitExceeded, match="sort key"):
        BatchWriteItem(requests={"t": [over]}, key_attributes=names).to_request()
