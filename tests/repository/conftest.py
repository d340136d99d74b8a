"""Fixtures of the repository tests: ``kit`` runs a test through each twin on fresh tables."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from dynastack.client.async_client import AsyncClient
from dynastack.client.client import Client

from .repository_support import Kit


@pytest.fixture
def sync_client(dynamodb_endpoint: str) -> Iterator[Client]:
    client = Client.local(dynamodb_endpoint)
    yield client
    client.close()


@pytest.fixture(params=["sync", "async"])
async def kit(
    request: pytest.FixtureRequest, dynamodb_endpoint: str, sync_client: Client
) -> AsyncIterator[Kit]:
    aclient = AsyncClient.local(dynamodb_endpoint) if request.param == "async" else None
    made = Kit(request.param, dynamodb_endpoint, sync_client, aclient)
    yield made
    await made.cleanup()
    if aclient is not None:
        await aclient.aclose()


@pytest.fixture
async def sync_kit(dynamodb_endpoint: str, sync_client: Client) -> AsyncIterator[Kit]:
    made = Kit("sync", dynamodb_endpoint, sync_client, None)
    yield made
    await made.cleanup()
