"""``dynastack tables plan|apply`` against DynamoDB Local, with a small App module.

Exit codes are the contract CI relies on: 0 nothing to change, 2 changes pending (plan),
1 drift or error. Each test gets its own env (``t<uuid8>``), so its tables are its own, and
deletes them afterwards.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from dynastack.app import load_app
from dynastack.cli import app as cli
from dynastack.client.client import Client
from dynastack.errors import ResourceNotFound
from dynastack.provisioning import ensure_table

pytestmark = pytest.mark.integration

APP = "tests.provisioning.prov_sample_app:app"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, dynamodb_endpoint: str) -> Iterator[str]:
    monkeypatch.syspath_prepend(str(Path(__file__).parent))
    name = f"t{uuid.uuid4().hex[:8]}"
    yield name
    with Client(dynamodb_endpoint, region="us-east-1") as client:
        for spec in load_app(APP).table_specs(env=name):
            with contextlib.suppress(ResourceNotFound):
                client.delete_table(TableName=spec.name)


@pytest.fixture
def client(dynamodb_endpoint: str) -> Iterator[Client]:
    # the region the CLI picks for a loopback endpoint when none is configured
    with Client(dynamodb_endpoint, region="us-east-1") as made:
        yield made


def tables(command: str, env: str, endpoint: str, *extra: str) -> Result:
    args = ["tables", command, APP, "--env", env, "--endpoint", endpoint, *extra]
    return CliRunner().invoke(cli, args, env={"AWS_REGION": None, "AWS_DEFAULT_REGION": None})


def test_plan_apply_plan_goes_from_pending_to_nothing(
    env: str, dynamodb_endpoint: str, client: Client
) -> None:
    pending = tables("plan", env, dynamodb_endpoint)
    assert pending.exit_code == 2, pending.output
    assert f"prov-accounts-{env}  create" in pending.stdout
    assert f"prov-sessions-{env}  create" in pending.stdout
    assert "+ enable TTL on attribute expires_at" in pending.stdout
    assert client.list_tables()["TableNames"].count(f"prov-accounts-{env}") == 0  # plan only reads

    applied = tables("apply", env, dynamodb_endpoint)
    assert applied.exit_code == 0, applied.output
    assert "applied 3 changes" in applied.stdout
    table = client.describe_table(TableName=f"prov-accounts-{env}")["Table"]
    assert sorted(g["IndexName"] for g in table["GlobalSecondaryIndexes"]) == ["ByEmail", "ByOrg"]

    clean = tables("plan", env, dynamodb_endpoint)
    assert clean.exit_code == 0, clean.output
    assert clean.stdout.count("up to date") == 2
    again = tables("apply", env, dynamodb_endpoint)
    assert again.exit_code == 0 and "nothing to change" in again.stdout


def test_a_missing_index_is_one_pending_change(
    env: str, dynamodb_endpoint: str, client: Client
) -> None:
    for spec in load_app(APP).table_specs(env=env):
        kept = tuple(ix for ix in spec.indexes if ix.name != "ByOrg")
        ensure_table(replace(spec, indexes=kept), client)
    pending = tables("plan", env, dynamodb_endpoint)
    assert pending.exit_code == 2, pending.output
    assert f"prov-accounts-{env}  1 change" in pending.stdout
    assert "+ add global index ByOrg (org S, joined N; ALL)" in pending.stdout
    assert tables("apply", env, dynamodb_endpoint).exit_code == 0
    assert tables("plan", env, dynamodb_endpoint).exit_code == 0


def test_drift_exits_1_and_apply_changes_nothing(
    env: str, dynamodb_endpoint: str, client: Client
) -> None:
    name = f"prov-sessions-{env}"
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    planned = tables("plan", env, dynamodb_endpoint)
    assert planned.exit_code == 1, planned.output
    assert "! table key: declared HASH session_id S, table has HASH id S" in planned.stdout
    assert "[TABLE_DRIFT]" in planned.stderr

    refused = tables("apply", env, dynamodb_endpoint)
    assert refused.exit_code == 1
    # apply is all or nothing: the other table, which had no drift, was not created either
    assert f"prov-accounts-{env}" not in client.list_tables()["TableNames"]
    ttl = client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    assert ttl["TimeToLiveStatus"] == "DISABLED"


def test_a_bad_app_path_is_a_one_line_error(env: str, dynamodb_endpoint: str) -> None:
    result = CliRunner().invoke(cli, ["tables", "plan", "no_such_module_x:app", "--env", env])
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "error: APP 'no_such_module_x:app': no module named 'no_such_module_x'"
    )
