"""Fixtures of the client's integration tests against the session's DynamoDB Local.

``driver`` runs a test twice, through ``Client`` and through ``AsyncClient``; ``boto`` is a real
boto3 client on the same endpoint; ``tables`` makes uniquely named tables and deletes them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from dynastack.client.async_client import AsyncClient
from dynastack.client.client import Client

from .client_support import REGION, Driver, Tables, boto3_client


@pytest.fixture(params=["Client", "AsyncClient"])
async def driver(request: pytest.FixtureRequest, dynamodb_endpoint: str) -> AsyncIterator[Driver]:
    if request.param == "Client":
        client = Client.local(dynamodb_endpoint, region=REGION)
        yield Driver(client)
        client.close()
    else:
        aclient = AsyncClient.local(dynamodb_endpoint, region=REGION)
        yield Driver(aclient)
        await aclient.aclose()


@pytest.fixture
def boto(dynamodb_endpoint: str) -> Any:
    return boto3_client(dynamodb_endpoint)


@pytest.fixture
def tables(boto: Any) -> Iterator[Tables]:
    made = Tables(boto)
    yield made
    made.cleanup()
