"""Fixtures of the K9 example tests: its three tables in a fresh environment per module."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from dynastack import Client
from dynastack.app import BoundApp
from dynastack.testing.tables import AppTables
from examples.k9 import EmbeddingRepository, ReportRepository, UserRepository, app


class TickingClock:
    """A clock that moves ``step`` forward on every reading: ordered timestamps, no sleeps."""

    def __init__(self, start: datetime, step: timedelta = timedelta(seconds=1)) -> None:
        self.now = start
        self.step = step

    def __call__(self) -> datetime:
        self.now += self.step
        return self.now


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
    return TickingClock(datetime(2025, 3, 1, 9, 0, tzinfo=UTC))


@pytest.fixture
def k9(client: Client, env: str, clock: TickingClock) -> BoundApp:
    return app.bind(client, env=env, clock=clock, cursor_key=bytes(range(32)))


@pytest.fixture
def users(k9: BoundApp) -> UserRepository:
    return k9.service(UserRepository)


@pytest.fixture
def reports(k9: BoundApp) -> ReportRepository:
    return k9.service(ReportRepository)


@pytest.fixture
def embeddings(k9: BoundApp) -> EmbeddingRepository:
    return k9.service(EmbeddingRepository)


@pytest.fixture
def user_id() -> str:
    """A user of one test only, so that tests sharing the module's tables stay independent."""
    return f"user-{uuid4().hex[:12]}"
