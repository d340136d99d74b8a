"""Seed 000's four example items, written through the repositories, stored as the seed shows.

Each example is produced the way the platform would produce it (a deployment created at 10:00
and updated twice, hence version 3; a stack created and then updated once), and the stored
wire item is read back with a raw GetItem and compared with the seed's JSON attribute by
attribute, PK and SK included. Two differences are expected and asserted as such:

* timestamps: the seed's text (``…T10:00:00Z``, ``…T10:05:30.123Z``) is stored in dynastack's
  fixed-width UTC form (``…T10:00:00.000000Z``, ``…T10:05:30.123000Z``) of the same instant,
  also where it is part of a sort key (models.py says why);
* two marker attributes, ``_type`` (entity type) and ``_wt`` (the last write's token), are
  stored besides the seed's attributes.

The tables are created here with a bare CreateTable (TTL off): the seed's example ttl values
lie in the past (1737364800 is 2025-01-20), so a TTL sweeper could remove them mid-test.

Also here: the seed's repository examples (its appendix and tests), as they read with this API.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from examples.cloud_platform.models import (
    Deployment,
    DeploymentStatus,
    LastDeployment,
    LogEntry,
    LogLevel,
    Metric,
    Resource,
    Stack,
    StackStatus,
)

from dynastack import Client
from dynastack.app import BoundApp
from dynastack.core.values import encode, encode_item
from dynastack.errors import VersionConflict
from examples.cloud_platform import (
    DeploymentRepository,
    LogRepository,
    MetricRepository,
    StackRepository,
    app,
)

from .conftest import CURSOR_KEY, Clock

pytestmark = pytest.mark.integration

SEED_DEPLOYMENT: dict[str, Any] = {
    "PK": "DEPLOYMENT#D1BRV40",
    "SK": "METADATA",
    "deployment_id": "D1BRV40",
    "organization": "MyOrg",
    "project": "my-project",
    "domain": "myproject.example.com",
    "template": "default",
    "status": "deployed",
    "environments": {"dev": {"enabled": True, "region": "us-east-1", "account_id": "111111111111"}},
    "stacks": {
        "network": {"enabled": True, "dependencies": []},
        "security": {"enabled": True, "dependencies": ["network"]},
    },
    "manifest": "{...full manifest JSON...}",
    "created_at": "2025-10-23T10:00:00Z",
    "updated_at": "2025-10-23T10:15:00Z",
    "created_by": "123e4567-e89b-12d3-a456-426614174000",
    "version": 3,
}

SEED_STACK: dict[str, Any] = {
    "PK": "DEPLOYMENT#D1BRV40",
    "SK": "STACK#network#dev",
    "deployment_id": "D1BRV40",
    "stack_name": "network",
    "environment": "dev",
    "status": "deployed",
    "pulumi_stack_name": "MyOrg/my-project/D1BRV40-network-dev",
    "layer": 1,
    "dependencies": [],
    "outputs": {
        "vpc_id": "vpc-12345",
        "public_subnet_ids": ["subnet-11111", "subnet-22222"],
        "private_subnet_ids": ["subnet-33333", "subnet-44444"],
    },
    "resources": [
        {
            "type": "aws:ec2/vpc:Vpc",
            "name": "main-vpc",
            "urn": "urn:pulumi:...",
            "status": "up-to-date",
        }
    ],
    "resource_count": 15,
    "last_deployment": {
        "started_at": "2025-10-23T10:05:00Z",
        "completed_at": "2025-10-23T10:10:00Z",
        "duration_seconds": 300,
        "result": "success",
    },
    "created_at": "2025-10-23T10:05:00Z",
    "updated_at": "2025-10-23T10:10:00Z",
    "version": 2,
}

SEED_LOG: dict[str, Any] = {
    "PK": "DEPLOYMENT#D1BRV40",
    "SK": "TIMESTAMP#2025-10-23T10:05:30.123Z#a1b2c3d4-e5f6-7890-abcd-ef1234567890",
    "log_id": "a1b2c3d4-e5f6-7890-abcd-ef1234567890",
    "deployment_id": "D1BRV40",
    "stack_name": "network",
    "environment": "dev",
    "timestamp": "2025-10-23T10:05:30.123Z",
    "level": "info",
    "message": "Starting deployment of network-dev",
    "details": {"layer": 1, "total_resources": 15},
    "user_id": "123e4567-e89b-12d3-a456-426614174000",
    "ttl": 1737364800,
}

SEED_METRIC: dict[str, Any] = {
    "PK": "METRIC#stack_deployment_duration",
    "SK": "TIMESTAMP#2025-10-23T10:10:00Z",
    "metric_name": "stack_deployment_duration",
    "timestamp": "2025-10-23T10:10:00Z",
    "value": 300,
    "unit": "seconds",
    "dimensions": {"deployment_id": "D1BRV40", "stack_name": "network", "environment": "dev"},
    "ttl": 1761350400,
}

MARKERS = {"_type", "_wt"}
_ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def canonical(value: Any) -> Any:
    """The seed's value with every ISO timestamp in dynastack's stored form (same instant)."""
    if isinstance(value, str):
        return _ISO.sub(lambda m: str(encode(at(m.group(0)))["S"]), value)
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [canonical(v) for v in value]
    return value


def test_canonical_only_widens_timestamps() -> None:
    assert canonical("TIMESTAMP#2025-10-23T10:05:30.123Z#x") == (
        "TIMESTAMP#2025-10-23T10:05:30.123000Z#x"
    )
    assert canonical({"a": ["2025-10-23T10:00:00Z", "urn:pulumi:..."]}) == {
        "a": ["2025-10-23T10:00:00.000000Z", "urn:pulumi:..."]
    }


@pytest.fixture(scope="module")
def seed_env(client: Client) -> Iterator[str]:
    # a bare CreateTable, not app.create_tables: with TTL off no sweeper can remove the seed's
    # items (their expiry times are long past)
    name = f"t{uuid4().hex[:8]}"
    for spec in app.table_specs(env=name):
        client.create_table(**spec.create_request())
    yield name
    app.drop_tables(client, env=name)


@pytest.fixture(scope="module")
def seed_clock() -> Clock:
    """Stands still: each step of the examples sets the time the seed shows."""
    return Clock(at("2025-10-23T10:00:00Z"), step=timedelta(0))


@pytest.fixture(scope="module")
def seeded(client: Client, seed_env: str, seed_clock: Clock) -> BoundApp:
    return app.bind(client, env=seed_env, clock=seed_clock, cursor_key=CURSOR_KEY)


@pytest.fixture(scope="module")
def example_deployment(seeded: BoundApp, seed_clock: Clock) -> Deployment:
    """D1BRV40 as the platform makes it: created at 10:00, deploying at 10:05, deployed at
    10:15 (hence version 3)."""
    repo = seeded.service(DeploymentRepository)
    seed_clock.set(at("2025-10-23T10:00:00Z"))
    made = repo.create(
        Deployment(
            deployment_id="D1BRV40",
            organization="MyOrg",
            project="my-project",
            domain="myproject.example.com",
            template="default",
            environments={
                "dev": {"enabled": True, "region": "us-east-1", "account_id": "111111111111"}
            },
            stacks={
                "network": {"enabled": True, "dependencies": []},
                "security": {"enabled": True, "dependencies": ["network"]},
            },
            manifest="{...full manifest JSON...}",
            created_by="123e4567-e89b-12d3-a456-426614174000",
        )
    )
    seed_clock.set(at("2025-10-23T10:05:00Z"))
    deploying = repo.update(made, status=DeploymentStatus.DEPLOYING)
    seed_clock.set(at("2025-10-23T10:15:00Z"))
    return repo.update(deploying, status=DeploymentStatus.DEPLOYED)


def stored(client: Client, entity: type[Any], env: str, key: dict[str, str]) -> dict[str, Any]:
    """The raw wire item under ``key`` in ``entity``'s table."""
    table = app.table_name(entity.__dynastack__.table, env)
    reply = client.get_item(
        TableName=table, Key={k: {"S": v} for k, v in key.items()}, ConsistentRead=True
    )
    item: dict[str, Any] = reply["Item"]
    return item


def assert_reproduces(wire: dict[str, Any], seed_item: dict[str, Any]) -> None:
    assert set(wire) - set(seed_item) == MARKERS
    assert set(seed_item) <= set(wire)
    expected = encode_item(canonical(seed_item))
    for name, value in expected.items():
        assert wire[name] == value, name


def test_deployment_example_item(
    client: Client, seeded: BoundApp, seed_env: str, example_deployment: Deployment
) -> None:
    assert example_deployment.version == 3
    wire = stored(client, Deployment, seed_env, {"PK": "DEPLOYMENT#D1BRV40", "SK": "METADATA"})
    assert_reproduces(wire, SEED_DEPLOYMENT)
    assert wire["_type"] == {"S": "Deployment"}
    assert seeded.service(DeploymentRepository).get_by_id("D1BRV40") == example_deployment


def test_stack_example_item(
    client: Client,
    seeded: BoundApp,
    seed_env: str,
    seed_clock: Clock,
    example_deployment: Deployment,
) -> None:
    seed_clock.set(at("2025-10-23T10:05:00Z"))
    made = seeded.service(StackRepository).create(
        Stack(
            deployment_id="D1BRV40",
            stack_name="network",
            environment="dev",
            status=StackStatus.DEPLOYING,
            pulumi_stack_name="MyOrg/my-project/D1BRV40-network-dev",
            layer=1,
            dependencies=[],
        )
    )
    seed_clock.set(at("2025-10-23T10:10:00Z"))
    done = seeded.service(StackRepository).update(
        made,
        status=StackStatus.DEPLOYED,
        outputs=SEED_STACK["outputs"],
        resources=[
            Resource(
                type="aws:ec2/vpc:Vpc", name="main-vpc", urn="urn:pulumi:...", status="up-to-date"
            )
        ],
        resource_count=15,
        last_deployment=LastDeployment(
            started_at=at("2025-10-23T10:05:00Z"),
            completed_at=at("2025-10-23T10:10:00Z"),
            duration_seconds=300,
            result="success",
        ),
    )
    assert done.version == 2
    wire = stored(client, Stack, seed_env, {"PK": "DEPLOYMENT#D1BRV40", "SK": "STACK#network#dev"})
    assert_reproduces(wire, SEED_STACK)
    assert seeded.service(StackRepository).get_stack("D1BRV40", "network", "dev") == done


def test_log_example_item(client: Client, seeded: BoundApp, seed_env: str) -> None:
    entry = seeded.service(LogRepository).create(
        LogEntry(
            log_id=UUID("a1b2c3d4-e5f6-7890-abcd-ef1234567890"),
            deployment_id="D1BRV40",
            stack_name="network",
            environment="dev",
            timestamp=at("2025-10-23T10:05:30.123Z"),
            level=LogLevel.INFO,
            message="Starting deployment of network-dev",
            details={"layer": 1, "total_resources": 15},
            user_id="123e4567-e89b-12d3-a456-426614174000",
            ttl=1737364800,
        )
    )
    sk = "TIMESTAMP#2025-10-23T10:05:30.123000Z#a1b2c3d4-e5f6-7890-abcd-ef1234567890"
    wire = stored(client, LogEntry, seed_env, {"PK": "DEPLOYMENT#D1BRV40", "SK": sk})
    assert_reproduces(wire, SEED_LOG)
    # the seed's ttl lies 9 months before the line's own timestamp: the line is expired on
    # arrival, so the repository hides it (a TTL sweeper would delete it)
    assert entry.ttl < entry.timestamp.timestamp()
    assert seeded.service(LogRepository).get_logs("D1BRV40").items == []


def test_metric_example_item(client: Client, seeded: BoundApp, seed_env: str) -> None:
    seeded.service(MetricRepository).create(
        Metric(
            metric_name="stack_deployment_duration",
            timestamp=at("2025-10-23T10:10:00Z"),
            value=300,
            unit="seconds",
            dimensions={"deployment_id": "D1BRV40", "stack_name": "network", "environment": "dev"},
            ttl=1761350400,
        )
    )
    wire = stored(
        client,
        Metric,
        seed_env,
        {"PK": "METRIC#stack_deployment_duration", "SK": "TIMESTAMP#2025-10-23T10:10:00.000000Z"},
    )
    assert_reproduces(wire, SEED_METRIC)
    assert wire["value"] == {"N": "300"}


def test_seed_example_ttls_are_not_the_stated_retention() -> None:
    """Why the examples above pass their ttl explicitly: the seed's values contradict its
    90/365-day rule, which the entities apply when no ttl is given."""
    log = LogEntry(
        deployment_id="D1BRV40", timestamp=at(SEED_LOG["timestamp"]), level="info", message="m"
    )
    metric = Metric(metric_name="m", timestamp=at(SEED_METRIC["timestamp"]), value=1, unit="s")
    assert log.ttl == int((at(SEED_LOG["timestamp"]) + timedelta(days=90)).timestamp())
    assert metric.ttl == int((at(SEED_METRIC["timestamp"]) + timedelta(days=365)).timestamp())
    assert log.ttl != SEED_LOG["ttl"]
    assert metric.ttl != SEED_METRIC["ttl"]


# -- the seed's repository examples (its appendix and its repository tests) -------------------


def test_appendix_using_the_deployment_repository(seeded: BoundApp) -> None:
    repo = seeded.service(DeploymentRepository)
    deployment = Deployment(
        deployment_id="D2APPX0",
        organization="AppendixOrg",
        project="my-project",
        domain="myproject.example.com",
        template="default",
        status=DeploymentStatus.INITIALIZED,
        environments={"dev": {"enabled": True, "region": "us-east-1"}},
        stacks={"network": {"enabled": True}},
        manifest="{}",
        created_by="user-123",
    )
    repo.create(deployment)

    found = repo.get_by_id("D2APPX0")
    assert found is not None
    assert found.status is DeploymentStatus.INITIALIZED

    updated = repo.update(found, status=DeploymentStatus.DEPLOYED)  # partial, version-checked
    assert (updated.status, updated.version) == (DeploymentStatus.DEPLOYED, 2)

    page = repo.list_by_organization("AppendixOrg", limit=10)
    assert [(d.deployment_id, d.status) for d in page] == [("D2APPX0", DeploymentStatus.DEPLOYED)]
    assert page.cursor is None


def test_seed_repository_tests_as_they_read_here(seeded: BoundApp) -> None:
    """test_create / test_get / test_update / test_optimistic_locking_conflict of the seed."""
    repo = seeded.service(DeploymentRepository)
    sample = Deployment(
        deployment_id="D1TEST1",
        organization="TestOrg",
        project="test-project",
        domain="test.example.com",
        template="default",
        environments={"dev": {"enabled": True, "region": "us-east-1"}},
        stacks={"network": {"enabled": True}},
        created_by="test-user-123",
    )
    created = repo.create(sample)
    assert (created.deployment_id, created.organization) == ("D1TEST1", "TestOrg")
    fetched = repo.get_by_id("D1TEST1")
    assert fetched is not None
    assert fetched.deployment_id == "D1TEST1"

    updated = repo.update(created, status=DeploymentStatus.DEPLOYED)
    assert (updated.status, updated.version) == (DeploymentStatus.DEPLOYED, 2)

    # the seed expected ValueError("Version mismatch"); here a typed conflict with the truth
    with pytest.raises(VersionConflict) as caught:
        repo.update(created, status=DeploymentStatus.FAILED)
    assert caught.value.current == updated
