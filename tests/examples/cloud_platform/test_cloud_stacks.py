"""Stacks: pattern 3 (get_stack), pattern 4 (list_by_deployment, per environment), stacks by
name across deployments, by status, and version-checked partial updates."""

from __future__ import annotations

from uuid import uuid4

import pytest
from examples.cloud_platform.models import (
    Deployment,
    DeploymentStatus,
    LastDeployment,
    Resource,
    Stack,
    StackStatus,
)
from pydantic import ValidationError

from dynastack.app import BoundApp
from dynastack.errors import ConditionalCheckFailed, VersionConflict
from examples.cloud_platform import DeploymentRepository, StackRepository

pytestmark = pytest.mark.integration


def fresh_id() -> str:
    return "D" + uuid4().hex[:6].upper()


def parent(platform: BoundApp) -> str:
    """A new deployment to hang stacks under; its id."""
    made = platform.service(DeploymentRepository).create(
        Deployment(
            organization="org",
            project="web",
            domain="web.example.com",
            template="default",
            created_by="user-1",
        )
    )
    return made.deployment_id


def stack(deployment_id: str, name: str, environment: str = "dev", layer: int = 1) -> Stack:
    return Stack(
        deployment_id=deployment_id,
        stack_name=name,
        environment=environment,
        pulumi_stack_name=f"org/web/{deployment_id}-{name}-{environment}",
        layer=layer,
    )


def test_get_stack(platform: BoundApp, stacks: StackRepository) -> None:
    deployment_id = parent(platform)
    made = stacks.create(stack(deployment_id, "network", "dev"))
    stacks.create(stack(deployment_id, "network", "prod"))
    assert stacks.get_stack(deployment_id, "network", "dev") == made
    assert stacks.get_stack(deployment_id, "network", "stage") is None
    assert made.status is StackStatus.PENDING
    assert made.version == 1


def test_list_by_deployment_all_and_per_environment(
    platform: BoundApp, stacks: StackRepository
) -> None:
    deployment_id = parent(platform)
    for env in ("dev", "prod"):
        for layer, name in enumerate(("network", "security", "compute"), start=1):
            stacks.create(stack(deployment_id, name, env, layer))
    stacks.create(stack(parent(platform), "network"))  # another deployment's
    every = stacks.list_by_deployment(deployment_id)
    assert [(s.stack_name, s.environment) for s in every] == [
        ("compute", "dev"),
        ("compute", "prod"),
        ("network", "dev"),
        ("network", "prod"),
        ("security", "dev"),
        ("security", "prod"),
    ]
    assert every.cursor is None
    prod = stacks.list_by_deployment(deployment_id, "prod", limit=2)
    assert [s.stack_name for s in prod] == ["compute", "network"]
    assert prod.cursor is not None
    rest = stacks.list_by_deployment(deployment_id, "prod", limit=2, cursor=prod.cursor)
    assert [(s.stack_name, s.environment) for s in rest] == [("security", "prod")]


def test_list_stacks_by_name_across_deployments(
    platform: BoundApp, stacks: StackRepository
) -> None:
    name = f"svc-{uuid4().hex[:8]}"
    made = [stacks.create(stack(parent(platform), name)) for _ in range(3)]
    touched = stacks.update(made[0], status=StackStatus.DEPLOYING)
    page = stacks.list_stacks_by_name(name, limit=2)
    assert [s.deployment_id for s in page] == [touched.deployment_id, made[2].deployment_id]
    rest = stacks.list_stacks_by_name(name, limit=2, cursor=page.cursor)
    assert [s.deployment_id for s in rest] == [made[1].deployment_id]
    assert rest.cursor is None


def test_list_by_status(platform: BoundApp, stacks: StackRepository) -> None:
    deployment_id = parent(platform)
    made = [stacks.create(stack(deployment_id, f"s{n}")) for n in range(3)]
    failed = [stacks.update(s, status=StackStatus.FAILED) for s in made[:2]]
    mine: list[Stack] = []
    cursor: str | None = None
    while True:  # the index is shared with other tests: keep this deployment's
        page = stacks.list_by_status(StackStatus.FAILED, cursor=cursor)
        mine += [s for s in page if s.deployment_id == deployment_id]
        cursor = page.cursor
        if cursor is None:
            break
    assert [s.stack_name for s in mine] == [failed[1].stack_name, failed[0].stack_name]


def test_update_is_partial_and_version_checked(platform: BoundApp, stacks: StackRepository) -> None:
    made = stacks.create(stack(parent(platform), "network"))
    done = stacks.update(
        made,
        status=StackStatus.DEPLOYED,
        outputs={"vpc_id": "vpc-1"},
        resources=[Resource(type="aws:ec2/vpc:Vpc", name="main", urn="urn:x", status="ok")],
        resource_count=1,
        last_deployment=LastDeployment(
            started_at=made.created_at, duration_seconds=3, result="success"
        ),
    )
    assert (done.version, done.layer, done.pulumi_stack_name) == (2, 1, made.pulumi_stack_name)
    assert done.outputs == {"vpc_id": "vpc-1"}
    with pytest.raises(VersionConflict) as caught:
        stacks.update(made, status=StackStatus.FAILED)
    assert caught.value.current == done


def test_delete_is_version_checked(platform: BoundApp, stacks: StackRepository) -> None:
    made = stacks.create(stack(parent(platform), "network"))
    newer = stacks.update(made, resource_count=4)
    with pytest.raises(VersionConflict):
        stacks.delete(made)
    stacks.delete(newer)
    assert stacks.get_stack(made.deployment_id, "network", "dev") is None
    with pytest.raises(ConditionalCheckFailed, match="not found"):
        stacks.delete(newer)


def test_a_stack_needs_a_live_deployment(
    platform: BoundApp, deployments: DeploymentRepository, stacks: StackRepository
) -> None:
    with pytest.raises(ConditionalCheckFailed, match=r"Deployment .* not found"):
        stacks.create(stack(fresh_id(), "network"))
    deployment_id = parent(platform)
    stacks.create(stack(deployment_id, "network"))
    with pytest.raises(ConditionalCheckFailed, match=r"Stack .* already exists"):
        stacks.create(stack(deployment_id, "network"))
    going = deployments.get_by_id(deployment_id)
    assert going is not None
    deployments.update(going, status=DeploymentStatus.DESTROYING)
    with pytest.raises(ConditionalCheckFailed, match="condition is false"):
        stacks.create(stack(deployment_id, "security"))
    assert [s.stack_name for s in stacks.list_by_deployment(deployment_id)] == ["network"]


def test_key_parts_cannot_hold_the_separator() -> None:
    """``STACK#{stack_name}#{environment}`` is readable only if neither part holds a ``#``."""
    with pytest.raises(ValidationError):
        stack(fresh_id(), "net#work")
    with pytest.raises(ValidationError):
        stack("D12345", "network")  # not ^D[A-Z0-9]{6}$
