"""Fixtures of the VishMaker tests: the six tables in a fresh environment per module."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from dynastack import Client
from examples.vishmaker import VishMaker, create_tables, drop_tables

from .vishmaker_support import CURSOR_KEY, TickingClock


@pytest.fixture(scope="module")
def client(dynamodb_endpoint: str) -> Iterator[Client]:
    made = Client.local(dynamodb_endpoint)
    yield made
    made.close()


@pytest.fixture(scope="module")
def env(client: Client) -> Iterator[str]:
    name = f"t{uuid4().hex[:8]}"
    create_tables(client, env=name)
    yield name
    drop_tables(client, env=name)


@pytest.fixture
def clock() -> TickingClock:
    return TickingClock(datetime(2025, 6, 1, 9, 0, tzinfo=UTC))


@pytest.fixture
def vm(client: Client, env: str, clock: TickingClock) -> VishMaker:
    return VishMaker(client, env=env, clock=clock, cursor_key=CURSOR_KEY, sleep=lambda s: None)


@pytest.fixture
def user_id() -> str:
    """A user of one test only, so that tests sharing the module's tables stay independent."""
    return f"user-{uuid4().hex[:12]}"
