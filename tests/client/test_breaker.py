"""The circuit breaker's state table, driven by an injected clock; concurrency in half-open."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from dynastack.client.breaker import BreakerSettings, CircuitBreaker
from dynastack.errors import (
    AccessDenied,
    CircuitOpen,
    ConditionalCheckFailed,
    ConfigurationError,
    ConnectError,
    DynastackError,
    InvalidRequest,
    RequestTimeout,
    ServerError,
    Throttled,
    TransportError,
    ValidationFailed,
    from_wire,
)

ENDPOINT = "http://127.0.0.1:8000"


class Clock:
    """A hand-driven monotonic clock."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


class YieldingClock(Clock):
    """A clock that gives up the GIL when read: it widens any race around reading the time.

    Not synchronisation: it makes a missing lock show up reliably instead of once in a while.
    """

    def __call__(self) -> float:
        time.sleep(0)
        return self.now


def make(
    threshold: int = 3, recovery: float = 10.0, trials: int = 1
) -> tuple[CircuitBreaker, Clock]:
    clock = Clock()
    settings = BreakerSettings(
        failure_threshold=threshold, recovery_time=recovery, half_open_max_calls=trials
    )
    return CircuitBreaker(ENDPOINT, settings, clock=clock), clock


def fail(breaker: CircuitBreaker, error: BaseException | None = None, times: int = 1) -> None:
    for _ in range(times):
        breaker.before_call()
        breaker.on_failure(error if error is not None else ConnectError("refused"))


def test_starts_closed_and_lets_calls_through() -> None:
    breaker, _ = make()
    for _ in range(10):
        breaker.before_call()
        breaker.on_success()
    assert breaker.state == "closed"


def test_opens_after_threshold_consecutive_failures() -> None:
    breaker, _ = make(threshold=3)
    fail(breaker, times=2)
    assert (breaker.state, breaker.consecutive_failures) == ("closed", 2)
    fail(breaker)
    assert breaker.state == "open"


def test_a_success_resets_the_consecutive_count() -> None:
    breaker, _ = make(threshold=3)
    fail(breaker, times=2)
    breaker.before_call()
    breaker.on_success()
    fail(breaker, times=2)
    assert (breaker.state, breaker.consecutive_failures) == ("closed", 2)


def test_open_fails_fast_with_the_time_left() -> None:
    breaker, clock = make(threshold=1, recovery=10.0)
    fail(breaker)
    clock.now += 4.0
    with pytest.raises(CircuitOpen) as caught:
        breaker.before_call()
    assert caught.value.endpoint == ENDPOINT
    assert caught.value.retry_after == pytest.approx(6.0)
    clock.now += 5.9
    with pytest.raises(CircuitOpen) as caught:
        breaker.before_call()
    assert caught.value.retry_after == pytest.approx(0.1)


def test_after_recovery_one_trial_goes_through_and_others_fail_fast() -> None:
    breaker, clock = make(threshold=1, recovery=10.0)
    fail(breaker)
    clock.now += 10.0
    assert breaker.state == "half_open"  # reported before any call arrives
    breaker.before_call()
    with pytest.raises(CircuitOpen) as caught:
        breaker.before_call()
    assert caught.value.retry_after == pytest.approx(10.0)
    assert breaker.state == "half_open"


def test_trial_success_closes_the_circuit() -> None:
    breaker, clock = make(threshold=2)
    fail(breaker, times=2)
    clock.now += 10.0
    breaker.before_call()
    breaker.on_success()
    assert (breaker.state, breaker.consecutive_failures) == ("closed", 0)
    fail(breaker)
    assert breaker.state == "closed"  # the count started over


def test_trial_failure_reopens_for_a_full_recovery_time() -> None:
    breaker, clock = make(threshold=2, recovery=10.0)
    fail(breaker, times=2)
    clock.now += 15.0
    fail(breaker, RequestTimeout("slow"))
    assert breaker.state == "open"
    clock.now += 9.0
    with pytest.raises(CircuitOpen) as caught:
        breaker.before_call()
    assert caught.value.retry_after == pytest.approx(1.0)
    clock.now += 1.0
    breaker.before_call()  # the next trial


@pytest.mark.parametrize(
    "error",
    [
        ConnectError("refused"),
        RequestTimeout("slow"),
        TransportError("reset"),
        ServerError("500"),
        from_wire("ServiceUnavailable", status=503),
        from_wire("InternalFailure", status=500),
        from_wire("SomethingNew", status=502),
    ],
    ids=lambda e: f"{type(e).__name__}-{getattr(e, 'code', '')}",
)
def test_endpoint_health_failures_count(error: DynastackError) -> None:
    breaker, _ = make(threshold=2)
    fail(breaker, error, times=2)
    assert breaker.state == "open"


ALIVE = [
    Throttled("slow down"),
    from_wire("ProvisionedThroughputExceededException"),
    ConditionalCheckFailed("condition false"),
    ValidationFailed("bad shape"),
    AccessDenied("no"),
    InvalidRequest("nothing sent"),
]


@pytest.mark.parametrize("error", ALIVE, ids=lambda e: type(e).__name__)
def test_answers_from_a_live_endpoint_count_as_success(error: DynastackError) -> None:
    breaker, _ = make(threshold=2)
    fail(breaker)
    fail(breaker, error, times=5)
    fail(breaker)
    assert (breaker.state, breaker.consecutive_failures) == ("closed", 1)


@pytest.mark.parametrize("error", ALIVE[:3], ids=lambda e: type(e).__name__)
def test_an_answer_during_the_trial_closes_the_circuit(error: DynastackError) -> None:
    breaker, clock = make(threshold=1)
    fail(breaker)
    clock.now += 10.0
    fail(breaker, error)
    assert breaker.state == "closed"


@pytest.mark.parametrize(
    "error", [asyncio.CancelledError(), ValueError("caller bug"), CircuitOpen(ENDPOINT, 1.0)]
)
def test_errors_that_say_nothing_only_free_the_trial_slot(error: BaseException) -> None:
    breaker, clock = make(threshold=1)
    fail(breaker)
    clock.now += 10.0
    fail(breaker, error)
    assert breaker.state == "half_open"
    breaker.before_call()  # the slot was freed: another trial may go
    with pytest.raises(CircuitOpen):
        breaker.before_call()


def test_errors_that_say_nothing_do_not_reset_the_count() -> None:
    breaker, _ = make(threshold=3)
    fail(breaker, times=2)
    fail(breaker, ValueError("caller bug"))
    fail(breaker)
    assert breaker.state == "open"


def test_a_late_success_from_before_the_opening_does_not_close() -> None:
    breaker, _ = make(threshold=1)
    breaker.before_call()  # a slow call starts while closed
    fail(breaker)  # another call opens the circuit
    breaker.on_success()  # the slow one returns
    assert breaker.state == "open"


def test_breakers_of_different_endpoints_are_independent() -> None:
    clock = Clock()
    settings = BreakerSettings(failure_threshold=1)
    first = CircuitBreaker("http://a", settings, clock)
    second = CircuitBreaker("http://b", settings, clock)
    fail(first)
    assert (first.state, second.state) == ("open", "closed")
    second.before_call()


def race_half_open(trials: int, callers: int = 16) -> list[bool]:
    """Open a breaker, let recovery pass, then release ``callers`` threads at once."""
    clock = YieldingClock()
    settings = BreakerSettings(failure_threshold=1, half_open_max_calls=trials)
    breaker = CircuitBreaker(ENDPOINT, settings, clock=clock)
    fail(breaker)
    clock.now += 10.0
    admitted: list[bool] = []
    barrier = threading.Barrier(callers)

    def caller() -> None:
        barrier.wait()
        try:
            breaker.before_call()
        except CircuitOpen:
            admitted.append(False)
        else:
            admitted.append(True)

    threads = [threading.Thread(target=caller) for _ in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return admitted


@pytest.mark.parametrize("trials", [1, 3])
def test_concurrent_threads_in_half_open_get_only_the_trial_calls(trials: int) -> None:
    for _ in range(10):
        admitted = race_half_open(trials)
        assert (admitted.count(True), len(admitted)) == (trials, 16)


def test_concurrent_failures_are_all_counted() -> None:
    breaker, _ = make(threshold=1_000_000)
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        for _ in range(500):
            breaker.on_failure(ConnectError("refused"))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert breaker.consecutive_failures == 4_000


@pytest.mark.parametrize(
    "kwargs",
    [{"failure_threshold": 0}, {"recovery_time": -1.0}, {"half_open_max_calls": 0}],
)
def test_nonsense_settings_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ConfigurationError):
        BreakerSettings(**kwargs)  # type: ignore[arg-type]


def test_repr_names_endpoint_and_state() -> None:
    breaker, _ = make()
    assert repr(breaker) == f"CircuitBreaker('{ENDPOINT}', state='closed')"
