"""The asyncio transport against the scripted HTTP server and against DynamoDB Local."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from dynastack.client.async_transport import AsyncHttpTransport
from dynastack.client.transport import Timeouts
from dynastack.core.wire import HttpRequest
from dynastack.errors import ConnectError, InvalidRequest, RequestTimeout, TransportError

from .test_transport import ScriptedServer, dynamodb_request, free_port, running_tls_server


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as srv:
        yield srv


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[ScriptedServer, ssl.SSLContext]]:
    with running_tls_server(tmp_path) as found:
        yield found


@pytest.fixture
async def transport() -> AsyncIterator[AsyncHttpTransport]:
    async with AsyncHttpTransport(timeouts=Timeouts(connect=2.0, read=5.0)) as t:
        yield t


async def test_keep_alive_reuses_one_connection(
    server: ScriptedServer, transport: AsyncHttpTransport
) -> None:
    for i in range(20):
        response = await transport.send(server.request(body=f"req-{i}".encode()))
        assert response.status == 200
        assert response.body == f"req-{i}".encode()
    assert server.requests == 20
    assert server.connections == 1


async def test_server_closing_an_idle_connection_is_survived(
    server: ScriptedServer, transport: AsyncHttpTransport
) -> None:
    assert (await transport.send(server.request("idle-close"))).status == 200
    assert await asyncio.to_thread(server.idle_closed.wait, 5)
    # let the loop read the EOF of the idle connection, as it would while a server idles
    pool = next(iter(transport._pools.values()))
    async with asyncio.timeout(5):
        while not all(conn.closed for conn in pool.idle):
            await asyncio.sleep(0)
    assert (await transport.send(server.request(body=b"after"))).body == b"after"
    assert server.connections == 2


async def test_framings_chunked_http10_big(
    server: ScriptedServer, transport: AsyncHttpTransport
) -> None:
    assert (await transport.send(server.request("chunked", b"0123456789"))).body == b"0123456789"
    assert (await transport.send(server.request("http10", b"old"))).body == b"old"
    assert (await transport.send(server.request("big"))).body == bytes(range(256)) * 8192
    assert (await transport.send(server.request("close", b"bye"))).body == b"bye"
    assert (await transport.send(server.request("echo", b"last"))).body == b"last"
    assert server.connections == 3  # http10 and close end their connections


async def test_read_timeout(server: ScriptedServer) -> None:
    async with AsyncHttpTransport(timeouts=Timeouts(connect=2.0, read=0.2)) as t:
        with pytest.raises(RequestTimeout):
            await t.send(server.request("hang"))
        assert (await t.send(server.request(body=b"fine"))).body == b"fine"


async def test_read_timeout_bounds_the_whole_reply(server: ScriptedServer) -> None:
    async with AsyncHttpTransport(timeouts=Timeouts(connect=2.0, read=0.3)) as t:
        with pytest.raises(RequestTimeout):
            await t.send(server.request("trickle"))


async def test_connect_refused_is_a_connect_error(transport: AsyncHttpTransport) -> None:
    url = f"http://127.0.0.1:{free_port()}/"
    with pytest.raises(ConnectError, match="cannot connect"):
        await transport.send(HttpRequest("POST", url, (), b"{}"))
    assert all(pool.open == 0 for pool in transport._pools.values())


async def test_lost_reply_is_a_transport_error_not_connect_error(
    server: ScriptedServer, transport: AsyncHttpTransport
) -> None:
    await transport.send(server.request())
    with pytest.raises(TransportError) as caught:
        await transport.send(server.request("no-reply"))
    assert type(caught.value) is TransportError
    assert server.connections == 1  # the failure was on the reused connection
    assert (await transport.send(server.request(body=b"next"))).body == b"next"


async def test_malformed_reply_is_a_transport_error(
    server: ScriptedServer, transport: AsyncHttpTransport
) -> None:
    with pytest.raises(TransportError, match="malformed status line"):
        await transport.send(server.request("garbage"))


async def test_header_injection_sends_nothing(
    server: ScriptedServer, transport: AsyncHttpTransport
) -> None:
    with pytest.raises(InvalidRequest):
        await transport.send(HttpRequest("POST", server.url, (("X", "a\r\nb: c"),), b"{}"))
    assert server.connections == 0


async def test_cancelling_a_caller_closes_its_connection(
    server: ScriptedServer, transport: AsyncHttpTransport
) -> None:
    task = asyncio.create_task(transport.send(server.request("hang")))
    async with asyncio.timeout(5):
        while server.requests == 0:  # until the request reached the server
            await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    pool = next(iter(transport._pools.values()))
    assert pool.open == 0
    assert (await transport.send(server.request(body=b"next"))).body == b"next"
    assert server.connections == 2


async def test_fifty_tasks_get_their_own_replies(server: ScriptedServer) -> None:
    async with AsyncHttpTransport(max_connections=8) as t:

        async def call(i: int) -> bool:
            body = f"task-{i}".encode()
            return (await t.send(server.request(body=body))).body == body

        for _ in range(3):
            assert await asyncio.gather(*(call(i) for i in range(50))) == [True] * 50
        pool = next(iter(t._pools.values()))
        assert pool.open <= 8
    assert server.requests == 150
    assert 1 <= server.connections <= 8


async def test_one_connection_is_handed_from_caller_to_caller(server: ScriptedServer) -> None:
    async with AsyncHttpTransport(max_connections=1) as t:
        bodies = [f"{i}".encode() for i in range(20)]
        replies = await asyncio.gather(*(t.send(server.request(body=b)) for b in bodies))
    assert [r.body for r in replies] == bodies
    assert server.connections == 1


async def test_closed_transport_refuses_to_send(server: ScriptedServer) -> None:
    t = AsyncHttpTransport()
    await t.send(server.request())
    await t.aclose()
    with pytest.raises(RuntimeError, match="closed"):
        await t.send(server.request())


async def test_https_with_a_trusted_certificate_and_verification_by_default(
    tls_server: tuple[ScriptedServer, ssl.SSLContext],
) -> None:
    server, client_ctx = tls_server
    async with AsyncHttpTransport(ssl_context=client_ctx) as t:
        assert (await t.send(server.request(body=b"secret"))).body == b"secret"
        assert (await t.send(server.request("big"))).body == bytes(range(256)) * 8192
    async with AsyncHttpTransport() as t:
        with pytest.raises(ConnectError, match="certificate"):
            await t.send(server.request())


@pytest.mark.integration
async def test_list_tables_on_dynamodb_local_from_fifty_tasks(dynamodb_endpoint: str) -> None:
    async with AsyncHttpTransport(max_connections=8) as t:
        response = await t.send(dynamodb_request(dynamodb_endpoint, "ListTables"))
        assert response.status == 200
        assert b'"TableNames"' in response.body
        actions = ["ListTables" if i % 2 else "NoSuchAction" for i in range(50)]
        replies = await asyncio.gather(
            *(t.send(dynamodb_request(dynamodb_endpoint, a)) for a in actions)
        )
    for action, reply in zip(actions, replies, strict=True):
        if action == "ListTables":
            assert reply.status == 200
            assert b"TableNames" in reply.body
        else:
            assert reply.status == 400
            assert b"UnknownOperationException" in reply.body
