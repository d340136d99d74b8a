"""Every typed operation through ``send``, on both clients, against DynamoDB Local.

Each test runs twice (the ``driver`` fixture): the twins must give the same results. Tables are
uniquely named per test and deleted afterwards.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from dynastack.core.operations import (
    BatchGetItem,
    BatchWriteItem,
    ConditionCheck,
    CreateTable,
    DeleteItem,
    DeleteRequest,
    DeleteTable,
    DescribeStream,
    DescribeTable,
    DescribeTimeToLive,
    GetItem,
    GetRecords,
    GetShardIterator,
    KeysAndAttributes,
    ListTables,
    PutItem,
    PutRequest,
    Query,
    Scan,
    Throughput,
    TransactGet,
    TransactGetItems,
    TransactPut,
    TransactUpdate,
    TransactWriteItems,
    UpdateItem,
    UpdateTable,
    UpdateTimeToLive,
)
from dynastack.errors import (
    ConditionalCheckFailed,
    ResourceNotFound,
    TransactionCanceled,
    ValidationFailed,
)

from .client_support import Driver, Tables

pytestmark = pytest.mark.integration


async def test_table_lifecycle(driver: Driver, tables: Tables) -> None:
    name = tables.name("life")
    created = await driver.send(
        CreateTable(
            table=name,
            attributes={"pk": "S", "sk": "S"},
            partition_key="pk",
            sort_key="sk",
            billing_mode="PROVISIONED",
            throughput=Throughput(read=5, write=5),
        )
    )
    assert created.name == name
    assert (created.partition_key, created.sort_key) == ("pk", "sk")
    described = await driver.send(DescribeTable(table=name))
    assert described.status == "ACTIVE"
    assert described.arn is not None and name in described.arn

    listed = await driver.send(ListTables(limit=100))
    names = list(listed.table_names)
    op: ListTables | None = ListTables(limit=100)
    while op is not None and listed.last_evaluated_table_name is not None:
        op = op.next_page(listed)
        if op is not None:
            listed = await driver.send(op)
            names += listed.table_names
    assert name in names

    updated = await driver.send(UpdateTable(table=name, throughput=Throughput(read=7, write=9)))
    assert updated.raw["ProvisionedThroughput"]["WriteCapacityUnits"] in (5, 9)
    after = await driver.send(DescribeTable(table=name))
    assert after.raw["ProvisionedThroughput"]["ReadCapacityUnits"] == 7

    ttl = await driver.send(UpdateTimeToLive(table=name, attribute="expires"))
    assert ttl.enabled and ttl.attribute_name == "expires"
    described_ttl = await driver.send(DescribeTimeToLive(table=name))
    assert described_ttl.enabled and described_ttl.attribute_name == "expires"

    deleted = await driver.send(DeleteTable(table=name))
    assert deleted.name == name
    with pytest.raises(ResourceNotFound) as caught:
        await driver.send(DescribeTable(table=name))
    assert caught.value.request_id  # DynamoDB's request id travels on the error
    assert caught.value.operation == "DescribeTable"


async def test_single_item_operations(driver: Driver, tables: Tables) -> None:
    name = tables.create("items")
    key = {"pk": "user#1", "sk": "profile"}
    item = {**key, "n": 1, "price": Decimal("9.99"), "tags": {"a", "b"}, "blob": b"\x00\xff"}
    put = await driver.send(PutItem(table=name, item=item))
    assert put.attributes is None

    got = await driver.send(GetItem(table=name, key=key, consistent=True))
    assert got.item == item
    assert (await driver.send(GetItem(table=name, key={"pk": "none", "sk": "x"}))).item is None

    updated = await driver.send(
        UpdateItem(
            table=name,
            key=key,
            update="ADD n :one SET #s = :s",
            names={"#s": "status"},
            values={":one": 1, ":s": "active"},
            return_values="ALL_NEW",
        )
    )
    assert updated.attributes is not None
    assert updated.attributes["n"] == 2 and updated.attributes["status"] == "active"

    with pytest.raises(ConditionalCheckFailed) as caught:
        await driver.send(
            PutItem(
                table=name,
                item=key,
                condition="attribute_not_exists(pk)",
                return_values_on_condition_check_failure="ALL_OLD",
            )
        )
    assert caught.value.raw_item is not None
    assert caught.value.raw_item["n"] == {"N": "2"}

    deleted = await driver.send(DeleteItem(table=name, key=key, return_values="ALL_OLD"))
    assert deleted.attributes is not None and deleted.attributes["status"] == "active"
    assert (await driver.send(GetItem(table=name, key=key, consistent=True))).item is None


async def test_query_and_scan(driver: Driver, tables: Tables) -> None:
    name = tables.create("reads")
    writes = [PutRequest({"pk": "p", "sk": f"s{i:02}", "i": i}) for i in range(20)]
    writes.append(PutRequest({"pk": "other", "sk": "s00", "i": -1}))
    result = await driver.send(BatchWriteItem(requests={name: writes}))
    assert result.unprocessed == {} and result.retry is None

    query = Query(
        table=name, key_condition="pk = :p", values={":p": "p"}, consistent=True, forward=False
    )
    page = await driver.send(query)
    assert [item["i"] for item in page.items] == list(range(19, -1, -1))
    assert page.count == 20 and page.last_evaluated_key is None

    first = await driver.send(
        Query(table=name, key_condition="pk = :p", values={":p": "p"}, limit=7)
    )
    assert len(first.items) == 7 and first.last_evaluated_key is not None
    rest = await driver.send(
        Query(
            table=name,
            key_condition="pk = :p",
            values={":p": "p"},
            exclusive_start_key=first.last_evaluated_key,
        )
    )
    assert [item["i"] for item in first.items + rest.items] == list(range(20))

    scanned = await driver.send(Scan(table=name, filter="i >= :zero", values={":zero": 0}))
    assert sorted(item["i"] for item in scanned.items) == list(range(20))
    assert scanned.scanned_count == 21

    with pytest.raises(ValidationFailed):
        await driver.send(Query(table=name, key_condition="nope = :p", values={":p": "p"}))


async def test_batches(driver: Driver, tables: Tables) -> None:
    name = tables.create("batch")
    keys = [{"pk": f"k{i}", "sk": "x"} for i in range(25)]
    written = await driver.send(
        BatchWriteItem(requests={name: [PutRequest({**k, "v": i}) for i, k in enumerate(keys)]})
    )
    assert written.unprocessed == {}

    got = await driver.send(BatchGetItem(requests={name: KeysAndAttributes(keys=keys)}))
    assert sorted(item["v"] for item in got.responses[name]) == list(range(25))
    assert got.unprocessed_keys == {} and got.retry is None

    await driver.send(BatchWriteItem(requests={name: [DeleteRequest(k) for k in keys[:10]]}))
    left = await driver.send(Scan(table=name, consistent=True))
    assert left.count == 15


async def test_transactions(driver: Driver, tables: Tables) -> None:
    name = tables.create("tx")
    a, b = {"pk": "acct#a", "sk": "x"}, {"pk": "acct#b", "sk": "x"}
    await driver.send(
        TransactWriteItems(
            actions=[
                TransactPut(table=name, item={**a, "bal": 100}),
                TransactPut(table=name, item={**b, "bal": 0}),
            ]
        )
    )
    await driver.send(
        TransactWriteItems(
            actions=[
                TransactUpdate(
                    table=name,
                    key=a,
                    update="SET bal = bal - :x",
                    condition="bal >= :x",
                    values={":x": 30},
                ),
                TransactUpdate(table=name, key=b, update="SET bal = bal + :x", values={":x": 30}),
            ]
        )
    )
    got = await driver.send(
        TransactGetItems(gets=[TransactGet(table=name, key=a), TransactGet(table=name, key=b)])
    )
    assert [item["bal"] if item else None for item in got.items] == [70, 30]

    with pytest.raises(TransactionCanceled) as caught:
        await driver.send(
            TransactWriteItems(
                actions=[
                    ConditionCheck(
                        table=name,
                        key=a,
                        condition="bal >= :x",
                        values={":x": 1000},
                        return_values_on_condition_check_failure="ALL_OLD",
                    ),
                    TransactUpdate(table=name, key=b, update="SET bal = :z", values={":z": 0}),
                ]
            )
        )
    reasons = caught.value.reasons
    assert [r.code for r in reasons] == ["ConditionalCheckFailed", None]
    assert reasons[0].item is not None and reasons[0].item["bal"] == 70


async def test_streams(driver: Driver, tables: Tables) -> None:
    name = tables.create("stream", stream=True)
    arn = (await driver.send(DescribeTable(table=name))).stream_arn
    assert arn is not None
    await driver.send(PutItem(table=name, item={"pk": "a", "sk": "1", "v": b"\x01"}))
    await driver.send(DeleteItem(table=name, key={"pk": "a", "sk": "1"}))

    stream = await driver.send(DescribeStream(stream_arn=arn))
    assert stream.shards
    events: list[tuple[str | None, object]] = []
    for shard in stream.shards:
        iterator = (
            await driver.send(GetShardIterator(stream_arn=arn, shard_id=shard.shard_id))
        ).shard_iterator
        assert iterator is not None
        records = await driver.send(GetRecords(shard_iterator=iterator, limit=100))
        events += [
            (r.event_name, (r.new_image or r.old_image or {}).get("v")) for r in records.records
        ]
    assert events == [("INSERT", b"\x01"), ("REMOVE", b"\x01")]
