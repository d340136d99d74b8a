"""Every CLI command that talks to DynamoDB names a closed port as such (issue 7, item 2).

Before, `tables plan/apply`, `seed`, `export` and `import` said "circuit open … 9.8s until the
next trial call": one command's own retries had opened the breaker, hiding the cause. The port
is really closed (a socket bound on 127.0.0.1 that never listens); `import` gets a real backup,
exported from the session's DynamoDB Local first.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dynastack.cli import app
from dynastack.client.client import Client

APP = "examples.k9:app"


@pytest.fixture
def closed_port() -> Iterator[str]:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        yield f"http://127.0.0.1:{held.getsockname()[1]}"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stderr


@pytest.mark.parametrize(
    "command",
    [["tables", "plan"], ["tables", "apply"], ["seed"], ["export", "--out", "{tmp}/backup"]],
    ids=["tables plan", "tables apply", "seed", "export"],
)
def test_commands_name_the_refused_connection(
    command: list[str], closed_port: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    args = [part.replace("{tmp}", str(tmp_path)) for part in command]
    code, err = run(*args, APP, "--env", "dev", "--endpoint", closed_port)
    assert code == 1
    assert "Connection refused" in err
    assert "circuit open" not in err
    assert "Traceback" not in err


@pytest.mark.integration
def test_import_names_the_refused_connection(
    closed_port: str, dynamodb_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    env = f"cp{uuid.uuid4().hex[:8]}"
    backup = tmp_path / "backup"
    try:
        assert run("tables", "apply", APP, "--env", env, "--endpoint", dynamodb_endpoint)[0] == 0
        code, err = run(
            "export", APP, "--env", env, "--endpoint", dynamodb_endpoint, "--out", str(backup)
        )
        assert code == 0, err
    finally:
        with Client.local(dynamodb_endpoint) as client:
            for name in client.list_tables()["TableNames"]:
                if env in name:
                    client.delete_table(TableName=name)
    code, err = run("import", APP, "--env", env, "--endpoint", closed_port, "--from", str(backup))
    assert code == 1
    assert "Connection refused" in err
    assert "circuit open" not in err
