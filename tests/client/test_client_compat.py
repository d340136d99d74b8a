"""The boto3-style call table: names, parameter checks, bytes and datetimes, ResponseMetadata.

These tests exercise the pure half of the boto3-compatible calls (``CallSpec``): what is
checked and converted before a request exists, and how a decoded reply is turned into boto3's
shape. The round trips against DynamoDB Local and a real boto3 client are in
tests/integration/test_client_boto3_parity.py.
"""

from __future__ import annotations

import base64
import copy
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore import xform_name

from dynastack.client.compat import METHODS, call_spec, response_metadata
from dynastack.core.wire import HttpResponse
from dynastack.errors import InvalidRequest

OK = HttpResponse(200, {"x-amzn-requestid": "RID", "content-type": "x"}, b"{}")


def test_every_method_is_botocores_name_for_its_action() -> None:
    dynamodb = boto3.client(
        "dynamodb", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b"
    )
    streams = boto3.client(
        "dynamodbstreams",
        region_name="us-east-1",
        aws_access_key_id="a",
        aws_secret_access_key="b",
    )
    for method, action in METHODS.items():
        assert xform_name(action) == method
        spec = call_spec(action)
        assert spec.method == method
        boto_client = streams if spec.service == "streams" else dynamodb
        assert hasattr(boto_client, method), method


def test_streams_actions_go_to_the_streams_service() -> None:
    services = {action: call_spec(action).service for action in METHODS.values()}
    assert {a for a, s in services.items() if s == "streams"} == {
        "DescribeStream",
        "GetRecords",
        "GetShardIterator",
        "ListStreams",
    }


def test_an_unknown_parameter_is_named_precisely() -> None:
    with pytest.raises(InvalidRequest, match=r"put_item\(\) got an unknown parameter 'Itme'"):
        call_spec("PutItem").operation({"TableName": "t", "Itme": {}})


def test_a_missing_required_parameter_is_named_precisely() -> None:
    with pytest.raises(InvalidRequest, match=r"get_item\(\) is missing .* 'Key'"):
        call_spec("GetItem").operation({"TableName": "t"})


def test_an_action_outside_the_table_is_refused() -> None:
    with pytest.raises(InvalidRequest, match="RestoreTableFromBackup"):
        call_spec("RestoreTableFromBackup")


def test_bytes_become_base64_at_any_depth_without_touching_the_callers_arguments() -> None:
    item: dict[str, Any] = {
        "pk": {"S": "a"},
        "b": {"B": b"\x00\xff"},
        "bs": {"BS": [b"1", bytearray(b"2")]},
        "m": {"M": {"inner": {"B": b"x"}, "l": {"L": [{"B": b"y"}, {"N": "1"}]}}},
    }
    kwargs = {"TableName": "t", "Item": item, "ExpressionAttributeValues": {":b": {"B": b"z"}}}
    before = copy.deepcopy(kwargs)
    payload = call_spec("PutItem").operation(dict(kwargs)).to_request()
    assert kwargs == before  # the caller's values are never rewritten
    b64 = base64.b64encode
    assert payload["Item"]["b"] == {"B": b64(b"\x00\xff").decode()}
    assert payload["Item"]["bs"] == {"BS": [b64(b"1").decode(), b64(b"2").decode()]}
    assert payload["Item"]["m"]["M"]["inner"] == {"B": b64(b"x").decode()}
    assert payload["Item"]["m"]["M"]["l"]["L"] == [{"B": b64(b"y").decode()}, {"N": "1"}]
    assert payload["ExpressionAttributeValues"] == {":b": {"B": b64(b"z").decode()}}
    assert payload["Item"]["pk"] is item["pk"]  # unchanged branches are shared, not copied


def test_keys_in_batch_and_transaction_requests_are_converted_too() -> None:
    key = {"pk": {"B": b"k"}}
    batch = call_spec("BatchGetItem").operation({"RequestItems": {"t": {"Keys": [key]}}})
    assert batch.to_request()["RequestItems"]["t"]["Keys"] == [{"pk": {"B": "aw=="}}]
    transact = call_spec("TransactWriteItems").operation(
        {"TransactItems": [{"Delete": {"TableName": "t", "Key": key}}]}
    )
    assert transact.to_request()["TransactItems"][0]["Delete"]["Key"] == {"pk": {"B": "aw=="}}


def test_a_transaction_gets_one_client_request_token_unless_given() -> None:
    spec = call_spec("TransactWriteItems")
    # one action at least: botocore's model (and DynamoDB) refuse an empty transaction
    actions = [{"ConditionCheck": {"TableName": "t", "Key": {"pk": {"S": "a"}},
                                   "ConditionExpression": "attribute_exists(pk)"}}]  # fmt: skip
    made = spec.operation({"TransactItems": actions}).to_request()["ClientRequestToken"]
    assert isinstance(made, str) and len(made) >= 32
    given = spec.operation({"TransactItems": actions, "ClientRequestToken": "mine"})
    assert given.to_request()["ClientRequestToken"] == "mine"
    # the operation value carries the token: every resend of it reuses the same one
    op = spec.operation({"TransactItems": actions})
    assert op.to_request()["ClientRequestToken"] == op.to_request()["ClientRequestToken"]
    assert op.resend_safe


def test_replies_get_bytes_back_at_any_depth() -> None:
    data: dict[str, Any] = {
        "Items": [{"b": {"B": "AAE="}, "m": {"M": {"s": {"BS": ["eA=="]}}}, "s": {"S": "AAE="}}],
        "LastEvaluatedKey": {"pk": {"B": "aw=="}},
    }
    result = call_spec("Query").result(data, OK, 1)
    assert result["Items"] == [
        {"b": {"B": b"\x00\x01"}, "m": {"M": {"s": {"BS": [b"x"]}}}, "s": {"S": "AAE="}}
    ]
    assert result["LastEvaluatedKey"] == {"pk": {"B": b"k"}}


def test_the_cancellation_item_and_stream_images_are_converted() -> None:
    records = {
        "Records": [
            {
                "dynamodb": {
                    "ApproximateCreationDateTime": 1_700_000_000,
                    "Keys": {"pk": {"B": "aw=="}},
                    "NewImage": {"pk": {"B": "aw=="}},
                }
            }
        ]
    }
    result = call_spec("GetRecords").result(records, OK, 1)
    stream = result["Records"][0]["dynamodb"]
    assert stream["Keys"] == {"pk": {"B": b"k"}} == stream["NewImage"]
    assert stream["ApproximateCreationDateTime"] == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)


def test_table_timestamps_become_aware_datetimes() -> None:
    data = {
        "Table": {
            "CreationDateTime": 1_700_000_000.25,
            "ProvisionedThroughput": {"LastIncreaseDateTime": 0, "ReadCapacityUnits": 1},
        }
    }
    table = call_spec("DescribeTable").result(data, OK, 1)["Table"]
    created = table["CreationDateTime"]
    assert isinstance(created, datetime) and created.tzinfo is not None
    assert created.timestamp() == 1_700_000_000.25
    assert table["ProvisionedThroughput"]["LastIncreaseDateTime"].timestamp() == 0
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 1


def test_response_metadata_has_boto3s_keys() -> None:
    meta = response_metadata(OK, 3)
    assert meta == {
        "RequestId": "RID",
        "HTTPStatusCode": 200,
        "HTTPHeaders": {"x-amzn-requestid": "RID", "content-type": "x"},
        "RetryAttempts": 2,
    }
    assert meta["HTTPHeaders"] is not OK.headers  # a caller may edit it freely


@pytest.mark.parametrize(
    ("payload", "safe"),
    [
        ({"TableName": "t", "Item": {}}, True),
        ({"TableName": "t", "Item": {}, "ConditionExpression": "attribute_not_exists(pk)"}, False),
        ({"TableName": "t", "Item": {}, "ReturnValues": "ALL_OLD"}, False),
    ],
)
def test_put_item_is_resent_only_when_that_cannot_change_the_outcome(
    payload: dict[str, Any], safe: bool
) -> None:
    assert call_spec("PutItem").operation(payload).resend_safe is safe


def test_update_item_is_never_resent_and_reads_always_are() -> None:
    update = {"TableName": "t", "Key": {}, "UpdateExpression": "ADD n :one"}
    assert not call_spec("UpdateItem").operation(update).resend_safe
    assert call_spec("Query").operation({"TableName": "t"}).resend_safe
