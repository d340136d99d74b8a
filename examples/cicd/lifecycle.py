"""A job's status lifecycle as one table, and the condition that enforces it in DynamoDB.

Why a table (ARCHITECTURE principle 5, "tables over branches"): the legal moves of a job are
data, not ``if`` chains spread over handlers. ``TRANSITIONS`` says, for each status, where a
job may go next and *who* may move it: anyone (a dispatcher, a user cancelling) or only the
worker that claimed the job. Everything else derives from it:

* ``condition_for(to, worker_id)`` is the DynamoDB condition a write to ``to`` carries: "the
  stored status is one the table allows to reach ``to``" (and, on a claimant-only edge, "the
  job is claimed by this worker"). The check and the write are one atomic request, so two
  workers racing for the same job cannot both win: the second finds ``CLAIMED`` and its
  condition is false;
* ``refusal(...)`` explains a refused move from the job as it was stored at that moment.

Example:
    >>> legal_targets(JobStatus.RUNNING)
    (<JobStatus.SUCCEEDED: 'SUCCEEDED'>, <JobStatus.FAILED: 'FAILED'>, \
<JobStatus.CANCELLED: 'CANCELLED'>)
    >>> refusal(JobStatus.SUCCEEDED, None, JobStatus.RUNNING, "w1")
    'SUCCEEDED → RUNNING is not a legal transition (from SUCCEEDED: none)'
    >>> refusal(JobStatus.CLAIMED, "w1", JobStatus.RUNNING, "w2")
    'CLAIMED → RUNNING is for the claiming worker: the job is claimed by w1, not w2'
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping
from types import MappingProxyType
from typing import Final

from dynastack import Attr
from dynastack.core.expressions import Condition, Or
from dynastack.errors import ConditionalCheckFailed, InvalidRequest

__all__ = [
    "TRANSITIONS",
    "By",
    "IllegalTransition",
    "JobStatus",
    "condition_for",
    "legal_targets",
    "refusal",
]


class JobStatus(enum.StrEnum):
    """Where a job is in its life."""

    QUEUED = "QUEUED"
    CLAIMED = "CLAIMED"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


class By(enum.Enum):
    """Who may take a transition."""

    ANYONE = "anyone"
    CLAIMANT = "the claiming worker"


_Q, _C, _R = JobStatus.QUEUED, JobStatus.CLAIMED, JobStatus.RUNNING
_S, _F, _X = JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED

#: status → {next status: who may make that move}; a status missing on the left is final
TRANSITIONS: Final[Mapping[JobStatus, Mapping[JobStatus, By]]] = MappingProxyType(
    {
        _Q: {_C: By.ANYONE, _X: By.ANYONE},  # a worker claims it, or someone cancels
        _C: {_R: By.CLAIMANT, _Q: By.CLAIMANT, _X: By.ANYONE},  # start, or hand it back
        _R: {_S: By.CLAIMANT, _F: By.CLAIMANT, _X: By.ANYONE},
        _F: {_Q: By.ANYONE},  # a retry queues it again
        _S: {},
        _X: {},
    }
)

_STATUS: Final = "status"
_CLAIMED_BY: Final = "claimed_by"


def legal_targets(current: JobStatus) -> tuple[JobStatus, ...]:
    """The statuses a job in ``current`` may move to, in the table's order."""
    return tuple(TRANSITIONS[current])


def condition_for(
    to: JobStatus, worker_id: str | None, sources: Collection[JobStatus] | None = None
) -> Condition:
    """The condition a move to ``to`` carries: the stored status may reach ``to`` (and, on a
    claimant-only edge, ``worker_id`` holds the claim). ``sources`` narrows the table's edges
    to those leaving these statuses (a *release* and a *retry* both lead to ``QUEUED``, from
    different places). Without ``worker_id`` the claimant-only edges are left out;
    ``InvalidRequest`` when no edge is left (nothing is sent then)."""
    edges: list[Condition] = []
    for source, targets in TRANSITIONS.items():
        by = targets.get(to)
        if by is None or (sources is not None and source not in sources):
            continue
        edge: Condition = Attr(_STATUS) == source.value
        if by is By.CLAIMANT:
            if worker_id is None:
                continue
            edge = edge & (Attr(_CLAIMED_BY) == worker_id)
        edges.append(edge)
    if not edges:
        raise InvalidRequest(
            f"no transition to {to} is open to this caller: "
            + ("give worker_id" if worker_id is None else "check the lifecycle table")
        )
    return edges[0] if len(edges) == 1 else Or(tuple(edges))


def refusal(
    current: JobStatus,
    claimed_by: str | None,
    to: JobStatus,
    worker_id: str | None,
    sources: Collection[JobStatus] | None = None,
) -> str:
    """Why the move ``current → to`` by ``worker_id`` is refused (the table's reading)."""
    by = TRANSITIONS[current].get(to)
    if by is None:
        targets = ", ".join(TRANSITIONS[current]) or "none"
        return f"{current} → {to} is not a legal transition (from {current}: {targets})"
    if sources is not None and current not in sources:
        return f"{current} → {to}: this operation moves jobs from {', '.join(sources)} only"
    if by is By.CLAIMANT and claimed_by != worker_id:
        return (
            f"{current} → {to} is for the claiming worker: the job is claimed by "
            f"{claimed_by}, not {worker_id}"
        )
    return f"{current} → {to} was refused"  # the job changed again since it was read


class IllegalTransition(ConditionalCheckFailed):
    """A status change the lifecycle table does not allow for the job as it is stored.

    ``current`` is the job as DynamoDB held it when it refused the write (``None`` if it is
    unknown); ``requested`` the status asked for.
    """

    def __init__(self, message: str, *, current: object, requested: JobStatus) -> None:
        super().__init__(message, code=ConditionalCheckFailed.code)
        self.current = current
        self.requested = requested
