"""The breaker opens only on evidence across calls, and says what opened it (issue 7, items 1-2).

5xx answers are injected with the fault transport (DynamoDB Local never returns one on
purpose, RELIABILITY fact 3): that is the only thing mocked, and sleeps are recorded, not
waited. A closed port is real: a socket bound on 127.0.0.1 that never listens, so every
connection is refused for as long as the test holds it.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from dynastack.client.breaker import BreakerSettings
from dynastack.client.client import Client
from dynastack.core.retry import RetryPolicy
from dynastack.errors import CircuitOpen, ConnectError, ServerError
from dynastack.testing.faults import ErrorReply

from .test_client_faults import GET, Harness, always


@pytest.fixture(params=[False, True], ids=["Client", "AsyncClient"])
def is_async(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


async def test_one_calls_retries_never_open_the_breaker(is_async: bool) -> None:
    h = Harness(is_async, always(ErrorReply(500, "InternalServerError"))).build(
        retry=RetryPolicy(max_attempts=8, base=0.01, cap=0.05),
        breaker=BreakerSettings(failure_threshold=5),
    )
    with pytest.raises(ServerError):
        await h.send(GET)
    assert len(h.seen) == 8  # eight attempts, all let through
    assert h.client is not None
    breaker = h.client._plan.breaker("dynamodb")
    assert breaker is not None
    assert breaker.state == "closed"
    assert breaker.consecutive_failures == 1  # the call counted once


async def test_failed_calls_across_the_threshold_open_it_with_their_cause(is_async: bool) -> None:
    h = Harness(is_async, always(ErrorReply(503, "ServiceUnavailable"))).build(
        retry=RetryPolicy(max_attempts=3, base=0.01, cap=0.05),
        breaker=BreakerSettings(failure_threshold=2, recovery_time=5.0),
    )
    for _ in range(2):
        with pytest.raises(ServerError):
            await h.send(GET)
    assert len(h.seen) == 6
    with pytest.raises(CircuitOpen) as caught:
        await h.send(GET)
    assert len(h.seen) == 6
    assert isinstance(caught.value.cause, ServerError)
    assert caught.value.cause.code == "ServiceUnavailable"
    assert str(caught.value).startswith("ServerError: ")
    assert "circuit open for" in str(caught.value)
    # the evidence shown to every caller is a bare copy: no traceback, no chained errors
    assert caught.value.cause.__traceback__ is None
    assert caught.value.cause.__context__ is None


async def test_a_trial_calls_failed_attempt_reopens_at_once(is_async: bool) -> None:
    h = Harness(is_async, always(ErrorReply(500, "InternalServerError"))).build(
        retry=RetryPolicy(max_attempts=4, base=0.01, cap=0.05),
        breaker=BreakerSettings(failure_threshold=1, recovery_time=5.0),
    )
    with pytest.raises(ServerError):
        await h.send(GET)
    assert len(h.seen) == 4
    h.now[0] = 5.0  # the trial: its first failed attempt reopens, its retry fails fast
    with pytest.raises(CircuitOpen) as caught:
        await h.send(GET)
    assert len(h.seen) == 5
    assert isinstance(caught.value.cause, ServerError)


@pytest.fixture
def closed_port() -> Iterator[str]:
    """An endpoint on 127.0.0.1 whose port refuses connections while the test runs."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        yield f"http://127.0.0.1:{held.getsockname()[1]}"


def test_a_closed_port_reads_as_connection_refused(closed_port: str) -> None:
    with Client.local(closed_port) as client, pytest.raises(ConnectError, match="refused"):
        client.list_tables()  # eight attempts, one call: the breaker stays closed
    quick = RetryPolicy(max_attempts=2, base=0.001, cap=0.001)
    settings = BreakerSettings(failure_threshold=2)
    with Client.local(closed_port, retry=quick, breaker=settings) as client:
        for _ in range(2):
            with pytest.raises(ConnectError):
                client.list_tables()
        with pytest.raises(CircuitOpen) as caught:
            client.list_tables()
    assert isinstance(caught.value.cause, ConnectError)
    assert "Connection refused" in str(caught.value)
    assert str(caught.value).startswith("ConnectError: cannot connect to 127.0.0.1:")
