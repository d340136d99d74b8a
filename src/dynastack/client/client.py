"""The blocking DynamoDB client: one ``send(operation)`` path, plus boto3's method names.

``Client`` is a thin shell around ``CallSetup`` (client/calls.py): it encodes an operation
once, then per attempt fetches credentials, sends through its ``Transport``, and on a failure
sleeps for as long as the retry decision says. Everything else (signing, the breaker, error
classification, telemetry) is shared with ``AsyncClient``, which mirrors this file line by
line with ``await`` (tests/test_twins.py fails when their public methods drift).

The boto3-style methods (``get_item``, ``query`` …) come from ``Boto3Calls`` and go through the
same ``send`` loop, so retries, the breaker and telemetry behave the same on both surfaces.

The sleeper and the breaker's clock are injectable, so retry and breaker behaviour can be
tested without waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, Literal, Self, TypeVar

from dynastack.client.breaker import BreakerSettings
from dynastack.client.calls import CallSetup
from dynastack.client.compat import Boto3Calls, call_spec
from dynastack.client.credentials import CredentialSource, local_credentials
from dynastack.client.exceptions import as_boto3_error
from dynastack.client.network import tls_context
from dynastack.client.paginators import Paginator, paging_spec
from dynastack.client.settings import ClientSettings
from dynastack.client.telemetry import Telemetry
from dynastack.client.transport import HttpTransport, Timeouts, Transport
from dynastack.core.operations.base import Operation
from dynastack.core.retry import RetryPolicy
from dynastack.core.wire import HttpResponse
from dynastack.errors import DynastackError

__all__ = ["Client"]

R = TypeVar("R")
_perf_counter = time.perf_counter


class Client(Boto3Calls[dict[str, Any]]):
    """A blocking DynamoDB (and DynamoDB Streams) client; thread-safe, one per process.

    ``endpoint`` and every other setting not given come from the environment
    (see ``ClientSettings``). ``breaker=False`` turns the circuit breaker off,
    ``telemetry=False`` the call events. ``sleep`` and ``clock`` replace ``time.sleep``
    and ``time.monotonic`` (for tests).

    Example:
        >>> with Client.local("http://127.0.0.1:8000") as client:
        ...     client.settings.region, client.settings.endpoint
        ('us-east-1', 'http://127.0.0.1:8000')

        Against a running DynamoDB Local, ``client.send(GetItem(table="t", key={"pk": "a"}))``
        returns a ``GetItemResult`` and ``client.get_item(TableName="t", Key={"pk": {"S": "a"}})``
        boto3's reply (docs/client.md has examples that run).
    """

    __slots__ = ("_credentials", "_plan", "_sleep", "_transport")

    def __init__(
        self,
        endpoint: str | None = None,
        *,
        region: str | None = None,
        credentials: CredentialSource | None = None,
        transport: Transport | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        breaker: BreakerSettings | Literal[False] | None = None,
        telemetry: Telemetry | Literal[False] | None = None,
        sleep: Callable[[float], object] | None = None,
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
        self._transport: Transport = (
            transport
            if transport is not None
            else HttpTransport(
                timeouts=settings.timeouts,
                ssl_context=tls_context(settings.ca_bundle),
                proxy=settings.proxy,
            )
        )
        self._sleep = sleep if sleep is not None else time.sleep

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
        transport: Transport | None = None,
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

    def send(self, operation: Operation[R]) -> R:
        """Send one operation (retrying as the policy allows) and return its parsed result.

        Raises ``InvalidRequest`` before sending anything for a request DynamoDB would refuse,
        ``CircuitOpen`` while the endpoint's breaker is open, and the typed ``ServiceError`` or
        ``TransportError`` of the last attempt otherwise.
        """
        return self._exchange(operation)[0]

    def _exchange(self, op: Operation[R]) -> tuple[R, HttpResponse, int]:
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
                request = plan.request(op, body, self._credentials.get())
                admitted = True
                response = self._transport.send(request)
                result, data = plan.read(op, response)
            except DynastackError as error:
                delay = plan.failed(op, error, attempt, admitted, reasons)
                if delay is None:
                    plan.report(op, started, attempt, reasons, response=response, error=error)
                    raise
                self._sleep(delay)
                continue
            except BaseException as error:
                if admitted:
                    plan.abandoned(op, error)
                raise
            plan.succeeded(op, started, attempt, reasons, data=data, response=response)
            return result, response, attempt

    def _call(self, action: str, kwargs: dict[str, Any]) -> dict[str, Any]:
        spec = call_spec(action)
        try:
            data, response, attempts = self._exchange(spec.operation(kwargs))
        except DynastackError as error:
            # boto3 code catches ClientError: the same typed error, also botocore's class
            converted = as_boto3_error(error, action)
            if converted is error:
                raise
            raise converted from error.__cause__
        return spec.result(data, response, attempts)

    def get_paginator(self, operation_name: str) -> Paginator:
        """boto3's paginator for ``"query"``, ``"scan"`` or ``"list_tables"``.

        Example:
            >>> with Client.local("http://127.0.0.1:8000") as client:
            ...     type(client.get_paginator("query")).__name__
            'Paginator'
        """
        return Paginator(self._call, paging_spec(operation_name))

    def close(self) -> None:
        """Close the transport's connections; the client cannot send afterwards."""
        self._transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Client({self._plan.settings.endpoint!r}, region={self._plan.settings.region!r})"
