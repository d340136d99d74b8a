"""One caller's bad request never disables the client; the same limits hold on every path.

Against DynamoDB Local, through both twins. The transports are real; they are only wrapped to
count what reaches the wire, which is how "nothing was sent" is shown (issue 7, items 1 and 6;
RELIABILITY R10). On main before this change, ``get_item`` with plain values was sent, answered
with a 500, retried as a ``ServerError``, and opened the breaker for every later call.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from dynastack.client.async_client import AsyncClient
from dynastack.client.async_transport import AsyncHttpTransport
from dynastack.client.client import Client
from dynastack.client.transport import HttpTransport
from dynastack.core.operations import PutItem
from dynastack.core.wire import HttpRequest, HttpResponse
from dynastack.errors import InvalidParameter, ItemTooLarge, LimitExceeded

from .client_support import REGION, Driver, Tables

pytestmark = pytest.mark.integration


class Counting:
    """A real transport that counts the requests it sends."""

    def __init__(self) -> None:
        self.inner = HttpTransport()
        self.sent: list[HttpRequest] = []

    def send(self, request: HttpRequest) -> HttpResponse:
        self.sent.append(request)
        return self.inner.send(request)

    def close(self) -> None:
        self.inner.close()


class AsyncCounting:
    """The async twin of ``Counting``."""

    def __init__(self) -> None:
        self.inner = AsyncHttpTransport()
        self.sent: list[HttpRequest] = []

    async def send(self, request: HttpRequest) -> HttpResponse:
        self.sent.append(request)
        return await self.inner.send(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.fixture(params=["Client", "AsyncClient"])
async def counted(
    request: pytest.FixtureRequest, dynamodb_endpoint: str
) -> AsyncIterator[tuple[Driver, list[HttpRequest]]]:
    if request.param == "Client":
        transport = Counting()
        client = Client.local(dynamodb_endpoint, region=REGION, transport=transport)
        yield Driver(client), transport.sent
        client.close()
    else:
        atransport = AsyncCounting()
        aclient = AsyncClient.local(dynamodb_endpoint, region=REGION, transport=atransport)
        yield Driver(aclient), atransport.sent
        await aclient.aclose()


async def test_plain_values_are_refused_unsent_and_the_client_keeps_working(
    counted: tuple[Driver, list[HttpRequest]], tables: Tables
) -> None:
    driver, sent = counted
    table = tables.create()
    for _ in range(12):  # far past the breaker's threshold of 5
        with pytest.raises(InvalidParameter) as caught:
            await driver.call("get_item", TableName=table, Key={"pk": "a", "sk": "1"})
        assert caught.value.path == "Key.pk"
        assert "Key.pk must be an AttributeValue" in str(caught.value)
        assert "got str" in str(caught.value)
    assert sent == []
    reply = await driver.call("get_item", TableName=table, Key={"pk": {"S": "a"}, "sk": {"S": "1"}})
    assert "Item" not in reply
    assert len(sent) == 1
    breaker = driver.client._plan.breaker("dynamodb")
    assert breaker is not None and breaker.state == "closed"


BAD_CALLS: list[tuple[str, dict[str, Any], str]] = [
    ("put_item", {"Item": {"pk": {"S": "a"}, "sk": {"S": "1"}, "n": {"N": 5}}}, "Item.n.N"),
    ("put_item", {"Item": {"pk": {"S": "a"}, "sk": {"S": "1"}, "x": {}}}, "Item.x"),
    (
        "put_item",
        {"Item": {"pk": {"S": "a"}, "sk": {"S": "1"}, "m": {"M": {"l": {"L": [{"S": "a"}, 3]}}}}},
        "Item.m.M.l.L[1]",
    ),
    ("query", {"KeyConditionExpression": "pk = :p", "Limit": "10"}, "Limit"),
    (
        "update_item",
        {"Key": {"pk": {"S": "a"}, "sk": {"S": "1"}}, "ReturnValues": 3},
        "ReturnValues",
    ),
]


@pytest.mark.parametrize(("method", "params", "path"), BAD_CALLS, ids=[c[2] for c in BAD_CALLS])
async def test_each_mistyped_parameter_is_named_by_its_path(
    counted: tuple[Driver, list[HttpRequest]],
    tables: Tables,
    method: str,
    params: dict[str, Any],
    path: str,
) -> None:
    driver, sent = counted
    table = tables.create()
    with pytest.raises(InvalidParameter) as caught:
        await driver.call(method, TableName=table, **params)
    assert caught.value.path == path
    assert str(caught.value).startswith(f"{method}(): {path} ")
    assert sent == []


def _item(size: int) -> dict[str, Any]:
    """A wire item of exactly ``size`` bytes: pk (2+1) + sk (2+1) + big (3 + n)."""
    return {"pk": {"S": "a"}, "sk": {"S": "1"}, "big": {"S": "x" * (size - 9)}}


async def test_put_item_is_held_to_400_kb_at_plus_minus_one_byte(
    counted: tuple[Driver, list[HttpRequest]], tables: Tables
) -> None:
    driver, sent = counted
    table = tables.create()
    await driver.call("put_item", TableName=table, Item=_item(400 * 1024))
    assert len(sent) == 1
    with pytest.raises(ItemTooLarge) as caught:
        await driver.call("put_item", TableName=table, Item=_item(400 * 1024 + 1))
    assert caught.value.size == 400 * 1024 + 1
    assert len(sent) == 1  # the over-limit item was never sent
    # the same refusal, with the same class, as the typed operation
    with pytest.raises(ItemTooLarge):
        await driver.send(PutItem(table=table, item={"pk": "a", "sk": "1", "big": "x" * 409_592}))
    assert len(sent) == 1


async def test_batch_and_transaction_writes_are_held_to_the_same_limits(
    counted: tuple[Driver, list[HttpRequest]], tables: Tables
) -> None:
    driver, sent = counted
    table = tables.create()
    puts = [{"PutRequest": {"Item": {"pk": {"S": f"k{i}"}, "sk": {"S": "1"}}}} for i in range(26)]
    with pytest.raises(LimitExceeded, match="26 exceeds DynamoDB's maximum of 25"):
        await driver.call("batch_write_item", RequestItems={table: puts})
    with pytest.raises(ItemTooLarge):
        await driver.call(
            "batch_write_item",
            RequestItems={table: [{"PutRequest": {"Item": _item(400 * 1024 + 1)}}]},
        )
    with pytest.raises(ItemTooLarge):
        await driver.call(
            "transact_write_items",
            TransactItems=[{"Put": {"TableName": table, "Item": _item(400 * 1024 + 1)}}],
        )
    condition = {"TableName": table, "Key": {"pk": {"S": "a"}, "sk": {"S": "1"}}}
    with pytest.raises(LimitExceeded, match="101 exceeds DynamoDB's maximum of 100"):
        await driver.call(
            "transact_write_items",
            TransactItems=[{"ConditionCheck": {**condition, "ConditionExpression": "a"}}] * 101,
        )
    with pytest.raises(LimitExceeded, match="ConditionExpression is 4097 bytes"):
        await driver.call(
            "delete_item", TableName=table, Key=condition["Key"], ConditionExpression="x" * 4097
        )
    assert sent == []
    reply = await driver.call("batch_write_item", RequestItems={table: puts[:25]})
    assert reply["UnprocessedItems"] == {}
    assert len(sent) == 1
