"""Deleting a deployment together with its stacks and logs, and what a reader can observe.

The three tables share the partition key ``DEPLOYMENT#{deployment_id}``, so a deployment's
children are two key queries away (no scan, no index). Deleting them is not one request:

1. **Commit.** The deployment is set to ``destroying`` by a version-checked update (checked
   against the caller's entity, or the version just read). From here on the deletion is
   decided: a stale caller gets ``VersionConflict`` before anything is deleted, and a
   half-finished deletion is findable (``list_by_status(DESTROYING)``) and finished by calling
   ``delete`` again.
2. **Sweep.** Stacks and logs are read with consistent queries and deleted with batch
   writes as the query goes (25 per request, unprocessed items retried by the framework), and
   read again until a consistent query finds none. Logs whose TTL has passed are invisible to
   the repository and left to DynamoDB's TTL sweeper, which deletes them anyway.
3. **Finish.** The deployment item is deleted, checked against the ``destroying`` version, so
   a writer that changed it meanwhile makes ``delete`` fail loudly instead of being lost.

Consistency given: *eventual, crash-safe, never orphaning after a crash*. Children go before
their parent, so an interruption leaves a visible ``destroying`` deployment, never orphans.
Readers during the sweep may see some stacks and logs of a ``destroying`` deployment already
gone. What is not prevented: a log line or stack written for this deployment *after* the
final sweep by a writer that did not look at the deployment; a late log expires by its TTL
(90 days), a late stack stays until the next ``delete`` of the same id.

A deployment that no longer exists is not an error: the sweep still runs (children of an
interrupted earlier deletion are removed) and ``Removal.deployment`` is ``False``.

Example:
    >>> Removal(deployment=True, stacks=2, logs=10)
    Removal(deployment=True, stacks=2, logs=10)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from dynastack import Entity
from dynastack.repository import Repository
from examples.cloud_platform.models import Deployment, DeploymentStatus, LogEntry, Stack

__all__ = ["SWEEP_CHUNK", "Removal", "remove_deployment"]

E = TypeVar("E", bound=Entity)

#: how many children one batch delete call is given (the framework splits it into 25s)
SWEEP_CHUNK = 100


@dataclass(frozen=True, slots=True)
class Removal:
    """What ``DeploymentRepository.delete`` removed."""

    #: False when there was no deployment item (only leftover children, if any, were removed)
    deployment: bool
    stacks: int
    logs: int


def _delete_all(repository: Repository[E], deployment_id: str) -> int:
    """Delete the items of one partition as a consistent query finds them, chunk by chunk, and
    query again until one finds none; how many were deleted."""
    removed = 0
    while True:
        found = 0
        chunk: list[E] = []
        for item in repository.query_all(deployment_id=deployment_id, consistent=True):
            chunk.append(item)
            if len(chunk) == SWEEP_CHUNK:
                repository.batch_write(deletes=chunk)
                found, chunk = found + len(chunk), []
        if chunk:
            repository.batch_write(deletes=chunk)
            found += len(chunk)
        if not found:
            return removed
        removed += found


def remove_deployment(
    deployments: Repository[Deployment],
    stacks: Repository[Stack],
    logs: Repository[LogEntry],
    target: Deployment | str,
) -> Removal:
    """Delete a deployment, its stacks and its logs (module docstring: order and guarantees)."""
    if isinstance(target, Deployment):
        deployment: Deployment | None = target
        deployment_id = target.deployment_id
    else:
        deployment_id = target
        deployment = deployments.get(deployment_id=deployment_id, consistent=True)
    if deployment is not None and deployment.status is not DeploymentStatus.DESTROYING:
        deployment = deployments.update(deployment, status=DeploymentStatus.DESTROYING)
    removed_stacks = _delete_all(stacks, deployment_id)
    removed_logs = _delete_all(logs, deployment_id)
    if deployment is not None:
        deployments.delete(deployment)
    return Removal(deployment is not None, removed_stacks, removed_logs)
