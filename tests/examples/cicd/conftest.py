"""Fixtures of the CI/CD example tests: its three tables in a fresh environment per module."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from dynastack import Client
from dynastack.app import BoundApp
from dynastack.testing.tables import AppTables
from examples.cicd import AgentRepository, JobRepository, SessionRepository, app

from .cicd_support import Clock


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
def clock() -> Clock:
    return Clock(datetime(2025, 3, 1, 9, 0, tzinfo=UTC))


@pytest.fixture
def cicd(client: Client, env: str, clock: Clock) -> BoundApp:
    return app.bind(client, env=env, clock=clock, cursor_key=bytes(range(32)))


@pytest.fixture
def jobs(cicd: BoundApp) -> JobRepository:
    return cicd.service(JobRepository)


@pytest.fixture
def sessions(cicd: BoundApp) -> SessionRepository:
    return cicd.service(SessionRepository)


@pytest.fixture
def agents(cicd: BoundApp) -> AgentRepository:
    return cicd.service(AgentRepository)


@pytest.fixture
def user_id() -> str:
    """A user of one test only, so that tests sharing the module's tables stay independent."""
    return f"user-{uuid4().hex[:12]}"
