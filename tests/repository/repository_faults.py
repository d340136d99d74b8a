"""Partial batches that DynamoDB Local never produces (RELIABILITY fact 3), done for real.

``testing.faults.RewriteReply`` can only alter a reply after the whole request was applied,
so an "unprocessed" item would be written anyway and a repository that ignored
``UnprocessedItems`` would still pass. ``Withhold`` is stricter: for a share of the
``BatchWriteItem``/``BatchGetItem`` calls it removes 1..n entries from the *request* before
forwarding it (DynamoDB Local does not check signatures, RELIABILITY fact 4) and reports them
as ``UnprocessedItems``/``UnprocessedKeys`` in the reply. ``forwarded`` counts every entry
that reached the server, so "written exactly once" is measured, not assumed.
"""

from __future__ import annotations

import collections
import json
import random
import threading
from typing import Any

from dynastack.client.async_transport import AsyncTransport
from dynastack.client.transport import Transport
from dynastack.core.wire import HttpRequest, HttpResponse
from dynastack.testing.faults import target_of

_ENTRIES = {"BatchWriteItem": "UnprocessedItems", "BatchGetItem": "UnprocessedKeys"}


class Withhold:
    """Decides which batch entries to hold back, and builds the partial replies."""

    def __init__(self, rate: float, seed: int = 0) -> None:
        self.rate = rate
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.forwarded: collections.Counter[str] = collections.Counter()
        self.partial_calls = 0

    def split(self, request: HttpRequest) -> tuple[HttpRequest | None, dict[str, Any] | None]:
        """The request to forward (``None``: nothing) and what to add to its reply."""
        action = target_of(request)
        if action not in _ENTRIES:
            return request, None
        body = json.loads(request.body)
        ((table, spec),) = body["RequestItems"].items()
        entries = spec if action == "BatchWriteItem" else spec["Keys"]
        with self.lock:
            held: set[int] = set()
            if self.rng.random() < self.rate:
                held = set(self.rng.sample(range(len(entries)), self.rng.randint(1, len(entries))))
                self.partial_calls += 1
            kept = [e for i, e in enumerate(entries) if i not in held]
            for entry in kept:
                self.forwarded[json.dumps(entry, sort_keys=True)] += 1
        withheld = [e for i, e in enumerate(entries) if i in held]
        if not withheld:
            return request, None
        if action == "BatchWriteItem":
            extra: dict[str, Any] = {"UnprocessedItems": {table: withheld}}
            body["RequestItems"][table] = kept
        else:
            extra = {"UnprocessedKeys": {table: {**spec, "Keys": withheld}}}
            body["RequestItems"][table] = {**spec, "Keys": kept}
        if not kept:
            empty: dict[str, Any] = {"Responses": {table: []}} if action == "BatchGetItem" else {}
            return None, {**empty, **extra}
        data = json.dumps(body).encode()
        return HttpRequest(request.method, request.url, request.headers, data), extra

    @staticmethod
    def merge(response: HttpResponse | None, extra: dict[str, Any] | None) -> HttpResponse:
        if response is None:
            body: dict[str, Any] = {}
            headers = {"content-type": "application/x-amz-json-1.0"}
        else:
            if extra is None or response.status != 200:
                return response
            body = json.loads(response.body)
            headers = dict(response.headers)
        body.update(extra or {})
        data = json.dumps(body).encode()
        headers["content-length"] = str(len(data))
        return HttpResponse(200, headers, data)


class WithholdTransport:
    """A sync transport that applies ``Withhold`` around ``inner``."""

    def __init__(self, inner: Transport, withhold: Withhold) -> None:
        self.inner = inner
        self.withhold = withhold

    def send(self, request: HttpRequest) -> HttpResponse:
        forward, extra = self.withhold.split(request)
        response = self.inner.send(forward) if forward is not None else None
        return self.withhold.merge(response, extra)

    def close(self) -> None:
        self.inner.close()


class AsyncWithholdTransport:
    """The async twin of ``WithholdTransport``."""

    def __init__(self, inner: AsyncTransport, withhold: Withhold) -> None:
        self.inner = inner
        self.withhold = withhold

    async def send(self, request: HttpRequest) -> HttpResponse:
        forward, extra = self.withhold.split(request)
        response = await self.inner.send(forward) if forward is not None else None
        return self.withhold.merge(response, extra)

    async def aclose(self) -> None:
        await self.inner.aclose()
