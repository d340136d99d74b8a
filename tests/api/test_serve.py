"""``dynastack serve`` as a user runs it: N worker processes that behave as one API."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dynastack.cli import main
from tests.api.conftest import CURSOR_KEY
from tests.api.http import Server

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def two_workers(dynamodb_endpoint: str, api_env: str) -> Iterator[Server]:
    port = _free_port()
    env = {
        **os.environ,
        "DYNASTACK_ENV": "staging",
        "DYNASTACK_CURSOR_KEY": CURSOR_KEY.hex(),
        "DYNASTACK_CORS_ORIGINS": "https://app.example.com",
        "DYNASTACK_RATE_LIMIT": "40",
        "DYNASTACK_RATE_WINDOW": "7200",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
    }
    exe = Path(sys.executable).with_name("dynastack")
    process = subprocess.Popen(
        [str(exe), "serve", "tests.api.served:cloud", "--port", str(port), "--workers", "2",
         "--env", api_env, "--endpoint", dynamodb_endpoint],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    server = Server("127.0.0.1", port)
    deadline = time.monotonic() + 60
    ready = threading.Event()
    while not ready.is_set():  # poll until both workers answer (a condition, not a fixed wait)
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        assert time.monotonic() < deadline, "dynastack serve did not answer in 60 s"
        try:
            if server.call("GET", "/healthz").status == 200:
                ready.set()
        except OSError:
            ready.wait(0.2)
    try:
        yield server
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_cursors_and_rate_windows_hold_across_worker_processes(two_workers: Server) -> None:
    org = "Org-workers-" + os.urandom(3).hex()
    body = {"organization": org, "project": "p", "domain": "d", "template": "t"}
    made = [
        two_workers.call("POST", "/deployments", token="dev-token", json=body).json["deployment_id"]
        for _ in range(4)
    ]
    seen: list[str] = []
    cursor = None
    while True:  # every page on a new connection: the workers take turns at random
        query = {"organization": org, "limit": "1", **({"cursor": cursor} if cursor else {})}
        reply = two_workers.call(
            "GET", "/deployments/index/OrganizationIndex", token="dev-token", query=query
        )
        assert reply.status == 200, reply.raw
        seen += [d["deployment_id"] for d in reply.json["items"]]
        cursor = reply.json["cursor"]
        if cursor is None:
            break
    assert seen == made
    # one rate window for all workers: 40 per principal per two hours, whoever serves
    statuses = [
        two_workers.call("GET", "/deployments/DAAAAAA", token="ro-token").status for _ in range(42)
    ]
    assert statuses.count(404) == 40 and statuses[-2:] == [429, 429]


def test_serve_refuses_bad_settings_with_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DYNASTACK_ENV", "production")
    monkeypatch.setenv("DYNASTACK_CURSOR_KEY", "0" * 64)
    monkeypatch.delenv("DYNASTACK_CORS_ORIGINS", raising=False)
    assert main(["serve", "tests.api.served:cloud", "--port", "0"]) == 1
    assert "DYNASTACK_CORS_ORIGINS" in capsys.readouterr().err


def test_serve_refuses_settings_that_trust_no_credential(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # the example declares no authenticator: the default one of the settings is used, and
    # with dev tokens off and nothing else configured it trusts nobody, so serve refuses
    for name in [n for n in os.environ if n.startswith("DYNASTACK_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("DYNASTACK_TRUST_DEV_TOKENS", "false")
    monkeypatch.setenv("DYNASTACK_ENDPOINT", "http://127.0.0.1:9")  # never dialled
    assert main(["serve", "examples.cloud_platform:app", "--port", "0"]) == 1
    assert "no credential is trusted" in capsys.readouterr().err
