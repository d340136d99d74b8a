"""A circuit breaker per endpoint: stop calling a dead endpoint, then probe it carefully.

Retries handle a blip; a breaker handles an outage. After ``failure_threshold`` consecutive
endpoint-health failures the circuit opens and calls fail fast with ``CircuitOpen`` (carrying
``retry_after``) instead of piling up timeouts. After ``recovery_time`` seconds it lets
``half_open_max_calls`` trial calls through: a trial success closes it, a trial failure opens
it again for another ``recovery_time``.

Only transport errors and 5xx answers count as failures. A throttle, a failed condition or a
validation error is an answer from a live endpoint, so it counts as a success.

A failure counts once per call, not per attempt: a call that retried eight times against a
dead port is one piece of evidence, and one bad request retried as a 5xx must never be enough
to cut every other caller off (``on_failure(error, final=False)`` for an attempt that will be
retried counts nothing while the circuit is closed). A trial call's failed attempt, though,
reopens the circuit at once. ``CircuitOpen`` carries the failure that opened the circuit
(``cause``), so that a closed port still reads as "connection refused".

The client owns one breaker per endpoint it talks to; there is deliberately no global registry
(two clients of the same endpoint in different tests must not trip each other). The state table
is guarded by a lock, but the closed state, the hot path, is read without one: a call racing
with the opening transition may slip through once, which is harmless, and costs ~100 ns instead
of a lock round trip. The clock is injected, so tests drive time by hand.

Example:
    >>> now = [0.0]
    >>> breaker = CircuitBreaker("http://db", BreakerSettings(failure_threshold=2),
    ...                          clock=lambda: now[0])
    >>> from dynastack.errors import CircuitOpen, RequestTimeout
    >>> for _ in range(2):
    ...     breaker.before_call(); breaker.on_failure(RequestTimeout("no reply"))
    >>> breaker.state
    'open'
    >>> try:
    ...     breaker.before_call()
    ... except CircuitOpen as exc:
    ...     print(exc.retry_after, repr(exc.cause))
    10.0 RequestTimeout('no reply')
    >>> now[0] = 10.0
    >>> breaker.before_call(); breaker.on_success(); breaker.state
    'closed'
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from dynastack.errors import (
    CircuitOpen,
    ConfigurationError,
    DynastackError,
    ServerError,
    ServiceError,
    TransportError,
)

__all__ = ["BreakerSettings", "BreakerState", "CircuitBreaker"]

BreakerState = Literal["closed", "open", "half_open"]

#: the errors that say the endpoint itself is unhealthy
_HEALTH_FAILURES = (TransportError, ServerError)


def _evidence(error: BaseException) -> BaseException:
    """A bare copy of ``error`` to show other callers: no traceback, no chained errors.

    ``CircuitOpen`` reaches every caller of the endpoint, but the failure that opened it
    belonged to one call, whose frames (and payload) its traceback would keep alive
    (ARCHITECTURE principle 13).
    """
    if isinstance(error, ServiceError):
        return type(error)(
            error.message,
            code=error.code,
            status=error.status,
            request_id=error.request_id,
            operation=error.operation,
        )
    try:
        return type(error)(*error.args)
    except Exception:  # an exotic constructor: keep the class name and message only
        return TransportError(f"{type(error).__name__}: {error}")


@dataclass(frozen=True, slots=True)
class BreakerSettings:
    """When to open the circuit and how to probe it again.

    Example:
        >>> BreakerSettings().failure_threshold
        5
    """

    failure_threshold: int = 5
    recovery_time: float = 10.0
    half_open_max_calls: int = 1

    def __post_init__(self) -> None:
        if self.failure_threshold < 1:
            raise ConfigurationError(f"failure_threshold must be >= 1: {self.failure_threshold}")
        if not self.recovery_time >= 0.0:
            raise ConfigurationError(f"recovery_time must be >= 0 s: {self.recovery_time!r}")
        if self.half_open_max_calls < 1:
            raise ConfigurationError(
                f"half_open_max_calls must be >= 1: {self.half_open_max_calls}"
            )


class CircuitBreaker:
    """The breaker of one endpoint. Call ``before_call`` first, then exactly one outcome.

    ``on_success`` after a reply (or an error that proves the endpoint alive), ``on_failure``
    with the error otherwise; ``on_failure`` sorts the error out itself. An error that says
    nothing about the endpoint (a cancellation, a bug in the caller) only frees the trial slot.

    Example:
        >>> breaker = CircuitBreaker("http://127.0.0.1:8000")
        >>> breaker.before_call(); breaker.on_success(); breaker.state
        'closed'
    """

    __slots__ = (
        "_cause",
        "_clock",
        "_failures",
        "_lock",
        "_opened_at",
        "_settings",
        "_state",
        "_trials",
        "endpoint",
    )

    def __init__(
        self,
        endpoint: str,
        settings: BreakerSettings = BreakerSettings(),  # frozen, so one shared default is safe
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.endpoint = endpoint
        self._settings = settings
        self._clock = clock
        self._lock = threading.Lock()
        self._state: BreakerState = "closed"
        self._failures = 0  # consecutive health failures
        self._opened_at = 0.0
        self._trials = 0  # trial calls in flight while half-open
        self._cause: BaseException | None = None  # the failure that opened the circuit

    @property
    def settings(self) -> BreakerSettings:
        """The settings this breaker was built with."""
        return self._settings

    @property
    def state(self) -> BreakerState:
        """``"closed"``, ``"open"`` or ``"half_open"``.

        An open circuit whose recovery time has passed reports ``"half_open"``: the next call
        will be let through as a trial.
        """
        state = self._state
        if state == "open" and self._clock() - self._opened_at >= self._settings.recovery_time:
            return "half_open"
        return state

    @property
    def consecutive_failures(self) -> int:
        """Health failures since the last success."""
        return self._failures

    def before_call(self) -> None:
        """Let a call through, or raise ``CircuitOpen(endpoint, retry_after)`` to fail fast."""
        if self._state == "closed":
            return
        settings = self._settings
        with self._lock:
            if self._state == "open":
                waited = self._clock() - self._opened_at
                if waited < settings.recovery_time:
                    raise CircuitOpen(self.endpoint, settings.recovery_time - waited, self._cause)
                self._state = "half_open"
                self._trials = 0
            if self._state == "half_open":
                if self._trials >= settings.half_open_max_calls:
                    # a trial is running; if it fails, the circuit stays open this long
                    raise CircuitOpen(self.endpoint, settings.recovery_time, self._cause)
                self._trials += 1

    def on_success(self) -> None:
        """The endpoint answered: reset the failure count; a trial success closes the circuit."""
        if self._state == "closed" and self._failures == 0:
            return
        with self._lock:
            if self._state == "open":
                return  # a call started before the circuit opened; the trial decides
            self._state = "closed"
            self._failures = 0
            self._trials = 0

    @property
    def cause(self) -> BaseException | None:
        """The failure that last opened the circuit (``None`` if it never opened)."""
        return self._cause

    def on_failure(self, error: BaseException, *, final: bool = True) -> None:
        """An attempt failed with ``error``; only transport errors and 5xx answers count.

        ``final=False`` says the call will retry: then the failure counts only against a
        trial call (half-open), so that each call counts once however often it retries.
        """
        if isinstance(error, _HEALTH_FAILURES):
            if final or self._state == "half_open":
                self._record_failure(error)
        elif isinstance(error, DynastackError) and not isinstance(error, CircuitOpen):
            self.on_success()  # DynamoDB answered (throttle, condition, validation …)
        elif self._state == "half_open":
            with self._lock:  # no verdict on the endpoint: just free the trial slot
                self._trials = max(0, self._trials - 1)

    def _record_failure(self, error: BaseException) -> None:
        with self._lock:
            self._failures += 1
            if self._state == "half_open" or (
                self._state == "closed" and self._failures >= self._settings.failure_threshold
            ):
                self._state = "open"
                self._cause = _evidence(error)
                self._opened_at = self._clock()
                self._trials = 0

    def __repr__(self) -> str:
        return f"CircuitBreaker({self.endpoint!r}, state={self.state!r})"
