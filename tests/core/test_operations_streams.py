"""Streams reads and RawCall: requests, decoded records, action validation, resend rules."""

from __future__ import annotations

from typing import Any

import pytest

from dynastack.core.operations import (
    DescribeStream,
    GetRecords,
    GetShardIterator,
    GetShardIteratorResult,
    ListStreams,
    ListStreamsResult,
    RawCall,
    Shard,
)
from dynastack.errors import InvalidRequest

ARN = "arn:aws:dynamodb:ddblocal:000000000000:table/t/stream/2024-01-01T00:00:00.000"


def test_list_streams() -> None:
    op = ListStreams(table="t", limit=5, start_after="arn:x")
    assert op.service == "streams"
    assert op.to_request() == {"TableName": "t", "Limit": 5, "ExclusiveStartStreamArn": "arn:x"}
    assert ListStreams().to_request() == {}
    reply = {"Streams": [{"StreamArn": ARN, "TableName": "t", "StreamLabel": "l"}]}
    assert op.parse(reply) == ListStreamsResult(reply["Streams"], None)
    assert op.table_name == "t"
    assert op.resend_safe is True


def test_describe_stream_request_parse_and_paging() -> None:
    op = DescribeStream(stream_arn=ARN, limit=10)
    assert op.service == "streams"
    assert op.action == "DescribeStream"
    assert op.to_request() == {"StreamArn": ARN, "Limit": 10}
    reply = {
        "StreamDescription": {
            "StreamArn": ARN,
            "StreamLabel": "2024-01-01T00:00:00.000",
            "StreamStatus": "ENABLED",
            "StreamViewType": "NEW_AND_OLD_IMAGES",
            "CreationRequestDateTime": 1.7e9,
            "TableName": "t",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "Shards": [
                {
                    "ShardId": "shard-1",
                    "SequenceNumberRange": {
                        "StartingSequenceNumber": "100",
                        "EndingSequenceNumber": "200",
                    },
                },
                {
                    "ShardId": "shard-2",
                    "ParentShardId": "shard-1",
                    "SequenceNumberRange": {"StartingSequenceNumber": "201"},
                },
            ],
            "LastEvaluatedShardId": "shard-2",
        }
    }
    description = op.parse(reply)
    assert description.shards == [
        Shard("shard-1", None, "100", "200"),
        Shard("shard-2", "shard-1", "201", None),
    ]
    assert (description.status, description.view_type) == ("ENABLED", "NEW_AND_OLD_IMAGES")
    following = op.next_page(description)
    assert following is not None
    assert following.to_request() == {
        "StreamArn": ARN,
        "Limit": 10,
        "ExclusiveStartShardId": "shard-2",
    }
    assert op.next_page(op.parse({"StreamDescription": {"Shards": []}})) is None
    assert op.parse({}).shards == []


def test_get_shard_iterator() -> None:
    op = GetShardIterator(stream_arn=ARN, shard_id="shard-1")
    assert op.to_request() == {
        "StreamArn": ARN,
        "ShardId": "shard-1",
        "ShardIteratorType": "TRIM_HORIZON",
    }
    after = GetShardIterator(
        stream_arn=ARN,
        shard_id="shard-1",
        iterator_type="AFTER_SEQUENCE_NUMBER",
        sequence_number="150",
    )
    assert after.to_request()["SequenceNumber"] == "150"
    assert op.parse({"ShardIterator": "it"}) == GetShardIteratorResult("it")
    assert op.parse({}) == GetShardIteratorResult(None)
    with pytest.raises(InvalidRequest):
        GetShardIterator(stream_arn=ARN, shard_id="s", iterator_type="LATEST", sequence_number="1")


def test_get_records_decodes_images() -> None:
    op = GetRecords(shard_iterator="it", limit=1000)
    assert op.to_request() == {"ShardIterator": "it", "Limit": 1000}
    with pytest.raises(InvalidRequest):
        GetRecords(shard_iterator="it", limit=1001)
    reply: dict[str, Any] = {
        "Records": [
            {
                "eventID": "e1",
                "eventName": "MODIFY",
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": "ddblocal",
                "dynamodb": {
                    "ApproximateCreationDateTime": 1.7e9,
                    "Keys": {"pk": {"S": "a"}},
                    "NewImage": {"pk": {"S": "a"}, "n": {"N": "2"}},
                    "OldImage": {"pk": {"S": "a"}, "n": {"N": "1"}},
                    "SequenceNumber": "300",
                    "SizeBytes": 26,
                    "StreamViewType": "NEW_AND_OLD_IMAGES",
                },
            },
            {
                "eventID": "e2",
                "eventName": "REMOVE",
                "dynamodb": {"Keys": {"pk": {"S": "b"}}, "SequenceNumber": "301"},
                "userIdentity": {"PrincipalId": "dynamodb.amazonaws.com", "Type": "Service"},
            },
        ],
        "NextShardIterator": "it-2",
    }
    result = op.parse(reply)
    first, second = result.records
    assert (first.event_id, first.event_name, first.sequence_number) == ("e1", "MODIFY", "300")
    assert first.keys == {"pk": "a"}
    assert first.new_image == {"pk": "a", "n": 2}
    assert first.old_image == {"pk": "a", "n": 1}
    assert (first.approximate_creation_time, first.size_bytes) == (1.7e9, 26)
    assert first.is_ttl_expiry is False
    assert second.new_image is None
    assert second.is_ttl_expiry is True
    assert result.next_shard_iterator == "it-2"
    # a closed shard: no next iterator
    assert op.parse({"Records": []}).next_shard_iterator is None


# --- RawCall ------------------------------------------------------------------------------


def test_raw_call_passes_payload_and_reply_through() -> None:
    payload = {"TableName": "t", "Item": {"pk": {"S": "a"}}}
    op = RawCall.of("PutItem", payload)
    assert (op.action, op.service, op.table_name) == ("PutItem", "dynamodb", "t")
    assert op.to_request() == payload
    assert op.to_request() is not payload
    reply = {"Attributes": {"pk": {"S": "a"}}}
    assert op.parse(reply) is reply
    assert op == RawCall.of("PutItem", dict(payload))
    assert op != RawCall.of("DeleteItem", dict(payload))
    assert "PutItem" in repr(op)


def test_raw_call_for_streams() -> None:
    op = RawCall.of("GetRecords", {"ShardIterator": "it"}, service="streams")
    assert (op.action, op.service, op.table_name) == ("GetRecords", "streams", None)
    assert op.resend_safe is True


@pytest.mark.parametrize(
    ("action", "payload", "safe"),
    [
        ("GetItem", {}, True),
        ("Query", {}, True),
        ("DescribeTable", {}, True),
        ("BatchWriteItem", {}, True),
        ("PutItem", {}, True),
        ("PutItem", {"ReturnValues": "NONE"}, True),
        ("PutItem", {"ReturnValues": "ALL_OLD"}, False),
        ("PutItem", {"ConditionExpression": "attribute_not_exists(pk)"}, False),
        ("DeleteItem", {"Expected": {"pk": {"Exists": True}}}, False),
        ("UpdateItem", {}, False),
        ("CreateTable", {}, False),
        ("ExecuteStatement", {}, False),
        ("TransactWriteItems", {"TransactItems": []}, True),
    ],
)
def test_raw_call_resend_safe(action: str, payload: dict[str, Any], safe: bool) -> None:
    assert RawCall.of(action, payload).resend_safe is safe


def test_raw_transaction_gets_one_token_per_value() -> None:
    op = RawCall.of("TransactWriteItems", {"TransactItems": []})
    token = op.to_request()["ClientRequestToken"]
    assert token == op.to_request()["ClientRequestToken"]
    assert (
        RawCall.of("TransactWriteItems", {"TransactItems": []}).to_request()["ClientRequestToken"]
        != token
    )
    given = RawCall.of("TransactWriteItems", {"TransactItems": [], "ClientRequestToken": "mine"})
    assert given.to_request()["ClientRequestToken"] == "mine"


@pytest.mark.parametrize("action", ["", "Put Item", "PutItem\r\nX-Evil: 1", "putItem", "Pút"])
def test_raw_call_rejects_bad_action_names(action: str) -> None:
    with pytest.raises(InvalidRequest):
        RawCall.of(action, {})


def test_raw_call_needs_an_action() -> None:
    with pytest.raises(InvalidRequest):
        RawCall({})
    with pytest.raises(InvalidRequest):
        RawCall.of("GetItem", {}, service="s3")  # type: ignore[arg-type]
