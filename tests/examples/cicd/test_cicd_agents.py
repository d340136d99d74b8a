"""CI/CD agents (seed 002): registration, heartbeats, health computed on read, region index."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from dynastack import Client
from dynastack.errors import ConditionalCheckFailed
from examples.cicd import AgentRepository, AgentStatus, app

from .cicd_support import Clock

pytestmark = pytest.mark.integration


@pytest.fixture
def region() -> str:
    """A region of one test only (the module's tables are shared)."""
    return f"region-{uuid4().hex[:8]}"


def test_register_and_get_agent(agents: AgentRepository, region: str, clock: Clock) -> None:
    agent = agents.register(
        "agent-a", region=region, hostname="runner-a.ci.internal", labels={"linux", "gpu"}
    )
    assert agent.labels == ["gpu", "linux"]
    assert agent.last_heartbeat_at == agent.registered_at
    assert agents.get("agent-a") == agent
    assert agents.get("agent-unknown") is None
    # re-registering after a restart replaces the record (a fresh heartbeat included)
    clock.advance(timedelta(minutes=5))
    again = agents.register("agent-a", region=region, hostname="runner-a2.ci.internal")
    assert (again.hostname, again.labels) == ("runner-a2.ci.internal", [])
    assert again.last_heartbeat_at > agent.last_heartbeat_at


def test_heartbeat_records_the_report_and_the_time(
    agents: AgentRepository, region: str, clock: Clock
) -> None:
    agent_id = f"agent-{uuid4().hex[:8]}"
    registered = agents.register(agent_id, region=region, hostname="h1")
    clock.advance(timedelta(seconds=30))
    beat = agents.heartbeat(
        agent_id, status=AgentStatus.BUSY, running_jobs=2, cpu_percent=71.5, memory_percent=40.0
    )
    assert (beat.status, beat.running_jobs, beat.cpu_percent) == (AgentStatus.BUSY, 2, 71.5)
    assert beat.last_heartbeat_at - registered.last_heartbeat_at > timedelta(seconds=30)
    assert agents.get(agent_id) == beat
    with pytest.raises(ConditionalCheckFailed, match="not found"):
        agents.heartbeat("agent-never-registered")


def test_a_late_heartbeat_never_moves_the_time_back(
    agents: AgentRepository, client: Client, env: str, region: str, clock: Clock
) -> None:
    agent_id = f"agent-{uuid4().hex[:8]}"
    agents.register(agent_id, region=region, hostname="h1")
    clock.advance(timedelta(seconds=60))
    latest = agents.heartbeat(agent_id, running_jobs=1)
    # a heartbeat sent earlier (its clock reads 30 s ago) arrives after the latest one
    late_clock = Clock(clock.now - timedelta(seconds=30), step=timedelta(0))
    late = AgentRepository(app.bind(client, env=env, clock=late_clock)).heartbeat(
        agent_id, running_jobs=0
    )
    assert late == latest
    assert agents.get(agent_id) == latest


def test_health_is_computed_on_read_against_the_clock(
    agents: AgentRepository, region: str, clock: Clock
) -> None:
    agent = agents.register("agent-health", region=region, hostname="h1")
    assert agents.is_healthy(agent)
    clock.advance(agents.max_silence - timedelta(seconds=1))
    assert agents.is_healthy(agent)
    clock.advance(timedelta(seconds=2))
    assert not agents.is_healthy(agent)
    beat = agents.heartbeat("agent-health")
    assert agents.is_healthy(beat)


def test_agents_by_region_latest_heartbeat_first_and_only_healthy(
    agents: AgentRepository, region: str, clock: Clock
) -> None:
    for name in ("a", "b", "c"):
        agents.register(f"{region}-{name}", region=region, hostname=name)
    agents.register(f"{region}-elsewhere", region=f"{region}-x", hostname="x")
    clock.advance(timedelta(minutes=10))  # everyone is silent now …
    agents.heartbeat(f"{region}-a")  # … but a and b speak again
    agents.heartbeat(f"{region}-b")
    listed = agents.list_by_region(region, limit=2)
    rest = agents.list_by_region(region, limit=2, cursor=listed.cursor)
    assert [a.agent_id for a in [*listed, *rest]] == [f"{region}-{n}" for n in ("b", "a", "c")]
    healthy = agents.list_healthy(region)
    assert [a.agent_id for a in healthy] == [f"{region}-b", f"{region}-a"]
    assert all(agents.is_healthy(a) for a in healthy)
