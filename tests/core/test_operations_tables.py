"""Table and TTL operations: exact requests, descriptions, validation, resend rules."""

from __future__ import annotations

from typing import Any

import pytest

from dynastack.core.operations import (
    CreateTable,
    DeleteTable,
    DescribeTable,
    DescribeTimeToLive,
    ListTables,
    ListTablesResult,
    SecondaryIndex,
    TableDescription,
    Throughput,
    TimeToLiveDescription,
    TimeToLiveSpecification,
    UpdateTable,
    UpdateTimeToLive,
)
from dynastack.errors import InvalidRequest

DESCRIPTION: dict[str, Any] = {
    "AttributeDefinitions": [
        {"AttributeName": "pk", "AttributeType": "S"},
        {"AttributeName": "sk", "AttributeType": "S"},
    ],
    "TableName": "deployments",
    "KeySchema": [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ],
    "TableStatus": "ACTIVE",
    "CreationDateTime": 1.7e9,
    "ProvisionedThroughput": {"ReadCapacityUnits": 0, "WriteCapacityUnits": 0},
    "TableSizeBytes": 120,
    "ItemCount": 2,
    "TableArn": "arn:aws:dynamodb:ddblocal:000000000000:table/deployments",
    "BillingModeSummary": {"BillingMode": "PAY_PER_REQUEST"},
    "GlobalSecondaryIndexes": [
        {"IndexName": "ByStatus", "IndexStatus": "CREATING"},
        {"IndexName": "ByOrg", "IndexStatus": "ACTIVE"},
    ],
    "LatestStreamArn": "arn:aws:dynamodb:ddblocal:000000000000:table/deployments/stream/x",
}


def test_create_table_minimal() -> None:
    op = CreateTable(table="t", attributes={"pk": "S"}, partition_key="pk")
    assert op.to_request() == {
        "TableName": "t",
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "BillingMode": "PAY_PER_REQUEST",
    }
    assert op.resend_safe is False
    assert op.table_name == "t"


def test_create_table_full() -> None:
    op = CreateTable(
        table="t",
        attributes={"pk": "S", "sk": "N", "org": "S", "at": "B"},
        partition_key="pk",
        sort_key="sk",
        global_indexes=[
            SecondaryIndex(
                name="ByOrg",
                partition_key="org",
                sort_key="at",
                projection="INCLUDE",
                non_key_attributes=("status",),
                throughput=Throughput(1, 2),
            ),
        ],
        local_indexes=[
            SecondaryIndex(name="ByAt", partition_key="pk", sort_key="at", projection="KEYS_ONLY")
        ],
        billing_mode="PROVISIONED",
        throughput=Throughput(5, 6),
        stream_view_type="NEW_AND_OLD_IMAGES",
        tags={"env": "dev"},
        table_class="STANDARD",
        deletion_protection=True,
        extra={"SSESpecification": {"Enabled": True}},
    )
    assert op.to_request() == {
        "TableName": "t",
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
            {"AttributeName": "org", "AttributeType": "S"},
            {"AttributeName": "at", "AttributeType": "B"},
        ],
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        "BillingMode": "PROVISIONED",
        "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 6},
        "GlobalSecondaryIndexes": [
            {
                "IndexName": "ByOrg",
                "KeySchema": [
                    {"AttributeName": "org", "KeyType": "HASH"},
                    {"AttributeName": "at", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["status"]},
                "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 2},
            }
        ],
        "LocalSecondaryIndexes": [
            {
                "IndexName": "ByAt",
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "at", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        "Tags": [{"Key": "env", "Value": "dev"}],
        "TableClass": "STANDARD",
        "DeletionProtectionEnabled": True,
        "SSESpecification": {"Enabled": True},
    }


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"attributes": {}, "partition_key": "pk"}, "no type"),
        ({"attributes": {"pk": "S", "x": "S"}, "partition_key": "pk"}, "not used"),
        (
            {
                "attributes": {"pk": "S"},
                "partition_key": "pk",
                "global_indexes": [SecondaryIndex(name="I", partition_key="g")],
            },
            "no type",
        ),
        (
            {"attributes": {"pk": "S"}, "partition_key": "pk", "billing_mode": "PROVISIONED"},
            "throughput",
        ),
    ],
)
def test_create_table_validation(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidRequest, match=message):
        CreateTable(table="t", **kwargs)


def test_create_table_parse() -> None:
    op = CreateTable(
        table="deployments", attributes={"pk": "S", "sk": "S"}, partition_key="pk", sort_key="sk"
    )
    description = op.parse({"TableDescription": DESCRIPTION})
    assert description.raw is DESCRIPTION
    assert description.name == "deployments"


def test_table_description_accessors() -> None:
    d = DescribeTable(table="deployments").parse({"Table": DESCRIPTION})
    assert (d.name, d.status, d.item_count, d.size_bytes) == ("deployments", "ACTIVE", 2, 120)
    assert (d.partition_key, d.sort_key) == ("pk", "sk")
    assert d.arn == DESCRIPTION["TableArn"]
    assert d.billing_mode == "PAY_PER_REQUEST"
    assert d.stream_arn == DESCRIPTION["LatestStreamArn"]
    assert d.index_statuses == {"ByStatus": "CREATING", "ByOrg": "ACTIVE"}
    assert d.is_ready is False


def test_table_description_of_a_sparse_reply() -> None:
    d = TableDescription({})
    assert (d.name, d.status, d.item_count, d.partition_key, d.sort_key) == (None,) * 5
    assert (d.billing_mode, d.stream_arn, d.index_statuses) == (None, None, {})
    assert d.is_ready is False
    assert TableDescription({"TableStatus": "ACTIVE"}).is_ready is True
    assert DescribeTable(table="t").parse({}).raw == {}


def test_describe_and_delete_table() -> None:
    assert DescribeTable(table="t").to_request() == {"TableName": "t"}
    assert DescribeTable(table="t").resend_safe is True
    op = DeleteTable(table="t")
    assert op.to_request() == {"TableName": "t"}
    assert op.resend_safe is False
    deleting = op.parse({"TableDescription": {**DESCRIPTION, "TableStatus": "DELETING"}})
    assert deleting.status == "DELETING"


def test_update_table_request() -> None:
    op = UpdateTable(
        table="t",
        attributes={"org": "S"},
        billing_mode="PROVISIONED",
        throughput=Throughput(3, 4),
        create_indexes=[
            SecondaryIndex(name="ByOrg", partition_key="org", throughput=Throughput(1, 1))
        ],
        update_indexes={"ByStatus": Throughput(2, 2)},
        delete_indexes=["Old"],
        stream_enabled=True,
        stream_view_type="KEYS_ONLY",
        table_class="STANDARD_INFREQUENT_ACCESS",
        deletion_protection=False,
        extra={"OnDemandThroughput": {"MaxReadRequestUnits": 10}},
    )
    assert op.to_request() == {
        "TableName": "t",
        "AttributeDefinitions": [{"AttributeName": "org", "AttributeType": "S"}],
        "BillingMode": "PROVISIONED",
        "ProvisionedThroughput": {"ReadCapacityUnits": 3, "WriteCapacityUnits": 4},
        "GlobalSecondaryIndexUpdates": [
            {
                "Create": {
                    "IndexName": "ByOrg",
                    "KeySchema": [{"AttributeName": "org", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"},
                    "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
                }
            },
            {
                "Update": {
                    "IndexName": "ByStatus",
                    "ProvisionedThroughput": {"ReadCapacityUnits": 2, "WriteCapacityUnits": 2},
                }
            },
            {"Delete": {"IndexName": "Old"}},
        ],
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"},
        "TableClass": "STANDARD_INFREQUENT_ACCESS",
        "DeletionProtectionEnabled": False,
        "OnDemandThroughput": {"MaxReadRequestUnits": 10},
    }
    assert op.resend_safe is False
    assert op.parse({"TableDescription": DESCRIPTION}).name == "deployments"


def test_update_table_stream_off_and_validation() -> None:
    assert UpdateTable(table="t", stream_enabled=False).to_request() == {
        "TableName": "t",
        "StreamSpecification": {"StreamEnabled": False},
    }
    with pytest.raises(InvalidRequest, match="stream_view_type"):
        UpdateTable(table="t", stream_enabled=True)
    with pytest.raises(InvalidRequest, match="attributes"):
        UpdateTable(table="t", create_indexes=[SecondaryIndex(name="I", partition_key="g")])


def test_list_tables_pages() -> None:
    op = ListTables()
    assert op.to_request() == {}
    assert op.table_name is None
    assert op.resend_safe is True
    page = ListTables(limit=2).parse({"TableNames": ["a", "b"], "LastEvaluatedTableName": "b"})
    assert page == ListTablesResult(["a", "b"], "b")
    following = ListTables(limit=2).next_page(page)
    assert following is not None
    assert following.to_request() == {"ExclusiveStartTableName": "b", "Limit": 2}
    assert op.next_page(op.parse({"TableNames": []})) is None
    assert op.parse({}) == ListTablesResult([], None)


@pytest.mark.parametrize("limit", [0, 101])
def test_list_tables_limit(limit: int) -> None:
    with pytest.raises(InvalidRequest):
        ListTables(limit=limit)


def test_update_time_to_live() -> None:
    op = UpdateTimeToLive(table="s", attribute="exp")
    assert op.to_request() == {
        "TableName": "s",
        "TimeToLiveSpecification": {"Enabled": True, "AttributeName": "exp"},
    }
    assert op.resend_safe is False
    assert op.table_name == "s"
    reply = {"TimeToLiveSpecification": {"Enabled": True, "AttributeName": "exp"}}
    assert op.parse(reply) == TimeToLiveSpecification(True, "exp")
    off = UpdateTimeToLive(table="s", attribute="exp", enabled=False)
    assert off.to_request()["TimeToLiveSpecification"]["Enabled"] is False
    assert off.parse({}) == TimeToLiveSpecification(False, "exp")


@pytest.mark.parametrize(
    ("reply", "expected", "enabled"),
    [
        (
            {"TimeToLiveDescription": {"TimeToLiveStatus": "ENABLED", "AttributeName": "exp"}},
            TimeToLiveDescription("ENABLED", "exp"),
            True,
        ),
        (
            {"TimeToLiveDescription": {"TimeToLiveStatus": "ENABLING", "AttributeName": "exp"}},
            TimeToLiveDescription("ENABLING", "exp"),
            True,
        ),
        (
            {"TimeToLiveDescription": {"TimeToLiveStatus": "DISABLED"}},
            TimeToLiveDescription("DISABLED", None),
            False,
        ),
        ({}, TimeToLiveDescription(None, None), False),
    ],
)
def test_describe_time_to_live(
    reply: dict[str, Any], expected: TimeToLiveDescription, enabled: bool
) -> None:
    op = DescribeTimeToLive(table="s")
    assert op.to_request() == {"TableName": "s"}
    assert op.resend_safe is True
    assert op.parse(reply) == expected
    assert expected.enabled is enabled
