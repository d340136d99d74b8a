"""Every DynamoDB failure is classified, retried only when that is safe, and counted once.

DynamoDB Local never throttles, never returns 5xx, never raises TransactionConflict and
cannot lose a reply (RELIABILITY fact 3), so these tests inject those answers with
``FaultTransport`` / ``AsyncFaultTransport``: that is the only thing mocked. The transport
under the fault injector is one that must never be reached: every attempt here is answered by
the injector, which is how the tests count attempts. Sleeping is injected too, so the backoff
delays are recorded instead of waited (RELIABILITY R4). Lost replies need a server that acted
on the request: tests/integration/test_client_idempotency.py injects them over DynamoDB Local.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from dynastack.client.async_client import AsyncClient
from dynastack.client.breaker import BreakerSettings
from dynastack.client.client import Client
from dynastack.client.telemetry import Metrics, Telemetry, correlation
from dynastack.core.operations import GetItem, PutItem, UpdateItem
from dynastack.core.operations.base import Operation
from dynastack.core.retry import RetryPolicy
from dynastack.core.wire import HttpRequest, HttpResponse
from dynastack.errors import (
    CancellationReason,
    CircuitOpen,
    ConditionalCheckFailed,
    DynastackError,
    InvalidRequest,
    ItemCollectionSizeLimitExceeded,
    ServerError,
    Throttled,
    TransactionCanceled,
    TransactionConflict,
    TransactionInProgress,
    TransportError,
    ValidationFailed,
)
from dynastack.testing.faults import (
    AsyncFaultTransport,
    ErrorReply,
    FaultTransport,
    Reset,
)

ENDPOINT = "http://127.0.0.1:9"  # never contacted: the injector answers every request
POLICY = RetryPolicy(max_attempts=4, base=0.01, cap=0.05, throttle_base=0.02)


class Unreachable:
    """The transport under the injector; reaching it means a fault was not injected."""

    def send(self, request: HttpRequest) -> HttpResponse:
        raise AssertionError(f"a request got past the fault injector: {request.url}")

    def close(self) -> None:
        return None


class AsyncUnreachable:
    """The async twin of ``Unreachable``."""

    async def send(self, request: HttpRequest) -> HttpResponse:
        raise AssertionError(f"a request got past the fault injector: {request.url}")

    async def aclose(self) -> None:
        return None


@dataclass
class Harness:
    """One client under fault injection, sync or async, with its sleeps and requests recorded."""

    is_async: bool
    faults: Callable[[HttpRequest, int], object]
    sleeps: list[float] = field(default_factory=list)
    seen: list[HttpRequest] = field(default_factory=list)
    now: list[float] = field(default_factory=lambda: [0.0])
    client: Client | AsyncClient | None = None

    def plan(self, request: HttpRequest, index: int) -> object:
        self.seen.append(request)
        return self.faults(request, index)

    def build(self, **options: Any) -> Harness:
        common: dict[str, Any] = {
            "region": "us-east-1",
            "retry": POLICY,
            "clock": lambda: self.now[0],
            **options,
        }
        if self.is_async:

            async def sleep(delay: float) -> None:
                self.sleeps.append(delay)

            self.client = AsyncClient(
                ENDPOINT,
                transport=AsyncFaultTransport(AsyncUnreachable(), self.plan),
                sleep=sleep,
                **common,
            )
        else:
            self.client = Client(
                ENDPOINT,
                transport=FaultTransport(Unreachable(), self.plan),
                sleep=self.sleeps.append,
                **common,
            )
        return self

    async def send(self, op: Operation[Any]) -> Any:
        client = self.client
        if isinstance(client, AsyncClient):
            return await client.send(op)
        assert client is not None
        return client.send(op)

    async def call(self, method: str, **kwargs: Any) -> dict[str, Any]:
        result = getattr(self.client, method)(**kwargs)
        if isinstance(result, Awaitable):
            result = await result
        assert isinstance(result, dict)
        return result


@pytest.fixture(params=[False, True], ids=["Client", "AsyncClient"])
def is_async(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


def always(reply: object) -> Callable[[HttpRequest, int], object]:
    return lambda request, index: reply


GET = GetItem(table="t", key={"pk": "a"})

# (wire code, HTTP status, class, retryable): RELIABILITY R4's list
CASES = [
    ("ProvisionedThroughputExceededException", 400, Throttled, True),
    ("ThrottlingException", 400, Throttled, True),
    ("RequestLimitExceeded", 400, Throttled, True),
    ("InternalServerError", 500, ServerError, True),
    ("ServiceUnavailable", 503, ServerError, True),
    ("TransactionConflictException", 400, TransactionConflict, True),
    ("TransactionInProgressException", 400, TransactionInProgress, True),
    ("TransactionCanceledException", 400, TransactionCanceled, False),
    ("ValidationException", 400, ValidationFailed, False),
    ("ConditionalCheckFailedException", 400, ConditionalCheckFailed, False),
    ("ItemCollectionSizeLimitExceededException", 400, ItemCollectionSizeLimitExceeded, False),
]


@pytest.mark.parametrize(("code", "status", "cls", "retryable"), CASES, ids=[c[0] for c in CASES])
async def test_each_error_maps_to_its_class_and_is_retried_only_if_retryable(
    is_async: bool, code: str, status: int, cls: type[DynastackError], retryable: bool
) -> None:
    h = Harness(is_async, always(ErrorReply(status, f"com.amazonaws#{code}", "injected"))).build(
        breaker=False
    )
    with pytest.raises(cls) as caught:
        await h.send(GET)
    assert type(caught.value) is cls
    assert caught.value.code == code  # type: ignore[attr-defined]
    assert caught.value.operation == "GetItem"  # type: ignore[attr-defined]
    attempts = POLICY.max_attempts if retryable else 1
    assert len(h.seen) == attempts
    assert len(h.sleeps) == attempts - 1
    assert all(0.0 <= delay <= POLICY.cap for delay in h.sleeps)


async def test_the_boto3_surface_raises_the_same_typed_errors(is_async: bool) -> None:
    h = Harness(is_async, always(ErrorReply(400, "ThrottlingException"))).build(breaker=False)
    with pytest.raises(Throttled):
        await h.call("get_item", TableName="t", Key={"pk": {"S": "a"}})
    assert len(h.seen) == POLICY.max_attempts


async def test_cancellation_reasons_are_decoded_in_order_with_their_items(is_async: bool) -> None:
    reasons = [
        {"Code": "None"},
        {"Code": "ConditionalCheckFailed", "Message": "no", "Item": {"pk": {"S": "a"}}},
    ]
    reply = ErrorReply(
        400,
        "TransactionCanceledException",
        "canceled",
        extra={"CancellationReasons": reasons},
    )
    h = Harness(is_async, always(reply)).build()
    with pytest.raises(TransactionCanceled) as caught:
        await h.send(GET)
    assert caught.value.reasons == (
        CancellationReason(None),
        CancellationReason("ConditionalCheckFailed", "no", {"pk": "a"}),
    )


async def test_a_failed_condition_keeps_the_returned_wire_item(is_async: bool) -> None:
    reply = ErrorReply(
        400, "ConditionalCheckFailedException", "", extra={"Item": {"pk": {"S": "old"}}}
    )
    h = Harness(is_async, always(reply)).build()
    with pytest.raises(ConditionalCheckFailed) as caught:
        await h.send(PutItem(table="t", item={"pk": "a"}, condition="attribute_not_exists(pk)"))
    assert caught.value.raw_item == {"pk": {"S": "old"}}


async def test_an_unknown_outcome_is_resent_only_for_resend_safe_operations(
    is_async: bool,
) -> None:
    # a reset connection after the request may have gone out: the outcome is unknown
    h = Harness(is_async, always(Reset())).build(breaker=False)
    with pytest.raises(TransportError):
        await h.send(GET)  # a read: resent until the attempts run out
    assert len(h.seen) == POLICY.max_attempts

    h = Harness(is_async, always(Reset())).build(breaker=False)
    with pytest.raises(TransportError):
        await h.send(
            UpdateItem(table="t", key={"pk": "a"}, update="ADD n :one", values={":one": 1})
        )
    assert len(h.seen) == 1  # an ADD could apply twice: the unknown outcome is reported

    h = Harness(is_async, always(Reset())).build(breaker=False)
    with pytest.raises(TransportError):
        await h.call("update_item", TableName="t", Key={"pk": {"S": "a"}})
    assert len(h.seen) == 1


async def test_invalid_requests_raise_before_anything_is_sent(is_async: bool) -> None:
    h = Harness(is_async, always(None)).build()
    with pytest.raises(InvalidRequest):
        await h.send(PutItem(table="t", item={"pk": "a", "big": "x" * 410_000}))
    with pytest.raises(InvalidRequest):
        await h.call("put_item", TableName="t", Item={}, Unknown=1)
    assert h.seen == []


async def test_the_breaker_opens_after_failures_and_fails_fast(is_async: bool) -> None:
    h = Harness(is_async, always(ErrorReply(500, "InternalServerError"))).build(
        retry=RetryPolicy(max_attempts=1),
        breaker=BreakerSettings(failure_threshold=3, recovery_time=5.0),
    )
    for _ in range(3):
        with pytest.raises(ServerError):
            await h.send(GET)
    with pytest.raises(CircuitOpen) as caught:
        await h.send(GET)
    assert len(h.seen) == 3  # the open circuit did not send
    assert caught.value.retry_after == pytest.approx(5.0)

    h.now[0] = 5.0  # recovery time passed: one trial call goes through
    h.faults = always(ErrorReply(400, "ValidationException"))  # an answer: the endpoint lives
    with pytest.raises(ValidationFailed):
        await h.send(GET)
    assert len(h.seen) == 4
    with pytest.raises(ValidationFailed):  # closed again: calls flow
        await h.send(GET)


async def test_throttles_do_not_open_the_breaker(is_async: bool) -> None:
    h = Harness(is_async, always(ErrorReply(400, "ThrottlingException"))).build(
        retry=RetryPolicy(max_attempts=1), breaker=BreakerSettings(failure_threshold=2)
    )
    for _ in range(5):
        with pytest.raises(Throttled):
            await h.send(GET)
    assert len(h.seen) == 5


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def records() -> Records:
    handler = Records()
    logger = logging.getLogger(f"test.client.faults.{id(handler)}")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    logger.addHandler(handler)
    return handler


async def test_one_telemetry_event_per_call_not_per_attempt(
    is_async: bool, records: Records
) -> None:
    logger = logging.getLogger(f"test.client.faults.{id(records)}")
    registry = CollectorRegistry()
    telemetry = Telemetry(logger=logger, metrics=Metrics(registry))
    h = Harness(is_async, always(ErrorReply(400, "ThrottlingException", "x"))).build(
        telemetry=telemetry, breaker=False
    )
    with correlation("req-7"), pytest.raises(Throttled):
        await h.send(GET)
    assert len(records.records) == 1
    event = records.records[0].dynastack  # type: ignore[attr-defined]
    assert event["operation"] == "GetItem"
    assert event["table"] == "t"
    assert event["attempts"] == POLICY.max_attempts
    assert event["outcome"] == "Throttled"
    assert event["error_code"] == "ThrottlingException"
    assert event["retry_reasons"] == ("throttled",) * (POLICY.max_attempts - 1)
    assert event["correlation_id"] == "req-7"
    assert event["endpoint"] == f"{ENDPOINT}/"
    labels = {"operation": "GetItem", "table": "t", "outcome": "Throttled"}
    assert registry.get_sample_value("dynastack_calls_total", labels) == 1.0


async def test_telemetry_can_be_switched_off(is_async: bool) -> None:
    h = Harness(is_async, always(ErrorReply(400, "ValidationException"))).build(telemetry=False)
    assert h.client is not None
    assert h.client.settings.telemetry is None
    with pytest.raises(ValidationFailed):
        await h.send(GET)
