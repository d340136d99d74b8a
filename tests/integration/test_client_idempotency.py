"""Transactions are idempotent by their client request token (RELIABILITY R9, fact 1).

Against DynamoDB Local: a transaction replayed with the same token is a no-op (an ``ADD``
counter moves once); the same token with another payload is ``IdempotentParameterMismatch``.
A lost reply is injected with ``FaultTransport``'s ``DropReply`` (the request reaches DynamoDB
Local, the reply is thrown away; DynamoDB Local cannot lose a reply on its own): the client's
retry reuses the token, succeeds, and the counter is applied once. An ``UpdateItem`` that
loses its reply is not resent: its unknown outcome is reported instead of applied twice; a
read that loses its reply is simply resent.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from dynastack.client.async_client import AsyncClient
from dynastack.client.async_transport import AsyncHttpTransport
from dynastack.client.client import Client
from dynastack.client.credentials import local_credentials
from dynastack.client.transport import HttpTransport, Timeouts
from dynastack.core.operations import (
    GetItem,
    PutItem,
    TransactUpdate,
    TransactWriteItems,
    UpdateItem,
)
from dynastack.core.wire import HttpRequest
from dynastack.errors import IdempotentParameterMismatch, TransportError
from dynastack.testing.faults import AsyncFaultTransport, DropReply, FaultTransport, target_of

from .client_support import REGION, Driver, Tables

pytestmark = pytest.mark.integration

KEY = {"pk": "counter", "sk": "x"}


def add(table: str, amount: int = 1, token: str | None = None) -> dict[str, Any]:
    """boto3-style arguments of a transaction adding ``amount`` to the counter."""
    kwargs: dict[str, Any] = {
        "TransactItems": [
            {
                "Update": {
                    "TableName": table,
                    "Key": {"pk": {"S": KEY["pk"]}, "sk": {"S": KEY["sk"]}},
                    "UpdateExpression": "ADD n :x",
                    "ExpressionAttributeValues": {":x": {"N": str(amount)}},
                }
            }
        ]
    }
    if token is not None:
        kwargs["ClientRequestToken"] = token
    return kwargs


async def counter(driver: Driver, table: str) -> Any:
    got = await driver.send(GetItem(table=table, key=KEY, consistent=True))
    return None if got.item is None else got.item["n"]


async def test_a_replayed_token_is_a_no_op(driver: Driver, tables: Tables) -> None:
    table = tables.create("r9")
    token = uuid.uuid4().hex
    await driver.call("transact_write_items", **add(table, token=token))
    await driver.call("transact_write_items", **add(table, token=token))
    assert await counter(driver, table) == 1

    op = TransactWriteItems(
        actions=[TransactUpdate(table=table, key=KEY, update="ADD n :x", values={":x": 5})]
    )
    await driver.send(op)
    await driver.send(op)  # the same value carries the same token
    assert await counter(driver, table) == 6


async def test_a_reused_token_with_another_payload_is_refused(
    driver: Driver, tables: Tables
) -> None:
    table = tables.create("r9")
    token = uuid.uuid4().hex
    await driver.call("transact_write_items", **add(table, 1, token=token))
    with pytest.raises(IdempotentParameterMismatch):
        await driver.call("transact_write_items", **add(table, 2, token=token))
    assert await counter(driver, table) == 1


class DropFirst:
    """A fault plan: lose the reply of the first request of ``action``, pass everything else."""

    def __init__(self, action: str) -> None:
        self.action = action
        self.dropped = 0

    def __call__(self, request: HttpRequest, index: int) -> DropReply | None:
        if self.dropped == 0 and target_of(request) == self.action:
            self.dropped += 1
            return DropReply()
        return None


def lossy(driver: Driver, endpoint: str, plan: DropFirst, sleeps: list[float]) -> Driver:
    """A client like ``driver``'s whose transport loses replies as ``plan`` says."""
    timeouts = Timeouts(connect=3.0, read=10.0)
    if driver.is_async:

        async def sleep(delay: float) -> None:
            sleeps.append(delay)

        return Driver(
            AsyncClient(
                endpoint,
                region=REGION,
                credentials=local_credentials(),
                transport=AsyncFaultTransport(AsyncHttpTransport(timeouts=timeouts), plan),
                sleep=sleep,
            )
        )
    return Driver(
        Client(
            endpoint,
            region=REGION,
            credentials=local_credentials(),
            transport=FaultTransport(HttpTransport(timeouts=timeouts), plan),
            sleep=sleeps.append,
        )
    )


async def close(driver: Driver) -> None:
    if isinstance(driver.client, AsyncClient):
        await driver.client.aclose()
    else:
        driver.client.close()


@pytest.mark.parametrize("surface", ["send", "boto3"])
async def test_a_lost_transaction_reply_is_retried_with_the_same_token(
    driver: Driver, tables: Tables, dynamodb_endpoint: str, surface: str
) -> None:
    table = tables.create("r9")
    sleeps: list[float] = []
    plan = DropFirst("TransactWriteItems")
    flaky = lossy(driver, dynamodb_endpoint, plan, sleeps)
    try:
        if surface == "send":
            op = TransactWriteItems(
                actions=[TransactUpdate(table=table, key=KEY, update="ADD n :x", values={":x": 1})]
            )
            await flaky.send(op)
        else:
            reply = await flaky.call("transact_write_items", **add(table))
            assert reply["ResponseMetadata"]["RetryAttempts"] == 1
    finally:
        await close(flaky)
    assert plan.dropped == 1
    assert len(sleeps) == 1  # one retry, after one backoff
    assert await counter(driver, table) == 1  # applied once, although sent twice


async def test_a_lost_update_reply_is_reported_not_resent(
    driver: Driver, tables: Tables, dynamodb_endpoint: str
) -> None:
    table = tables.create("r3")
    sleeps: list[float] = []
    plan = DropFirst("UpdateItem")
    flaky = lossy(driver, dynamodb_endpoint, plan, sleeps)
    try:
        with pytest.raises(TransportError):
            await flaky.send(UpdateItem(table=table, key=KEY, update="ADD n :x", values={":x": 1}))
    finally:
        await close(flaky)
    assert plan.dropped == 1 and sleeps == []
    assert await counter(driver, table) == 1  # it did arrive: resending would make it 2


async def test_a_lost_read_reply_is_resent(
    driver: Driver, tables: Tables, dynamodb_endpoint: str
) -> None:
    table = tables.create("r3")
    await driver.send(PutItem(table=table, item={**KEY, "n": 7}))
    sleeps: list[float] = []
    plan = DropFirst("GetItem")
    flaky = lossy(driver, dynamodb_endpoint, plan, sleeps)
    try:
        got = await flaky.send(GetItem(table=table, key=KEY))
        reply = await flaky.call(
            "get_item", TableName=table, Key={"pk": {"S": "counter"}, "sk": {"S": "x"}}
        )
    finally:
        await close(flaky)
    assert plan.dropped == 1 and len(sleeps) == 1
    assert got.item is not None and got.item["n"] == 7
    assert reply["ResponseMetadata"]["RetryAttempts"] == 0  # only the first call lost a reply
