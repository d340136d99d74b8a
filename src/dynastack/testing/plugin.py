"""pytest plugin: one in-memory DynamoDB Local per test session, and an App's tables on it.

Loaded automatically through the ``pytest11`` entry point, so any project that installs
dynastack gets the fixtures:

* ``dynamodb_local`` (an object with ``.endpoint``) and ``dynamodb_endpoint`` (the URL);
* ``dynastack_tables``: an ``AppTables`` whose ``create(app)`` makes an App's tables in a
  fresh environment and returns its name (all dropped at the end of the session).

The server is started by ``dynastack.local`` exactly as ``dynastack local start --in-memory``
would (installing the jar on first use), with its state and log in a temporary folder so that
it never touches a developer's ``.dynastack/``, and it is stopped at the end of the session.

``DYNASTACK_TEST_ENDPOINT`` points the fixtures at a server that is already running (another
DynamoDB Local, ScyllaDB Alternator …) and starts nothing.

Why every import is inside a fixture: pytest loads this module in *every* run of a project
that has dynastack installed, including runs that never touch DynamoDB, so loading it must
cost nothing (tests/test_front_door.py pins that it imports no other dynastack module).

Parallel runs (pytest-xdist): every worker is its own session and starts its own server, in
its own state folder, on its own free port; the jar install is serialised by a file lock. The
server is tied to the test process, so a killed test run leaves no Java behind.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from dynastack.local import LocalServer
    from dynastack.testing.tables import AppTables

__all__ = [
    "DynamoDBLocal",
    "dynamodb_endpoint",
    "dynamodb_local",
    "dynastack_tables",
    "pytest_configure",
]


@dataclass(frozen=True, slots=True)
class DynamoDBLocal:
    """The session's DynamoDB endpoint; ``server`` is ``None`` when it is an external one."""

    endpoint: str
    server: LocalServer | None = None


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``integration`` marker for projects that do not declare it."""
    config.addinivalue_line("markers", "integration: talks to a real DynamoDB Local")


@pytest.fixture(scope="session")
def dynamodb_local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DynamoDBLocal]:
    """A running in-memory DynamoDB Local, shared by the whole session."""
    external = os.environ.get("DYNASTACK_TEST_ENDPOINT")
    if external:
        yield DynamoDBLocal(endpoint=external.rstrip("/"))
        return
    from dynastack.local import LocalServer

    with LocalServer(
        state_dir=tmp_path_factory.mktemp("dynamodb-local"), tie_to_parent=True
    ) as server:
        state = server.start(in_memory=True)
        yield DynamoDBLocal(endpoint=state.endpoint, server=server)


@pytest.fixture(scope="session")
def dynamodb_endpoint(dynamodb_local: DynamoDBLocal) -> str:
    """The endpoint URL of the session's DynamoDB Local, e.g. ``http://127.0.0.1:PORT``."""
    return dynamodb_local.endpoint


@pytest.fixture(scope="session")
def dynastack_tables(dynamodb_endpoint: str) -> Iterator[AppTables]:
    """Make an App's tables on the session's DynamoDB Local: ``dynastack_tables.create(app)``
    returns a fresh env name; everything made is dropped at the end of the session."""
    from dynastack.client.client import Client
    from dynastack.testing.tables import AppTables

    with Client.local(dynamodb_endpoint) as client:
        tables = AppTables(client)
        try:
            yield tables
        finally:
            tables.drop_all()
