"""Demo data for ``dynastack seed examples.cloud_platform:app``: deployments that look alive.

Each of ``count`` deployments gets three stacks (network → security → compute) in two
environments, a dozen log lines of its last rollout and the metrics that rollout recorded.
Everything is written with unconditional batch puts and ids derived from the record's index,
so seeding twice rewrites the same items instead of failing or doubling them (the seeding
contract, ``dynastack.ops.seeding``). Times are anchored to the start of the current UTC day:
a seed run the same day is idempotent, and its logs and metrics are not born expired.

Example:
    >>> seed_deployment_id(0), seed_deployment_id(37)
    ('D000000', 'D000011')
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from uuid import NAMESPACE_URL, uuid5

from dynastack import Client
from dynastack.ops.seeding import SeedProgress
from dynastack.repository import Repository
from examples.cloud_platform.models import (
    Deployment,
    DeploymentStatus,
    EnvironmentConfig,
    LastDeployment,
    LogEntry,
    LogLevel,
    Metric,
    Resource,
    Stack,
    StackConfig,
    StackStatus,
)

__all__ = ["seed", "seed_deployment_id"]

_ORGANIZATIONS = ("Acme", "Globex", "Initech", "Umbrella")
_PROJECTS = ("storefront", "billing", "analytics", "identity", "search")
_STACKS = (("network", 1, ()), ("security", 2, ("network",)), ("compute", 3, ("security",)))
_ENVIRONMENTS = {"dev": "111111111111", "prod": "222222222222"}
_STATUSES = (
    DeploymentStatus.DEPLOYED,
    DeploymentStatus.DEPLOYED,
    DeploymentStatus.DEPLOYING,
    DeploymentStatus.FAILED,
    DeploymentStatus.INITIALIZED,
)
_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def seed_deployment_id(index: int) -> str:
    """The deterministic id of the ``index``-th demo deployment (``D`` + 6 base-36 digits)."""
    digits = ""
    for _ in range(6):
        index, digit = divmod(index, 36)
        digits = _DIGITS[digit] + digits
    return "D" + digits


def _deployment(index: int, day: datetime) -> Deployment:
    organization = _ORGANIZATIONS[index % len(_ORGANIZATIONS)]
    project = f"{_PROJECTS[index % len(_PROJECTS)]}-{index}"
    return Deployment(
        deployment_id=seed_deployment_id(index),
        organization=organization,
        project=project,
        domain=f"{project}.{organization.lower()}.example.com",
        template="default",
        status=_STATUSES[index % len(_STATUSES)],
        environments={
            env: EnvironmentConfig(enabled=True, region="us-east-1", account_id=account)
            for env, account in _ENVIRONMENTS.items()
        },
        stacks={
            name: StackConfig(enabled=True, dependencies=list(deps)) for name, _, deps in _STACKS
        },
        manifest='{"version": 1}',
        created_at=day + timedelta(minutes=index),
        updated_at=day + timedelta(minutes=index + 15),
        created_by=f"user-{index % 7}",
    )


def _stacks(deployment: Deployment, start: datetime) -> list[Stack]:
    found = []
    failed = deployment.status is DeploymentStatus.FAILED
    for shift, env in enumerate(_ENVIRONMENTS):
        for name, layer, deps in _STACKS:
            began = start + timedelta(minutes=5 * layer, seconds=shift)
            broken = failed and name == "compute"
            found.append(
                Stack(
                    deployment_id=deployment.deployment_id,
                    stack_name=name,
                    environment=env,
                    status=StackStatus.FAILED if broken else StackStatus.DEPLOYED,
                    pulumi_stack_name=(
                        f"{deployment.organization}/{deployment.project}/"
                        f"{deployment.deployment_id}-{name}-{env}"
                    ),
                    layer=layer,
                    dependencies=list(deps),
                    outputs={f"{name}_id": f"{name}-{deployment.deployment_id.lower()}"},
                    resources=[
                        Resource(
                            type="aws:ec2/vpc:Vpc" if name == "network" else "aws:iam/role:Role",
                            name=f"main-{name}",
                            urn=f"urn:pulumi:{env}::{deployment.project}::{name}",
                            status="failed" if broken else "up-to-date",
                        )
                    ],
                    resource_count=5 * layer,
                    last_deployment=LastDeployment(
                        started_at=began,
                        completed_at=began + timedelta(seconds=60 * layer),
                        duration_seconds=60 * layer,
                        result="failed" if broken else "success",
                        error_message="quota exceeded" if broken else None,
                    ),
                    created_at=began,
                    updated_at=began,
                )
            )
    return found


def _logs(deployment: Deployment, stacks: list[Stack]) -> list[LogEntry]:
    entries = []
    for n, stack in enumerate(stacks):
        assert stack.last_deployment is not None
        level = LogLevel.ERROR if stack.status is StackStatus.FAILED else LogLevel.INFO
        for step, (text, at) in enumerate(
            (
                (f"Starting deployment of {stack.stack_name}-{stack.environment}", 0),
                (f"Finished {stack.stack_name}-{stack.environment}", 1),
            )
        ):
            stamp = stack.last_deployment.started_at + timedelta(seconds=at * 30 + n)
            entries.append(
                LogEntry(
                    log_id=uuid5(NAMESPACE_URL, f"{deployment.deployment_id}/{n}/{step}"),
                    deployment_id=deployment.deployment_id,
                    stack_name=stack.stack_name,
                    environment=stack.environment,
                    timestamp=stamp,
                    level=level if step else LogLevel.INFO,
                    message=text,
                    details={"layer": stack.layer, "total_resources": stack.resource_count},
                    user_id=deployment.created_by,
                )
            )
    return entries


def _metrics(stacks: list[Stack]) -> list[Metric]:
    samples = []
    for stack in stacks:
        done = stack.last_deployment
        assert done is not None
        assert done.completed_at is not None
        samples.append(
            Metric(
                metric_name="stack_deployment_duration",
                timestamp=done.completed_at,
                value=done.duration_seconds or 0,
                unit="seconds",
                dimensions={
                    "deployment_id": stack.deployment_id,
                    "stack_name": stack.stack_name,
                    "environment": stack.environment,
                },
            )
        )
    return samples


def seed(
    client: Client, *, env: str | None, count: int, progress: SeedProgress
) -> Mapping[str, int]:
    """Write ``count`` demo deployments with their stacks, logs and metrics."""
    day = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    deployments = Repository(Deployment, client, env=env)
    stacks = Repository(Stack, client, env=env)
    logs = Repository(LogEntry, client, env=env)
    metrics = Repository(Metric, client, env=env)
    written = {"deployments": 0, "stacks": 0, "logs": 0, "metrics": 0}
    for index in range(count):
        deployment = _deployment(index, day)
        its_stacks = _stacks(deployment, deployment.created_at)
        # the day's samples of one metric must not share a microsecond (that is one key)
        its_metrics = [
            m.model_copy(update={"timestamp": m.timestamp + timedelta(microseconds=index)})
            for m in _metrics(its_stacks)
        ]
        deployments.batch_write(puts=[deployment])
        stacks.batch_write(puts=its_stacks)
        its_logs = _logs(deployment, its_stacks)
        logs.batch_write(puts=its_logs)
        metrics.batch_write(puts=its_metrics)
        for label, n in (
            ("deployments", 1),
            ("stacks", len(its_stacks)),
            ("logs", len(its_logs)),
            ("metrics", len(its_metrics)),
        ):
            written[label] += n
            progress(label, written[label], None if label != "deployments" else count)
    return written
