"""Seed 002's FastAPI app on a real uvicorn, DynamoDB Local and real dev tokens.

The app is the module ``examples.cicd.api`` as a user serves it (``uvicorn
examples.cicd.api:api``), configured by its environment variables; its Lambda ``handler`` is
checked against the same server's answers.
"""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
import uvicorn

from dynastack import Client
from dynastack.auth import DevIssuer
from dynastack.model import TableSpec
from dynastack.provisioning import ensure_table
from dynastack.sessions.dynamodb import SESSIONS_TABLE
from examples.cicd import AgentRepository, JobRepository, app
from tests.api.conftest import _Running
from tests.api.http import Reply, Server
from tests.api.test_lambda import SERVER_ONLY, http_api_v2, rest_api_v1

pytestmark = pytest.mark.integration


class Served:
    def __init__(self, server: Server, module: ModuleType, issuer: DevIssuer, env: str) -> None:
        self.server = server
        self.module = module
        self.issuer = issuer
        self.env = env


@pytest.fixture(scope="module")
def cicd_api(dynamodb_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    env = f"api{uuid.uuid4().hex[:6]}"
    client = Client.local(dynamodb_endpoint)
    app.create_tables(client, env=env)
    ensure_table(TableSpec.compile(SESSIONS_TABLE, env=env), client)
    state = tmp_path_factory.mktemp("cicd-dev-issuer")
    patch = pytest.MonkeyPatch()
    for name, value in {
        "DYNASTACK_ENV": "dev",
        "DYNASTACK_API_ENV": env,
        "DYNASTACK_ENDPOINT": dynamodb_endpoint,
        "DYNASTACK_STATE_DIR": str(state),
    }.items():
        patch.setenv(name, value)
    # a fresh module: its Dynastack reads these variables on first use, like a new process
    module = importlib.reload(importlib.import_module("examples.cicd.api"))
    config = uvicorn.Config(module.api, host="127.0.0.1", port=0, log_level="warning")
    running = _Running(uvicorn.Server(config))
    port = running.start()
    try:
        yield Served(Server("127.0.0.1", port), module, DevIssuer(Path(state)), env)
    finally:
        running.stop()
        patch.undo()
        app.drop_tables(client, env=env)
        client.delete_table(TableName=TableSpec.compile(SESSIONS_TABLE, env=env).name)
        client.close()


def _token(served: Served, user: str, *groups: str) -> str:
    return served.issuer.issue(user, groups=groups)


def _cookies(reply: Reply) -> list[str]:
    raw = reply.headers.get("set-cookie", "")
    return [c.strip() for c in raw.split("\n") if c.strip()]


def test_health_and_info_answer_without_a_credential(cicd_api: Served) -> None:
    assert cicd_api.server.call("GET", "/health").json == {"status": "healthy"}
    info = cicd_api.server.call("GET", "/info")
    assert info.status == 200
    assert info.json["environment"] == "dev"


def test_routes_refuse_a_missing_or_forged_credential_as_problems(cicd_api: Served) -> None:
    missing = cicd_api.server.call("GET", "/jobs")
    assert missing.status == 401
    assert missing.problem_type == "unauthenticated"
    forged = DevIssuer(Path(cicd_api.issuer.directory) / "other").issue("mallory")
    assert cicd_api.server.call("GET", "/jobs", token=forged).status == 401


def test_a_session_lives_in_secure_cookies_and_ends_at_logout(cicd_api: Served) -> None:
    server = cicd_api.server
    token = _token(cicd_api, "alice-" + uuid.uuid4().hex[:6], "Developers")
    made = server.call("POST", "/auth/sessions", token=token, headers={"User-Agent": "cli/1"})
    assert made.status == 201, made.raw
    cookies = _cookies(made)
    session_cookie = next(c for c in cookies if c.startswith("__Host-session="))
    for attribute in ("HttpOnly", "Secure", "SameSite=Lax", "Path=/"):
        assert attribute in session_cookie
    assert any(c.startswith("__Secure-refresh=") and "HttpOnly" in c for c in cookies)
    assert "session_token" not in made.json and "refresh_token" not in made.json
    sent = {"Cookie": session_cookie.split(";")[0]}
    validated = server.call("GET", "/auth/session", headers=sent)
    assert validated.status == 200, validated.raw
    assert validated.json["session_id"] == made.json["session_id"]
    listed = server.call("GET", "/auth/sessions", headers=sent)
    assert [s["session_id"] for s in listed.json] == [made.json["session_id"]]
    # the session cookie alone authenticates the other routes too
    assert server.call("GET", "/jobs", headers=sent).status == 200
    out = server.call("POST", "/auth/logout", headers=sent)
    assert out.status == 204
    assert all("Max-Age=0" in c for c in _cookies(out))
    assert server.call("GET", "/auth/session", headers=sent).status == 401
    assert server.call("GET", "/jobs", headers=sent).status == 401


def test_agent_config_and_heartbeat(cicd_api: Served, dynamodb_endpoint: str) -> None:
    agent_id = "agent-" + uuid.uuid4().hex[:6]
    with Client.local(dynamodb_endpoint) as client:
        app.bind(client, env=cicd_api.env).service(AgentRepository).register(
            agent_id, region="eu-west-1", hostname="h1", labels=["linux"]
        )
    token = _token(cicd_api, agent_id, "Agents")
    config = cicd_api.server.call("GET", f"/agents/{agent_id}/config", token=token)
    assert config.status == 200, config.raw
    assert config.json == {
        "agent_id": agent_id, "region": "eu-west-1", "labels": ["linux"], "heartbeat_seconds": 30
    }  # fmt: skip
    beat = cicd_api.server.call(
        "POST", f"/agents/{agent_id}/heartbeat", token=token,
        json={"status": "BUSY", "running_jobs": 1, "cpu_percent": 12.5},
    )  # fmt: skip
    assert beat.status == 200, beat.raw
    assert beat.json == {"agent_id": agent_id, "healthy": True}
    bad = cicd_api.server.call(
        "POST", f"/agents/{agent_id}/heartbeat", token=token, json={"cpu_percent": 250.5}
    )
    assert bad.status == 400
    assert bad.problem_type == "validation"
    assert b"250.5" not in bad.raw  # the input is never echoed back
    other = _token(cicd_api, "agent-other", "Agents")
    assert cicd_api.server.call("GET", f"/agents/{agent_id}/config", token=other).status == 403
    user = _token(cicd_api, agent_id, "Developers")  # the right name, not an agent
    assert cicd_api.server.call("GET", f"/agents/{agent_id}/config", token=user).status == 403
    admin = _token(cicd_api, "root", "Administrators")
    unknown = cicd_api.server.call("GET", "/agents/nobody/config", token=admin)
    assert unknown.status == 404
    assert unknown.problem_type == "not-found"


def test_jobs_list_claim_and_update_follow_the_lifecycle(
    cicd_api: Served, dynamodb_endpoint: str
) -> None:
    with Client.local(dynamodb_endpoint) as client:
        job = (
            app.bind(client, env=cicd_api.env)
            .service(JobRepository)
            .submit("api", ref="main", commit_sha="3f2a9c1")
        )
    server = cicd_api.server
    w1, w2 = _token(cicd_api, "worker-1", "Agents"), _token(cicd_api, "worker-2", "Agents")
    listed = server.call("GET", "/jobs", token=w1, query={"status": "QUEUED", "limit": "100"})
    assert listed.status == 200, listed.raw
    assert job.job_id in [j["job_id"] for j in listed.json]
    developer = _token(cicd_api, "dev-1", "Developers")
    refused = server.call("POST", f"/jobs/{job.job_id}/claim", token=developer)
    assert refused.status == 403
    assert refused.problem_type == "forbidden"
    claimed = server.call("POST", f"/jobs/{job.job_id}/claim", token=w1)
    assert claimed.status == 200, claimed.raw
    assert (claimed.json["status"], claimed.json["claimed_by"]) == ("CLAIMED", "worker-1")
    assert server.call("POST", f"/jobs/{job.job_id}/claim", token=w2).status == 412
    path = f"/jobs/{job.job_id}"
    assert server.call("PATCH", path, token=w2, json={"status": "RUNNING"}).status == 412
    running = server.call("PATCH", path, token=w1, json={"status": "RUNNING"})
    assert running.json["status"] == "RUNNING", running.raw
    unfinished = server.call("PATCH", path, token=w1, json={"status": "SUCCEEDED"})
    assert unfinished.status == 400
    done = server.call("PATCH", path, token=w1, json={"status": "SUCCEEDED", "exit_code": 0})
    assert done.json["status"] == "SUCCEEDED", done.raw
    assert server.call("POST", "/jobs/no-such-job/claim", token=w1).status == 404
    assert server.call("PATCH", path, token=w1, json={"status": "DONE"}).problem_type == (
        "validation"
    )


@pytest.mark.parametrize("event", [http_api_v2, rest_api_v1])
def test_the_lambda_handler_answers_as_uvicorn(cicd_api: Served, event: object) -> None:
    token = _token(cicd_api, "worker-9", "Administrators")
    headers = {"Authorization": f"Bearer {token}", "X-Request-Id": "cicd-lambda-1"}
    for method, path, query in [
        ("GET", "/health", {}),
        ("GET", "/info", {}),
        ("GET", "/jobs", {"status": "SUCCEEDED", "limit": "5"}),
        ("GET", "/agents/nobody/config", {}),
        ("GET", "/jobs", {"limit": "0"}),
    ]:
        served = cicd_api.server.call(method, path, query=query or None, headers=headers)
        answer = cicd_api.module.handler(event(method, path, query, headers, b""), {})  # type: ignore[operator]
        assert answer["statusCode"] == served.status, (path, answer)
        got = {k.lower(): v for k, v in (answer.get("headers") or {}).items()}
        for name, values in (answer.get("multiValueHeaders") or {}).items():
            got[name.lower()] = ", ".join(values)
        assert got == {k: v for k, v in served.headers.items() if k not in SERVER_ONLY}
        assert answer["body"].encode() == served.raw, path
