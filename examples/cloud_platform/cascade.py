"""Deleting a deployment together with its stacks and logs, and what a reader can observe.

The three tables share the partition key ``DEPLOYMENT#{deployment_id}``, so a deployment's
children are two consistent key queries away (no scan, no index). Then one of two paths:

**Small sets: one transaction.** When the deployment and its children fit one
``TransactWriteItems`` (100 actions), they are deleted by one ``UnitOfWork``: the deployment
checked against its version (the caller's entity, or the one just read), every stack against
the version read, every log line required to still exist. All of it goes, or none of it:
no reader ever sees a deployment without its stacks, or stacks without their deployment. If
a child changed between the read and the commit, the transaction is canceled and the
deletion falls through to the path below.

**Large sets: commit, sweep, finish.**

1. The deployment is set to ``destroying`` by a version-checked update. From here on the
   deletion is decided and visible (``list_by_status(DESTROYING)``); an interrupted deletion
   is finished by calling ``delete`` again.
2. Stacks and logs are deleted by batch writes as consistent queries find them (25 per
   request, unprocessed items retried by the framework), then queried again until none is
   found. Readers meanwhile may see some children of a ``destroying`` deployment gone.
3. The deployment item is deleted, checked against the ``destroying`` version, so a writer
   that changed it meanwhile makes ``delete`` fail loudly instead of being lost.

Children go before their parent, so a crash never leaves orphans behind, only a visible
``destroying`` deployment. A stale caller gets ``VersionConflict`` before anything is deleted
on either path.

Writers racing the deletion: a stack can be created only under an existing deployment that is
not ``destroying`` (``StackRepository.create`` checks that in the same transaction), so no
stack outlives its deployment; both paths end with a final sweep that catches a stack created
just before the deployment went away. Log lines are appended without that check (it would
double the cost of the busiest table): one written after the final sweep outlives the
deployment until its TTL (90 days) removes it, as do expired lines that DynamoDB's TTL sweeper
has not removed yet (the repository no longer sees them).

A deployment that no longer exists is not an error: leftover children are still removed and
``Removal.deployment`` is ``False``.

Example:
    >>> Removal(deployment=True, stacks=2, logs=10, atomic=True)
    Removal(deployment=True, stacks=2, logs=10, atomic=True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from dynastack import Entity
from dynastack.core.limits import TRANSACT_MAX_ACTIONS
from dynastack.errors import ConditionalCheckFailed, VersionConflict
from dynastack.repository import Repository, UnitOfWork
from examples.cloud_platform.models import Deployment, DeploymentStatus, LogEntry, Stack

__all__ = ["Removal", "remove_deployment"]

E = TypeVar("E", bound=Entity)


@dataclass(frozen=True, slots=True)
class Removal:
    """What ``DeploymentRepository.delete`` removed, and whether in one transaction."""

    #: False when there was no deployment item (only leftover children, if any, were removed)
    deployment: bool
    stacks: int
    logs: int
    #: True when everything read was deleted by one transaction
    atomic: bool = False


def _delete_all(repository: Repository[E], deployment_id: str) -> int:
    """Delete the items of one partition as a consistent query finds them (streamed into the
    batch deletes), and query again until one finds none; how many were deleted."""
    removed = 0
    while True:
        found = repository.query_all(deployment_id=deployment_id, consistent=True)
        done = repository.batch_write(deletes=found)
        if not done.deletes:
            return removed
        removed += done.deletes


def _in_one_transaction(
    repositories: tuple[Repository[Deployment], Repository[Stack], Repository[LogEntry]],
    deployment: Deployment | None,
    deployment_id: str,
) -> Removal | None:
    """Delete everything in one transaction, or return ``None`` when it does not fit or a
    child changed since it was read (the caller then sweeps)."""
    deployments, stacks, logs = repositories
    limit = TRANSACT_MAX_ACTIONS - (deployment is not None)
    found_stacks = list(stacks.query_all(deployment_id=deployment_id, consistent=True))
    found_logs: list[LogEntry] = []
    for entry in logs.query_all(deployment_id=deployment_id, consistent=True):
        found_logs.append(entry)
        if len(found_stacks) + len(found_logs) > limit:
            return None
    if len(found_stacks) > limit:
        return None
    unit = UnitOfWork()
    if deployment is not None:
        unit.delete(deployments, deployment)
    for stack in found_stacks:
        unit.delete(stacks, stack)
    for entry in found_logs:
        unit.delete(logs, entry)
    if len(unit):
        try:
            unit.commit()
        except VersionConflict as error:
            if isinstance(error.current, Deployment):
                raise  # the deployment itself moved on: the caller decides again
            return None
        except ConditionalCheckFailed:
            if (
                deployment is not None
                and deployments.get(deployment_id=deployment_id, consistent=True) is None
            ):
                raise  # the deployment itself is gone: "not found", as for any stale delete
            return None
    late_stacks = _delete_all(stacks, deployment_id)
    late_logs = _delete_all(logs, deployment_id)
    return Removal(
        deployment is not None,
        len(found_stacks) + late_stacks,
        len(found_logs) + late_logs,
        atomic=True,
    )


def remove_deployment(
    deployments: Repository[Deployment],
    stacks: Repository[Stack],
    logs: Repository[LogEntry],
    target: Deployment | str,
) -> Removal:
    """Delete a deployment, its stacks and its logs (module docstring: paths and guarantees)."""
    if isinstance(target, Deployment):
        deployment: Deployment | None = target
        deployment_id = target.deployment_id
    else:
        deployment_id = target
        deployment = deployments.get(deployment_id=deployment_id, consistent=True)
    if deployment is None or deployment.status is not DeploymentStatus.DESTROYING:
        done = _in_one_transaction((deployments, stacks, logs), deployment, deployment_id)
        if done is not None:
            return done
    if deployment is not None and deployment.status is not DeploymentStatus.DESTROYING:
        deployment = deployments.update(deployment, status=DeploymentStatus.DESTROYING)
    removed_stacks = _delete_all(stacks, deployment_id)
    removed_logs = _delete_all(logs, deployment_id)
    if deployment is not None:
        deployments.delete(deployment)
    return Removal(deployment is not None, removed_stacks, removed_logs)
