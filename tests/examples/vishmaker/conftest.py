"""Fixtures of the VishMaker tests: the six tables in a fresh environment per module."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from dynastack import Client
from dynastack.testing.tables import AppTables
from examples.vishmaker import VishMaker, app

from .vishmaker_support import CURSOR_KEY, TickingClock


@pytest.fixture(scope="module")
def client(dynamodb_endpoint: str) -> Iterator[Client]:
    made = Client.local(dynamodb_endpoint)
    yield made
    made.close()


@pytest.fixture(scope="module")
def env(dynastack_tables: AppTables) -> Iterator[str]:
    with dynastack_tables.environment(app) as name:
        yield name


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
