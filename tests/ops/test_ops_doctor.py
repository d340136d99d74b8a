"""``dynastack.ops.doctor``: every check's verdict and detail, then diagnose on DynamoDB Local.

The unit tests feed ``check_table`` hand-written DescribeTable replies (built from the spec's
own CreateTable request, then altered), so each kind of drift is shown without a server; the
integration tests run ``diagnose`` on a fresh endpoint, on exactly provisioned tables, on a
table missing a global index, and on a closed port.
"""

from __future__ import annotations

import copy
import socket
from collections.abc import Callable
from typing import Any

import pytest

from dynastack.client.client import Client
from dynastack.core.retry import RetryPolicy
from dynastack.model import TableSpec
from dynastack.ops.doctor import (
    EXIT_DRIFT,
    EXIT_OK,
    EXIT_UNREACHABLE,
    Check,
    DoctorReport,
    check_table,
    diagnose,
)

from .ops_sample_app import app as sample_app

ORDERS, BLOBS = sample_app.table_specs(env="unit")
TTL_ON = {"TimeToLiveDescription": {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}}


def described(spec: TableSpec, **changes: Any) -> dict[str, Any]:
    """A DescribeTable ``Table`` member for ``spec`` as DynamoDB would report it."""
    request = copy.deepcopy(spec.create_request())
    raw: dict[str, Any] = {
        "TableName": spec.name,
        "TableStatus": "ACTIVE",
        "KeySchema": request["KeySchema"],
        "AttributeDefinitions": request["AttributeDefinitions"],
        "BillingModeSummary": {"BillingMode": request["BillingMode"]},
        "ItemCount": 7,
    }
    if "GlobalSecondaryIndexes" in request:
        raw["GlobalSecondaryIndexes"] = [
            {**index, "IndexStatus": "ACTIVE"} for index in request["GlobalSecondaryIndexes"]
        ]
    if "LocalSecondaryIndexes" in request:
        raw["LocalSecondaryIndexes"] = request["LocalSecondaryIndexes"]
    if "StreamSpecification" in request:
        raw["StreamSpecification"] = request["StreamSpecification"]
    raw.update(changes)
    return raw


def failures(checks: list[Check]) -> dict[str, str]:
    return {c.subject: c.detail for c in checks if not c.ok}


def test_a_matching_table_passes_every_check() -> None:
    checks = check_table(ORDERS, described(ORDERS), TTL_ON)
    assert failures(checks) == {}
    assert [c.subject for c in checks] == [
        "status",
        "table key",
        "global index ByStatus",
        "local index ByTotal",
        "ttl",
        "billing",
        "stream",
        "items",
    ]
    details = {c.subject: c.detail for c in checks}
    assert details["table key"] == "HASH PK S, RANGE SK S"
    assert details["global index ByStatus"] == "ByStatus (status S, placed N; ALL)"
    assert details["ttl"] == "expires_at ENABLED"
    assert details["items"].startswith("7 (approximate on AWS")


def test_a_missing_table_is_one_failed_check() -> None:
    checks = check_table(BLOBS, None)
    assert [(c.subject, c.ok) for c in checks] == [("table", False)]
    assert "missing (declared key HASH blob_id S)" in checks[0].detail


def test_a_missing_global_index_is_named_with_its_declaration() -> None:
    raw = described(ORDERS, GlobalSecondaryIndexes=[])
    assert failures(check_table(ORDERS, raw, TTL_ON)) == {
        "global index ByStatus": "missing: declared ByStatus (status S, placed N; ALL)"
    }


def test_an_undeclared_global_index_fails() -> None:
    raw = described(ORDERS)
    extra = copy.deepcopy(raw["GlobalSecondaryIndexes"][0]) | {"IndexName": "Legacy"}
    raw["GlobalSecondaryIndexes"].append(extra)
    found = failures(check_table(ORDERS, raw, TTL_ON))
    assert found == {"global index Legacy": "in the table but not declared by any entity"}


def test_a_differently_projected_index_shows_both_shapes() -> None:
    raw = described(ORDERS)
    raw["GlobalSecondaryIndexes"][0]["Projection"] = {"ProjectionType": "KEYS_ONLY"}
    detail = failures(check_table(ORDERS, raw, TTL_ON))["global index ByStatus"]
    assert detail.startswith(
        "declared ByStatus (status S, placed N; ALL), table has ByStatus (status S, placed N; "
        "KEYS_ONLY)"
    )


def test_a_different_table_key_is_drift() -> None:
    raw = described(
        BLOBS,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
    )
    detail = failures(check_table(BLOBS, raw))["table key"]
    assert detail.startswith("declared HASH blob_id S, table has HASH id S")


def test_ttl_off_and_busy_status_and_billing_each_fail() -> None:
    raw = described(
        ORDERS,
        TableStatus="UPDATING",
        BillingModeSummary={"BillingMode": "PROVISIONED"},
    )
    raw["GlobalSecondaryIndexes"][0]["IndexStatus"] = "CREATING"
    found = failures(check_table(ORDERS, raw, None))
    assert found["ttl"] == "declared expires_at ENABLED, table has off"
    assert found["status"] == "table UPDATING; index ByStatus CREATING (expected ACTIVE)"
    assert found["billing"] == "set billing mode PROVISIONED -> PAY_PER_REQUEST needed"
    assert set(found) == {"ttl", "status", "billing"}


def test_ttl_unsupported_by_the_endpoint_is_not_a_failure() -> None:
    checks = check_table(ORDERS, described(ORDERS), None, unsupported={"ttl"})
    assert failures(checks) == {}
    assert {c.subject: c.detail for c in checks}["ttl"] == "not supported by this endpoint"


def test_report_exit_codes_and_json() -> None:
    good = DoctorReport("http://x:1", True, 2.0, (Check("t", "status", True, "ACTIVE"),))
    bad = DoctorReport("http://x:1", True, 2.0, (Check("t", "table", False, "missing"),))
    down = DoctorReport("http://x:1", False, None, error="refused")
    assert (good.exit_code, bad.exit_code, down.exit_code) == (
        EXIT_OK,
        EXIT_DRIFT,
        EXIT_UNREACHABLE,
    )
    data = bad.to_json()
    assert data["ok"] is False
    assert data["checks"] == [{"table": "t", "check": "table", "ok": False, "detail": "missing"}]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port  # nothing listens on it once the probe is closed


@pytest.mark.integration
def test_fresh_endpoint_reports_every_table_missing(client: Client, env: str) -> None:
    report = diagnose(sample_app, client, env=env)
    assert report.reachable and report.latency_ms is not None
    assert report.exit_code == EXIT_DRIFT
    missing = [(c.table, c.subject) for c in report.failures]
    assert missing == [(f"ops-orders-{env}", "table"), (f"ops-blobs-{env}", "table")]


@pytest.mark.integration
def test_provisioned_tables_pass(
    client: Client, env: str, make_tables: Callable[..., list[TableSpec]]
) -> None:
    make_tables(sample_app, env)
    client.put_item(TableName=f"ops-blobs-{env}", Item={"blob_id": {"S": "a"}})
    report = diagnose(sample_app, client, env=env)
    assert report.failures == ()
    assert report.exit_code == EXIT_OK
    assert report.checks[0].subject == "connection"
    assert report.item_counts == {f"ops-orders-{env}": 0, f"ops-blobs-{env}": 1}


@pytest.mark.integration
def test_a_table_without_its_global_index_is_a_precise_drift_line(
    client: Client, env: str, make_tables: Callable[..., list[TableSpec]]
) -> None:
    make_tables(sample_app, env, without_index="ByStatus")
    report = diagnose(sample_app, client, env=env)
    assert [(c.table, c.subject, c.detail) for c in report.failures] == [
        (
            f"ops-orders-{env}",
            "global index ByStatus",
            "missing: declared ByStatus (status S, placed N; ALL)",
        )
    ]
    assert report.exit_code == EXIT_DRIFT


def test_a_closed_port_is_unreachable() -> None:
    with Client.local(f"http://127.0.0.1:{closed_port()}", retry=RetryPolicy(1)) as down:
        report = diagnose(sample_app, down, env="any")
    assert not report.reachable
    assert report.exit_code == EXIT_UNREACHABLE
    assert report.error is not None and "cannot connect" in report.error
    assert report.checks == ()
