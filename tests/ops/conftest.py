"""Fixtures of the ``dynastack.ops`` tests against the session's DynamoDB Local.

``env`` is a fresh environment name per test (``o<uuid8>``), so every test has tables of its
own; they are deleted afterwards, in both the test's env and its ``-copy`` twin (the target of
round trips). ``make_tables`` creates the App's tables from their specs, optionally leaving an
index out (to make drift on purpose).
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from dynastack.app import App
from dynastack.client.client import Client
from dynastack.errors import ResourceNotFound
from dynastack.model import TableSpec

from .ops_sample_app import app as sample_app

REGION = "us-east-1"  # the region the CLI picks for a loopback endpoint


@pytest.fixture
def client(dynamodb_endpoint: str) -> Iterator[Client]:
    with Client(dynamodb_endpoint, region=REGION) as made:
        yield made


@pytest.fixture
def env(client: Client) -> Iterator[str]:
    name = f"o{uuid.uuid4().hex[:8]}"
    yield name
    for target in (name, f"{name}-copy"):
        for spec in sample_app.table_specs(env=target):
            with contextlib.suppress(ResourceNotFound):
                client.delete_table(TableName=spec.name)


def create_table(client: Client, spec: TableSpec, *, without_index: str | None = None) -> None:
    """Create ``spec``'s table (optionally without one global index) and switch its TTL on."""
    request: dict[str, Any] = spec.create_request()
    if without_index is not None:
        kept = [i for i in request["GlobalSecondaryIndexes"] if i["IndexName"] != without_index]
        request["GlobalSecondaryIndexes"] = kept
        used = {k["AttributeName"] for i in kept for k in i["KeySchema"]}
        used |= {k["AttributeName"] for k in request["KeySchema"]}
        used |= {
            k["AttributeName"]
            for i in request.get("LocalSecondaryIndexes", ())
            for k in i["KeySchema"]
        }
        request["AttributeDefinitions"] = [
            a for a in request["AttributeDefinitions"] if a["AttributeName"] in used
        ]
        if not kept:
            del request["GlobalSecondaryIndexes"]
    client.create_table(**request)
    if spec.ttl_attribute:
        client.update_time_to_live(
            TableName=spec.name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": spec.ttl_attribute},
        )


@pytest.fixture
def make_tables(client: Client) -> Callable[..., list[TableSpec]]:
    def make(app: App, env: str, *, without_index: str | None = None) -> list[TableSpec]:
        specs = app.table_specs(env=env)
        for spec in specs:
            names = {i.name for i in spec.indexes}
            create_table(
                client, spec, without_index=without_index if without_index in names else None
            )
        return specs

    return make
