"""Whether to retry a failed call, and how long to wait first, as a pure decision.

The client's loop only sleeps and resends; every judgement lives here, so it can be tested
exhaustively without clocks or sockets (ARCHITECTURE principle 1). The rules:

* only errors whose class says ``retryable = True`` are retried (a table lookup on the error
  tree, not a chain of ``isinstance`` checks); anything that is not a ``DynastackError`` never is;
* a ``TransportError`` other than ``ConnectError`` means the request may have arrived, so it is
  resent only when the operation is ``resend_safe`` (RELIABILITY fact 1: a resent conditional
  write can be misreported as a conflict, an unconditional ``ADD`` applied twice);
* ``max_attempts`` counts every attempt, the first included;
* a retry quota, as in the AWS SDKs' "standard" mode, is consulted last: when an endpoint is
  failing everywhere, retries stop amplifying the load, and successes slowly refill it;
* delays use full jitter, ``uniform(0, min(cap, base * 2**retry_index))``; throttles back off
  from a larger base, following AWS guidance. Randomness is injected, so tests can pin it.

Example:
    >>> from dynastack.errors import Throttled
    >>> policy = RetryPolicy()
    >>> decision = decide(Throttled("slow down"), attempt=1, resend_safe=False,
    ...                   policy=policy, quota=RetryQuota(policy), rand=lambda: 0.5)
    >>> decision
    RetryDecision(retry=True, delay=0.025, reason='throttled')
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

from dynastack.errors import (
    ConfigurationError,
    ConnectError,
    DynastackError,
    RequestTimeout,
    ServerError,
    Throttled,
    TransactionConflict,
    TransactionInProgress,
    TransportError,
)

__all__ = ["RetryDecision", "RetryPolicy", "RetryQuota", "backoff", "decide"]

#: why a retryable error is retried, most specific class first; also the metrics label
_REASONS: tuple[tuple[type[DynastackError], str], ...] = (
    (Throttled, "throttled"),
    (TransactionConflict, "conflict"),
    (TransactionInProgress, "conflict"),
    (ServerError, "server_error"),
    (TransportError, "transport"),
)

# 2**64 times any sane base is far above any cap; clamping the exponent avoids OverflowError
# when a caller configures huge attempt counts.
_MAX_EXPONENT = 64


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard to retry. Defaults follow the AWS SDKs' "standard" retry mode.

    ``max_attempts`` counts every attempt including the first; ``base`` and ``cap`` are in
    seconds. The quota numbers are in abstract "retry tokens".

    Example:
        >>> RetryPolicy(max_attempts=3).max_attempts
        3
    """

    max_attempts: int = 8
    base: float = 0.025
    cap: float = 2.0
    throttle_base: float = 0.05
    quota_capacity: int = 500
    retry_cost: int = 5
    timeout_retry_cost: int = 10
    success_refund: int = 1

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ConfigurationError(f"max_attempts must be >= 1, got {self.max_attempts}")
        for name in ("base", "cap", "throttle_base"):
            value = getattr(self, name)
            if not value >= 0.0:  # also rejects NaN
                raise ConfigurationError(f"{name} must be >= 0 seconds, got {value!r}")
        for name in ("quota_capacity", "retry_cost", "timeout_retry_cost", "success_refund"):
            if getattr(self, name) < 0:
                raise ConfigurationError(f"{name} must be >= 0, got {getattr(self, name)}")


@dataclass(frozen=True, slots=True)
class RetryDecision:
    """The verdict for one failed attempt: retry after ``delay`` seconds, or stop, and why.

    ``reason`` is one of ``"throttled"``, ``"conflict"``, ``"server_error"``, ``"transport"``
    (retrying) or ``"not_retryable"``, ``"unsafe_to_resend"``, ``"attempts_exhausted"``,
    ``"quota_exhausted"`` (stopping).
    """

    retry: bool
    delay: float
    reason: str


# The cost a retry took, remembered per thread / asyncio task, so that a later success can
# refund exactly that amount without the caller carrying it around. One module-level variable
# (ContextVars must not be created per instance); the quota identity guards against mixing
# clients that share a thread.
_acquired: ContextVar[tuple[RetryQuota, int] | None] = ContextVar(
    "dynastack_retry_acquired", default=None
)


class RetryQuota:
    """A shared budget of retries: each retry spends tokens, each success refunds some.

    As in the AWS SDKs' "standard" mode: a retry costs ``retry_cost`` (``timeout_retry_cost``
    for timeouts); a success refunds the cost of its own last retry, or ``success_refund`` if it
    needed none, never beyond ``quota_capacity``. Share one quota per client; it is guarded by
    a lock and does no I/O.

    Example:
        >>> from dynastack.errors import RequestTimeout
        >>> quota = RetryQuota(RetryPolicy(quota_capacity=12))
        >>> quota.try_acquire(RequestTimeout()), quota.available
        (True, 2)
        >>> quota.try_acquire(RequestTimeout()), quota.available
        (False, 2)
        >>> quota.on_success(retried=True); quota.available
        12
    """

    __slots__ = ("_available", "_capacity", "_lock", "_policy")

    def __init__(self, policy: RetryPolicy) -> None:
        self._policy = policy
        self._capacity = policy.quota_capacity
        self._available = policy.quota_capacity
        self._lock = threading.Lock()

    @property
    def available(self) -> int:
        """Tokens left right now."""
        return self._available

    def try_acquire(self, error: BaseException) -> bool:
        """Spend the cost of retrying after ``error``; ``False`` (nothing spent) if too few left."""
        policy = self._policy
        cost = policy.timeout_retry_cost if isinstance(error, RequestTimeout) else policy.retry_cost
        with self._lock:
            if cost > self._available:
                return False
            self._available -= cost
        _acquired.set((self, cost))
        return True

    def on_success(self, retried: bool) -> None:
        """Refund after a successful call: its last retry's cost if it retried, else a little."""
        refund = self._policy.success_refund
        if retried:
            entry = _acquired.get()
            # called from another task than the one that retried: assume the ordinary cost
            refund = entry[1] if entry is not None and entry[0] is self else self._policy.retry_cost
            _acquired.set(None)
        if refund == 0 or self._available >= self._capacity:
            return
        with self._lock:
            self._available = min(self._capacity, self._available + refund)


def _ceiling(policy: RetryPolicy, base: float, retry_index: int) -> float:
    return min(policy.cap, base * float(2 ** min(retry_index, _MAX_EXPONENT)))


def decide(
    error: BaseException,
    *,
    attempt: int,
    resend_safe: bool,
    policy: RetryPolicy,
    quota: RetryQuota,
    rand: Callable[[], float] = random.random,
) -> RetryDecision:
    """Decide whether to retry after attempt number ``attempt`` (1-based) failed with ``error``.

    ``resend_safe`` says whether sending the same request again is harmless if the first one
    arrived. ``rand`` returns a float in ``[0, 1)``; the delay is ``rand() * ceiling``, clamped
    into ``[0, cap]`` whatever ``rand`` returns. The quota is consulted last, so a call that
    would stop anyway spends nothing.

    Example:
        >>> from dynastack.errors import RequestTimeout, ValidationFailed
        >>> policy = RetryPolicy()
        >>> quota = RetryQuota(policy)
        >>> decide(ValidationFailed("bad"), attempt=1, resend_safe=True,
        ...        policy=policy, quota=quota).reason
        'not_retryable'
        >>> decide(RequestTimeout(), attempt=1, resend_safe=False,
        ...        policy=policy, quota=quota).reason
        'unsafe_to_resend'
        >>> decide(RequestTimeout(), attempt=3, resend_safe=True, policy=policy,
        ...        quota=quota, rand=lambda: 1.0)
        RetryDecision(retry=True, delay=0.1, reason='transport')
    """
    if not isinstance(error, DynastackError) or not type(error).retryable:
        return RetryDecision(False, 0.0, "not_retryable")
    if (
        not resend_safe
        and isinstance(error, TransportError)
        and not isinstance(error, ConnectError)
    ):
        return RetryDecision(False, 0.0, "unsafe_to_resend")
    if attempt >= policy.max_attempts:
        return RetryDecision(False, 0.0, "attempts_exhausted")
    if not quota.try_acquire(error):
        return RetryDecision(False, 0.0, "quota_exhausted")
    reason = "server_error"  # a retryable class added to the tree later: back off like a 5xx
    for cls, name in _REASONS:
        if isinstance(error, cls):
            reason = name
            break
    base = policy.throttle_base if reason == "throttled" else policy.base
    ceiling = _ceiling(policy, base, max(attempt - 1, 0))
    delay = min(ceiling, max(0.0, rand() * ceiling))
    return RetryDecision(True, delay, reason)


def backoff(
    retry_index: int,
    policy: RetryPolicy | None = None,
    *,
    throttled: bool = False,
    rand: Callable[[], float] = random.random,
) -> float:
    """The one backoff: the full-jitter delay before retry ``retry_index`` (0 for the first).

    ``decide`` uses the same ceiling; this is for loops that retry without an error to decide
    on (a batch's unprocessed entries, which DynamoDB leaves under load: ``throttled``).

    Example:
        >>> backoff(2, RetryPolicy(base=0.01), rand=lambda: 1.0)
        0.04
        >>> backoff(0, RetryPolicy(throttle_base=0.05), throttled=True, rand=lambda: 0.5)
        0.025
    """
    policy = policy if policy is not None else _DEFAULT_POLICY
    base = policy.throttle_base if throttled else policy.base
    ceiling = _ceiling(policy, base, max(retry_index, 0))
    return min(ceiling, max(0.0, rand() * ceiling))


_DEFAULT_POLICY = RetryPolicy()
