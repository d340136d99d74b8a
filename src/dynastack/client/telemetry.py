"""What happened on each call, for logs and metrics, without leaking data and without cost.

The client builds one ``CallEvent`` per call (after its retries) and hands it to ``Telemetry``.
The event type is the privacy boundary: it has fields for the operation, table, timing,
attempts, outcome, error code, consumed capacity and ids, and **no field** for item values,
keys, expressions, error messages (DynamoDB echoes values in them), tokens or credentials, so
nothing sensitive can reach a log line or a metric label by accident.

Cost matters: the client spends ~30-60 µs of CPU per call, so telemetry must stay within a
few µs. Logging is checked with ``isEnabledFor`` before anything is formatted (the stdlib
caches that answer). Prometheus ``labels()`` costs several µs per call, so ``Metrics`` caches
the labelled children per (operation, table, outcome). Metrics are off unless the application
passes a ``Metrics``: the framework must not register collectors in a global registry behind
the application's back.

A correlation id travels in a ``ContextVar``, so it follows a request through ``await`` and
into asyncio tasks started inside ``with correlation(...)`` (they copy the context), and into
``asyncio.to_thread``; plain threads start with an empty context.

Example:
    >>> import logging
    >>> telemetry = Telemetry(logger=logging.getLogger("doctest.quiet"))
    >>> with correlation("req-1") as cid:
    ...     telemetry.emit(CallEvent("GetItem", "users", 0.0005, 1, "ok", None, 0.5, "R1",
    ...                              correlation_id.get(), "http://127.0.0.1:8000"))
    ...     cid
    'req-1'
"""

from __future__ import annotations

import contextvars
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dynastack.errors import ConfigurationError

if TYPE_CHECKING:  # an optional extra: imported when a Metrics is made, not with the client
    from prometheus_client import CollectorRegistry

__all__ = ["CallEvent", "Metrics", "Telemetry", "correlation", "correlation_id"]

#: the id of the request being served, set by ``correlation`` (or by the application)
correlation_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "dynastack_correlation_id", default=None
)


@contextmanager
def correlation(cid: str | None = None) -> Iterator[str]:
    """Set the correlation id for the block (a new uuid4 hex if ``cid`` is ``None``).

    Example:
        >>> with correlation("abc") as cid:
        ...     correlation_id.get()
        'abc'
        >>> correlation_id.get() is None
        True
    """
    value = cid if cid is not None else uuid.uuid4().hex
    token = correlation_id.set(value)
    try:
        yield value
    finally:
        correlation_id.reset(token)


@dataclass(frozen=True, slots=True)
class CallEvent:
    """One finished call, after all its attempts. Holds no item data by construction.

    ``duration`` is in seconds over all attempts and backoff sleeps; ``outcome`` is ``"ok"`` or
    the error's class name (``"Throttled"``); ``error_code`` is DynamoDB's code when it
    answered with one; ``retry_reasons`` has one ``RetryDecision.reason`` per retry taken.

    Example:
        >>> CallEvent("PutItem", "t", 0.002, 2, "ok", None, 1.0, None, None, "http://db",
        ...           retry_reasons=("throttled",)).attempts
        2
    """

    operation: str
    table: str | None
    duration: float
    attempts: int
    outcome: str
    error_code: str | None
    consumed_capacity: float | None
    request_id: str | None
    correlation_id: str | None
    endpoint: str
    retry_reasons: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The fields as a plain dict (cheaper than ``dataclasses.asdict``, which deep-copies)."""
        return {
            "operation": self.operation,
            "table": self.table,
            "duration": self.duration,
            "attempts": self.attempts,
            "outcome": self.outcome,
            "error_code": self.error_code,
            "consumed_capacity": self.consumed_capacity,
            "request_id": self.request_id,
            "correlation_id": self.correlation_id,
            "endpoint": self.endpoint,
            "retry_reasons": self.retry_reasons,
        }


#: latency buckets in seconds: DynamoDB Local answers in well under 1 ms, AWS in a few ms
LATENCY_BUCKETS = (
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    float("inf"),
)


class Metrics:
    """Prometheus counters and a latency histogram for dynastack calls.

    ``registry=None`` registers in prometheus-client's default ``REGISTRY`` (what
    ``start_http_server`` and ``make_asgi_app`` expose); create one ``Metrics`` per registry
    and share it between clients, since registering the same names twice raises ``ValueError``.
    Exported as ``<namespace>_calls_total{operation,table,outcome}``,
    ``<namespace>_call_seconds{operation}``, ``<namespace>_retries_total{operation,reason}``
    and ``<namespace>_consumed_capacity_total{table}``; a missing table is the label ``""``.

    Example:
        >>> from prometheus_client import CollectorRegistry
        >>> registry = CollectorRegistry()
        >>> metrics = Metrics(registry)
        >>> metrics.observe(CallEvent("GetItem", "t", 0.001, 1, "ok", None, 0.5, None, None, "e"))
        >>> registry.get_sample_value(
        ...     "dynastack_calls_total", {"operation": "GetItem", "table": "t", "outcome": "ok"})
        1.0
    """

    def __init__(
        self, registry: CollectorRegistry | None = None, namespace: str = "dynastack"
    ) -> None:
        try:
            from prometheus_client import REGISTRY, Counter, Histogram
        except ImportError as missing:
            raise ConfigurationError(
                "Metrics needs prometheus-client: pip install 'dynastack[prometheus]'"
            ) from missing
        registry = REGISTRY if registry is None else registry
        self.calls_total = Counter(
            "calls",
            "DynamoDB calls by operation, table and outcome (ok or error class).",
            ("operation", "table", "outcome"),
            namespace=namespace,
            registry=registry,
        )
        self.call_seconds = Histogram(
            "call_seconds",
            "Wall time of a DynamoDB call including retries and backoff, in seconds.",
            ("operation",),
            namespace=namespace,
            registry=registry,
            buckets=LATENCY_BUCKETS,
        )
        self.retries_total = Counter(
            "retries",
            "Retried attempts by operation and reason.",
            ("operation", "reason"),
            namespace=namespace,
            registry=registry,
        )
        self.consumed_capacity_total = Counter(
            "consumed_capacity",
            "Capacity units DynamoDB reported as consumed, by table.",
            ("table",),
            namespace=namespace,
            registry=registry,
        )
        # labels() hashes and validates its arguments each time (several µs): resolve once
        self._children: dict[tuple[str, str | None, str], tuple[Any, Any, Any]] = {}
        self._retry_children: dict[tuple[str, str], Any] = {}

    def _resolve(self, key: tuple[str, str | None, str]) -> tuple[Any, Any, Any]:
        operation, table, outcome = key
        table_label = table or ""
        children = (
            self.calls_total.labels(operation, table_label, outcome),
            self.call_seconds.labels(operation),
            self.consumed_capacity_total.labels(table_label),
        )
        self._children[key] = children  # a benign race: both threads store equal children
        return children

    def observe(self, event: CallEvent) -> None:
        """Count the call, its latency, its retries and the capacity it consumed."""
        key = (event.operation, event.table, event.outcome)
        children = self._children.get(key)
        if children is None:
            children = self._resolve(key)
        calls, seconds, capacity = children
        calls.inc()
        seconds.observe(event.duration)
        if event.consumed_capacity:
            capacity.inc(event.consumed_capacity)
        if event.attempts > 1:
            self._count_retries(event)

    def _count_retries(self, event: CallEvent) -> None:
        reasons = event.retry_reasons or ("unknown",) * (event.attempts - 1)
        for reason in reasons:
            rkey = (event.operation, reason)
            child = self._retry_children.get(rkey)
            if child is None:
                child = self._retry_children[rkey] = self.retries_total.labels(*rkey)
            child.inc()


class Telemetry:
    """Turns each ``CallEvent`` into one log record and, if given ``metrics``, into metrics.

    Successes log at ``level`` (DEBUG by default), failures at WARNING (or ``level`` if that is
    higher), through ``logging.getLogger("dynastack.client")`` unless another logger is given.
    The record's message reads ``dynastack call GetItem table=t outcome=ok attempts=1 ms=0.52``
    and the event's fields are attached as ``record.dynastack`` (a dict) for JSON formatters.

    Example:
        >>> import logging
        >>> quiet = logging.getLogger("doctest.quiet"); quiet.setLevel(logging.WARNING)
        >>> Telemetry(logger=quiet).enabled
        False
    """

    __slots__ = ("_fail_level", "_level", "_logger", "metrics")

    def __init__(
        self,
        *,
        logger: logging.Logger | None = None,
        metrics: Metrics | None = None,
        level: int = logging.DEBUG,
    ) -> None:
        self._logger = logger if logger is not None else logging.getLogger("dynastack.client")
        self.metrics = metrics
        self._level = level
        self._fail_level = max(level, logging.WARNING)

    @property
    def enabled(self) -> bool:
        """Whether an event would produce anything (a caller may skip building it if not)."""
        return self.metrics is not None or self._logger.isEnabledFor(
            min(self._level, self._fail_level)
        )

    def emit(self, event: CallEvent) -> None:
        """Record one finished call. Never raises for a well-formed event."""
        if self.metrics is not None:
            self.metrics.observe(event)
        if event.outcome == "ok":
            level = self._level
            if not self._logger.isEnabledFor(level):
                return
            self._logger.log(
                level,
                "dynastack call %s table=%s outcome=ok attempts=%d ms=%.2f",
                event.operation,
                event.table,
                event.attempts,
                event.duration * 1000.0,
                extra={"dynastack": event.as_dict()},
            )
            return
        level = self._fail_level
        if not self._logger.isEnabledFor(level):
            return
        self._logger.log(
            level,
            "dynastack call %s table=%s outcome=%s attempts=%d ms=%.2f code=%s",
            event.operation,
            event.table,
            event.outcome,
            event.attempts,
            event.duration * 1000.0,
            event.error_code,
            extra={"dynastack": event.as_dict()},
        )
