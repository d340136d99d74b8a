"""Plan and apply against DynamoDB Local: create, stay idempotent, add/drop indexes, refuse drift.

Every test uses its own table name and deletes it afterwards. ``Recorder`` wraps the real
client only to remember which requests were sent (nothing is faked), so a test can show that
two new indexes went out as two UpdateTable calls, or that a drifted plan sent no write.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any, TypeVar

import pytest

from dynastack.client.async_client import AsyncClient
from dynastack.client.client import Client
from dynastack.core.operations.base import Operation
from dynastack.errors import DefinitionError, ResourceNotFound
from dynastack.model import AttributeSpec, IndexSpec, TableSpec
from dynastack.provisioning import (
    AddIndex,
    DropIndex,
    aensure_table,
    aplan_table,
    apply,
    ensure_table,
    plan_table,
)

pytestmark = pytest.mark.integration

R = TypeVar("R")

BY_ORG = IndexSpec("ByOrg", AttributeSpec("org", "S"), AttributeSpec("created", "N"), False, "ALL")
BY_STATUS = IndexSpec("ByStatus", AttributeSpec("status", "S"), None, False, ("title",))
BY_TITLE = IndexSpec(
    "ByTitle", AttributeSpec("PK", "S"), AttributeSpec("title", "S"), True, "KEYS_ONLY"
)


class Recorder:
    """The real client, remembering each request it sends."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def send(self, operation: Operation[R]) -> R:
        self.sent.append((operation.action, operation.to_request()))
        return self.client.send(operation)

    def writes(self) -> list[str]:
        return [action for action, _ in self.sent if not action.startswith("Describe")]


@pytest.fixture
def client(dynamodb_endpoint: str) -> Iterator[Client]:
    with Client.local(dynamodb_endpoint) as made:
        yield made


@pytest.fixture
def spec(client: Client) -> Iterator[TableSpec]:
    made = TableSpec(
        logical_name="notes",
        name=f"prov-{uuid.uuid4().hex[:8]}",
        pk=AttributeSpec("PK", "S"),
        sk=AttributeSpec("SK", "S"),
        indexes=(BY_ORG, BY_TITLE),
        ttl_attribute="expires_at",
        billing_mode="PAY_PER_REQUEST",
        stream="NEW_AND_OLD_IMAGES",
        point_in_time_recovery=False,
    )
    yield made
    with contextlib.suppress(ResourceNotFound):
        client.delete_table(TableName=made.name)


def describe(client: Client, name: str) -> dict[str, Any]:
    table: dict[str, Any] = client.describe_table(TableName=name)["Table"]
    return table


def index_statuses(table: dict[str, Any]) -> dict[str, str]:
    return {g["IndexName"]: g["IndexStatus"] for g in table.get("GlobalSecondaryIndexes", ())}


def test_apply_creates_the_table_with_indexes_ttl_and_stream(
    client: Client, spec: TableSpec
) -> None:
    spec = replace(spec, point_in_time_recovery=True)
    planned = plan_table(spec, client)
    assert [type(c).__name__ for c in planned.changes] == ["CreateTable", "EnableTtl", "EnablePitr"]
    lines: list[str] = []
    done = apply(planned, client, progress=lines.append)
    # DynamoDB Local has no continuous backups: a note, not a failure
    assert [type(c).__name__ for c in done.changes] == ["CreateTable", "EnableTtl"]
    assert done.notes == ("point-in-time recovery is not supported by this endpoint: skipped",)
    assert lines[0] == f"{spec.name}: + create table {spec.name}"
    table = describe(client, spec.name)
    assert table["TableStatus"] == "ACTIVE"
    assert index_statuses(table) == {"ByOrg": "ACTIVE"}
    assert [ix["IndexName"] for ix in table["LocalSecondaryIndexes"]] == ["ByTitle"]
    assert table["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    ttl = client.describe_time_to_live(TableName=spec.name)["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}
    again = plan_table(spec, client)
    assert again.empty, again.render()
    assert again.notes == ("point-in-time recovery is not supported by this endpoint: skipped",)


def test_a_declared_index_is_added_and_an_undeclared_one_dropped(
    client: Client, spec: TableSpec
) -> None:
    ensure_table(spec, client)
    grown = replace(spec, indexes=(*spec.indexes, BY_STATUS))
    planned = plan_table(grown, client)
    assert planned.changes == (AddIndex(spec.name, BY_STATUS),)
    apply(planned, client)
    assert index_statuses(describe(client, spec.name)) == {"ByOrg": "ACTIVE", "ByStatus": "ACTIVE"}
    assert plan_table(grown, client).empty

    planned = plan_table(spec, client)
    assert planned.changes == (DropIndex(spec.name, "ByStatus"),)
    apply(planned, client)
    assert index_statuses(describe(client, spec.name)) == {"ByOrg": "ACTIVE"}
    assert plan_table(spec, client).empty


def test_two_new_indexes_are_applied_one_at_a_time(client: Client, spec: TableSpec) -> None:
    ensure_table(replace(spec, indexes=(BY_TITLE,)), client)
    recorder = Recorder(client)
    planned = plan_table(spec := replace(spec, indexes=(BY_ORG, BY_STATUS, BY_TITLE)), recorder)
    assert [type(c).__name__ for c in planned.changes] == ["AddIndex", "AddIndex"]
    apply(planned, recorder)
    creates = [
        [u["Create"]["IndexName"] for u in payload["GlobalSecondaryIndexUpdates"]]
        for action, payload in recorder.sent
        if action == "UpdateTable"
    ]
    assert creates == [["ByOrg"], ["ByStatus"]]
    assert index_statuses(describe(client, spec.name)) == {"ByOrg": "ACTIVE", "ByStatus": "ACTIVE"}


def test_a_key_change_is_refused_and_nothing_is_changed(client: Client, spec: TableSpec) -> None:
    ensure_table(spec, client)
    before = describe(client, spec.name)
    rekeyed = replace(spec, pk=AttributeSpec("id", "S"), indexes=(BY_ORG, BY_STATUS))
    recorder = Recorder(client)
    planned = plan_table(rekeyed, recorder)
    assert {d.kind for d in planned.drift} == {"key_schema", "local_index"}
    with pytest.raises(DefinitionError) as caught:
        apply(planned, recorder)
    assert caught.value.code == "TABLE_DRIFT"
    assert recorder.writes() == []
    after = describe(client, spec.name)
    assert after["KeySchema"] == before["KeySchema"]
    assert index_statuses(after) == index_statuses(before)


def test_billing_stream_and_ttl_changes_are_applied(client: Client, spec: TableSpec) -> None:
    ensure_table(spec, client)
    changed = replace(spec, billing_mode="PROVISIONED", stream="KEYS_ONLY", ttl_attribute="gone_at")
    planned = plan_table(changed, client)
    assert [type(c).__name__ for c in planned.changes] == [
        "UpdateBilling",
        "DisableStream",
        "EnableStream",
        "DisableTtl",
        "EnableTtl",
    ]
    apply(planned, client)
    table = describe(client, spec.name)
    assert table["BillingModeSummary"]["BillingMode"] == "PROVISIONED"
    assert table["StreamSpecification"]["StreamViewType"] == "KEYS_ONLY"
    ttl = client.describe_time_to_live(TableName=spec.name)["TimeToLiveDescription"]
    assert ttl["AttributeName"] == "gone_at"
    assert plan_table(changed, client).empty


@pytest.fixture
async def aclient(dynamodb_endpoint: str) -> AsyncIterator[AsyncClient]:
    async with AsyncClient.local(dynamodb_endpoint) as made:
        yield made


async def test_the_async_twin_creates_and_then_finds_nothing_to_do(
    aclient: AsyncClient, spec: TableSpec
) -> None:
    done = await aensure_table(spec, aclient)
    assert [type(c).__name__ for c in done.changes] == ["CreateTable", "EnableTtl"]
    assert (await aplan_table(spec, aclient)).empty
