"""CI/CD jobs by time (seed 002's flaw fixed): a write-sharded index, merged newest first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from examples.cicd.models import JOB_SHARDS, JOBS_BY_TIME, day_of, time_key

from dynastack import Client
from dynastack.app import BoundApp
from examples.cicd import Job, JobRepository, JobStatus, app

from .cicd_support import Clock

pytestmark = pytest.mark.integration

JOBS = 40
SPACING = timedelta(hours=1, minutes=30)  # 40 jobs over 2.5 days: three index days


@pytest.fixture(scope="module")
def submitted(client: Client, env: str) -> list[Job]:
    """40 jobs, one every 90 minutes, newest last; the last two get a later status."""
    clock = Clock(datetime(2031, 6, 1, 0, 15, tzinfo=UTC), step=timedelta(0))
    cicd = app.bind(client, env=env, clock=clock)
    jobs: list[Job] = []
    for n in range(JOBS):
        jobs.append(
            cicd.service(JobRepository).submit(
                f"pipeline-{n % 3}", ref="main", commit_sha=f"{n:07x}"
            )
        )
        clock.advance(SPACING)
    cicd.service(JobRepository).claim(jobs[-1].job_id, "w1")
    cicd.service(JobRepository).cancel(jobs[-2].job_id)
    return jobs


def _cicd(client: Client, env: str, submitted: list[Job]) -> BoundApp:
    """Repositories whose clock stands a minute after the newest job."""
    clock = Clock(submitted[-1].created_at + timedelta(minutes=1), step=timedelta(0))
    return app.bind(client, env=env, clock=clock)


def test_jobs_spread_over_many_index_partitions(
    client: Client, env: str, submitted: list[Job]
) -> None:
    spec = next(s for s in app.table_specs(env=env) if s.logical_name == "jobs")
    [index] = spec.indexes
    assert index.name == JOBS_BY_TIME
    raw = client.scan(TableName=spec.name)["Items"]
    partitions = {item[index.pk.name]["S"] for item in raw}
    days = {p.split("#")[1] for p in partitions}
    assert len(days) == 3
    assert len(partitions) > 3 * JOB_SHARDS // 2  # not one hot key: many, over days and shards
    assert all(p.startswith("JOBS#") for p in partitions)


def test_list_recent_merges_the_shards_newest_first(
    client: Client, env: str, submitted: list[Job]
) -> None:
    cicd = _cicd(client, env, submitted)
    newest = list(reversed(submitted))
    page = cicd.service(JobRepository).list_recent(limit=10)
    assert [j.job_id for j in page] == [j.job_id for j in newest[:10]]


def test_list_recent_continues_after_the_last_job_across_days(
    client: Client, env: str, submitted: list[Job]
) -> None:
    cicd = _cicd(client, env, submitted)
    seen: list[Job] = []
    page = cicd.service(JobRepository).list_recent(limit=7)
    while page:
        seen.extend(page)
        page = cicd.service(JobRepository).list_recent(limit=7, before=page[-1])
    assert [j.job_id for j in seen] == [j.job_id for j in reversed(submitted)]
    assert [time_key(j) for j in seen] == sorted((time_key(j) for j in seen), reverse=True)


def test_list_recent_filters_by_status_and_stops_at_the_window(
    client: Client, env: str, submitted: list[Job]
) -> None:
    cicd = _cicd(client, env, submitted)
    cancelled = cicd.service(JobRepository).list_recent(status=JobStatus.CANCELLED)
    assert [j.job_id for j in cancelled] == [submitted[-2].job_id]
    queued = cicd.service(JobRepository).list_recent(limit=100, status=JobStatus.QUEUED)
    assert len(queued) == JOBS - 2
    # a one-day window reaches back to yesterday's index partition and no further
    last_day = cicd.service(JobRepository).list_recent(limit=100, window=timedelta(days=1))
    oldest_day = day_of(submitted[-1].created_at - timedelta(days=1))
    assert {j.day for j in last_day} == {oldest_day, submitted[-1].day}
    assert len(last_day) == sum(1 for j in submitted if j.day >= oldest_day)
