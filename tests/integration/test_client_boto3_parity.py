"""The boto3-style calls answer exactly like boto3 itself, against the same DynamoDB Local.

One scenario touches every offered call (tables, items, batches, transactions, TTL, streams).
It runs twice, on two fresh tables: once through a dynastack client (``Client`` and
``AsyncClient``, via the ``driver`` fixture) and once through a real boto3 client with the
same dummy credentials. The replies must be equal after normalising what differs between any
two runs (table names, ids, ARNs, sequence numbers, iterators, request ids): keys, shapes,
item values, ``bytes`` in ``B``/``BS``, and the *types* of volatile values (``datetime`` where
boto3 gives ``datetime``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from dynastack.errors import ConditionalCheckFailed, ResourceNotFound, TransactionCanceled

from .client_support import Driver, Tables, boto3_client

pytestmark = pytest.mark.integration

Call = Callable[..., Awaitable[dict[str, Any]]]

#: values that differ between any two runs: compared by type only
VOLATILE = {
    "ApproximateCreationDateTime",
    "ClientRequestToken",
    "CreationDateTime",
    "CreationRequestDateTime",
    "EndingSequenceNumber",
    "LastDecreaseDateTime",
    "LastIncreaseDateTime",
    "LatestStreamArn",
    "LatestStreamLabel",
    "NextShardIterator",
    "ParentShardId",
    "SequenceNumber",
    "ShardId",
    "ShardIterator",
    "StartingSequenceNumber",
    "StreamArn",
    "StreamLabel",
    "TableId",
    "eventID",
}


def normalise(value: Any, table: str) -> Any:
    """``value`` with the table name replaced and volatile values reduced to their type."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            name = key.replace(table, "<table>")
            if key == "ResponseMetadata":
                out[name] = {
                    "keys": sorted(item),
                    "status": item["HTTPStatusCode"],
                    "retries": item["RetryAttempts"],
                    "request_id": type(item["RequestId"]).__name__,
                    "headers": sorted(item["HTTPHeaders"]),
                }
            elif key in VOLATILE:
                out[name] = type(item).__name__
            else:
                out[name] = normalise(item, table)
        return out
    if isinstance(value, list):
        return [normalise(item, table) for item in value]
    if isinstance(value, str):
        return value.replace(table, "<table>")
    return value


async def scenario(call: Call, table: str) -> list[tuple[str, Any]]:
    """Every offered call once (or more), in an order that gives each something to show."""
    replies: list[tuple[str, Any]] = []

    async def step(method: str, **kwargs: Any) -> dict[str, Any]:
        reply = await call(method, **kwargs)
        replies.append((method, reply))
        return reply

    key = {"pk": {"S": "a"}, "sk": {"B": b"\x00\x01"}}
    await step(
        "create_table",
        TableName=table,
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "B"},
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    described = await step("describe_table", TableName=table)
    item = {
        **key,
        "n": {"N": "1"},
        "bs": {"BS": [b"x", b"\xff"]},
        "m": {"M": {"b": {"B": b"in"}, "l": {"L": [{"B": b"deep"}, {"NULL": True}]}}},
    }
    await step("put_item", TableName=table, Item=item, ReturnConsumedCapacity="TOTAL")
    await step("put_item", TableName=table, Item=item, ReturnValues="ALL_OLD")
    await step("get_item", TableName=table, Key=key, ConsistentRead=True)
    await step(
        "update_item",
        TableName=table,
        Key=key,
        UpdateExpression="ADD n :one SET b2 = :b",
        ExpressionAttributeValues={":one": {"N": "1"}, ":b": {"B": b"new"}},
        ReturnValues="ALL_NEW",
    )
    await step(
        "batch_write_item",
        RequestItems={
            table: [
                {
                    "PutRequest": {
                        "Item": {"pk": {"S": "q"}, "sk": {"B": bytes([i])}, "i": {"N": str(i)}}
                    }
                }
                for i in range(20)
            ]
        },
        ReturnConsumedCapacity="INDEXES",
    )
    await step(
        "query",
        TableName=table,
        KeyConditionExpression="pk = :q",
        ExpressionAttributeValues={":q": {"S": "q"}},
        Limit=15,
        ReturnConsumedCapacity="TOTAL",
    )
    await step("scan", TableName=table, FilterExpression="attribute_exists(bs)")
    batch = await call(
        "batch_get_item",
        RequestItems={table: {"Keys": [key, {"pk": {"S": "q"}, "sk": {"B": b"\x03"}}]}},
    )
    for items in batch["Responses"].values():
        items.sort(key=lambda found: (found["pk"]["S"], found["sk"]["B"]))
    replies.append(("batch_get_item", batch))
    await step(
        "transact_write_items",
        TransactItems=[
            {
                "Update": {
                    "TableName": table,
                    "Key": key,
                    "UpdateExpression": "ADD n :one",
                    "ExpressionAttributeValues": {":one": {"N": "10"}},
                }
            },
            {"Put": {"TableName": table, "Item": {"pk": {"S": "t"}, "sk": {"B": b"t"}}}},
        ],
    )
    await step(
        "transact_get_items",
        TransactItems=[
            {"Get": {"TableName": table, "Key": key}},
            {"Get": {"TableName": table, "Key": {"pk": {"S": "none"}, "sk": {"B": b"0"}}}},
        ],
    )
    await step("delete_item", TableName=table, Key=key, ReturnValues="ALL_OLD")
    await step(
        "update_table",
        TableName=table,
        ProvisionedThroughput={"ReadCapacityUnits": 10, "WriteCapacityUnits": 10},
    )
    await step(
        "update_time_to_live",
        TableName=table,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"},
    )
    await step("describe_time_to_live", TableName=table)
    arn = described["Table"]["LatestStreamArn"]
    await step("list_streams", TableName=table)
    stream = await step("describe_stream", StreamArn=arn)
    shard = stream["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = await step(
        "get_shard_iterator", StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )
    await step("get_records", ShardIterator=iterator["ShardIterator"], Limit=100)
    await step("delete_table", TableName=table)
    return replies


def boto3_caller(endpoint: str) -> Call:
    dynamodb = boto3_client(endpoint)
    streams = boto3_client(endpoint, "dynamodbstreams")
    stream_methods = {"list_streams", "describe_stream", "get_shard_iterator", "get_records"}

    async def call(method: str, **kwargs: Any) -> dict[str, Any]:
        client = streams if method in stream_methods else dynamodb
        reply: dict[str, Any] = getattr(client, method)(**kwargs)
        return reply

    return call


async def test_every_call_answers_as_boto3_does(
    driver: Driver, tables: Tables, dynamodb_endpoint: str
) -> None:
    ours_table, boto_table = tables.name("ours"), tables.name("boto")
    ours = await scenario(driver.call, ours_table)
    theirs = await scenario(boto3_caller(dynamodb_endpoint), boto_table)
    assert [method for method, _ in ours] == [method for method, _ in theirs]
    for (method, mine), (_, reference) in zip(ours, theirs, strict=True):
        assert normalise(mine, ours_table) == normalise(reference, boto_table), method
    # the spot checks that the comparison above relies on
    replies = dict(ours)
    assert isinstance(replies["describe_table"]["Table"]["CreationDateTime"], datetime)
    assert replies["get_item"]["Item"]["sk"] == {"B": b"\x00\x01"}
    assert sorted(replies["get_item"]["Item"]["bs"]["BS"]) == [b"x", b"\xff"]
    assert replies["get_records"]["Records"][0]["dynamodb"]["Keys"]["sk"] == {"B": b"\x00\x01"}


async def test_list_tables_answers_as_boto3_does(driver: Driver, tables: Tables, boto: Any) -> None:
    name = tables.create("listed")
    mine = await driver.call("list_tables", Limit=100)
    reference = boto.list_tables(Limit=100)
    assert set(mine) == set(reference)
    assert name in mine["TableNames"] or "LastEvaluatedTableName" in mine


async def test_failures_raise_typed_errors_where_boto3_raises_client_error(
    driver: Driver, tables: Tables, boto: Any
) -> None:
    name = tables.create("fail")
    item = {"pk": {"S": "a"}, "sk": {"S": "b"}, "v": {"B": b"old"}}
    await driver.call("put_item", TableName=name, Item=item)
    failing = {
        "TableName": name,
        "Item": {"pk": {"S": "a"}, "sk": {"S": "b"}},
        "ConditionExpression": "attribute_not_exists(pk)",
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    with pytest.raises(ConditionalCheckFailed) as caught:
        await driver.call("put_item", **failing)
    with pytest.raises(ClientError) as reference:
        boto.put_item(**failing)
    assert caught.value.code == reference.value.response["Error"]["Code"]
    # our error keeps the wire item; boto3 gives bytes, the wire has base64
    assert caught.value.raw_item is not None
    boto_reply: dict[str, Any] = dict(reference.value.response)
    assert set(caught.value.raw_item) == set(boto_reply["Item"])

    with pytest.raises(TransactionCanceled) as canceled:
        await driver.call(
            "transact_write_items",
            TransactItems=[
                {
                    "ConditionCheck": {
                        "TableName": name,
                        "Key": {"pk": {"S": "a"}, "sk": {"S": "b"}},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            ],
        )
    assert [r.code for r in canceled.value.reasons] == ["ConditionalCheckFailed"]

    with pytest.raises(ResourceNotFound):
        await driver.call("describe_table", TableName=f"{name}-missing")
