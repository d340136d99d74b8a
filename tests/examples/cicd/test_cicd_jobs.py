"""CI/CD jobs (seed 002): the status lifecycle, enforced by conditional updates, and claim races."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from examples.cicd.lifecycle import By, condition_for, refusal

from dynastack import Client
from dynastack.app import BoundApp
from dynastack.core.expressions import Placeholders, compile
from dynastack.errors import ConditionalCheckFailed, InvalidRequest
from examples.cicd import TRANSITIONS, IllegalTransition, Job, JobRepository, JobStatus, app

SHA = "3f2a9c1d"


def _submit(cicd: BoundApp) -> Job:
    return cicd.service(JobRepository).submit("api", ref="main", commit_sha=SHA)


# -- the table itself (no DynamoDB) ------------------------------------------------------------


def test_every_status_has_a_row_and_final_statuses_have_no_exit() -> None:
    assert set(TRANSITIONS) == set(JobStatus)
    for targets in TRANSITIONS.values():
        assert set(targets) <= set(JobStatus)
    assert TRANSITIONS[JobStatus.SUCCEEDED] == {}
    assert TRANSITIONS[JobStatus.CANCELLED] == {}
    # every status but the first is reachable from somewhere
    reachable = {to for targets in TRANSITIONS.values() for to in targets}
    assert reachable == set(JobStatus) - set()


def test_the_condition_is_derived_from_the_table() -> None:
    ph = Placeholders()
    text = compile(condition_for(JobStatus.QUEUED, "w1"), ph)
    # (CLAIMED by w1) or FAILED: a release by its worker, or a retry by anyone
    assert text == "#n0 = :v0 AND #n1 = :v1 OR #n0 = :v2"  # AND binds tighter than OR
    assert ph.values == {":v0": "CLAIMED", ":v1": "w1", ":v2": "FAILED"}
    claimant_only = [to for to in JobStatus if all(
        TRANSITIONS[s].get(to) in (None, By.CLAIMANT) for s in JobStatus
    ) and any(to in TRANSITIONS[s] for s in JobStatus)]  # fmt: skip
    assert set(claimant_only) == {JobStatus.RUNNING, JobStatus.SUCCEEDED, JobStatus.FAILED}
    for to in claimant_only:
        with pytest.raises(InvalidRequest, match="give worker_id"):
            condition_for(to, None)


def test_refusals_say_what_the_table_allows() -> None:
    assert refusal(JobStatus.QUEUED, None, JobStatus.RUNNING, "w") == (
        "QUEUED → RUNNING is not a legal transition (from QUEUED: CLAIMED, CANCELLED)"
    )
    assert "claimed by w1, not w2" in refusal(JobStatus.RUNNING, "w1", JobStatus.SUCCEEDED, "w2")
    assert "moves jobs from CLAIMED only" in refusal(
        JobStatus.FAILED, None, JobStatus.QUEUED, "w", {JobStatus.CLAIMED}
    )


# -- against DynamoDB Local --------------------------------------------------------------------


@pytest.mark.integration
def test_a_job_runs_its_whole_life(cicd: BoundApp, jobs: JobRepository) -> None:
    job = _submit(cicd)
    assert (job.status, job.attempts, job.version) == (JobStatus.QUEUED, 1, 1)
    claimed = jobs.claim(job.job_id, "w1")
    assert (claimed.status, claimed.claimed_by) == (JobStatus.CLAIMED, "w1")
    assert claimed.claimed_at is not None
    running = jobs.start(job.job_id, "w1")
    assert running.status is JobStatus.RUNNING and running.started_at is not None
    done = jobs.finish(job.job_id, "w1", exit_code=0)
    assert (done.status, done.exit_code) == (JobStatus.SUCCEEDED, 0)
    assert done.version == 4  # created, then three moves
    assert jobs.get(job.job_id) == done
    # the time index never moves: status changes do not rewrite the job's partition
    assert (done.day, done.shard, done.created_at) == (job.day, job.shard, job.created_at)


@pytest.mark.integration
def test_an_illegal_transition_is_a_clear_error_and_changes_nothing(
    cicd: BoundApp, jobs: JobRepository
) -> None:
    job = _submit(cicd)
    with pytest.raises(IllegalTransition) as refused:
        jobs.start(job.job_id, "w1")  # never claimed
    assert str(refused.value) == (
        "QUEUED → RUNNING is not a legal transition (from QUEUED: CLAIMED, CANCELLED)"
    )
    assert refused.value.requested is JobStatus.RUNNING
    assert isinstance(refused.value.current, Job)
    assert refused.value.current.status is JobStatus.QUEUED
    assert isinstance(refused.value, ConditionalCheckFailed)  # one error tree
    assert jobs.get(job.job_id) == job

    jobs.cancel(job.job_id)
    with pytest.raises(IllegalTransition, match="CANCELLED → CANCELLED is not a legal"):
        jobs.cancel(job.job_id)
    with pytest.raises(IllegalTransition, match=r"from CANCELLED: none"):
        jobs.claim(job.job_id, "w1")


@pytest.mark.integration
def test_only_the_claiming_worker_moves_a_claimed_job(cicd: BoundApp, jobs: JobRepository) -> None:
    job = _submit(cicd)
    jobs.claim(job.job_id, "w1")
    with pytest.raises(IllegalTransition, match="claimed by w1, not w2"):
        jobs.start(job.job_id, "w2")
    with pytest.raises(IllegalTransition, match="claimed by w1, not w2"):
        jobs.release(job.job_id, "w2")
    released = jobs.release(job.job_id, "w1")
    assert (released.status, released.claimed_by, released.claimed_at) == (
        JobStatus.QUEUED, None, None,
    )  # fmt: skip


@pytest.mark.integration
def test_retry_and_release_take_different_edges_to_queued(cicd: BoundApp) -> None:
    job = _submit(cicd)
    cicd.service(JobRepository).claim(job.job_id, "w1")
    cicd.service(JobRepository).start(job.job_id, "w1")
    failed = cicd.service(JobRepository).finish(job.job_id, "w1", exit_code=2, error="lint failed")
    assert (failed.status, failed.error) == (JobStatus.FAILED, "lint failed")
    with pytest.raises(IllegalTransition, match="moves jobs from CLAIMED only"):
        cicd.service(JobRepository).release(job.job_id, "w1")
    again = cicd.service(JobRepository).retry(job.job_id)
    assert (again.status, again.attempts) == (JobStatus.QUEUED, 2)
    assert (again.claimed_by, again.exit_code, again.error, again.finished_at) == (
        None, None, None, None,
    )  # fmt: skip
    with pytest.raises(IllegalTransition, match="QUEUED → QUEUED is not a legal transition"):
        cicd.service(JobRepository).retry(job.job_id)


@pytest.mark.integration
def test_a_missing_job_is_not_found_not_an_illegal_transition(jobs: JobRepository) -> None:
    with pytest.raises(ConditionalCheckFailed, match="not found") as missing:
        jobs.claim("job-does-not-exist", "w1")
    assert not isinstance(missing.value, IllegalTransition)


@pytest.mark.integration
@pytest.mark.parametrize("round_", range(3))
def test_two_workers_cannot_both_claim_a_job(
    dynamodb_endpoint: str, env: str, cicd: BoundApp, jobs: JobRepository, round_: int
) -> None:
    workers = 6
    job = _submit(cicd)
    start = threading.Barrier(workers)
    clients = [Client.local(dynamodb_endpoint) for _ in range(workers)]

    def claim(n: int) -> Job | IllegalTransition:
        repository = JobRepository(app.bind(clients[n], env=env))
        start.wait()  # every worker sends its claim at the same moment
        try:
            return repository.claim(job.job_id, f"worker-{n}")
        except IllegalTransition as lost:
            return lost

    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            outcomes = list(pool.map(claim, range(workers)))
    finally:
        for made in clients:
            made.close()
    winners = [o for o in outcomes if isinstance(o, Job)]
    losers = [o for o in outcomes if isinstance(o, IllegalTransition)]
    assert len(winners) == 1 and len(losers) == workers - 1
    [winner] = winners
    stored = jobs.get(job.job_id)
    assert stored is not None and stored.claimed_by == winner.claimed_by
    for lost in losers:
        assert isinstance(lost.current, Job)
        assert (lost.current.status, lost.current.claimed_by) == (
            JobStatus.CLAIMED, winner.claimed_by,
        )  # fmt: skip
