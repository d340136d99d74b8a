"""Telemetry: one structured record per call, no data in it, correlation ids, Prometheus counts."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
import threading
from collections.abc import Iterator

import pytest
from prometheus_client import REGISTRY, CollectorRegistry

from dynastack.client.telemetry import (
    CallEvent,
    Metrics,
    Telemetry,
    correlation,
    correlation_id,
)
from dynastack.errors import ConditionalCheckFailed, from_wire

LOGGER = "dynastack.client"
ENDPOINT = "http://127.0.0.1:8000"


def event(
    outcome: str = "ok",
    *,
    operation: str = "GetItem",
    table: str | None = "users",
    duration: float = 0.00052,
    attempts: int = 1,
    error_code: str | None = None,
    capacity: float | None = 0.5,
    reasons: tuple[str, ...] = (),
) -> CallEvent:
    return CallEvent(
        operation=operation,
        table=table,
        duration=duration,
        attempts=attempts,
        outcome=outcome,
        error_code=error_code,
        consumed_capacity=capacity,
        request_id="REQ1",
        correlation_id=correlation_id.get(),
        endpoint=ENDPOINT,
        retry_reasons=reasons,
    )


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


def sample(registry: CollectorRegistry, name: str, **labels: str) -> float:
    value = registry.get_sample_value(name, labels)
    return 0.0 if value is None else value


# --- logging ---------------------------------------------------------------------------------


def test_a_success_is_one_debug_record_with_the_fields(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    with correlation("corr-1"):
        Telemetry().emit(event())
    [record] = caplog.records
    assert record.name == LOGGER
    assert record.levelno == logging.DEBUG
    assert record.getMessage() == "dynastack call GetItem table=users outcome=ok attempts=1 ms=0.52"
    assert record.__dict__["dynastack"] == {
        "operation": "GetItem",
        "table": "users",
        "duration": 0.00052,
        "attempts": 1,
        "outcome": "ok",
        "error_code": None,
        "consumed_capacity": 0.5,
        "request_id": "REQ1",
        "correlation_id": "corr-1",
        "endpoint": ENDPOINT,
        "retry_reasons": (),
    }


def test_a_failure_is_a_warning_with_its_code(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    Telemetry().emit(event("Throttled", attempts=8, error_code="ThrottlingException", duration=1.5))
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert record.getMessage() == (
        "dynastack call GetItem table=users outcome=Throttled attempts=8 ms=1500.00"
        " code=ThrottlingException"
    )
    assert record.__dict__["dynastack"]["outcome"] == "Throttled"


def test_nothing_is_logged_when_the_level_is_off(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    telemetry = Telemetry()
    telemetry.emit(event())
    assert caplog.records == []
    assert not telemetry.enabled
    telemetry.emit(event("ServerError"))
    assert [r.levelno for r in caplog.records] == [logging.WARNING]


def test_a_custom_logger_and_level(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("myapp.db")
    caplog.set_level(logging.INFO, logger="myapp.db")
    telemetry = Telemetry(logger=logger, level=logging.INFO)
    telemetry.emit(event())
    telemetry.emit(event("ServerError"))
    Telemetry(logger=logger, level=logging.ERROR).emit(event("ServerError"))
    assert [(r.name, r.levelno) for r in caplog.records] == [
        ("myapp.db", logging.INFO),
        ("myapp.db", logging.WARNING),
        ("myapp.db", logging.ERROR),
    ]


def test_the_event_has_no_field_that_could_carry_data() -> None:
    # The privacy boundary is the type: pin its fields, so that adding one is a reviewed change.
    fields = {f.name: f.type for f in dataclasses.fields(CallEvent)}
    assert fields == {
        "operation": "str",
        "table": "str | None",
        "duration": "float",
        "attempts": "int",
        "outcome": "str",
        "error_code": "str | None",
        "consumed_capacity": "float | None",
        "request_id": "str | None",
        "correlation_id": "str | None",
        "endpoint": "str",
        "retry_reasons": "tuple[str, ...]",
    }


def test_an_error_reported_the_documented_way_leaks_no_values(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    secret = "hunter2-ssn-123-45-6789"
    error = from_wire(
        "ValidationException",
        f"One or more parameter values were invalid: {secret}",
        request_id="REQ9",
        item={"password": {"S": secret}},
    )
    conditional = ConditionalCheckFailed(secret, item={"token": {"S": secret}})
    telemetry = Telemetry()
    for failed in (error, conditional):
        # what a client puts in an event: the class name and code, never the message or item
        telemetry.emit(event(type(failed).__name__, error_code=failed.code))
    assert len(caplog.records) == 2
    for record in caplog.records:
        assert secret not in record.getMessage()
        assert secret not in repr(record.__dict__)
    assert secret not in caplog.text


# --- correlation ids -------------------------------------------------------------------------


def test_correlation_generates_an_id_and_restores_the_outer_one() -> None:
    assert correlation_id.get() is None
    with correlation() as outer:
        assert re.fullmatch(r"[0-9a-f]{32}", outer)
        assert correlation_id.get() == outer
        with correlation("inner") as inner:
            assert (inner, correlation_id.get()) == ("inner", "inner")
        assert correlation_id.get() == outer
    assert correlation_id.get() is None


def test_correlation_is_restored_when_the_block_raises() -> None:
    with pytest.raises(RuntimeError), correlation("doomed"):
        raise RuntimeError
    assert correlation_id.get() is None


async def test_correlation_follows_tasks_started_inside_the_block() -> None:
    release = asyncio.Event()

    async def child() -> str | None:
        await release.wait()  # runs on after the block has exited
        return correlation_id.get()

    with correlation("request-42"):
        task = asyncio.create_task(child())
        gathered = asyncio.gather(child(), child())
        in_thread = asyncio.create_task(asyncio.to_thread(correlation_id.get))
    assert correlation_id.get() is None
    release.set()
    assert await task == "request-42"
    assert list(await gathered) == ["request-42", "request-42"]
    assert await in_thread == "request-42"


async def test_concurrent_requests_keep_their_own_ids() -> None:
    seen: dict[str, list[str | None]] = {}

    async def request(name: str) -> None:
        with correlation(name):
            for _ in range(3):
                await asyncio.sleep(0)  # interleave with the other request
                seen.setdefault(name, []).append(correlation_id.get())

    await asyncio.gather(request("a"), request("b"))
    assert seen == {"a": ["a", "a", "a"], "b": ["b", "b", "b"]}


def test_a_plain_thread_starts_without_an_id() -> None:
    seen: list[str | None] = []
    with correlation("main-only"):
        worker = threading.Thread(target=lambda: seen.append(correlation_id.get()))
        worker.start()
        worker.join()
    assert seen == [None]


# --- metrics ---------------------------------------------------------------------------------


def test_calls_latency_and_capacity_are_counted(registry: CollectorRegistry) -> None:
    telemetry = Telemetry(metrics=Metrics(registry))
    for _ in range(3):
        telemetry.emit(event())
    telemetry.emit(event("Throttled", error_code="ThrottlingException", capacity=None))
    telemetry.emit(event(operation="PutItem", duration=0.003, capacity=1.0))

    calls = "dynastack_calls_total"
    assert sample(registry, calls, operation="GetItem", table="users", outcome="ok") == 3
    assert sample(registry, calls, operation="GetItem", table="users", outcome="Throttled") == 1
    assert sample(registry, calls, operation="PutItem", table="users", outcome="ok") == 1
    assert sample(registry, "dynastack_call_seconds_count", operation="GetItem") == 4
    assert sample(registry, "dynastack_call_seconds_sum", operation="GetItem") == pytest.approx(
        4 * 0.00052
    )
    # 0.52 ms falls in the 1 ms bucket, not the 0.5 ms one; 3 ms in 5 ms, not 2.5 ms
    assert sample(registry, "dynastack_call_seconds_bucket", operation="GetItem", le="0.0005") == 0
    assert sample(registry, "dynastack_call_seconds_bucket", operation="GetItem", le="0.001") == 4
    assert sample(registry, "dynastack_call_seconds_bucket", operation="PutItem", le="0.0025") == 0
    assert sample(registry, "dynastack_call_seconds_bucket", operation="PutItem", le="0.005") == 1
    assert sample(registry, "dynastack_consumed_capacity_total", table="users") == pytest.approx(
        2.5
    )


def test_retries_are_counted_by_reason(registry: CollectorRegistry) -> None:
    metrics = Metrics(registry)
    metrics.observe(event(attempts=3, reasons=("throttled", "server_error")))
    metrics.observe(event("ServerError", attempts=8, reasons=("server_error",) * 7))
    metrics.observe(event(attempts=3))  # a client that does not say why
    retries = "dynastack_retries_total"
    assert sample(registry, retries, operation="GetItem", reason="throttled") == 1
    assert sample(registry, retries, operation="GetItem", reason="server_error") == 8
    assert sample(registry, retries, operation="GetItem", reason="unknown") == 2


def test_missing_table_is_an_empty_label(registry: CollectorRegistry) -> None:
    metrics = Metrics(registry)
    metrics.observe(event(operation="ListTables", table=None, capacity=None))
    metrics.observe(event(operation="TransactWriteItems", table=None, capacity=4.0))
    labels = {"table": "", "outcome": "ok"}
    assert sample(registry, "dynastack_calls_total", operation="ListTables", **labels) == 1
    assert sample(registry, "dynastack_consumed_capacity_total", table="") == 4.0


def test_metrics_count_even_when_logging_is_off(
    registry: CollectorRegistry, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.CRITICAL, logger=LOGGER)
    telemetry = Telemetry(metrics=Metrics(registry))
    assert telemetry.enabled
    telemetry.emit(event())
    assert caplog.records == []
    assert sample(
        registry, "dynastack_calls_total", operation="GetItem", table="users", outcome="ok"
    )


def test_namespace_and_one_metrics_per_registry(registry: CollectorRegistry) -> None:
    Metrics(registry, namespace="shop").observe(event())
    labels = {"operation": "GetItem", "table": "users", "outcome": "ok"}
    assert sample(registry, "shop_calls_total", **labels) == 1
    assert sample(registry, "dynastack_calls_total", **labels) == 0
    with pytest.raises(ValueError, match="Duplicated timeseries"):
        Metrics(registry, namespace="shop")


@pytest.fixture
def default_registry_metrics() -> Iterator[Metrics]:
    metrics = Metrics()
    yield metrics
    for collector in (
        metrics.calls_total,
        metrics.call_seconds,
        metrics.retries_total,
        metrics.consumed_capacity_total,
    ):
        REGISTRY.unregister(collector)


def test_no_registry_means_prometheus_default(default_registry_metrics: Metrics) -> None:
    default_registry_metrics.observe(event(operation="Scan"))
    labels = {"operation": "Scan", "table": "users", "outcome": "ok"}
    assert REGISTRY.get_sample_value("dynastack_calls_total", labels) == 1


def test_metrics_are_off_by_default() -> None:
    assert Telemetry().metrics is None


def test_concurrent_emits_lose_no_counts(registry: CollectorRegistry) -> None:
    telemetry = Telemetry(metrics=Metrics(registry))
    barrier = threading.Barrier(4)

    def worker(table: str) -> None:
        barrier.wait()
        for _ in range(500):
            telemetry.emit(event(table=table))
            telemetry.emit(event(table="shared"))

    threads = [threading.Thread(target=worker, args=(f"t{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    calls = "dynastack_calls_total"
    assert sample(registry, calls, operation="GetItem", table="shared", outcome="ok") == 2_000
    assert sample(registry, calls, operation="GetItem", table="t3", outcome="ok") == 500
    assert sample(registry, "dynastack_call_seconds_count", operation="GetItem") == 4_000
