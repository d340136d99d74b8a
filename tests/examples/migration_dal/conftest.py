"""Fixtures of the migration_dal tests: the contract's three tables in a fresh environment."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from dynastack import Client
from dynastack.testing.tables import AppTables
from examples.migration_dal import app

from .migration_dal_support import TickingClock


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
    return TickingClock(datetime(2025, 8, 22, 8, 0, tzinfo=UTC))


@pytest.fixture
def email() -> str:
    """A user of one test only, so that tests sharing the module's tables stay independent."""
    return f"user-{uuid4().hex[:10]}@example.com"
