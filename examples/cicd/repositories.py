"""The CI/CD backend's repositories: sessions, jobs and agents (seed 002), one class each.

Each is built on the bound App (``app.bind(client, env=…, clock=…)``): its repository and its
clock come from there, so expiry (sessions), job timestamps and agent health are decided by the
same ``now`` in code and in tests (no sleeps). ``bound.service(JobRepository)`` gives the one
instance of a binding.

* ``SessionRepository``: issue, read (expired sessions read as absent before DynamoDB's TTL
  sweeper deletes them), list and revoke a user's sessions, always in that user's scope.
* ``JobRepository``: submit, then move jobs only along ``lifecycle.TRANSITIONS``; every move is
  one conditional update, so an illegal move or a lost race is ``IllegalTransition`` carrying
  the job as it was stored. ``list_recent`` reads the write-sharded ``JobsByTimeIndex``.
* ``AgentRepository``: register, heartbeat (never moving the heartbeat backwards), health
  computed on read against the clock, and agents per region by latest heartbeat.

Example (against DynamoDB Local; ``app.create_tables`` makes the tables):
    >>> import os
    >>> from dynastack import Client
    >>> from examples.cicd import app
    >>> client = Client.local(os.environ["DYNASTACK_ENDPOINT"])
    >>> _ = app.create_tables(client, env="doc")
    >>> jobs = JobRepository(app.bind(client, env="doc"))
    >>> job = jobs.submit("api", ref="main", commit_sha="3f2a9c1")
    >>> jobs.claim(job.job_id, "worker-1").status
    <JobStatus.CLAIMED: 'CLAIMED'>
    >>> jobs.claim(job.job_id, "worker-2")
    Traceback (most recent call last):
    ...
    examples.cicd.lifecycle.IllegalTransition: CLAIMED → CLAIMED is not a legal transition \
(from CLAIMED: RUNNING, QUEUED, CANCELLED)
    >>> _ = app.drop_tables(client, env="doc"); client.close()
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Collection
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any
from uuid import uuid4

from dynastack import Attr, Update
from dynastack.app import BoundApp
from dynastack.errors import ConditionalCheckFailed
from dynastack.repository import Page, ge, lt
from examples.cicd.lifecycle import IllegalTransition, JobStatus, condition_for, refusal
from examples.cicd.models import (
    JOB_SHARDS,
    JOBS_BY_TIME,
    Agent,
    AgentStatus,
    Job,
    SessionToken,
    day_of,
    time_key,
)

__all__ = ["AgentRepository", "JobRepository", "SessionRepository"]

Clock = Callable[[], datetime]


class SessionRepository:
    """Session tokens: TTL-expired, listed per user by ``UserSessionsIndex``."""

    def __init__(self, bound: BoundApp, *, lifetime: timedelta = timedelta(hours=12)) -> None:
        self._clock = bound.clock
        self.lifetime = lifetime
        self.sessions = bound[SessionToken]

    def create(
        self,
        user_id: str,
        *,
        lifetime: timedelta | None = None,
        user_agent: str | None = None,
        ip_address: str | None = None,
    ) -> SessionToken:
        """Issue a new session for ``user_id`` that expires after ``lifetime``."""
        expires = self._clock() + (lifetime or self.lifetime)
        token = SessionToken(
            user_id=user_id, expires_at=expires, user_agent=user_agent, ip_address=ip_address
        )
        return self.sessions.for_owner(user_id).create(token)

    def get(self, session_id: str) -> SessionToken | None:
        """The live session, or ``None`` (unknown, revoked or expired)."""
        return self.sessions.get(session_id=session_id)

    def list_for_user(
        self, user_id: str, *, limit: int = 50, cursor: str | None = None
    ) -> Page[SessionToken]:
        """``user_id``'s live sessions, newest first ("show me all my devices")."""
        return self.sessions.for_owner(user_id).query(
            "UserSessionsIndex", newest_first=True, limit=limit, cursor=cursor
        )

    def revoke(self, session_id: str, *, user_id: str) -> None:
        """Log one session out; only its own user can (``ConditionalCheckFailed`` otherwise)."""
        self.sessions.for_owner(user_id).delete({"session_id": session_id})

    def revoke_all(self, user_id: str) -> int:
        """Log ``user_id`` out everywhere; how many live sessions were revoked."""
        mine = list(self.sessions.for_owner(user_id).query_all("UserSessionsIndex"))
        self.sessions.batch_write(deletes=mine)  # keys read in the user's own scope
        return len(mine)


class JobRepository:
    """Jobs and their lifecycle (``lifecycle.TRANSITIONS``)."""

    def __init__(self, bound: BoundApp) -> None:
        self._clock = bound.clock
        self.jobs = bound[Job]

    def submit(self, pipeline: str, *, ref: str, commit_sha: str, job_id: str | None = None) -> Job:
        """Queue a new job, created now."""
        job = Job(
            job_id=job_id or f"job-{uuid4().hex[:16]}",
            pipeline=pipeline,
            ref=ref,
            commit_sha=commit_sha,
            created_at=self._clock(),
        )
        return self.jobs.create(job)

    def get(self, job_id: str) -> Job | None:
        """The job, or ``None``."""
        return self.jobs.get(job_id=job_id)

    def transition(
        self,
        job_id: str,
        to: JobStatus,
        *,
        worker_id: str | None = None,
        sources: Collection[JobStatus] | None = None,
        changes: Update | None = None,
        **fields: Any,
    ) -> Job:
        """Move the job to ``to`` and set ``fields``, in one conditional write; the job after.

        ``IllegalTransition`` (with the stored job) when the lifecycle table does not allow it
        for the job as stored (including a race lost to another worker); ``ConditionalCheckFailed``
        ("not found") when there is no such job."""
        condition = condition_for(to, worker_id, sources)
        try:
            return self.jobs.update(
                {"job_id": job_id}, changes, condition=condition, status=to, **fields
            )
        except ConditionalCheckFailed as refused:
            current = refused.current
            if not isinstance(current, Job):
                raise  # no such job
            reason = refusal(current.status, current.claimed_by, to, worker_id, sources)
            raise IllegalTransition(f"{reason}", current=current, requested=to) from None

    def claim(self, job_id: str, worker_id: str) -> Job:
        """``QUEUED → CLAIMED`` for ``worker_id``; of two racing workers exactly one wins."""
        now = self._clock()
        return self.transition(
            job_id, JobStatus.CLAIMED, worker_id=worker_id, claimed_by=worker_id, claimed_at=now
        )

    def start(self, job_id: str, worker_id: str) -> Job:
        """``CLAIMED → RUNNING``, by the claiming worker only."""
        now = self._clock()
        return self.transition(job_id, JobStatus.RUNNING, worker_id=worker_id, started_at=now)

    def finish(
        self, job_id: str, worker_id: str, *, exit_code: int, error: str | None = None
    ) -> Job:
        """``RUNNING → SUCCEEDED`` (exit code 0) or ``FAILED``, by the claiming worker only."""
        to = JobStatus.SUCCEEDED if exit_code == 0 else JobStatus.FAILED
        return self.transition(
            job_id, to, worker_id=worker_id, finished_at=self._clock(), exit_code=exit_code,
            error=error,
        )  # fmt: skip

    def release(self, job_id: str, worker_id: str) -> Job:
        """``CLAIMED → QUEUED``: the claiming worker hands the job back."""
        return self.transition(
            job_id, JobStatus.QUEUED, worker_id=worker_id, sources={JobStatus.CLAIMED},
            claimed_by=None, claimed_at=None,
        )  # fmt: skip

    def retry(self, job_id: str) -> Job:
        """``FAILED → QUEUED`` as a new attempt (``attempts`` + 1, the last run cleared)."""
        return self.transition(
            job_id, JobStatus.QUEUED, sources={JobStatus.FAILED},
            changes=Update().increment("attempts"), claimed_by=None, claimed_at=None,
            started_at=None, finished_at=None, exit_code=None, error=None,
        )  # fmt: skip

    def cancel(self, job_id: str) -> Job:
        """Cancel a job that has not finished (anyone may)."""
        return self.transition(job_id, JobStatus.CANCELLED, finished_at=self._clock())

    def list_recent(
        self,
        *,
        limit: int = 50,
        before: Job | None = None,
        status: JobStatus | None = None,
        window: timedelta = timedelta(days=7),
    ) -> list[Job]:
        """Jobs newest first, ``limit`` at most, created within ``window`` before now (or
        before ``before``, the last job of the previous page: the listing continues right
        after it). Reads each day's ``JOB_SHARDS`` index partitions and merges them."""
        newest = before.created_at if before is not None else self._clock()
        oldest_day = day_of(newest - window)
        day = newest.astimezone(UTC).date()
        after = time_key(before) if before is not None else None
        found: list[Job] = []
        while len(found) < limit and day.isoformat() >= oldest_day:
            found.extend(self._one_day(day.isoformat(), limit - len(found), after, status))
            day -= timedelta(days=1)
            after = None
        return found

    def _one_day(
        self, day: str, limit: int, after: str | None, status: JobStatus | None
    ) -> list[Job]:
        # each shard's newest ``limit`` hold the day's newest ``limit``: merge and cut
        bound: dict[str, Any] = {} if after is None else {"sk": lt(after)}
        shards = [
            self.jobs.query(
                JOBS_BY_TIME, day=day, shard=shard, newest_first=True, limit=limit,
                filter=None if status is None else Attr("status") == status.value, **bound,
            ).items
            for shard in range(JOB_SHARDS)
        ]  # fmt: skip
        return list(islice(heapq.merge(*shards, key=time_key, reverse=True), limit))


class AgentRepository:
    """Agents: registration, heartbeats, health on read, listing per region."""

    def __init__(self, bound: BoundApp, *, max_silence: timedelta = timedelta(seconds=90)) -> None:
        self._clock = bound.clock
        self.max_silence = max_silence
        self.agents = bound[Agent]

    def register(
        self, agent_id: str, *, region: str, hostname: str, labels: Collection[str] = (),
        agent_version: str = "1.0.0",
    ) -> Agent:  # fmt: skip
        """Register (or re-register, after a restart) an agent; registering is a heartbeat."""
        now = self._clock()
        agent = Agent(
            agent_id=agent_id, region=region, hostname=hostname, labels=sorted(labels),
            agent_version=agent_version, last_heartbeat_at=now, registered_at=now,
        )  # fmt: skip
        return self.agents.put(agent)

    def get(self, agent_id: str) -> Agent | None:
        """The agent, or ``None``."""
        return self.agents.get(agent_id=agent_id)

    def heartbeat(
        self,
        agent_id: str,
        *,
        status: AgentStatus = AgentStatus.IDLE,
        running_jobs: int = 0,
        cpu_percent: float | None = None,
        memory_percent: float | None = None,
    ) -> Agent:
        """Record a heartbeat at the clock's now; the agent after it. A heartbeat older than
        the stored one (delivered late) changes nothing and returns the stored agent."""
        now = self._clock()
        try:
            return self.agents.update(
                {"agent_id": agent_id}, condition=Attr("last_heartbeat_at") < now,
                last_heartbeat_at=now, status=status, running_jobs=running_jobs,
                cpu_percent=cpu_percent, memory_percent=memory_percent,
            )  # fmt: skip
        except ConditionalCheckFailed as refused:
            if not isinstance(refused.current, Agent):
                raise  # not registered
            return refused.current

    def is_healthy(self, agent: Agent) -> bool:
        """Healthy: a heartbeat within ``max_silence`` of the clock's now."""
        return agent.is_healthy(self._clock(), self.max_silence)

    def list_by_region(
        self, region: str, *, limit: int = 100, cursor: str | None = None
    ) -> Page[Agent]:
        """The region's agents, latest heartbeat first (``RegionIndex``)."""
        return self.agents.query(
            "RegionIndex", region=region, newest_first=True, limit=limit, cursor=cursor
        )

    def list_healthy(self, region: str) -> list[Agent]:
        """The region's healthy agents: the heartbeat bound is in the key condition, so
        silent agents are not even read."""
        since = self._clock() - self.max_silence
        return list(
            self.agents.query_all(
                "RegionIndex", region=region, last_heartbeat_at=ge(since), newest_first=True
            )
        )
