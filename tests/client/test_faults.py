"""The fault kit: every fault through the transport wrappers and through the TCP proxy.

These faults are injected on purpose because DynamoDB Local cannot produce them
(RELIABILITY fact 3); the servers behind them are real (the scripted server, DynamoDB Local).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import closing
from dataclasses import replace

import pytest

from dynastack.client.async_transport import AsyncHttpTransport
from dynastack.client.transport import HttpTransport, Timeouts
from dynastack.core.wire import HttpRequest, HttpResponse
from dynastack.errors import ConnectError, TransportError
from dynastack.testing.faults import (
    AsyncFaultTransport,
    Delay,
    DropReply,
    ErrorReply,
    Fault,
    FaultProxy,
    FaultSchedule,
    FaultTransport,
    Reset,
    RewriteReply,
    Truncate,
    at_random,
    first_attempts,
    target_of,
)

from .test_transport import ScriptedServer, dynamodb_request


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as srv:
        yield srv


def shout(response: HttpResponse) -> HttpResponse:
    return replace(response, body=response.body.upper())


def only(fault: Fault | None) -> FaultSchedule:
    """A plan that applies ``fault`` to the first request only."""
    return lambda request, index: fault if index == 0 else None


# --- transport wrappers -------------------------------------------------------------------


def test_error_reply_answers_without_forwarding(server: ScriptedServer) -> None:
    reply = ErrorReply(400, "TransactionCanceledException", "no", {"CancellationReasons": []})
    with closing(FaultTransport(HttpTransport(), only(reply))) as t:
        response = t.send(server.request())
        assert response.status == 400
        assert response.headers["content-type"] == "application/x-amz-json-1.0"
        assert json.loads(response.body) == {
            "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
            "message": "no",
            "CancellationReasons": [],
        }
        assert t.injected == [(0, reply)]
    assert server.requests == 0


def test_error_reply_keeps_a_namespaced_type() -> None:
    response = ErrorReply(500, "com.amazon.coral.service#InternalFailure").response()
    assert json.loads(response.body)["__type"] == "com.amazon.coral.service#InternalFailure"
    assert response.headers["content-length"] == str(len(response.body))


@pytest.mark.parametrize(
    ("fault", "forwarded", "message"),
    [
        (DropReply(), True, "lost reply"),
        (Reset(), False, "connection reset"),
        (Truncate(), True, "truncated reply"),
    ],
)
def test_failures_raise_transport_errors(
    server: ScriptedServer, fault: Fault, forwarded: bool, message: str
) -> None:
    with closing(FaultTransport(HttpTransport(), only(fault))) as t:
        with pytest.raises(TransportError, match=message) as caught:
            t.send(server.request())
        assert not isinstance(caught.value, ConnectError)
        assert server.requests == int(forwarded)
        assert t.send(server.request(body=b"then")).body == b"then"


def test_rewrite_and_delay_forward(server: ScriptedServer) -> None:
    def plan(request: HttpRequest, index: int) -> Fault:
        return RewriteReply(shout) if index == 0 else Delay(0.01)

    with closing(FaultTransport(HttpTransport(), plan)) as t:
        assert t.send(server.request(body=b"abc")).body == b"ABC"
        assert t.send(server.request(body=b"def")).body == b"def"
    assert server.requests == 2


def test_plan_sees_each_request_and_its_index(server: ScriptedServer) -> None:
    seen: list[tuple[bytes, int]] = []

    def plan(request: HttpRequest, index: int) -> None:
        seen.append((request.body, index))

    with closing(FaultTransport(HttpTransport(), plan)) as t:
        for body in (b"a", b"b", b"c"):
            t.send(server.request(body=body))
    assert seen == [(b"a", 0), (b"b", 1), (b"c", 2)]


def test_a_plan_returning_something_else_is_a_type_error(server: ScriptedServer) -> None:
    t = FaultTransport(HttpTransport(), lambda r, i: "drop")
    with closing(t), pytest.raises(TypeError):
        t.send(server.request())


@pytest.mark.parametrize(
    ("fault", "forwarded"),
    [(ErrorReply(400, "ThrottlingException"), False), (DropReply(), True), (Reset(), False)],
)
async def test_async_twin(server: ScriptedServer, fault: Fault, forwarded: bool) -> None:
    t = AsyncFaultTransport(AsyncHttpTransport(), only(fault))
    try:
        if isinstance(fault, ErrorReply):
            assert (await t.send(server.request())).status == 400
        else:
            with pytest.raises(TransportError):
                await t.send(server.request())
        assert server.requests == int(forwarded)
        rewritten = AsyncFaultTransport(t, lambda r, i: RewriteReply(shout))
        assert (await rewritten.send(server.request(body=b"x"))).body == b"X"
    finally:
        await t.aclose()


def test_target_of() -> None:
    def request(target: str) -> HttpRequest:
        return HttpRequest("POST", "http://127.0.0.1:1/", (("x-amz-target", target),), b"")

    assert target_of(request("DynamoDB_20120810.TransactWriteItems")) == "TransactWriteItems"
    assert target_of(HttpRequest("POST", "http://127.0.0.1:1/", (), b"")) == ""


def test_first_attempts_fails_each_body_once_and_lets_retries_pass() -> None:
    plan = first_attempts(DropReply(), when=lambda r: target_of(r) == "PutItem")

    def request(action: str, body: bytes) -> HttpRequest:
        return HttpRequest("POST", "http://127.0.0.1:1/", (("X-Amz-Target", action),), body)

    assert plan(request("DynamoDB_20120810.PutItem", b"1"), 0) == DropReply()
    assert plan(request("DynamoDB_20120810.PutItem", b"1"), 1) is None  # the retry
    assert plan(request("DynamoDB_20120810.PutItem", b"2"), 2) == DropReply()
    assert plan(request("DynamoDB_20120810.GetItem", b"3"), 3) is None


def test_at_random_is_seeded_and_keeps_its_rates() -> None:
    choices: list[tuple[float, Fault]] = [(0.05, Reset()), (0.05, Delay(0.2)), (0.01, Truncate())]
    request = HttpRequest("POST", "http://127.0.0.1:1/", (), b"")
    plan, replay = at_random(choices, seed=3), at_random(choices, seed=3)
    first = [plan(request, i) for i in range(10_000)]
    again = [replay(request, i) for i in range(10_000)]
    assert first == again
    assert 400 < first.count(Reset()) < 600
    assert 400 < first.count(Delay(0.2)) < 600
    assert 50 < first.count(Truncate()) < 150


# --- the TCP proxy --------------------------------------------------------------------------


def proxied(proxy: FaultProxy, server: ScriptedServer, body: bytes = b"{}") -> HttpRequest:
    return server.request(body=body, url=proxy.url + "/")


def test_proxy_passes_through_with_keep_alive(server: ScriptedServer) -> None:
    with FaultProxy(server.url) as proxy, HttpTransport() as t:
        for i in range(5):
            assert t.send(proxied(proxy, server, f"{i}".encode())).body == f"{i}".encode()
        assert proxy.requests == 5
    assert server.connections == 1


@pytest.mark.parametrize(
    ("fault", "reaches_server"),
    [(DropReply(), True), (Reset(), False), (Truncate(keep=20), True)],
)
def test_proxy_failures_reach_the_client_as_transport_errors(
    server: ScriptedServer, fault: Fault, reaches_server: bool
) -> None:
    with FaultProxy(server.url, only(fault)) as proxy, HttpTransport() as t:
        with pytest.raises(TransportError) as caught:
            t.send(proxied(proxy, server))
        assert not isinstance(caught.value, ConnectError)
        assert server.requests == int(reaches_server)
        assert t.send(proxied(proxy, server, b"again")).body == b"again"
        assert proxy.injected == [(0, fault)]


def test_proxy_error_rewrite_and_delay(server: ScriptedServer) -> None:
    faults: list[Fault] = [ErrorReply(400, "ThrottlingException", "slow"), RewriteReply(shout)]

    def plan(request: HttpRequest, index: int) -> Fault:
        return faults[index] if index < 2 else Delay(0.01)

    with FaultProxy(server.url, plan) as proxy, HttpTransport() as t:
        throttled = t.send(proxied(proxy, server))
        assert throttled.status == 400
        assert json.loads(throttled.body)["message"] == "slow"
        assert t.send(proxied(proxy, server, b"abc")).body == b"ABC"
        assert t.send(proxied(proxy, server, b"late")).body == b"late"
    assert server.requests == 2


async def test_proxy_from_async_code(server: ScriptedServer) -> None:
    with FaultProxy(server.url, only(DropReply())) as proxy:
        async with AsyncHttpTransport() as t:
            with pytest.raises(TransportError):
                await t.send(proxied(proxy, server))
            bodies = [f"{i}".encode() for i in range(20)]
            replies = await asyncio.gather(*(t.send(proxied(proxy, server, b)) for b in bodies))
            assert [r.body for r in replies] == bodies


def test_stopped_proxy_refuses_connections(server: ScriptedServer) -> None:
    proxy = FaultProxy(server.url).start()
    url = proxy.url
    proxy.stop()
    with HttpTransport(timeouts=Timeouts(connect=1.0)) as t, pytest.raises(ConnectError):
        t.send(server.request(url=url + "/"))


@pytest.mark.integration
def test_lost_reply_in_front_of_dynamodb_local(dynamodb_endpoint: str) -> None:
    plan = first_attempts(DropReply(), when=lambda r: target_of(r) == "ListTables")
    with FaultProxy(dynamodb_endpoint, plan) as proxy, HttpTransport() as t:
        request = dynamodb_request(proxy.url, "ListTables")
        with pytest.raises(TransportError):
            t.send(request)
        response = t.send(request)  # the resend of the same body passes
        assert response.status == 200
        assert b"TableNames" in response.body
        assert proxy.requests == 2
