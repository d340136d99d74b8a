"""Seed 002's FastAPI app: its 10 endpoints, on dynastack's FastAPI integration.

health, info; sessions create / validate / logout / list (``dynastack.sessions``: the session
and refresh tokens travel in ``HttpOnly; Secure; SameSite`` cookies, never in browser storage,
the seed's flaw fixed); agent config / heartbeat; jobs list / claim / update. Every route but
health and info needs a credential (a bearer token, an API key or the session cookie). Only
``Agents`` (and ``Administrators``) claim and move jobs, as themselves (the principal's subject
is the worker id), and an agent reads and reports only its own config and heartbeat.

Serve it with ``uvicorn examples.cicd.api:api``; on Lambda, ``handler`` (Mangum) serves it.

Example:
    >>> sorted(r.path for r in api.routes if r.path.startswith(("/jobs", "/agents")))
    ['/agents/{agent_id}/config', '/agents/{agent_id}/heartbeat', '/jobs', '/jobs/{job_id}', \
'/jobs/{job_id}/claim']
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Query, Request, Response
from pydantic import BaseModel, Field

from dynastack.api.aws_lambda import handler_for
from dynastack.api.fastapi import Dynastack
from dynastack.api.problems import Problem
from dynastack.auth import AuthenticationFailed, PermissionDenied, Principal
from dynastack.errors import ConditionalCheckFailed
from dynastack.sessions import Session
from examples.cicd import app
from examples.cicd.lifecycle import JobStatus
from examples.cicd.models import Agent, AgentStatus, Job
from examples.cicd.repositories import AgentRepository, JobRepository

__all__ = ["api", "dynastack", "handler"]

VERSION = "1.0.0"
#: how often an agent is told to send a heartbeat (its health window is 90 s)
HEARTBEAT_SECONDS = 30

dynastack = Dynastack(app)
api = FastAPI(title="CI/CD API", version=VERSION, lifespan=dynastack.lifespan)
dynastack.install(api)
handler = handler_for(api)

Caller = Annotated[Principal, Depends(dynastack.principal)]
#: workers (their subject is the agent id) and administrators: only they move jobs and agents
Worker = Annotated[Principal, Depends(dynastack.member_of("Agents", "Administrators"))]
Jobs = Annotated[JobRepository, Depends(dynastack.domain(JobRepository))]
Agents = Annotated[AgentRepository, Depends(dynastack.domain(AgentRepository))]


class SessionView(BaseModel):
    session_id: str
    user_id: str
    created_at: int
    expires_at: int
    label: str | None = None


class AgentConfig(BaseModel):
    agent_id: str
    region: str
    labels: list[str]
    heartbeat_seconds: int = HEARTBEAT_SECONDS


class Heartbeat(BaseModel):
    status: AgentStatus = AgentStatus.IDLE
    running_jobs: int = Field(default=0, ge=0)
    cpu_percent: float | None = Field(default=None, ge=0.0, le=100.0)
    memory_percent: float | None = Field(default=None, ge=0.0, le=100.0)


class JobUpdate(BaseModel):
    """A worker's move of its job: start it, finish it, or hand it back."""

    status: Literal["RUNNING", "SUCCEEDED", "FAILED", "QUEUED"]
    exit_code: int | None = None
    error: str | None = Field(default=None, max_length=4000)


def _view(session: Session) -> SessionView:
    return SessionView(
        session_id=session.session_id,
        user_id=session.user_id,
        created_at=session.created_at,
        expires_at=session.expires_at,
        label=session.label,
    )


@api.get("/health")
async def health() -> dict[str, str]:
    return {"status": "healthy"}


@api.get("/info")
async def info() -> dict[str, str]:
    return {"name": "cicd", "version": VERSION, "environment": dynastack.settings.env}


@api.post("/auth/sessions", status_code=201)
async def create_session(caller: Caller, request: Request, response: Response) -> SessionView:
    """Exchange the caller's credential (a bearer token) for a session in cookies."""
    issued = await dynastack.sessions.create(
        caller.subject,
        groups=caller.groups,
        username=caller.username,
        label=request.headers.get("user-agent", "")[:200] or None,
    )
    max_age = issued.session.expires_at - issued.session.created_at
    response.headers.append("set-cookie", dynastack.cookies.session(issued.session_token,
                                                                    max_age=max_age))  # fmt: skip
    response.headers.append(
        "set-cookie", dynastack.cookies.refresh(issued.refresh_token, max_age=max_age)
    )
    return _view(issued.session)


@api.get("/auth/session")
async def validate_session(request: Request) -> SessionView:
    """The session of the request's cookie (401 when it is missing, expired or revoked)."""
    token = dynastack.cookies.read_session(request.headers)
    if token is None:
        raise AuthenticationFailed("missing")
    return _view(await dynastack.sessions.validate(token))


@api.post("/auth/logout", status_code=204)
async def logout(request: Request, response: Response) -> None:
    token = dynastack.cookies.read_session(request.headers)
    if token is not None:
        await dynastack.sessions.logout(token)
    for cookie in dynastack.cookies.clear():
        response.headers.append("set-cookie", cookie)


@api.get("/auth/sessions")
async def list_sessions(caller: Caller) -> list[SessionView]:
    return [_view(s) for s in await dynastack.sessions.list_sessions(caller.subject)]


def _same_agent(caller: Principal, agent_id: str) -> None:
    # an agent speaks only for itself; an administrator for any
    if caller.subject != agent_id and "Administrators" not in caller.groups:
        raise PermissionDenied("an agent reads and reports only its own state")


def _agent(agents: AgentRepository, agent_id: str) -> Agent:
    found = agents.get(agent_id)
    if found is None:
        raise Problem("not-found", "no such agent")
    return found


@api.get("/agents/{agent_id}/config")
def agent_config(agent_id: str, caller: Worker, agents: Agents) -> AgentConfig:
    _same_agent(caller, agent_id)
    agent = _agent(agents, agent_id)
    return AgentConfig(agent_id=agent.agent_id, region=agent.region, labels=agent.labels)


@api.post("/agents/{agent_id}/heartbeat")
def agent_heartbeat(
    agent_id: str, beat: Heartbeat, caller: Worker, agents: Agents
) -> dict[str, Any]:
    _same_agent(caller, agent_id)
    try:
        agent = agents.heartbeat(agent_id, **beat.model_dump())
    except ConditionalCheckFailed:
        raise Problem("not-found", "no such agent (register it first)") from None
    return {"agent_id": agent.agent_id, "healthy": agents.is_healthy(agent)}


@api.get("/jobs")
def list_jobs(
    _caller: Caller,
    jobs: Jobs,
    status: JobStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> list[Job]:
    return jobs.list_recent(limit=limit, status=status)


def _moved(move: Any) -> Job:
    try:
        job: Job = move()
    except ConditionalCheckFailed as refused:
        if refused.current is None:  # no such job (an IllegalTransition carries the job)
            raise Problem("not-found", "no such job") from None
        raise
    return job


@api.post("/jobs/{job_id}/claim")
def claim_job(job_id: str, caller: Worker, jobs: Jobs) -> Job:
    return _moved(lambda: jobs.claim(job_id, caller.subject))


@api.patch("/jobs/{job_id}")
def update_job(job_id: str, change: JobUpdate, caller: Worker, jobs: Jobs) -> Job:
    worker = caller.subject
    if change.status == "RUNNING":
        return _moved(lambda: jobs.start(job_id, worker))
    if change.status == "QUEUED":
        return _moved(lambda: jobs.release(job_id, worker))
    if change.exit_code is None:
        raise Problem("validation", "finishing a job needs its exit_code")
    code = change.exit_code
    if (change.status == "SUCCEEDED") != (code == 0):
        raise Problem("validation", "SUCCEEDED is exit_code 0; FAILED is any other")
    return _moved(lambda: jobs.finish(job_id, worker, exit_code=code, error=change.error))
