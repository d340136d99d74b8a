"""Per-principal rate limiting with fixed windows counted in DynamoDB (S12).

Why in DynamoDB and not in process memory: N API processes must behave as one, so the count of
a principal's requests in the current window is one item that every process increments
atomically (``ADD hits :one``, the new count returned). Why fail closed: when the count cannot
be read (a timeout, a throttle, an open breaker) the request is refused with 503, never let
through uncounted, so an outage of the limiter is never an outage of the limit.

One write per request is the price; the window item expires by TTL two windows later. The
subject is hashed into the key, so the table holds no user ids.

Why the ``ADD`` is sent again after a lost reply (R14): the client never resends it itself,
because an unconditional ``ADD`` is not resend-safe, so each reply lost on the network turned
into a 503 for a request the database may well have counted (5% resets made ~6% of requests
fail). Resending may count that one request twice, which only makes the limit stricter by one
hit in one window: the limiter still never fails open. Whether and when to resend is decided
by the client's own retry policy and quota (``Resends``, the one retry owner).

Example:
    >>> RateWindow.__dynastack__.pk.attr, RateWindow.__dynastack__.ttl_field
    ('bucket', 'expires')
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from dynastack.client.async_client import AsyncClient
from dynastack.core.operations import UpdateItem, UpdateItemResult
from dynastack.errors import DynastackError, TransportError
from dynastack.model import TTL, Entity, Key, Table
from dynastack.repository.resends import Resends

__all__ = ["RATE_TABLE", "RateLimiter", "RateWindow", "Verdict"]

#: the table of rate windows; ``DYNASTACK_RATE_TABLE`` names it outright
RATE_TABLE = Table("dynastack-rate-limits", env_var="DYNASTACK_RATE_TABLE")


class RateWindow(Entity, table=RATE_TABLE):
    """One principal's request count in one window (written only by ``RateLimiter``)."""

    __key__ = Key(pk="bucket")

    bucket: str
    hits: int = 0
    expires: TTL[int]


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of one counted request."""

    allowed: bool
    limit: int
    remaining: int
    #: seconds until the window ends
    reset: int


class RateLimiter:
    """Counts each principal's requests per fixed window of ``window`` seconds."""

    __slots__ = ("_client", "_clock", "_resends", "limit", "table", "window")

    def __init__(
        self,
        client: AsyncClient,
        *,
        table: str,
        limit: int,
        window: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._clock = clock
        self._resends = Resends.of(client)
        self.table = table
        self.limit = limit
        self.window = window

    async def hit(self, subject: str) -> Verdict:
        """Count one request of ``subject``; raises a ``DynastackError`` when it cannot count."""
        now = self._clock()
        index = int(now // self.window)
        digest = hashlib.sha256(subject.encode()).hexdigest()[:32]
        count = UpdateItem(
            table=self.table,
            key={"bucket": f"{digest}:{self.window}:{index}"},
            update="ADD #h :one SET #e = if_not_exists(#e, :exp)",
            names={"#h": "hits", "#e": "expires"},
            values={":one": 1, ":exp": (index + 2) * self.window},
            return_values="UPDATED_NEW",
        )
        result = await self._count(count)
        hits = (result.attributes or {}).get("hits")
        if not isinstance(hits, int):
            raise DynastackError("the rate window's count came back unreadable")
        reset = max(1, int((index + 1) * self.window - now))
        return Verdict(hits <= self.limit, self.limit, max(0, self.limit - hits), reset)

    async def _count(self, count: UpdateItem) -> UpdateItemResult:
        """Send ``count``, again after a lost reply while the client's policy allows (see the
        module docstring: a double count is stricter, never looser)."""
        sends = 1
        while True:
            try:
                return await self._client.send(count)
            except TransportError as error:
                delay = self._resends.after_lost_reply(error, sends=sends)
                if delay is None:
                    raise
            await asyncio.sleep(delay)
            sends += 1
