"""The CI/CD backend's data (seed 002): session tokens, jobs and agents, one table each.

Tables are named ``cicd-{table}-{env}`` (``cicd-sessions-dev`` …), as the seed's
Terraform has one table per model: ``sessions`` (``session_id``, ``user_id`` GSI, TTL),
``jobs`` (``job_id``) and ``agents`` (``agent_id``, ``region`` GSI).

Jobs by time: the seed puts a GSI on ``created_at`` alone, so every job ever written lands in
one index partition (a hot key that caps the whole system at one partition's write rate).
Here ``JobsByTimeIndex`` is write-sharded: its partition key is ``JOBS#{day}#{shard}``, the
UTC day of ``created_at`` and one of ``JOB_SHARDS`` shards picked by a stable hash of the job
id; its sort key is ``{created_at}#{job_id}`` (time order, and unique, so that a listing can
continue exactly after the last job it showed). The repository reads the shards of a day and
merges them newest first. The README explains why this and not per-status partitions.

``day`` and ``shard`` are ordinary fields derived from ``created_at`` and ``job_id`` when a job
is built, and checked when it is read back. ``created_at`` is therefore a plain field set by
``JobRepository.submit`` from its clock, not the ``CreatedAt`` role (which the repository
would restamp after ``day`` was derived from it).

Example:
    >>> from datetime import UTC, datetime
    >>> job = Job(job_id="j1", pipeline="api", ref="main", commit_sha="a" * 40,
    ...           created_at=datetime(2025, 3, 1, 23, 59, tzinfo=UTC))
    >>> job.status, job.day, job.shard == shard_of("j1")
    (<JobStatus.QUEUED: 'QUEUED'>, '2025-03-01', True)
    >>> time_key(job)
    '2025-03-01T23:59:00.000000Z#j1'
"""

from __future__ import annotations

import enum
import secrets
import zlib
from datetime import UTC, datetime, timedelta
from typing import Final

from pydantic import AwareDatetime, Field, model_validator

from dynastack import TTL, CreatedAt, Entity, Index, Key, Owner, Table, UpdatedAt, Version, auto_now
from examples.cicd.lifecycle import JobStatus

__all__ = [
    "ENTITIES",
    "JOBS_BY_TIME",
    "JOB_SHARDS",
    "NAMING",
    "Agent",
    "AgentStatus",
    "Job",
    "SessionToken",
    "agents_table",
    "day_of",
    "jobs_table",
    "new_session_id",
    "sessions_table",
    "shard_of",
    "time_key",
]

#: how many index partitions one day of jobs is spread over (each takes ~1,000 writes/s)
JOB_SHARDS: Final = 8
#: the write-sharded index of jobs by creation time
JOBS_BY_TIME: Final = "JobsByTimeIndex"

#: the pattern sits on each table (not on the App) so that every Repository sees it too
NAMING: Final = "cicd-{table}-{env}"
sessions_table = Table("sessions", pattern=NAMING)
jobs_table = Table("jobs", pattern=NAMING)
agents_table = Table("agents", pattern=NAMING)


def new_session_id() -> str:
    """A fresh, unguessable session id (256 random bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def shard_of(job_id: str) -> int:
    """The job's shard: a stable hash of its id (the same in every process, unlike ``hash``).

    >>> shard_of("job-1") == shard_of("job-1"), 0 <= shard_of("job-1") < JOB_SHARDS
    (True, True)
    """
    return zlib.crc32(job_id.encode()) % JOB_SHARDS


def day_of(moment: datetime) -> str:
    """The UTC day of ``moment`` as ``YYYY-MM-DD`` (the day part of the index key)."""
    return moment.astimezone(UTC).date().isoformat()


class SessionToken(Entity, table=sessions_table):
    """A login session: immutable once issued, gone when ``expires_at`` passes (TTL)."""

    __key__ = Key(pk="session_id")
    __indexes__ = (Index("UserSessionsIndex", pk="user_id", sk="created_at"),)

    session_id: str = Field(default_factory=new_session_id, min_length=32, max_length=128)
    user_id: Owner[str]
    expires_at: TTL[datetime]
    user_agent: str | None = Field(default=None, max_length=512)
    ip_address: str | None = Field(default=None, max_length=64)
    created_at: CreatedAt = auto_now()


class Job(Entity, table=jobs_table):
    """A CI/CD job; its ``status`` moves only along ``lifecycle.TRANSITIONS``."""

    __key__ = Key(pk="job_id")
    __indexes__ = (Index(JOBS_BY_TIME, pk="JOBS#{day}#{shard}", sk="{created_at}#{job_id}"),)

    job_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    pipeline: str = Field(min_length=1, max_length=200)
    ref: str = Field(min_length=1, max_length=256)
    commit_sha: str = Field(pattern=r"^[0-9a-f]{7,64}$")
    status: JobStatus = JobStatus.QUEUED
    created_at: AwareDatetime
    day: str = Field(default_factory=lambda data: day_of(data["created_at"]))
    shard: int = Field(default_factory=lambda data: shard_of(data["job_id"]))
    claimed_by: str | None = None
    claimed_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    attempts: int = Field(default=1, ge=1)
    exit_code: int | None = None
    error: str | None = Field(default=None, max_length=4000)
    version: Version = 1
    updated_at: UpdatedAt = auto_now()

    @model_validator(mode="after")
    def _index_fields_match(self) -> Job:
        # a job filed under another day or shard would vanish from the time listing
        if self.day != day_of(self.created_at) or self.shard != shard_of(self.job_id):
            raise ValueError(
                f"day/shard must be derived from created_at and job_id: expected "
                f"{day_of(self.created_at)}/{shard_of(self.job_id)}, got {self.day}/{self.shard}"
            )
        return self


def time_key(job: Job) -> str:
    """The job's sort key in ``JobsByTimeIndex`` (where a listing continues after it)."""
    part = Job.__dynastack__.indexes[JOBS_BY_TIME].sk
    assert part is not None
    return str(part.template.render(job.__dict__))


class AgentStatus(enum.StrEnum):
    """What an agent says about itself in a heartbeat."""

    IDLE = "IDLE"
    BUSY = "BUSY"
    DRAINING = "DRAINING"  # finishing its jobs, taking no new ones


class Agent(Entity, table=agents_table):
    """A worker node: registered once, then heartbeats; listed per region by last heartbeat."""

    __key__ = Key(pk="agent_id")
    __indexes__ = (Index("RegionIndex", pk="region", sk="last_heartbeat_at"),)

    agent_id: str = Field(min_length=1, max_length=128)
    region: str = Field(min_length=1, max_length=64)
    hostname: str = Field(min_length=1, max_length=253)
    labels: list[str] = Field(default_factory=list)
    agent_version: str = "1.0.0"
    status: AgentStatus = AgentStatus.IDLE
    running_jobs: int = Field(default=0, ge=0)
    cpu_percent: float | None = Field(default=None, ge=0.0, le=100.0)
    memory_percent: float | None = Field(default=None, ge=0.0, le=100.0)
    #: a plain ``datetime``: the codec refuses naive ones (dynastack does not yet accept
    #: pydantic's ``AwareDatetime`` as a key field's type)
    last_heartbeat_at: datetime
    registered_at: CreatedAt = auto_now()
    updated_at: UpdatedAt = auto_now()

    def is_healthy(self, now: datetime, max_silence: timedelta) -> bool:
        """Healthy when the last heartbeat is at most ``max_silence`` before ``now``."""
        return now - self.last_heartbeat_at <= max_silence


#: every entity of the CI/CD app, in table order
ENTITIES: tuple[type[Entity], ...] = (SessionToken, Job, Agent)
