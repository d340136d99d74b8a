"""Fixtures of the cloud_platform tests: the four tables in a fresh environment per module."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from dynastack import Client
from dynastack.app import BoundApp
from dynastack.testing.tables import AppTables
from examples.cloud_platform import (
    DeploymentRepository,
    LogRepository,
    MetricRepository,
    StackRepository,
    app,
)

CURSOR_KEY = bytes(range(32))


class Clock:
    """A test clock: moves ``step`` forward on every reading (ordered timestamps, no sleeps),
    and can be set to a given instant."""

    def __init__(self, start: datetime, step: timedelta = timedelta(seconds=1)) -> None:
        self.now = start
        self.step = step

    def __call__(self) -> datetime:
        self.now += self.step
        return self.now

    def set(self, when: datetime, step: timedelta | None = None) -> None:
        """The next reading is ``when`` (and then moves by ``step``)."""
        if step is not None:
            self.step = step
        self.now = when - self.step


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
    return Clock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def platform(client: Client, env: str, clock: Clock) -> BoundApp:
    return app.bind(client, env=env, clock=clock, cursor_key=CURSOR_KEY)


@pytest.fixture
def deployments(platform: BoundApp) -> DeploymentRepository:
    return platform.service(DeploymentRepository)


@pytest.fixture
def stacks(platform: BoundApp) -> StackRepository:
    return platform.service(StackRepository)


@pytest.fixture
def logs(platform: BoundApp) -> LogRepository:
    return platform.service(LogRepository)


@pytest.fixture
def metrics(platform: BoundApp) -> MetricRepository:
    return platform.service(MetricRepository)


@pytest.fixture
def organization() -> str:
    """An organization of one test only: tests sharing the module's tables stay independent."""
    return f"org-{uuid4().hex[:10]}"
