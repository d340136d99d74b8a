"""The seed's repositories, one per aggregate, as thin typed wrappers over dynastack's.

Each class names the seed's operations (``get_by_id``, ``list_by_organization``, ``get_stack``,
``get_logs``, ``record_metric`` …) and maps them onto one ``Repository`` call, so that what is
left here is only what the seed's design decides: which index answers which question, in
which order, and with which filters. What the seed did by hand and got wrong is the
framework's job now (README, "what changed"): cursors are sealed ``Page.cursor`` strings, not
raw ``LastEvaluatedKey`` maps; updates change only the given fields, version-checked; filtered
pages are filled to ``limit`` after filtering; errors are dynastack's typed errors.

Logs and metrics live in ``records.py`` (re-exported here); the cascade that deletes a
deployment with its stacks and logs lives in ``cascade.py``.

Example (against the DynamoDB Local at ``DYNASTACK_ENDPOINT``):
    >>> import os
    >>> from dynastack import Client
    >>> from examples.cloud_platform import app
    >>> client = Client.local(os.environ["DYNASTACK_ENDPOINT"])
    >>> _ = app.create_tables(client, env="repodoc")
    >>> deployments = DeploymentRepository(app.bind(client, env="repodoc"))
    >>> made = deployments.create(Deployment(
    ...     organization="DocOrg", project="shop", domain="shop.example.com",
    ...     template="default", created_by="user-1"))
    >>> deployments.update(made, status=DeploymentStatus.DEPLOYED).version
    2
    >>> [d.status for d in deployments.list_by_organization("DocOrg")]
    [<DeploymentStatus.DEPLOYED: 'deployed'>]
    >>> deployments.delete(made.deployment_id)
    Removal(deployment=True, stacks=0, logs=0, atomic=True)
    >>> _ = app.drop_tables(client, env="repodoc"); client.close()
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from dynastack import Attr
from dynastack.app import BoundApp
from dynastack.errors import ConditionalCheckFailed
from dynastack.repository import Page, UnitOfWork
from examples.cloud_platform.cascade import Removal, remove_deployment
from examples.cloud_platform.models import (
    Deployment,
    DeploymentStatus,
    EnvironmentConfig,
    LastDeployment,
    LogEntry,
    Resource,
    Stack,
    StackConfig,
    StackStatus,
    new_deployment_id,
)
from examples.cloud_platform.records import LogRepository, MetricRepository

__all__ = [
    "ID_ATTEMPTS",
    "DeploymentRepository",
    "LogRepository",
    "MetricRepository",
    "Removal",
    "StackRepository",
]

#: how many fresh ids ``create`` draws before it gives up (a collision has odds of about
#: n / 36^6 with n deployments stored; five in a row mean something else is wrong)
ID_ATTEMPTS = 5

Clock = Callable[[], datetime]


def _given(**changes: object) -> dict[str, Any]:
    """The keyword changes that were actually given (``None``: leave the field alone)."""
    return {name: value for name, value in changes.items() if value is not None}


class DeploymentRepository:
    """Deployments (table 1), and the cascade that deletes one with its stacks and logs.

    ``ids`` draws new deployment ids (``new_deployment_id``; injectable to show collisions).
    """

    def __init__(self, bound: BoundApp, *, ids: Callable[[], str] = new_deployment_id) -> None:
        self.items = bound[Deployment]
        self.stacks = bound[Stack]
        self.logs = bound[LogEntry]
        self._ids = ids

    def create(self, deployment: Deployment, /) -> Deployment:
        """Store a new deployment (version 1, timestamps now).

        A deployment built without a ``deployment_id`` gets a random one; if that id is
        taken, the create fails on its condition and is retried with a fresh id (up to
        ``ID_ATTEMPTS`` draws). An id the caller chose is never replaced: a clash raises
        ``ConditionalCheckFailed`` ("… already exists").
        """
        chosen = "deployment_id" in deployment.model_fields_set
        for _ in range(ID_ATTEMPTS - 1):
            if not chosen:
                deployment = deployment.model_copy(update={"deployment_id": self._ids()})
            try:
                return self.items.create(deployment)
            except ConditionalCheckFailed:
                if chosen:
                    raise
        deployment = deployment.model_copy(update={"deployment_id": self._ids()})
        return self.items.create(deployment)

    def get_by_id(self, deployment_id: str, *, consistent: bool = False) -> Deployment | None:
        """Pattern 1: one deployment by id (``None`` if there is none)."""
        return self.items.get(deployment_id=deployment_id, consistent=consistent)

    def update(
        self,
        deployment: Deployment,
        /,
        *,
        status: DeploymentStatus | None = None,
        environments: Mapping[str, EnvironmentConfig | Mapping[str, Any]] | None = None,
        stacks: Mapping[str, StackConfig | Mapping[str, Any]] | None = None,
        manifest: str | None = None,
    ) -> Deployment:
        """Change only the given fields, if ``deployment`` is still the stored version.

        Returns the deployment after the write (version + 1, ``updated_at`` now); raises
        ``VersionConflict`` (with ``.current``) when someone else wrote it first, and
        ``ConditionalCheckFailed`` when it no longer exists.
        """
        changes = _given(status=status, environments=environments, stacks=stacks, manifest=manifest)
        return self.items.update(deployment, **changes)

    def delete(self, deployment: Deployment | str, /) -> Removal:
        """Delete a deployment with all its stacks and logs (see ``cascade.py`` for how, and
        for the consistency it gives). Given a ``Deployment``, its version is checked."""
        return remove_deployment(self.items, self.stacks, self.logs, deployment)

    def list_by_organization(
        self,
        organization: str,
        *,
        limit: int = 50,
        cursor: str | None = None,
        status: DeploymentStatus | None = None,
    ) -> Page[Deployment]:
        """Pattern 2: an organization's deployments, newest first.

        ``status`` keeps only deployments in that state; the page is still filled to
        ``limit`` after filtering (the seed's resolver returned short or empty pages).
        """
        only = None if status is None else Attr("status") == status.value
        return self.items.query(
            "OrganizationIndex",
            organization=organization,
            filter=only,
            newest_first=True,
            limit=limit,
            cursor=cursor,
        )

    def list_by_status(
        self, status: DeploymentStatus, *, limit: int = 50, cursor: str | None = None
    ) -> Page[Deployment]:
        """Deployments in one state, most recently updated first (StatusIndex)."""
        return self.items.query(
            "StatusIndex", status=status, newest_first=True, limit=limit, cursor=cursor
        )


class StackRepository:
    """Stacks (table 2): one item per stack and environment of a deployment."""

    def __init__(self, bound: BoundApp) -> None:
        self.items = bound[Stack]
        self.deployments = bound[Deployment]

    def create(self, stack: Stack, /) -> Stack:
        """Store a new stack under an existing deployment that is not being destroyed.

        One transaction checks the deployment and creates the stack, so a stack never
        outlives its deployment (cascade.py). ``ConditionalCheckFailed`` says "… not found"
        for a missing deployment, "… already exists" for an existing stack, and that the
        condition is false for a ``destroying`` deployment.
        """
        unit = UnitOfWork()
        unit.check(
            self.deployments,
            {"deployment_id": stack.deployment_id},
            condition=Attr("status") != DeploymentStatus.DESTROYING.value,
        )
        stored = unit.create(self.items, stack)
        unit.commit()
        return stored

    def get_stack(
        self, deployment_id: str, stack_name: str, environment: str, *, consistent: bool = False
    ) -> Stack | None:
        """Pattern 3: one stack of one deployment in one environment."""
        return self.items.get(
            deployment_id=deployment_id,
            stack_name=stack_name,
            environment=environment,
            consistent=consistent,
        )

    def update(
        self,
        stack: Stack,
        /,
        *,
        status: StackStatus | None = None,
        outputs: Mapping[str, Any] | None = None,
        resources: list[Resource] | list[Mapping[str, Any]] | None = None,
        resource_count: int | None = None,
        last_deployment: LastDeployment | Mapping[str, Any] | None = None,
    ) -> Stack:
        """Change only the given fields, version-checked (``VersionConflict`` if stale)."""
        changes = _given(
            status=status,
            outputs=outputs,
            resources=resources,
            resource_count=resource_count,
            last_deployment=last_deployment,
        )
        return self.items.update(stack, **changes)

    def delete(self, stack: Stack, /) -> None:
        """Delete one stack, if it is still at ``stack``'s version."""
        self.items.delete(stack)

    def list_by_deployment(
        self,
        deployment_id: str,
        environment: str | None = None,
        *,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Page[Stack]:
        """Pattern 4: a deployment's stacks (``begins_with(SK, "STACK#")``), by name.

        ``environment`` keeps one environment's stacks. It is the second part of the sort key
        (``STACK#{stack_name}#{environment}``), so no key prefix selects it: it is a filter,
        and pages are filled after filtering.
        """
        only = None if environment is None else Attr("environment") == environment
        return self.items.query(
            deployment_id=deployment_id, filter=only, limit=limit, cursor=cursor
        )

    def list_stacks_by_name(
        self, stack_name: str, *, limit: int = 50, cursor: str | None = None
    ) -> Page[Stack]:
        """Every deployment's instance of one stack, most recently updated first."""
        return self.items.query(
            "StackNameIndex", stack_name=stack_name, newest_first=True, limit=limit, cursor=cursor
        )

    def list_by_status(
        self, status: StackStatus, *, limit: int = 50, cursor: str | None = None
    ) -> Page[Stack]:
        """Stacks in one state, most recently updated first (StatusIndex)."""
        return self.items.query(
            "StatusIndex", status=status, newest_first=True, limit=limit, cursor=cursor
        )
