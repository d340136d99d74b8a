"""``dynastack doctor|export|import|seed`` through typer's CliRunner, against DynamoDB Local.

Exit codes are the contract scripts rely on: doctor 0 / 1 (drift, missing) / 2 (unreachable),
import 1 on a refused backup. The terminal is made wide so that rich never folds a detail
line the assertions look for.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from dynastack.cli import app as cli
from dynastack.client.client import Client
from dynastack.model import TableSpec

from .ops_sample_app import app as sample_app
from .test_ops_backup import odd_items, put_all, stored
from .test_ops_doctor import closed_port

pytestmark = pytest.mark.integration

APP = "tests.ops.ops_sample_app:app"
MakeTables = Callable[..., list[TableSpec]]


def run(*args: str) -> Result:
    env = {"AWS_REGION": None, "AWS_DEFAULT_REGION": None, "COLUMNS": "200"}
    return CliRunner().invoke(cli, list(args), env=env)


def test_doctor_exit_codes_follow_the_tables(
    env: str, dynamodb_endpoint: str, make_tables: MakeTables
) -> None:
    missing = run("doctor", APP, "--env", env, "--endpoint", dynamodb_endpoint)
    assert missing.exit_code == 1, missing.output
    assert f"ops-orders-{env}" in missing.stdout
    assert "missing (declared key HASH PK S, RANGE SK S)" in missing.stdout
    assert "✗ 2 of 3 checks failed" in missing.stdout

    make_tables(sample_app, env)
    healthy = run("doctor", APP, "--env", env, "--endpoint", dynamodb_endpoint)
    assert healthy.exit_code == 0, healthy.output
    assert "✗" not in healthy.stdout
    assert "global index ByStatus" in healthy.stdout
    assert "✓ all 15 checks passed" in healthy.stdout


def test_doctor_names_a_missing_global_index(
    env: str, dynamodb_endpoint: str, make_tables: MakeTables
) -> None:
    make_tables(sample_app, env, without_index="ByStatus")
    result = run("doctor", APP, "--env", env, "--endpoint", dynamodb_endpoint)
    assert result.exit_code == 1
    failed = [line for line in result.stdout.splitlines() if "✗" in line]
    assert len(failed) == 2  # the row and the summary
    assert "global index ByStatus" in failed[0]
    assert "missing: declared ByStatus (status S, placed N; ALL)" in failed[0]


def test_doctor_json(env: str, dynamodb_endpoint: str, make_tables: MakeTables) -> None:
    make_tables(sample_app, env)
    result = run("doctor", APP, "--env", env, "--endpoint", dynamodb_endpoint, "--json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["ok"] is True and report["exit_code"] == 0
    assert report["endpoint"] == dynamodb_endpoint
    assert report["item_counts"] == {f"ops-orders-{env}": 0, f"ops-blobs-{env}": 0}
    assert {c["check"] for c in report["checks"]} >= {"connection", "table key", "ttl", "items"}


def test_doctor_unreachable_is_exit_2_with_one_line() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    result = run("doctor", APP, "--env", "x", "--endpoint", url)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: cannot reach {url}: cannot connect to")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_export_then_import_into_another_env(
    client: Client, env: str, dynamodb_endpoint: str, make_tables: MakeTables, tmp_path: Path
) -> None:
    source = make_tables(sample_app, env)
    put_all(client, source[0].name, odd_items())
    out = tmp_path / "backup"
    exported = run("export", APP, "--env", env, "--out", str(out), "--endpoint", dynamodb_endpoint)
    assert exported.exit_code == 0, exported.output
    assert "exported 62 items from 2 tables" in exported.stdout

    copy = f"{env}-copy"
    targets = make_tables(sample_app, copy)
    args = ("import", APP, "--env", copy, "--from", str(out), "--endpoint", dynamodb_endpoint)
    dry = run(*args, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "dry run: every check passed; 62 items would be written" in dry.stdout
    assert stored(client, targets[0].name) == {}

    imported = run(*args)
    assert imported.exit_code == 0, imported.output
    assert "imported 62 items into 2 tables" in imported.stdout
    assert stored(client, targets[0].name) == stored(client, source[0].name)


def test_import_refuses_a_tampered_backup(
    client: Client, env: str, dynamodb_endpoint: str, make_tables: MakeTables, tmp_path: Path
) -> None:
    source = make_tables(sample_app, env)
    put_all(client, source[0].name, odd_items())
    run("export", APP, "--env", env, "--out", str(tmp_path), "--endpoint", dynamodb_endpoint)
    path = tmp_path / "orders.jsonl"
    path.write_bytes(path.read_bytes().replace(b'"NEW"', b'"OLD"', 1))
    targets = make_tables(sample_app, f"{env}-copy")
    args = ("import", APP, "--env", f"{env}-copy", "--from", str(tmp_path))
    result = run(*args, "--endpoint", dynamodb_endpoint)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {path} does not match its checksum in the manifest")
    assert "Traceback" not in result.output
    assert stored(client, targets[0].name) == {}


def test_seed_calls_the_apps_seed_function(
    client: Client, env: str, dynamodb_endpoint: str, make_tables: MakeTables
) -> None:
    orders = make_tables(sample_app, env)[0]
    result = run("seed", APP, "--env", env, "--count", "7", "--endpoint", dynamodb_endpoint)
    assert result.exit_code == 0, result.output
    assert "seeded ops-sample: orders 7" in result.stdout
    assert len(stored(client, orders.name)) == 7


def test_seed_without_a_seed_function_is_a_clear_error(env: str, dynamodb_endpoint: str) -> None:
    result = run(
        "seed", "tests.ops.ops_sample_app:unseeded", "--env", env, "--endpoint", dynamodb_endpoint
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("error: app 'ops-unseeded' has no seed function")


def test_import_from_a_folder_without_a_backup_is_one_line(tmp_path: Path) -> None:
    result = run("import", APP, "--env", "x", "--from", str(tmp_path / "nowhere"))
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {tmp_path / 'nowhere' / 'manifest.json'} does not exist: not a backup folder, "
        "or its export did not finish\n"
    )
