"""What the CLI says when it cannot do what was asked (issue 7 items 24 and 25): it finds the
running local server by itself, says how to point at one when there is none, names ``--env``
(not ``env=``), says which part of an APP path did not resolve, and names a missing table."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest
from typer.testing import CliRunner

from dynastack import Client
from dynastack.cli import app as cli
from dynastack.errors import ResourceNotFound
from dynastack.local import read_state, stop_recorded

#: a clean slate: no endpoint, no region, no AWS profile, no recorded server
BARE = {
    "DYNASTACK_ENDPOINT": None,
    "AWS_ENDPOINT_URL": None,
    "AWS_ENDPOINT_URL_DYNAMODB": None,
    "AWS_REGION": None,
    "AWS_DEFAULT_REGION": None,
    "AWS_PROFILE": None,
    "AWS_CONFIG_FILE": "/nonexistent/aws-config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
    "DYNASTACK_ENV": None,
}


def run(state_dir: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        cli, list(args), env={**BARE, "DYNASTACK_STATE_DIR": str(state_dir)}
    )
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def state_dir(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "state"
    yield folder
    stop_recorded(folder)  # never leave a background server behind


def test_without_any_endpoint_the_message_says_how_to_point_at_one(state_dir: Path) -> None:
    code, _, err = run(state_dir, "tables", "plan", "examples.k9:app", "--env", "dev")
    assert code == 1
    assert err.startswith("error: no DynamoDB to talk to: pass --endpoint URL")
    assert "dynastack local start" in err and "DYNASTACK_ENDPOINT" in err
    assert "no AWS region configured" not in err


@pytest.mark.integration
def test_the_running_local_server_is_found_without_flags(state_dir: Path) -> None:
    code, out, _ = run(state_dir, "local", "start", "--background", "--in-memory")
    assert code == 0, out
    recorded = read_state(state_dir)
    assert recorded is not None
    env = f"t{uuid4().hex[:8]}"
    code, out, err = run(state_dir, "tables", "plan", "examples.k9:app", "--env", env)
    assert code == 2, out + err  # changes pending: it reached the server and read its tables
    assert f"k9-users-{env}  create" in out
    assert f"using DynamoDB Local at {recorded.endpoint}" in err


def test_a_missing_env_names_the_flag(state_dir: Path) -> None:
    code, _, err = run(state_dir, "tables", "plan", "examples.k9:app")
    assert code == 1
    assert err.startswith("error: table 'users' is named 'k9-users-{env}' per environment")
    assert "pass --env ENV (or set DYNASTACK_ENV)" in err
    assert "env=" not in err


@pytest.mark.parametrize(
    ("path", "said"),
    [
        (
            "examples.k9:apps",
            "APP 'examples.k9:apps': module 'examples.k9' has no attribute 'apps'",
        ),
        ("examples.nope:app", "APP 'examples.nope:app': no module named 'examples.nope'"),
        ("examples.k9:ENTITIES", "APP 'examples.k9:ENTITIES' names a tuple, not a dynastack App"),
        ("examples.k9", "APP must look like 'package.module:app', not 'examples.k9'"),
    ],
)
def test_an_app_path_that_does_not_resolve_says_which_part(
    state_dir: Path, path: str, said: str
) -> None:
    code, _, err = run(
        state_dir, "doctor", path, "--env", "dev", "--endpoint", "http://127.0.0.1:9"
    )
    assert code == 1
    assert err.startswith(f"error: {said}")
    assert "NoneType" not in err and "Traceback" not in err


@pytest.mark.integration
def test_a_missing_table_is_named(state_dir: Path, dynamodb_endpoint: str) -> None:
    env = f"t{uuid4().hex[:8]}"
    code, _, err = run(
        state_dir, "seed", "examples.k9:app", "--env", env, "--endpoint", dynamodb_endpoint
    )
    assert code == 1
    assert f"k9-users-{env}" in err and f"--env {env}" in err
    # the client under every command: DynamoDB's own text does not say which table
    with Client.local(dynamodb_endpoint) as client, pytest.raises(ResourceNotFound) as missing:
        client.get_item(TableName=f"k9-users-{env}", Key={"user_id": {"S": "u1"}})
    assert f"table 'k9-users-{env}' does not exist" in str(missing.value)
