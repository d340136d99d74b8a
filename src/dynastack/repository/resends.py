"""When the repository sends a write again: only after a lost reply, as ``core.retry`` decides.

Why: the client owns every retry of a request that is safe to send again (a ``ConnectError``,
throttling, a 5xx, an outcome-unknown error of a resend-safe operation such as a transaction
with its token), with one policy, one backoff and one quota (core/retry.py). The repository
knows one thing the client cannot: its put/update/delete carries a per-write token
(writes.py), so after an *outcome-unknown* ``TransportError`` (a timeout, a reply lost after
the request went out) the same write may be sent again and the token tells afterwards whether
the first attempt applied. So the repository resends exactly those, and asks the client's own
``decide`` with the client's policy and quota whether and after how long. A ``ConnectError``
(nothing was sent) has been retried by the client already and is raised as it is. Before,
both layers retried everything: one update against a dead endpoint made 40 wire attempts
(8 per client call, times 5 repository sends) with two different backoffs.

``max_attempts`` of the policy bounds the sends of one write, so a write meets the same limit
whichever layer resends it.

Example:
    >>> from dynastack.errors import ConnectError, RequestTimeout
    >>> resends = Resends(RetryPolicy(max_attempts=2))
    >>> resends.after_lost_reply(ConnectError("refused"), sends=1) is None
    True
    >>> resends.after_lost_reply(RequestTimeout("slow"), sends=1) is not None
    True
    >>> resends.after_lost_reply(RequestTimeout("slow"), sends=2) is None
    True
"""

from __future__ import annotations

from dynastack.core.retry import RetryPolicy, RetryQuota, decide
from dynastack.errors import ConnectError, DynastackError, TransactionConflict, TransportError

__all__ = ["Resends"]


class Resends:
    """The client's retry policy and quota, as the repository's scripts use them."""

    __slots__ = ("policy", "quota")

    def __init__(self, policy: RetryPolicy, quota: RetryQuota | None = None) -> None:
        self.policy = policy
        self.quota = quota if quota is not None else RetryQuota(policy)

    @classmethod
    def of(cls, client: object) -> Resends:
        """The policy and the quota of ``client`` (a ``Client`` or an ``AsyncClient``), so that a
        write's resends spend the same budget as the client's own retries."""
        settings = getattr(client, "settings", None)
        policy = getattr(settings, "retry", None)
        if not isinstance(policy, RetryPolicy):
            policy = RetryPolicy()  # a stand-in client (tests, docs): the defaults
        # the client's quota: one budget per endpoint, whichever layer retries
        quota = getattr(getattr(client, "_plan", None), "quota", None)
        return cls(policy, quota if isinstance(quota, RetryQuota) else None)

    def after_lost_reply(self, error: TransportError, *, sends: int) -> float | None:
        """The pause before sending a token-guarded write again after ``error`` on its
        ``sends``-th send, or ``None`` to give up and raise ``error``."""
        if isinstance(error, ConnectError):
            return None  # nothing was sent, and the client has retried it already
        return self._delay(error, sends)

    def after_conflict(self, message: str, *, attempts: int) -> float | None:
        """The pause before committing a transaction again that other transactions cancelled
        (a ``TransactionConflict``) on its ``attempts``-th try, or ``None`` to give up."""
        # Contention between callers says nothing about the endpoint's health, which is what
        # the shared quota guards (it would run dry under a busy hot item, R8): only the
        # policy's attempts bound these retries, so each decision gets a full quota of its own.
        return self._delay(TransactionConflict(message), attempts, RetryQuota(self.policy))

    def _delay(
        self, error: DynastackError, attempt: int, quota: RetryQuota | None = None
    ) -> float | None:
        decision = decide(
            error,
            attempt=attempt,
            resend_safe=True,
            policy=self.policy,
            quota=quota if quota is not None else self.quota,
        )
        return decision.delay if decision.retry else None
