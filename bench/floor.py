"""The raw floor: the least a Python asyncio client can do per DynamoDB call.

Why: PERFORMANCE.md sets the async client's targets against this floor measured in the same
run (client CPU per GetItem ≤ 2x the floor's, ≥ 0.9 of its ops/s with 64 calls in flight), so
"close to the limit" is a ratio, not a remembered number.

What it does, and what it leaves out on purpose: one ``asyncio.Protocol`` per connection
writes a request built once before timing (method, headers, a fixed ``Authorization`` that
DynamoDB Local accepts unchecked, body) and resolves a future when the reply's
``Content-Length`` bytes are in. No signing, no JSON encoding or decoding, no pooling policy,
timeouts or error mapping, no validation: everything a real client must add is the
difference to this. Idle connections are kept in a LIFO list, one per call in flight.

Example:
    >>> request = build_request("http://127.0.0.1:8000", "GetItem", b"{}")
    >>> request.split(b"\\r\\n")[0]
    b'POST / HTTP/1.1'
"""

from __future__ import annotations

import asyncio
import socket
from collections import deque
from urllib.parse import urlsplit

__all__ = ["RawFloor", "build_request"]

_AUTH = (
    "AWS4-HMAC-SHA256 Credential=dynastack/20260101/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" + "0" * 64
)


def build_request(endpoint: str, action: str, body: bytes) -> bytes:
    """The whole request, head and body, as the floor writes it on every call."""
    netloc = urlsplit(endpoint).netloc
    head = (
        f"POST / HTTP/1.1\r\nHost: {netloc}\r\n"
        "Content-Type: application/x-amz-json-1.0\r\n"
        f"X-Amz-Target: DynamoDB_20120810.{action}\r\n"
        "X-Amz-Date: 20260101T000000Z\r\n"
        f"Authorization: {_AUTH}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body


class _Connection(asyncio.Protocol):
    """One keep-alive connection; ``waiter`` gets the reply body once it is complete."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.waiter: asyncio.Future[bytes] | None = None
        self.buf = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        buf = self.buf + data if self.buf else data
        end = buf.find(b"\r\n\r\n")
        if end >= 0:
            at = buf.find(b"ontent-Length: ", 0, end)  # DynamoDB Local writes this spelling
            length = int(buf[at + 15 : buf.find(b"\r\n", at)])
            if len(buf) - end - 4 >= length:
                self.buf = b""
                waiter, self.waiter = self.waiter, None
                assert waiter is not None
                waiter.set_result(buf[end + 4 : end + 4 + length])
                return
        self.buf = buf

    def connection_lost(self, exc: Exception | None) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("connection lost"))


class RawFloor:
    """A raw asyncio client for one endpoint: ``await floor.call(request_bytes)`` → body.

    At most ``max_connections`` connections (dynastack's default, so that the server sees the
    same number of connections from either); callers past that wait for one in FIFO order.
    """

    def __init__(self, endpoint: str, max_connections: int = 32) -> None:
        self.endpoint = endpoint
        parts = urlsplit(endpoint)
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port or 80
        self._max = max_connections
        self._idle: list[_Connection] = []
        self._all: list[_Connection] = []
        self._waiters: deque[asyncio.Future[_Connection]] = deque()

    async def call(self, request: bytes) -> bytes:
        if self._idle:
            conn = self._idle.pop()
        elif len(self._all) < self._max:
            conn = await self._connect()
        else:
            handed: asyncio.Future[_Connection] = asyncio.get_running_loop().create_future()
            self._waiters.append(handed)
            conn = await handed
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[bytes] = loop.create_future()
        conn.waiter = waiter
        assert conn.transport is not None
        conn.transport.write(request)
        body = await waiter
        if self._waiters:
            self._waiters.popleft().set_result(conn)
        else:
            self._idle.append(conn)
        return body

    async def _connect(self) -> _Connection:
        loop = asyncio.get_running_loop()
        _, conn = await loop.create_connection(_Connection, self._host, self._port)
        self._all.append(conn)
        return conn

    async def aclose(self) -> None:
        for conn in self._all:
            if conn.transport is not None:
                conn.transport.close()
        self._all.clear()
        self._idle.clear()
