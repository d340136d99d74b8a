"""Retry decisions: only the retryable, only when safe to resend, sleeps within [0, cap] (R4)."""

from __future__ import annotations

import asyncio
import math
import threading
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dynastack import errors
from dynastack.core.retry import RetryDecision, RetryPolicy, RetryQuota, decide
from dynastack.errors import (
    WIRE_ERRORS,
    CircuitOpen,
    ConditionalCheckFailed,
    ConfigurationError,
    ConnectError,
    DefinitionError,
    DynastackError,
    ItemCollectionSizeLimitExceeded,
    ItemTooLarge,
    RequestTimeout,
    ServerError,
    ServiceError,
    Throttled,
    TransactionCanceled,
    TransactionConflict,
    TransactionInProgress,
    TransportError,
    ValidationFailed,
    from_wire,
)

#: written out by hand so that a change to the error tree's retryability fails here
RETRYABLE = {
    "TransportError": "transport",
    "ConnectError": "transport",
    "RequestTimeout": "transport",
    "Throttled": "throttled",
    "ServerError": "server_error",
    "TransactionConflict": "conflict",
    "TransactionInProgress": "conflict",
}

ERROR_CLASSES = sorted(
    (
        obj
        for obj in vars(errors).values()
        if isinstance(obj, type) and issubclass(obj, DynastackError)
    ),
    key=lambda cls: cls.__name__,
)


def make(cls: type[DynastackError]) -> DynastackError:
    """An instance of any class of the tree (a few need extra constructor arguments)."""
    if cls is DefinitionError:
        return DefinitionError("E001", "bad declaration")
    if cls is ItemTooLarge:
        return ItemTooLarge("too big", size=500_000, limit=400_000)
    if cls is CircuitOpen:
        return CircuitOpen("http://127.0.0.1:1", 3.0)
    return cls("boom")


def fresh(policy: RetryPolicy | None = None) -> tuple[RetryPolicy, RetryQuota]:
    policy = policy or RetryPolicy()
    return policy, RetryQuota(policy)


def first_retry(error: BaseException, *, resend_safe: bool = True) -> RetryDecision:
    policy, quota = fresh()
    return decide(
        error, attempt=1, resend_safe=resend_safe, policy=policy, quota=quota, rand=lambda: 0.5
    )


def test_the_tree_is_enumerated() -> None:
    names = {cls.__name__ for cls in ERROR_CLASSES}
    assert set(RETRYABLE) <= names
    assert len(ERROR_CLASSES) >= 30


@pytest.mark.parametrize("cls", ERROR_CLASSES, ids=lambda cls: cls.__name__)
def test_every_class_of_the_tree_is_retried_only_if_retryable(cls: type[DynastackError]) -> None:
    decision = first_retry(make(cls))
    if cls.__name__ in RETRYABLE:
        assert decision == RetryDecision(True, decision.delay, RETRYABLE[cls.__name__])
        assert decision.delay > 0.0
    else:
        assert decision == RetryDecision(False, 0.0, "not_retryable")


@pytest.mark.parametrize("code", sorted(WIRE_ERRORS))
def test_every_wire_code_is_retried_only_if_its_class_is_retryable(code: str) -> None:
    error = from_wire(f"com.amazonaws.dynamodb.v20120810#{code}", "msg", status=400)
    decision = first_retry(error)
    assert decision.retry is (type(error).__name__ in RETRYABLE)
    assert decision.reason == RETRYABLE.get(type(error).__name__, "not_retryable")


# RELIABILITY R4's list, with the class each code must map to and whether it is retried
R4_CASES = [
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
    ("SomethingNewAndBroken", 502, ServerError, True),
    ("SomethingNewAndRefused", 400, ServiceError, False),
]


@pytest.mark.parametrize(("code", "status", "cls", "retried"), R4_CASES)
def test_r4_error_codes(code: str, status: int, cls: type[ServiceError], retried: bool) -> None:
    error = from_wire(code, "injected", status=status, operation="PutItem")
    assert type(error) is cls
    decision = first_retry(error, resend_safe=False)  # a ServiceError is an answer: resend is safe
    assert decision.retry is retried
    if retried:
        assert 0.0 <= decision.delay <= RetryPolicy().cap


@pytest.mark.parametrize(
    "error",
    [ValueError("x"), KeyError("k"), asyncio.CancelledError(), KeyboardInterrupt(), OSError()],
    ids=lambda e: type(e).__name__,
)
def test_foreign_exceptions_are_never_retried_and_cost_nothing(error: BaseException) -> None:
    policy, quota = fresh()
    decision = decide(error, attempt=1, resend_safe=True, policy=policy, quota=quota)
    assert decision == RetryDecision(False, 0.0, "not_retryable")
    assert quota.available == policy.quota_capacity


@pytest.mark.parametrize("cls", [TransportError, RequestTimeout])
def test_unknown_outcome_is_resent_only_when_safe(cls: type[TransportError]) -> None:
    assert first_retry(cls("lost"), resend_safe=False) == RetryDecision(
        False, 0.0, "unsafe_to_resend"
    )
    assert first_retry(cls("lost"), resend_safe=True).retry


def test_connect_error_is_always_safe_to_resend() -> None:
    assert first_retry(ConnectError("refused"), resend_safe=False).reason == "transport"


def test_unsafe_to_resend_spends_no_quota() -> None:
    policy, quota = fresh()
    decide(RequestTimeout(), attempt=1, resend_safe=False, policy=policy, quota=quota)
    assert quota.available == policy.quota_capacity


def test_attempts_count_the_first_one_and_stop_before_the_quota() -> None:
    policy, quota = fresh(RetryPolicy(max_attempts=3))
    assert decide(Throttled(), attempt=2, resend_safe=True, policy=policy, quota=quota).retry
    spent = quota.available
    last = decide(Throttled(), attempt=3, resend_safe=True, policy=policy, quota=quota)
    assert last == RetryDecision(False, 0.0, "attempts_exhausted")
    assert quota.available == spent


def test_single_attempt_policy_never_retries() -> None:
    policy, quota = fresh(RetryPolicy(max_attempts=1))
    decision = decide(ServerError(), attempt=1, resend_safe=True, policy=policy, quota=quota)
    assert decision.reason == "attempts_exhausted"


def test_full_jitter_ceiling_doubles_up_to_the_cap() -> None:
    policy, quota = fresh(RetryPolicy(max_attempts=100, base=0.025, cap=2.0))
    ceilings = [
        decide(
            ServerError(), attempt=n, resend_safe=True, policy=policy, quota=quota, rand=lambda: 1.0
        ).delay
        for n in range(1, 11)
    ]
    assert ceilings == [0.025, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 2.0, 2.0, 2.0]


def test_throttles_back_off_from_the_larger_base() -> None:
    policy, quota = fresh()
    throttled = decide(
        Throttled(), attempt=1, resend_safe=True, policy=policy, quota=quota, rand=lambda: 1.0
    )
    server = decide(
        ServerError(), attempt=1, resend_safe=True, policy=policy, quota=quota, rand=lambda: 1.0
    )
    assert (throttled.delay, server.delay) == (policy.throttle_base, policy.base)


RETRYABLE_ERRORS: list[Callable[[], DynastackError]] = [
    Throttled,
    ServerError,
    TransactionConflict,
    TransactionInProgress,
    TransportError,
    ConnectError,
    RequestTimeout,
]


@given(
    attempt=st.integers(min_value=1, max_value=2_000),
    draw=st.floats(min_value=0.0, max_value=1.0),
    error_factory=st.sampled_from(RETRYABLE_ERRORS),
    max_attempts=st.integers(min_value=1, max_value=2_000),
    base=st.floats(min_value=0.0, max_value=10.0),
    cap=st.floats(min_value=0.0, max_value=30.0),
)
def test_sleeps_stay_within_zero_and_cap(
    attempt: int,
    draw: float,
    error_factory: Callable[[], DynastackError],
    max_attempts: int,
    base: float,
    cap: float,
) -> None:
    policy = RetryPolicy(max_attempts=max_attempts, base=base, cap=cap, throttle_base=base * 2)
    quota = RetryQuota(policy)
    decision = decide(
        error_factory(),
        attempt=attempt,
        resend_safe=True,
        policy=policy,
        quota=quota,
        rand=lambda: draw,
    )
    assert 0.0 <= decision.delay <= cap
    assert decision.retry is (attempt < max_attempts)
    if decision.retry:
        start = policy.throttle_base if decision.reason == "throttled" else base
        ceiling = min(cap, start * 2.0 ** min(attempt - 1, 64))
        assert math.isclose(decision.delay, draw * ceiling, rel_tol=1e-9, abs_tol=1e-12)
    else:
        assert decision.delay == 0.0


@pytest.mark.parametrize("draw", [-1.0, 1.5, 1e300, math.inf, -math.inf, math.nan])
def test_a_misbehaving_random_source_cannot_escape_the_cap(draw: float) -> None:
    policy, quota = fresh()
    for attempt in (1, 5, 7):
        decision = decide(
            Throttled(),
            attempt=attempt,
            resend_safe=True,
            policy=policy,
            quota=quota,
            rand=lambda: draw,
        )
        assert 0.0 <= decision.delay <= policy.cap


def test_quota_runs_out_then_stops_retrying() -> None:
    policy, quota = fresh()
    retried = 0
    while decide(ServerError(), attempt=1, resend_safe=True, policy=policy, quota=quota).retry:
        retried += 1
    assert retried == policy.quota_capacity // policy.retry_cost == 100
    last = decide(Throttled(), attempt=1, resend_safe=True, policy=policy, quota=quota)
    assert last == RetryDecision(False, 0.0, "quota_exhausted")
    assert quota.available == 0


def test_timeouts_cost_more() -> None:
    policy, quota = fresh()
    retried = 0
    while decide(RequestTimeout(), attempt=1, resend_safe=True, policy=policy, quota=quota).retry:
        retried += 1
    assert retried == policy.quota_capacity // policy.timeout_retry_cost == 50


def test_quota_refills_with_successes_up_to_capacity() -> None:
    quota = RetryQuota(RetryPolicy(quota_capacity=20))
    assert quota.try_acquire(RequestTimeout())
    assert quota.try_acquire(ServerError())
    assert quota.available == 5
    quota.on_success(retried=True)  # refunds this context's last retry: the ServerError's 5
    assert quota.available == 10
    quota.on_success(retried=False)
    assert quota.available == 11
    for _ in range(50):
        quota.on_success(retried=False)
    assert quota.available == 20


def test_a_retried_timeout_refunds_its_own_cost() -> None:
    quota = RetryQuota(RetryPolicy(quota_capacity=100))
    assert quota.try_acquire(RequestTimeout())
    quota.on_success(retried=True)
    assert quota.available == 100


def test_refund_without_a_recorded_cost_uses_the_ordinary_cost() -> None:
    policy, quota = fresh(RetryPolicy(quota_capacity=100))
    assert quota.try_acquire(RequestTimeout())
    assert quota.try_acquire(RequestTimeout())
    refunder = threading.Thread(target=quota.on_success, args=(True,))  # a fresh context
    refunder.start()
    refunder.join()
    assert quota.available == 80 + policy.retry_cost


def test_two_quotas_in_one_context_do_not_mix_their_costs() -> None:
    policy = RetryPolicy(quota_capacity=100)
    first, second = RetryQuota(policy), RetryQuota(policy)
    assert first.try_acquire(RequestTimeout())
    assert second.try_acquire(ServerError())
    first.on_success(retried=True)  # the context's last acquisition is second's
    assert (first.available, second.available) == (90 + policy.retry_cost, 95)


async def test_each_asyncio_task_refunds_what_it_spent() -> None:
    quota = RetryQuota(RetryPolicy(quota_capacity=100))

    async def call(error: DynastackError) -> None:
        assert quota.try_acquire(error)
        await asyncio.sleep(0)  # let the other task acquire in between
        quota.on_success(retried=True)

    await asyncio.gather(call(RequestTimeout()), call(ServerError()))
    assert quota.available == 100


def test_quota_never_overspends_under_threads() -> None:
    quota = RetryQuota(RetryPolicy())
    granted: list[int] = []
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        granted.append(sum(quota.try_acquire(ServerError()) for _ in range(50)))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(granted) == 100
    assert quota.available == 0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_attempts": 0},
        {"base": -0.1},
        {"cap": math.nan},
        {"throttle_base": -1.0},
        {"quota_capacity": -1},
        {"retry_cost": -5},
    ],
)
def test_nonsense_policies_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ConfigurationError):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


def test_zero_quota_disables_retries_but_not_the_first_attempt() -> None:
    policy, quota = fresh(RetryPolicy(quota_capacity=0))
    decision = decide(Throttled(), attempt=1, resend_safe=True, policy=policy, quota=quota)
    assert decision.reason == "quota_exhausted"
