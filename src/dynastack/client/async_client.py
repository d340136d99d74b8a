"""The asyncio DynamoDB client: ``Client``'s mirror, with ``await`` where it does I/O.

Written by mirroring client/client.py line by line: the same constructor, the same
``send(operation)`` loop over the shared ``CallSetup``, the same boto3-style methods from
``Boto3Calls`` (here they return awaitables), ``aclose`` for ``close`` and ``async with``
for ``with``. tests/test_twins.py compares the two classes' public methods and parameters and
fails when they drift.

The sleeper (``asyncio.sleep`` by default) and the breaker's clock are injectable, so retry
and breaker behaviour can be tested without waiting.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine
from types import TracebackType
from typing import Any, Literal, Self, TypeVar

from dynastack.client.async_transport import AsyncHttpTransport, AsyncTransport
from dynastack.client.breaker import BreakerSettings
from dynastack.client.calls import CallSetup
from dynastack.client.compat import Boto3Calls, call_spec
from dynastack.client.credentials import CredentialSource, local_credentials
from dynastack.client.exceptions import as_boto3_error
from dynastack.client.network import tls_context
from dynastack.client.paginators import AsyncPaginator, paging_spec
from dynastack.client.settings import ClientSettings
from dynastack.client.telemetry import Telemetry
from dynastack.client.transport import Timeouts
from dynastack.core.operations.base import Operation
from dynastack.core.retry import RetryPolicy
from dynastack.core.wire import HttpResponse
from dynastack.errors import DynastackError

__all__ = ["AsyncClient"]

R = TypeVar("R")
_perf_counter = time.perf_counter


class AsyncClient(Boto3Calls[Coroutine[Any, Any, dict[str, Any]]]):
    """An asyncio DynamoDB (and DynamoDB Streams) client; share one per event loop.

    ``endpoint`` and every other setting not given come from the environment
    (see ``ClientSettings``). ``breaker=False`` turns the circuit breaker off,
    ``telemetry=False`` the call events. ``sleep`` and ``clock`` replace ``asyncio.sleep``
    and ``time.monotonic`` (for tests).

    Example:
        >>> import asyncio
        >>> async def main() -> tuple[str, str]:
        ...     async with AsyncClient.local("http://127.0.0.1:8000") as client:
        ...         return client.settings.region, client.settings.endpoint
        >>> asyncio.run(main())
        ('us-east-1', 'http://127.0.0.1:8000')

        Against a running DynamoDB Local, ``await client.send(GetItem(...))`` returns the
        typed result and ``await client.get_item(...)`` boto3's reply (see docs/client.md).
    """

    __slots__ = ("_credentials", "_plan", "_sleep", "_transport")

    def __init__(
        self,
        endpoint: str | None = None,
        *,
        region: str | None = None,
        credentials: CredentialSource | None = None,
        transport: AsyncTransport | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        breaker: BreakerSettings | Literal[False] | None = None,
        telemetry: Telemetry | Literal[False] | None = None,
        sleep: Callable[[float], Awaitable[object]] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        settings = ClientSettings.resolve(
            endpoint,
            region=region,
            credentials=credentials,
            timeouts=timeouts,
            retry=retry,
            breaker=breaker,
            telemetry=telemetry,
        )
        self._plan = CallSetup(settings, clock=clock)
        self._credentials = settings.credentials
        self._transport: AsyncTransport = (
            transport
            if transport is not None
            else AsyncHttpTransport(
                timeouts=settings.timeouts,
                ssl_context=tls_context(settings.ca_bundle),
                proxy=settings.proxy,
            )
        )
        self._sleep = sleep if sleep is not None else asyncio.sleep

    @classmethod
    def from_env(cls) -> Self:
        """A client configured only by environment variables (``DYNASTACK_ENDPOINT`` …)."""
        return cls()

    @classmethod
    def local(
        cls,
        endpoint: str,
        *,
        region: str | None = None,
        transport: AsyncTransport | None = None,
        retry: RetryPolicy | None = None,
        breaker: BreakerSettings | Literal[False] | None = None,
        telemetry: Telemetry | Literal[False] | None = None,
    ) -> Self:
        """A client for DynamoDB Local at ``endpoint``: dummy credentials, ``us-east-1``."""
        return cls(
            endpoint,
            region=region or "us-east-1",
            credentials=local_credentials(),
            transport=transport,
            retry=retry,
            breaker=breaker,
            telemetry=telemetry,
        )

    @property
    def settings(self) -> ClientSettings:
        """The resolved settings this client runs with."""
        return self._plan.settings

    async def send(self, operation: Operation[R]) -> R:
        """Send one operation (retrying as the policy allows) and return its parsed result.

        Raises ``InvalidRequest`` before sending anything for a request DynamoDB would refuse,
        ``CircuitOpen`` while the endpoint's breaker is open, and the typed ``ServiceError`` or
        ``TransportError`` of the last attempt otherwise.
        """
        return (await self._exchange(operation))[0]

    async def _exchange(self, op: Operation[R]) -> tuple[R, HttpResponse, int]:
        plan = self._plan
        body = plan.encode(op)
        started = _perf_counter()
        reasons: list[str] = []
        attempt = 0
        while True:
            attempt += 1
            admitted = False
            response = None
            try:
                request = plan.request(op, body, await self._credentials.aget())
                admitted = True
                response = await self._transport.send(request)
                result, data = plan.read(op, response)
            except DynastackError as error:
                delay = plan.failed(op, error, attempt, admitted, reasons)
                if delay is None:
                    plan.report(op, started, attempt, reasons, response=response, error=error)
                    raise
                await self._sleep(delay)
                continue
            except BaseException as error:
                if admitted:
                    plan.abandoned(op, error)
                raise
            plan.succeeded(op, started, attempt, reasons, data=data, response=response)
            return result, response, attempt

    def _call(self, action: str, kwargs: dict[str, Any]) -> Coroutine[Any, Any, dict[str, Any]]:
        return self._acall(action, kwargs)

    async def _acall(self, action: str, kwargs: dict[str, Any]) -> dict[str, Any]:
        spec = call_spec(action)
        try:
            data, response, attempts = await self._exchange(spec.operation(kwargs))
        except DynastackError as error:
            # boto3 code catches ClientError: the same typed error, also botocore's class
            converted = as_boto3_error(error, action)
            if converted is error:
                raise
            raise converted from error.__cause__
        return spec.result(data, response, attempts)

    def get_paginator(self, operation_name: str) -> AsyncPaginator:
        """boto3's paginator for ``"query"``, ``"scan"`` or ``"list_tables"`` (``async for``).

        Example:
            >>> client = AsyncClient.local("http://127.0.0.1:8000")
            >>> type(client.get_paginator("scan")).__name__
            'AsyncPaginator'
        """
        return AsyncPaginator(self._acall, paging_spec(operation_name))

    async def aclose(self) -> None:
        """Close the transport's connections; the client cannot send afterwards."""
        await self._transport.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return (
            f"AsyncClient({self._plan.settings.endpoint!r}, region={self._plan.settings.region!r})"
        )
