"""Demo data for ``dynastack seed examples.cicd:app``: agents, jobs in every status, sessions.

Follows the seeding contract (``dynastack.ops.seeding.SeedFunction``): ``count`` agents over
three regions, ``5 * count`` jobs spread over the last three days and over every status of the
lifecycle, and two sessions for each of ``count`` users. Ids are derived from ``count`` and an
index and writes are unconditional batch puts, so seeding twice does not fail.

The jobs are written with their final status directly (demo data, not a history): the
lifecycle is enforced by ``JobRepository``'s transitions, which is how a running system moves
them.

Example:
    >>> from datetime import UTC, datetime
    >>> agents, jobs, sessions = demo_data(3, now=datetime(2025, 3, 1, tzinfo=UTC))
    >>> len(agents), len(jobs), len(sessions), sorted({a.region for a in agents})
    (3, 15, 6, ['ap-southeast-1', 'eu-west-1', 'us-east-1'])
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from dynastack import Client, Entity
from dynastack.ops.seeding import SeedProgress
from dynastack.repository import Repository
from examples.cicd.lifecycle import JobStatus
from examples.cicd.models import Agent, AgentStatus, Job, SessionToken

__all__ = ["demo_data", "seed"]

E = TypeVar("E", bound=Entity)

_REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-1")
_PIPELINES = ("api", "web", "worker", "infra")
_STATUSES = tuple(JobStatus)


def _job(n: int, now: datetime) -> Job:
    status = _STATUSES[n % len(_STATUSES)]
    created = now - timedelta(hours=n * 72 / 50 + 0.25)
    claimed = status is not JobStatus.QUEUED
    finished = status in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)
    return Job(
        job_id=f"demo-job-{n:04d}",
        pipeline=_PIPELINES[n % len(_PIPELINES)],
        ref="main" if n % 3 else f"feature/{n}",
        commit_sha=f"{n * 2654435761 % 16**12:012x}",
        status=status,
        created_at=created,
        claimed_by=f"demo-agent-{n % 5:03d}" if claimed else None,
        claimed_at=created + timedelta(seconds=5) if claimed else None,
        started_at=created + timedelta(seconds=9) if claimed else None,
        finished_at=created + timedelta(minutes=4) if finished else None,
        exit_code={JobStatus.SUCCEEDED: 0, JobStatus.FAILED: 1}.get(status),
        error="tests failed: 3 of 412" if status is JobStatus.FAILED else None,
    )


def demo_data(count: int, *, now: datetime) -> tuple[list[Agent], list[Job], list[SessionToken]]:
    """``count`` agents, ``5 * count`` jobs and ``2 * count`` sessions, as of ``now``."""
    agents = [
        Agent(
            agent_id=f"demo-agent-{n:03d}",
            region=_REGIONS[n % len(_REGIONS)],
            hostname=f"runner-{n:03d}.ci.internal",
            labels=["linux", "docker"] + (["gpu"] if n % 4 == 0 else []),
            status=AgentStatus.BUSY if n % 2 else AgentStatus.IDLE,
            running_jobs=n % 2,
            cpu_percent=float(20 + n * 7 % 70),
            # every fourth agent has gone silent, so the health view shows both kinds
            last_heartbeat_at=now - timedelta(seconds=600 if n % 4 == 3 else 10 + n),
        )
        for n in range(count)
    ]
    jobs = [_job(n, now) for n in range(5 * count)]
    sessions = [
        SessionToken(
            session_id=f"demo-session-{n:03d}-{device}-{'x' * 16}",
            user_id=f"demo-user-{n:03d}",
            expires_at=now + timedelta(hours=12),
            user_agent=("Mozilla/5.0 (X11; Linux x86_64)", "cicd-cli/2.3")[device],
            ip_address=f"203.0.113.{n % 250 + 1}",
        )
        for n in range(count)
        for device in (0, 1)
    ]
    return agents, jobs, sessions


def _write(repository: Repository[E], label: str, items: list[E], progress: SeedProgress) -> int:
    progress(label, 0, len(items))
    done = repository.batch_write(
        items, on_progress=lambda p: progress(label, p.written, len(items))
    )
    return done.written


def seed(
    client: Client, *, env: str | None, count: int, progress: SeedProgress
) -> Mapping[str, int]:
    """Write the demo data (the ``App(seed=...)`` contract); ``{table: items written}``."""
    agents, jobs, sessions = demo_data(count, now=datetime.now(UTC))
    return {
        "agents": _write(Repository(Agent, client, env=env), "agents", agents, progress),
        "jobs": _write(Repository(Job, client, env=env), "jobs", jobs, progress),
        "sessions": _write(
            Repository(SessionToken, client, env=env), "sessions", sessions, progress
        ),
    }
