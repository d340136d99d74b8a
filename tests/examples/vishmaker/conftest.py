"""Fixtures of the VishMaker tests: the six tables in a fresh environment per module."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from dynastack import Client
from dynastack.app import BoundApp
from dynastack.testing.tables import AppTables
from examples.vishmaker import ProjectRepository, RequirementTree, WaitlistRepository, app

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
def vm(client: Client, env: str, clock: TickingClock) -> BoundApp:
    return app.bind(client, env=env, clock=clock, cursor_key=CURSOR_KEY)


@pytest.fixture
def projects(vm: BoundApp) -> ProjectRepository:
    return vm.service(ProjectRepository)


@pytest.fixture
def tree(vm: BoundApp) -> RequirementTree:
    return vm.service(RequirementTree)


@pytest.fixture
def waitlist(vm: BoundApp) -> WaitlistRepository:
    return vm.service(WaitlistRepository)


@pytest.fixture
def user_id() -> str:
    """A user of one test only, so that tests sharing the module's tables stay independent."""
    return f"user-{uuid4().hex[:12]}"
