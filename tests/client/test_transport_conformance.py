"""One conformance suite, run against both transports: they must give the same answer to the
same peer behaviour.

The peer is a real HTTP server on loopback (a socket per connection in its own thread), not a
mock: it produces what DynamoDB Local does not on demand (early replies while the body is still
uploading, idle closes, chunked, close-delimited and truncated replies, resets, hangs). The
``X-Test`` header of each request picks its behaviour. Each test runs once per transport through
a small driver, so a behaviour one transport gets right and the other wrong fails by name
(``test_…[sync]`` / ``test_…[async]``).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
from collections.abc import Iterator
from typing import Protocol

import pytest

from dynastack.client.async_transport import AsyncHttpTransport
from dynastack.client.transport import HttpTransport, Timeouts
from dynastack.core.wire import HttpRequest, HttpResponse
from dynastack.errors import ConnectError, RequestTimeout, TransportError

#: larger than any socket buffer pair on loopback, so the upload is still running at the reply
BIG_BODY = b"x" * (24 << 20)
_TOO_LARGE = b"HTTP/1.1 413 Request Entity Too Large\r\nContent-Type: text/plain\r\n"


class Peer:
    """A loopback HTTP/1.1 server whose every reply is chosen by the request's ``X-Test``."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.listener = socket.create_server((host, 0), family=family)
        self.port = self.listener.getsockname()[1]
        netloc = f"[{host}]" if ":" in host else host
        self.url = f"http://{netloc}:{self.port}/"
        self.connections = 0
        self.requests = 0
        #: the ``Host`` header of every request, in order
        self.hosts: list[str] = []
        self.idle_closed = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._socks: list[socket.socket] = []
        self._threads: list[threading.Thread] = []

    def request(self, mode: str = "echo", body: bytes = b"{}") -> HttpRequest:
        return HttpRequest("POST", self.url, (("X-Test", mode),), body)

    def __enter__(self) -> Peer:
        self._spawn(self._accept_loop)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept() on Linux
        self.listener.close()
        with self._lock:
            for sock in self._socks:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            threads = list(self._threads)
        for thread in threads:
            thread.join(5)

    def _spawn(self, target: object, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)  # type: ignore[arg-type]
        with self._lock:
            self._threads.append(thread)
        thread.start()

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
                self._socks.append(sock)
            self._spawn(self._serve, sock)

    def _serve(self, sock: socket.socket) -> None:
        buf = bytearray()
        try:
            while True:
                while b"\r\n\r\n" not in buf:
                    data = sock.recv(65536)
                    if not data:
                        return
                    buf += data
                end = buf.find(b"\r\n\r\n")
                head = bytes(buf[:end])
                del buf[: end + 4]
                fields = {
                    name.lower(): value
                    for name, _, value in (
                        line.partition(b": ") for line in head.split(b"\r\n")[1:]
                    )
                }
                with self._lock:
                    self.requests += 1
                    self.hosts.append(fields.get(b"host", b"").decode())
                mode = fields.get(b"x-test", b"echo").decode()
                if mode.startswith("early"):
                    if not self._early(sock, mode):
                        return
                    buf.clear()
                    continue
                length = int(fields.get(b"content-length", b"0"))
                while len(buf) < length:
                    data = sock.recv(65536)
                    if not data:
                        return
                    buf += data
                body = bytes(buf[:length])
                del buf[:length]
                if not self._reply(sock, mode, body):
                    return
        except OSError:
            return
        finally:
            sock.close()

    def _early(self, sock: socket.socket, mode: str) -> bool:
        """Answer 413 after the head only, while the body is still arriving."""
        if mode == "early-keep-alive":  # no Connection: close, and the body is never read
            sock.sendall(_TOO_LARGE + b"Content-Length: 9\r\n\r\ntoo large")
            self._stop.wait(30)
            return False
        sock.sendall(_TOO_LARGE + b"Connection: close\r\nContent-Length: 9\r\n\r\ntoo large")
        if mode == "early-half-close":  # FIN after the reply, then stop reading
            sock.shutdown(socket.SHUT_WR)
            self._stop.wait(30)
        # "early-close": closing with unread body bytes makes the kernel send a reset
        return False

    def _reply(self, sock: socket.socket, mode: str, body: bytes) -> bool:
        """Answer one request whose body was read; ``False`` closes the connection."""
        if mode == "hang":
            self._stop.wait(30)
            return False
        if mode == "reset":  # a reset instead of any reply
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return False
        if mode == "reset-mid-reply":
            sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return False
        if mode == "truncated-length":
            sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
            return False
        if mode == "truncated-chunked":
            sock.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel")
            return False
        if mode == "truncated-head":
            sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Le")
            return False
        if mode == "trickle":  # slower than the read timeout in total, never per byte
            sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n")
            for _ in range(40):
                if self._stop.wait(0.05):
                    return False
                sock.sendall(b"x")
            return True
        if mode == "chunked":
            chunks = b"".join(f"{len(c):x}\r\n".encode() + c + b"\r\n" for c in (body, body))
            sock.sendall(
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n"
            )
            return True
        if mode == "http10":
            sock.sendall(b"HTTP/1.0 200 OK\r\n\r\n" + body)
            return False
        if mode == "big":
            body = bytes(range(256)) * 4096  # 1 MiB: many reads
        close = mode == "close"
        extra = b"Connection: close\r\n" if close else b""
        sock.sendall(
            b"HTTP/1.1 200 OK\r\n" + extra + f"Content-Length: {len(body)}\r\n\r\n".encode() + body
        )
        if mode == "idle-close":
            sock.close()
            self.idle_closed.set()
            return False
        return not close


class Driver(Protocol):
    """A transport as the suite calls it: blocking ``send``, whichever transport is inside."""

    def send(self, request: HttpRequest) -> HttpResponse: ...

    def notice_idle_closes(self) -> None: ...

    def close(self) -> None: ...


class SyncDriver:
    def __init__(self, timeouts: Timeouts) -> None:
        self.transport = HttpTransport(timeouts=timeouts)

    def send(self, request: HttpRequest) -> HttpResponse:
        return self.transport.send(request)

    def notice_idle_closes(self) -> None:
        """Nothing to wait for: the sync transport polls an idle socket before reuse."""

    def close(self) -> None:
        self.transport.close()


class AsyncDriver:
    """One event loop for the driver's life, so connections are kept between sends."""

    def __init__(self, timeouts: Timeouts) -> None:
        self.loop = asyncio.new_event_loop()
        self.transport = AsyncHttpTransport(timeouts=timeouts)

    def send(self, request: HttpRequest) -> HttpResponse:
        return self.loop.run_until_complete(self.transport.send(request))

    def notice_idle_closes(self) -> None:
        """Run the loop until it has read the EOF of every idle connection, as a loop that
        keeps running does on its own while the server idles."""

        async def settle() -> None:
            async with asyncio.timeout(5):
                while not all(c.closed for p in self.transport._pools.values() for c in p.idle):
                    await asyncio.sleep(0)

        self.loop.run_until_complete(settle())

    def close(self) -> None:
        self.loop.run_until_complete(self.transport.aclose())
        self.loop.close()


TIMEOUTS = Timeouts(connect=2.0, read=5.0)


def make_driver(kind: str, timeouts: Timeouts = TIMEOUTS) -> Driver:
    return SyncDriver(timeouts) if kind == "sync" else AsyncDriver(timeouts)


@pytest.fixture(params=["sync", "async"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def driver(kind: str) -> Iterator[Driver]:
    found = make_driver(kind)
    yield found
    found.close()


@pytest.fixture
def peer() -> Iterator[Peer]:
    with Peer() as found:
        yield found


# early replies: the server answers before the body is uploaded ---------------------------------


@pytest.mark.parametrize("mode", ["early-close", "early-half-close", "early-keep-alive"])
def test_an_early_reply_is_returned_not_lost(driver: Driver, peer: Peer, mode: str) -> None:
    response = driver.send(peer.request(mode, BIG_BODY))
    assert (response.status, response.body) == (413, b"too large")
    # the rest of the body was never sent: that connection must not carry the next request
    assert driver.send(peer.request(body=b"next")).body == b"next"
    assert peer.connections == 2


def test_a_large_body_the_server_reads_is_sent_whole(driver: Driver, peer: Peer) -> None:
    body = bytes(range(256)) * 16384  # 4 MiB: written in pieces, watching for an early reply
    assert driver.send(peer.request(body=body)).body == body
    assert driver.send(peer.request(body=b"again")).body == b"again"
    assert peer.connections == 1


# keep-alive and idle connections ----------------------------------------------------------------


def test_keep_alive_reuses_one_connection(driver: Driver, peer: Peer) -> None:
    for i in range(10):
        assert driver.send(peer.request(body=f"req-{i}".encode())).body == f"req-{i}".encode()
    assert (peer.requests, peer.connections) == (10, 1)


def test_a_connection_the_server_closed_while_idle_is_not_reused(
    driver: Driver, peer: Peer
) -> None:
    assert driver.send(peer.request("idle-close")).status == 200
    assert peer.idle_closed.wait(5)
    driver.notice_idle_closes()
    assert driver.send(peer.request(body=b"after")).body == b"after"
    assert peer.connections == 2


def test_connection_close_ends_the_connection(driver: Driver, peer: Peer) -> None:
    assert driver.send(peer.request("close", b"a")).body == b"a"
    assert driver.send(peer.request(body=b"b")).body == b"b"
    assert peer.connections == 2


# framings -----------------------------------------------------------------------------------


def test_content_length_chunked_and_close_delimited_replies(driver: Driver, peer: Peer) -> None:
    assert driver.send(peer.request(body=b"plain")).body == b"plain"
    assert driver.send(peer.request("chunked", b"ab")).body == b"abab"
    assert driver.send(peer.request("big")).body == bytes(range(256)) * 4096
    assert peer.connections == 1  # all three kept the connection
    assert driver.send(peer.request("http10", b"old")).body == b"old"
    assert driver.send(peer.request(body=b"new")).body == b"new"
    assert peer.connections == 2  # a close-delimited reply ends its connection


# truncated replies and resets: the request was sent, its outcome is unknown -----------------------


@pytest.mark.parametrize(
    "mode", ["truncated-length", "truncated-chunked", "truncated-head", "reset", "reset-mid-reply"]
)
def test_a_broken_reply_is_a_transport_error(driver: Driver, peer: Peer, mode: str) -> None:
    with pytest.raises(TransportError) as caught:
        driver.send(peer.request(mode))
    # not the subclasses that claim more: it was sent (not ConnectError), and it did not hang
    assert type(caught.value) is TransportError
    assert driver.send(peer.request(body=b"fine")).body == b"fine"


# timeouts ----------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["hang", "trickle"])
def test_a_reply_later_than_the_read_timeout_is_a_request_timeout(
    kind: str, peer: Peer, mode: str
) -> None:
    driver = make_driver(kind, Timeouts(connect=2.0, read=0.3))
    try:
        with pytest.raises(RequestTimeout):
            driver.send(peer.request(mode))
        assert driver.send(peer.request(body=b"fine")).body == b"fine"
    finally:
        driver.close()


def test_a_closed_port_is_a_connect_error(driver: Driver) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago and has no listener
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ConnectError):
        driver.send(HttpRequest("POST", f"http://127.0.0.1:{port}/", (), b"{}"))


# IPv6 --------------------------------------------------------------------------------------


def test_an_ipv6_literal_endpoint_connects_and_keeps_its_brackets_in_host(driver: Driver) -> None:
    with Peer("::1") as peer:
        assert peer.url.startswith("http://[::1]:")
        assert driver.send(peer.request(body=b"six")).body == b"six"
        assert driver.send(peer.request(body=b"again")).body == b"again"
        assert peer.hosts == [f"[::1]:{peer.port}"] * 2
        assert peer.connections == 1
