"""The app as the tools see it: table names and key schemas as the seed specifies them,
``dynastack doctor`` finding no drift, and ``dynastack seed`` writing live-looking data."""

from __future__ import annotations

import pytest
from examples.cloud_platform.models import DeploymentStatus
from examples.cloud_platform.seed import seed_deployment_id

from dynastack import Client
from dynastack.app import BoundApp
from dynastack.model import AttributeSpec
from dynastack.ops import EXIT_OK, diagnose, run_seed
from examples.cloud_platform import DeploymentRepository, LogRepository, StackRepository, app

Key = tuple[str, str, str | None, str | None]


def key(pk: AttributeSpec, sk: AttributeSpec | None) -> Key:
    return (pk.name, pk.type, None if sk is None else sk.name, None if sk is None else sk.type)


def shape(env: str | None = None) -> dict[str, tuple[Key, dict[str, Key], str | None]]:
    """Every table as (key, {index: key}, ttl attribute)."""
    return {
        spec.name: (
            key(spec.pk, spec.sk),
            {i.name: key(i.pk, i.sk) for i in spec.indexes},
            spec.ttl_attribute,
        )
        for spec in app.table_specs(env=env, environ={})
    }


def test_tables_keys_and_indexes_are_the_seeds() -> None:
    assert shape() == {
        "cloud-deployments": (
            ("PK", "S", "SK", "S"),
            {
                "OrganizationIndex": ("organization", "S", "created_at", "S"),
                "StatusIndex": ("status", "S", "updated_at", "S"),
            },
            None,
        ),
        "cloud-stacks": (
            ("PK", "S", "SK", "S"),
            {
                "StackNameIndex": ("stack_name", "S", "updated_at", "S"),
                "StatusIndex": ("status", "S", "updated_at", "S"),
            },
            None,
        ),
        "cloud-logs": (
            ("PK", "S", "SK", "S"),
            {"LogLevelIndex": ("level", "S", "timestamp", "S")},
            "ttl",
        ),
        "cloud-metrics": (("PK", "S", "SK", "S"), {}, "ttl"),
    }


def test_table_names_per_environment_and_override() -> None:
    names = [s.name for s in app.table_specs(env="dev", environ={})]
    assert names == [
        "cloud-deployments-dev",
        "cloud-stacks-dev",
        "cloud-logs-dev",
        "cloud-metrics-dev",
    ]
    custom = app.table_specs(env="dev", environ={"DEPLOYMENTS_TABLE": "my-deployments"})
    assert custom[0].name == "my-deployments"


@pytest.mark.integration
def test_doctor_finds_the_tables_as_declared(client: Client, env: str) -> None:
    report = diagnose(app, client, env=env, environ={})
    assert report.exit_code == EXIT_OK, report.failures


@pytest.mark.integration
def test_seed_writes_live_data_and_can_run_twice(
    client: Client, env: str, platform: BoundApp
) -> None:
    reported: dict[str, int] = {}

    def progress(label: str, done: int, total: int | None = None, /) -> None:
        reported[label] = done

    first = run_seed(app, client, env=env, count=5, progress=progress, environ={})
    assert first == {"deployments": 5, "stacks": 30, "logs": 60, "metrics": 30}
    assert reported == first
    again = run_seed(app, client, env=env, count=5, environ={})
    assert again == first
    seeded = platform.service(DeploymentRepository).get_by_id(seed_deployment_id(3))
    assert seeded is not None
    assert (
        len(platform.service(StackRepository).list_by_deployment(seeded.deployment_id)) == 6
    )  # not doubled
    assert len(platform.service(LogRepository).get_logs(seeded.deployment_id)) == 12
    acme = platform.service(DeploymentRepository).list_by_organization("Acme")
    assert [d.deployment_id for d in acme] == [seed_deployment_id(4), seed_deployment_id(0)]
    failed = platform.service(DeploymentRepository).get_by_id(seed_deployment_id(3))
    assert failed is not None
    assert failed.status is DeploymentStatus.FAILED
    errors = platform.service(LogRepository).get_logs(failed.deployment_id, level="error")
    assert {e.stack_name for e in errors} == {"compute"}
