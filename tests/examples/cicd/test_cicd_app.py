"""The CI/CD app: table names and shapes, demo data, runnable docstrings."""

from __future__ import annotations

import doctest
import importlib
from uuid import uuid4

import pytest

from dynastack import Client
from dynastack.ops.seeding import run_seed
from examples.cicd import AgentRepository, JobRepository, JobStatus, SessionRepository, app

MODULES = ["examples.cicd", "examples.cicd.lifecycle", "examples.cicd.models",
           "examples.cicd.repositories", "examples.cicd.seed"]  # fmt: skip


def test_tables_have_the_seed_keys_indexes_and_ttl() -> None:
    sessions, jobs, agents = app.table_specs(env="dev", environ={})
    assert [s.name for s in (sessions, jobs, agents)] == [
        "cicd-sessions-dev", "cicd-jobs-dev", "cicd-agents-dev",
    ]  # fmt: skip
    assert (sessions.pk.name, sessions.ttl_attribute) == ("session_id", "expires_at")
    [by_user] = sessions.indexes
    assert (by_user.name, by_user.pk.name) == ("UserSessionsIndex", "user_id")
    assert (jobs.pk.name, jobs.ttl_attribute) == ("job_id", None)
    [by_time] = jobs.indexes
    # the fix for seed 002's hot GSI: the index key is a computed, sharded attribute
    assert by_time.pk.name == "JobsByTimeIndexPK" and by_time.sk is not None
    assert (agents.pk.name, [i.name for i in agents.indexes]) == ("agent_id", ["RegionIndex"])


@pytest.mark.integration
def test_seed_writes_the_demo_data_and_can_run_twice(dynamodb_endpoint: str) -> None:
    client = Client.local(dynamodb_endpoint)
    env = f"t{uuid4().hex[:8]}"
    app.create_tables(client, env=env)
    try:
        written = run_seed(app, client, env=env, count=4)
        assert written == {"agents": 4, "jobs": 20, "sessions": 8}
        assert run_seed(app, client, env=env, count=4) == written
        cicd = app.bind(client, env=env)
        recent = cicd.service(JobRepository).list_recent(limit=100)
        assert len(recent) == 20
        assert {j.status for j in recent} == set(JobStatus)
        assert len(cicd.service(SessionRepository).list_for_user("demo-user-000")) == 2
        regions = {a.region for a in cicd.service(AgentRepository).agents.scan()}
        assert len(regions) == 3
    finally:
        app.drop_tables(client, env=env)
        client.close()


@pytest.mark.integration
@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(
    name: str, dynamodb_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DYNASTACK_ENDPOINT", dynamodb_endpoint)
    module = importlib.import_module(name)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in doctest.DocTestFinder(exclude_empty=True).find(module, name):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted > 0, f"{name} has no docstring example"
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
