"""Logs and metrics: pattern 5 (a deployment's logs: newest first, time range, level and stack
filters), pattern 6 (logs by level), pattern 7 (record_metric) and get_metrics, and expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from examples.cloud_platform.models import LogEntry, LogLevel, Metric
from examples.cloud_platform.records import SAMPLE_ATTEMPTS

from dynastack import Client
from dynastack.app import BoundApp
from dynastack.errors import ConditionalCheckFailed
from examples.cloud_platform import LogRepository, MetricRepository, app

from .conftest import Clock

pytestmark = pytest.mark.integration


def fresh_id() -> str:
    return "D" + uuid4().hex[:6].upper()


def write_lines(platform: BoundApp, deployment_id: str, levels: str) -> list[LogEntry]:
    """One line per letter of ``levels`` (i, w, e, d), on stacks a / b alternately."""
    names = {"i": LogLevel.INFO, "w": LogLevel.WARN, "e": LogLevel.ERROR, "d": LogLevel.DEBUG}
    return [
        platform.service(LogRepository).write(
            deployment_id, names[c], f"line {n}", stack_name="ab"[n % 2], environment="dev"
        )
        for n, c in enumerate(levels)
    ]


def ids(entries: list[LogEntry]) -> list[str]:
    return [str(e.log_id) for e in entries]


def test_get_logs_newest_first_in_pages(platform: BoundApp, logs: LogRepository) -> None:
    deployment_id = fresh_id()
    lines = write_lines(platform, deployment_id, "iiiiiii")
    write_lines(platform, fresh_id(), "ii")  # another deployment's
    first = logs.get_logs(deployment_id, limit=4)
    assert ids(first.items) == ids(lines[::-1][:4])
    rest = logs.get_logs(deployment_id, limit=4, cursor=first.cursor)
    assert ids(rest.items) == ids(lines[::-1][4:])
    assert rest.cursor is None
    assert logs.get_logs(deployment_id).items == lines[::-1]  # default limit 100


def test_get_logs_level_and_stack_filters_fill_pages(
    platform: BoundApp, logs: LogRepository
) -> None:
    deployment_id = fresh_id()
    lines = write_lines(platform, deployment_id, "iieiiiiewiiiei")
    errors = [e for e in lines if e.level is LogLevel.ERROR][::-1]
    first = logs.get_logs(deployment_id, level="ERROR", limit=2)
    assert ids(first.items) == ids(errors[:2])
    rest = logs.get_logs(deployment_id, level=LogLevel.ERROR, limit=2, cursor=first.cursor)
    assert ids(rest.items) == ids(errors[2:])
    on_b = logs.get_logs(deployment_id, stack_name="b", level=LogLevel.INFO)
    assert ids(on_b.items) == ids(
        [e for e in lines[::-1] if e.stack_name == "b" and e.level is LogLevel.INFO]
    )


def test_get_logs_time_range_is_inclusive(platform: BoundApp, logs: LogRepository) -> None:
    deployment_id = fresh_id()
    lines = write_lines(platform, deployment_id, "iiiiii")
    start, end = lines[1].timestamp, lines[4].timestamp
    inside = logs.get_logs(deployment_id, start=start, end=end)
    assert ids(inside.items) == ids(lines[4:0:-1])
    since = logs.get_logs(deployment_id, start=lines[4].timestamp)
    assert ids(since.items) == ids(lines[:3:-1])
    until = logs.get_logs(deployment_id, end=lines[1].timestamp, limit=1)
    assert ids(until.items) == ids([lines[1]])
    both = logs.get_logs(deployment_id, start=start, end=end, level="info", stack_name="a")
    assert ids(both.items) == ids([lines[4], lines[2]])


def test_get_logs_by_level_across_deployments(platform: BoundApp, logs: LogRepository) -> None:
    mine = {fresh_id(), fresh_id()}
    written = []
    for deployment_id in sorted(mine):
        written += write_lines(platform, deployment_id, "ieie")
    errors = [e for e in written if e.level is LogLevel.ERROR]
    start, end = errors[0].timestamp, errors[-1].timestamp
    found: list[LogEntry] = []
    cursor: str | None = None
    while True:  # the index is shared with other tests: keep this test's deployments
        page = logs.get_logs_by_level("ERROR", start=start, end=end, limit=2, cursor=cursor)
        assert all(e.level is LogLevel.ERROR for e in page)
        found += [e for e in page if e.deployment_id in mine]
        cursor = page.cursor
        if cursor is None:
            break
    assert ids(found) == ids(errors[::-1])


def test_log_lines_expire_after_90_days(logs: LogRepository, clock: Clock) -> None:
    deployment_id = fresh_id()
    line = logs.write(deployment_id, "warn", "old news")
    assert line.ttl == int((line.timestamp + timedelta(days=90)).timestamp())
    assert logs.get_logs(deployment_id).items == [line]
    clock.set(line.timestamp + timedelta(days=90, seconds=1))
    assert logs.get_logs(deployment_id).items == []  # hidden before DynamoDB sweeps


def test_record_metric_pattern_7(metrics: MetricRepository, clock: Clock) -> None:
    name = f"stack_deployment_duration_{uuid4().hex[:6]}"
    sample = metrics.record_metric(
        name,
        value=300,
        unit="seconds",
        dimensions={"deployment_id": "D1BRV40", "stack_name": "network"},
    )
    assert sample.timestamp <= clock.now  # stamped by the repository's clock
    assert sample.ttl == int((sample.timestamp + timedelta(days=365)).timestamp())
    found = metrics.get_metrics(name, sample.timestamp, sample.timestamp)
    assert found == [sample]
    assert isinstance(found[0].value, int)


def test_get_metrics_range_and_dimensions(metrics: MetricRepository) -> None:
    name = f"api_requests_{uuid4().hex[:6]}"
    samples = [
        metrics.record_metric(
            name, n + 0.5, "count", {"environment": "dev" if n % 2 else "prod", "n": str(n)}
        )
        for n in range(6)
    ]
    window = metrics.get_metrics(name, samples[1].timestamp, samples[4].timestamp)
    assert window == samples[1:5]
    assert [m.value for m in window] == [1.5, 2.5, 3.5, 4.5]
    dev = metrics.get_metrics(
        name, samples[0].timestamp, samples[-1].timestamp, {"environment": "dev"}
    )
    assert dev == samples[1::2]
    one = metrics.get_metrics(
        name, samples[0].timestamp, samples[-1].timestamp, {"environment": "dev", "n": "3"}
    )
    assert one == [samples[3]]


def test_samples_on_the_same_microsecond_never_overwrite(metrics: MetricRepository) -> None:
    name = f"deployments_started_{uuid4().hex[:6]}"
    when = datetime(2026, 1, 1, 12, tzinfo=UTC)
    first = metrics.record_metric(name, 1, "count", timestamp=when)
    second = metrics.record_metric(name, 2, "count", timestamp=when)
    assert second.timestamp == when + timedelta(microseconds=1)
    assert [m.value for m in metrics.get_metrics(name, when, second.timestamp)] == [1, 2]
    assert first.timestamp == when
    for n in range(SAMPLE_ATTEMPTS - 2):
        metrics.record_metric(name, 3 + n, "count", timestamp=when)
    with pytest.raises(ConditionalCheckFailed):
        metrics.record_metric(name, 99, "count", timestamp=when)


def test_log_and_metric_tables_expire_by_ttl(client: Client, env: str) -> None:
    for entity in (LogEntry, Metric):
        table = app.table_name(entity.__dynastack__.table, env)
        described = client.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
        assert described["AttributeName"] == "ttl"
        assert described["TimeToLiveStatus"] == "ENABLED"
