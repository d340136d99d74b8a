"""The non-I/O half of every call, shared by ``Client`` and ``AsyncClient``.

Both clients run the same loop — encode once, then per attempt: admit (circuit breaker), sign,
send, read, and on failure decide whether and how long to wait — and differ only in how they
send and sleep. Everything that is not sending or sleeping lives here, in ``CallSetup``, so the
two shells cannot drift apart in behaviour (ARCHITECTURE principle 3), and the hot path is
written once, with its look-ups hoisted into ``__init__``.

A call's body is encoded once and re-signed per attempt: a retry resends the very same
operation (a transaction keeps its client request token, RELIABILITY fact 1), while the
signature's timestamp stays fresh after a backoff.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import orjson

from dynastack.client.breaker import CircuitBreaker
from dynastack.client.settings import ClientSettings
from dynastack.client.telemetry import CallEvent, correlation_id
from dynastack.core.operations.base import Operation, Service
from dynastack.core.retry import RetryQuota, decide
from dynastack.core.signing import Credentials, signed_headers
from dynastack.core.values import decode_item
from dynastack.core.wire import Endpoint, HttpRequest, HttpResponse
from dynastack.errors import (
    CancellationReason,
    DynastackError,
    ServiceError,
    TransportError,
    from_wire,
)

__all__ = ["CallSetup", "consumed_capacity", "service_error"]

R = TypeVar("R")

_TARGET_PREFIX: Mapping[Service, str] = {
    "dynamodb": "DynamoDB_20120810.",
    "streams": "DynamoDBStreams_20120810.",
}
_CONTENT_TYPE = ("Content-Type", "application/x-amz-json-1.0")
_loads = orjson.loads
_dumps = orjson.dumps
_JSONDecodeError = orjson.JSONDecodeError
_time = time.time


def consumed_capacity(data: Mapping[str, Any]) -> float | None:
    """Total ``CapacityUnits`` of a reply's ``ConsumedCapacity`` (one table or a list).

    Example:
        >>> consumed_capacity({"ConsumedCapacity": [{"CapacityUnits": 1.0},
        ...                                          {"CapacityUnits": 0.5}]})
        1.5
    """
    capacity = data.get("ConsumedCapacity")
    if capacity is None:
        return None
    if isinstance(capacity, dict):
        units = capacity.get("CapacityUnits")
        return float(units) if units is not None else None
    return float(sum(entry.get("CapacityUnits", 0.0) for entry in capacity))


def _reason(raw: Mapping[str, Any]) -> CancellationReason:
    code = raw.get("Code")
    item = raw.get("Item")
    if item is not None:
        # an item we cannot decode is still worth showing as it came
        with contextlib.suppress(DynastackError):
            item = decode_item(item)
    return CancellationReason(None if code in (None, "None") else code, raw.get("Message"), item)


def service_error(action: str, response: HttpResponse, table: str | None = None) -> ServiceError:
    """The typed error for a non-200 reply, keeping DynamoDB's request id and returned item.

    A missing table is named in the message (``table``, the request's ``TableName``):
    DynamoDB's own text ("Requested resource not found", DynamoDB Local's "Cannot do
    operations on a non-existent table") does not say which one.

    Example:
        >>> body = b'{"__type":"x#ConditionalCheckFailedException","Item":{"a":{"S":"b"}}}'
        >>> reply = HttpResponse(400, {"x-amzn-requestid": "R1"}, body)
        >>> err = service_error("PutItem", reply)
        >>> type(err).__name__, err.request_id, err.raw_item
        ('ConditionalCheckFailed', 'R1', {'a': {'S': 'b'}})
    """
    try:
        data = _loads(response.body) if response.body else {}
    except _JSONDecodeError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    wire_type = data.get("__type") or f"HTTP{response.status}"
    raw_reasons = data.get("CancellationReasons") or ()
    message = data.get("message") or data.get("Message") or ""
    if table and wire_type.endswith("ResourceNotFoundException") and table not in message:
        message = f"table {table!r} does not exist at this endpoint and region: {message}"
    return from_wire(
        wire_type,
        message,
        status=response.status,
        request_id=response.headers.get("x-amzn-requestid"),
        operation=action,
        item=data.get("Item"),
        reasons=[_reason(raw) for raw in raw_reasons if isinstance(raw, dict)],
    )


class CallSetup:
    """One client's resolved call machinery: URLs, headers, breakers, quota and telemetry.

    Example:
        >>> from dynastack.client.settings import ClientSettings
        >>> settings = ClientSettings.resolve("http://127.0.0.1:8000", region="us-east-1")
        >>> plan = CallSetup(settings)
        >>> plan.url("dynamodb")
        'http://127.0.0.1:8000/'
    """

    __slots__ = (
        "_breakers",
        "_headers",
        "_policy",
        "_region",
        "_urls",
        "quota",
        "settings",
        "telemetry",
    )

    def __init__(
        self, settings: ClientSettings, *, clock: Callable[[], float] | None = None
    ) -> None:
        self.settings = settings
        self._region = settings.region
        self._policy = settings.retry
        self.quota = RetryQuota(settings.retry)
        self.telemetry = settings.telemetry
        urls: dict[str, str] = {
            "dynamodb": Endpoint.parse(settings.endpoint).url,
            "streams": Endpoint.parse(settings.streams_endpoint).url,
        }
        self._urls = urls
        self._headers: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {}
        breakers: dict[str, CircuitBreaker | None] = {}
        if settings.breaker is not None:
            by_url: dict[str, CircuitBreaker] = {}
            for service, url in urls.items():
                if url not in by_url:
                    by_url[url] = CircuitBreaker(url, settings.breaker, clock or time.monotonic)
                breakers[service] = by_url[url]
        self._breakers = breakers

    def url(self, service: Service) -> str:
        """The URL that operations of ``service`` are posted to."""
        return self._urls[service]

    def breaker(self, service: Service) -> CircuitBreaker | None:
        """The circuit breaker guarding ``service``'s endpoint (``None`` when disabled)."""
        return self._breakers.get(service)

    @staticmethod
    def encode(op: Operation[Any]) -> bytes:
        """The request body; validation errors (``InvalidRequest``) raise here, before sending."""
        return _dumps(op.to_request())

    def request(self, op: Operation[Any], body: bytes, credentials: Credentials) -> HttpRequest:
        """Build and sign an attempt's HTTP request, then admit it through the breaker.

        Admission comes last, so that once this returns the attempt holds the breaker's
        attention (a trial slot when half-open) and must report back.
        """
        service = op.service
        key = (service, op.action)
        headers = self._headers.get(key)
        if headers is None:
            headers = (_CONTENT_TYPE, ("X-Amz-Target", _TARGET_PREFIX[service] + op.action))
            self._headers[key] = headers
        url = self._urls[service]
        # one HttpRequest per attempt, and the clock read as an integer (sign() would build a
        # second request and go through datetime: ~1 µs of the hot path between them)
        signed = signed_headers(
            "POST",
            url,
            headers,
            body,
            credentials,
            region=self._region,
            service="dynamodb",
            second=int(_time()),
        )
        breaker = self._breakers.get(service)
        if breaker is not None:
            breaker.before_call()
        return HttpRequest("POST", url, signed, body)

    @staticmethod
    def read(op: Operation[R], response: HttpResponse) -> tuple[R, dict[str, Any]]:
        """The parsed result and the decoded reply, or the typed error for a failure."""
        if response.status == 200:
            try:
                data = _loads(response.body)
            except _JSONDecodeError:
                # a cut reply to a request that did arrive: the outcome is unknown
                raise TransportError(f"{op.action}: malformed reply from DynamoDB") from None
            return op.parse(data), data
        raise service_error(op.action, response, op.table_name)

    def failed(
        self,
        op: Operation[Any],
        error: DynastackError,
        attempt: int,
        admitted: bool,
        reasons: list[str],
    ) -> float | None:
        """Book a failed attempt; the delay before the next one, or ``None`` to give up.

        ``admitted`` says whether the breaker let the attempt through (then it hears the
        outcome: it tells a dead endpoint from a live one that said no). A retry's reason
        is appended to ``reasons`` for the call's telemetry event.
        """
        decision = decide(
            error,
            attempt=attempt,
            resend_safe=op.resend_safe,
            policy=self._policy,
            quota=self.quota,
        )
        if admitted:
            breaker = self._breakers.get(op.service)
            if breaker is not None:
                # a call counts once: only its last attempt (or a trial's) is evidence
                breaker.on_failure(error, final=not decision.retry)
        if not decision.retry:
            return None
        reasons.append(decision.reason)
        return decision.delay

    def abandoned(self, op: Operation[Any], error: BaseException) -> None:
        """An admitted attempt ended without a verdict (cancelled, interrupted, a bug)."""
        breaker = self._breakers.get(op.service)
        if breaker is not None:
            breaker.on_failure(error)  # frees a half-open trial slot; counts nothing

    def succeeded(
        self,
        op: Operation[Any],
        started: float,
        attempts: int,
        reasons: list[str],
        *,
        data: Mapping[str, Any],
        response: HttpResponse,
    ) -> None:
        """Book a successful call with the breaker and the retry quota, and report it."""
        breaker = self._breakers.get(op.service)
        if breaker is not None:
            breaker.on_success()
        self.quota.on_success(attempts > 1)
        if self.telemetry is not None:
            self.report(op, started, attempts, reasons, data=data, response=response)

    def report(
        self,
        op: Operation[Any],
        started: float,
        attempts: int,
        reasons: list[str],
        *,
        data: Mapping[str, Any] | None = None,
        response: HttpResponse | None = None,
        error: DynastackError | None = None,
    ) -> None:
        """Emit the one telemetry event of a call (not one per attempt)."""
        telemetry = self.telemetry
        if telemetry is None or not telemetry.enabled:
            return
        request_id = response.headers.get("x-amzn-requestid") if response is not None else None
        error_code = None
        if isinstance(error, ServiceError):
            request_id = error.request_id
            error_code = error.code
        telemetry.emit(
            CallEvent(
                operation=op.action,
                table=op.table_name,
                duration=time.perf_counter() - started,
                attempts=attempts,
                outcome="ok" if error is None else type(error).__name__,
                error_code=error_code,
                consumed_capacity=None if data is None else consumed_capacity(data),
                request_id=request_id,
                correlation_id=correlation_id.get(),
                endpoint=self._urls[op.service],
                retry_reasons=tuple(reasons),
            )
        )
