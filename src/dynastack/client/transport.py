"""The sync HTTP transport: keep-alive sockets driving the sans-I/O framing of ``core.http1``.

Why not httpx or ``http.client``: the client's CPU budget for a whole GetItem (signing, JSON,
codec) is ~110 µs, 1/8 of boto3's. Measured side by side against DynamoDB Local (2,000
GetItem-like POSTs per round, ``time.process_time``), ``http.client`` costs ~160 µs per
request, this transport ~50 µs and a bare socket doing only ``sendall`` + ``recv`` ~20 µs;
httpx was measured at ~370 µs. Of our ~30 µs above the bare socket, parsing the reply head
into a dict is ~2/3 and writing the request head ~1/3; the pool, locks and timeouts are
~2 µs. So this module is only the I/O shell around :mod:`dynastack.core.http1`: a pool of
idle sockets, timeouts, and error mapping.

Pooling: one pool per ``(scheme, host, port)``; idle sockets are kept in a LIFO list under a
lock (the most recently used socket is the one least likely to have been closed by the server),
and at most ``max_connections`` sockets per pool are open; a caller past that waits up to
``connect + read`` seconds for one to be released, then gets ``ConnectError``.

Timeouts: ``connect`` bounds the TCP connection and the TLS handshake; ``read`` bounds the
whole reply after the request is written (not each ``recv``), so a server trickling bytes
cannot hold a caller forever. Plain sockets use kernel timeouts (``SO_RCVTIMEO``/
``SO_SNDTIMEO``) set once per socket: Python's own socket timeout polls before every ``send``
and ``recv``, which measured ~4 µs of CPU per request here. Only replies longer than one read
pay for re-arming the timeout.

Stale keep-alive connections and what we may retry (RELIABILITY fact 4): DynamoDB Local closes
connections idle for ~30 s, and AWS's load balancers do the same after a while. A request
written into a socket the server has already closed cannot be told apart, from our side, from a
request the server received, processed and then lost the reply of: both end in a reset or EOF
with zero response bytes. So the transport never resends on its own. Instead it avoids the
case: an idle socket is polled before reuse (readable means the server sent EOF or garbage, so
it is dropped), and sockets idle longer than ``MAX_IDLE_SECONDS`` are dropped unpolled, before
the server's own idle timer can race us. What remains is mapped conservatively:

* ``ConnectError`` only when no connection was established (refused, unreachable, connect or
  TLS handshake timeout, certificate rejected): the request certainly was not sent;
* ``RequestTimeout`` when no complete reply arrived in time;
* ``TransportError`` for everything after the connection existed (reset, EOF, malformed
  reply), even on a reused socket with zero bytes back, and even when the write itself fails
  (EPIPE/ECONNRESET): part of the request may have left before the error, and a server that
  read a whole request before resetting may have acted on it.

The client decides, per operation, whether an unknown outcome may be resent (``resend_safe``).

Early replies: a server may answer before it has read the whole body (a 413 for an oversized
request) and then reset, half-close or stop reading. That reply is the outcome, not an unknown
one, so it must be returned (the async transport gets it for free: the event loop reads while
it writes). Bodies over 64 KiB are therefore written in non-blocking pieces while the socket
is polled for a reply, and a write that fails with a reset still reads what the kernel
received before the reset (Linux keeps it readable). Small bodies take one ``sendall``: they fit
in the socket buffers, so the early reply is simply read after it. Over TLS a large body is
written whole first (``SSLSocket`` takes no ``recv`` flags), so there an early reply followed by
a reset is still a ``TransportError``.

Example:
    >>> with HttpTransport(timeouts=Timeouts(connect=1.0, read=5.0)) as transport:
    ...     transport.max_connections
    32
"""

from __future__ import annotations

import select
import socket
import ssl
import struct
import sys
import threading
import time
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol

from dynastack.client.network import Proxy
from dynastack.core.http1 import ResponseParser, encode_request, parse_response, route
from dynastack.core.wire import Endpoint, HttpRequest, HttpResponse
from dynastack.errors import ConnectError, RequestTimeout, TransportError

__all__ = ["MAX_IDLE_SECONDS", "HttpTransport", "Timeouts", "Transport"]

#: idle sockets older than this are closed instead of reused (DynamoDB Local drops them at ~30 s)
MAX_IDLE_SECONDS = 20.0
_READ_SIZE = 65536
#: request bodies larger than this are written watching for an early reply (see ``_upload``)
_WATCHED_UPLOAD = 65536
_KERNEL_TIMEOUTS = sys.platform == "linux"  # SO_RCVTIMEO takes a struct timeval


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds to wait for a connection (``connect``) and for a complete reply (``read``).

    >>> Timeouts().read
    10.0
    """

    connect: float = 3.05
    read: float = 10.0


class Transport(Protocol):
    """What the sync client needs from a transport: one request in, one response out."""

    def send(self, request: HttpRequest) -> HttpResponse: ...

    def close(self) -> None: ...


class _Connection:
    """One socket, its liveness poller, and how its read timeout is set."""

    __slots__ = ("idle_since", "kernel_timeouts", "poller", "sock")

    def __init__(self, sock: socket.socket, read_timeout: float) -> None:
        self.sock = sock
        self.poller = select.poll()
        self.poller.register(sock, select.POLLIN)
        self.idle_since = 0.0
        # Python's socket timeouts cost a poll() before every send and recv (~4 µs per request
        # here); kernel timeouts on a blocking socket cost nothing until they fire. TLS sockets
        # keep Python's timeouts: on EAGAIN a blocking SSLSocket would retry forever.
        self.kernel_timeouts = _KERNEL_TIMEOUTS and not isinstance(sock, ssl.SSLSocket)
        self.set_timeout(read_timeout)

    def set_timeout(self, seconds: float) -> None:
        if self.kernel_timeouts:
            self.sock.settimeout(None)
            whole = int(seconds)
            value = struct.pack("ll", whole, max(1, int((seconds - whole) * 1e6)))
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, value)
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, value)
        else:
            self.sock.settimeout(seconds)

    def exchange(self, payload: bytes, read_timeout: float) -> tuple[HttpResponse, bool]:
        """Write one request, read its reply: ``(response, keep_alive)``.

        Any exception leaves the socket unusable; the caller closes it.
        """
        sock = self.sock
        try:
            # TLS records cannot be read around a reset or without blocking (``recv`` flags
            # are refused): over TLS an early reply is only seen once the body is written
            if len(payload) > _WATCHED_UPLOAD and not isinstance(sock, ssl.SSLSocket):
                early = self._upload(payload, read_timeout)
                if early is not None:
                    return early
            else:
                try:
                    sock.sendall(payload)
                except (BrokenPipeError, ConnectionResetError):
                    if isinstance(sock, ssl.SSLSocket):
                        raise
                    # the server may have answered and closed before reading all of the body:
                    # Linux keeps the bytes it received readable after the reset
                    return self._reply_after_reset(ResponseParser())
            data = sock.recv(_READ_SIZE)
            if data:
                found = parse_response(data)
                if found is not None:
                    return found
            parser = ResponseParser()
            if data:
                response = parser.feed(data)
                if response is None:
                    response = self._read_rest(parser, time.monotonic() + read_timeout)
                    self.set_timeout(read_timeout)
            else:
                response = parser.feed_eof()
        except (TimeoutError, BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
            # the kernel timeouts surface as EAGAIN (BlockingIOError)
            raise RequestTimeout(f"no complete reply within {read_timeout} s") from None
        except OSError as exc:
            raise TransportError(f"connection failed after the request was sent: {exc}") from exc
        return response, parser.keep_alive

    def _upload(self, payload: bytes, read_timeout: float) -> tuple[HttpResponse, bool] | None:
        """Write a large body while watching for an early reply; the reply if one came first.

        A server may answer before it has read the whole body (a 413 for an oversized request)
        and then stop reading, half-close, or close with a reset. ``sendall`` would block until
        the timeout or fail with ECONNRESET, and the caller would get an unknown outcome for a
        request the server has answered. So the body goes out in non-blocking pieces, and
        whatever the server sends meanwhile is parsed. The connection is never reused after an
        early reply: the unsent rest of the body would be read as the next request.
        """
        sock = self.sock
        view = memoryview(payload)
        sent, size = 0, len(payload)
        poller = select.poll()
        poller.register(sock, select.POLLIN | select.POLLOUT)
        parser = ResponseParser()
        deadline = time.monotonic() + read_timeout  # pushed on by every byte of progress
        while sent < size:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not poller.poll(max(1, int(remaining * 1000))):
                raise TimeoutError
            try:
                data = sock.recv(_READ_SIZE, socket.MSG_DONTWAIT)
            except BlockingIOError:
                pass  # nothing to read: the socket is writable
            except ConnectionResetError:
                return self._reply_after_reset(parser)
            else:
                response = parser.feed(data) if data else parser.feed_eof()
                if response is not None:
                    return response, False
                deadline = time.monotonic() + read_timeout
                continue
            try:
                sent += sock.send(view[sent : sent + _READ_SIZE * 4], socket.MSG_DONTWAIT)
            except BlockingIOError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                return self._reply_after_reset(parser)
            deadline = time.monotonic() + read_timeout
        if parser.received:  # a reply had begun while we wrote: read the rest of it
            response = self._read_rest(parser, time.monotonic() + read_timeout)
            self.set_timeout(read_timeout)
            return response, parser.keep_alive
        return None

    def _reply_after_reset(self, parser: ResponseParser) -> tuple[HttpResponse, bool]:
        """The reply the server sent before resetting the connection, if it is complete."""
        while True:
            try:
                data = self.sock.recv(_READ_SIZE, socket.MSG_DONTWAIT)
            except OSError as exc:  # EAGAIN (nothing more came) or the reset itself
                raise TransportError(
                    "connection reset inside the reply (truncated reply)"
                    if parser.received
                    else f"connection reset while the request was sent: {exc}"
                ) from exc
            response = parser.feed(data) if data else parser.feed_eof()
            if response is not None:
                return response, False

    def _read_rest(self, parser: ResponseParser, deadline: float) -> HttpResponse:
        # a reply longer than one read: bound the whole reply, not each recv
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            self.set_timeout(remaining)
            data = self.sock.recv(_READ_SIZE)
            if not data:
                return parser.feed_eof()
            response = parser.feed(data)
            if response is not None:
                return response

    def close(self) -> None:
        self.sock.close()


class _Pool:
    """The idle sockets of one ``(scheme, host, port)`` and the count of open ones."""

    __slots__ = ("closed", "cond", "endpoint", "idle", "lock", "max", "open", "waiting")

    def __init__(self, endpoint: Endpoint, max_connections: int) -> None:
        self.endpoint = endpoint
        # the hot path takes the plain lock (a C call); the condition shares it for waiters
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.idle: list[_Connection] = []
        self.open = 0
        self.max = max_connections
        self.waiting = 0
        self.closed = False

    def acquire(self, transport: HttpTransport) -> _Connection:
        """A live idle connection, or a slot for a new one (then connects outside the lock)."""
        with self.lock:
            deadline = 0.0
            while True:
                now = time.monotonic()
                idle = self.idle
                while idle:
                    conn = idle.pop()
                    # readable while idle means EOF (the server closed it) or junk: never reuse
                    if now - conn.idle_since < MAX_IDLE_SECONDS and not conn.poller.poll(0):
                        return conn
                    conn.close()
                    self.open -= 1
                if self.closed:
                    raise RuntimeError("the transport is closed")
                if self.open < self.max:
                    self.open += 1
                    break
                if not deadline:
                    timeouts = transport.timeouts
                    deadline = now + timeouts.connect + timeouts.read
                elif now >= deadline:
                    raise ConnectError(f"all {self.max} connections stayed busy")
                self.waiting += 1
                try:
                    self.cond.wait(deadline - now)
                finally:
                    self.waiting -= 1
        try:
            return transport.connect(self.endpoint)
        except BaseException:
            self.forget()
            raise

    def release(self, conn: _Connection) -> None:
        """Return a connection whose reply was read completely and that may be reused."""
        conn.idle_since = time.monotonic()
        with self.lock:
            if self.closed:
                self.open -= 1
                conn.close()
            else:
                self.idle.append(conn)
            if self.waiting:
                self.cond.notify()

    def discard(self, conn: _Connection) -> None:
        conn.close()
        self.forget()

    def forget(self) -> None:
        """One open connection fewer (closed, or never made)."""
        with self.lock:
            self.open -= 1
            if self.waiting:
                self.cond.notify()

    def close(self) -> None:
        with self.lock:
            self.closed = True
            idle, self.idle = self.idle, []
            self.open -= len(idle)
            self.cond.notify_all()
        for conn in idle:
            conn.close()


class HttpTransport:
    """HTTP/1.1 over keep-alive sockets (TLS verified by default); thread-safe.

    ``max_connections`` caps the open sockets per ``(scheme, host, port)``; ``proxy`` tunnels
    the HTTPS endpoints it covers (client/network.py).
    """

    def __init__(
        self,
        *,
        timeouts: Timeouts = Timeouts(),
        max_connections: int = 32,
        ssl_context: ssl.SSLContext | None = None,
        proxy: Proxy | None = None,
    ) -> None:
        if max_connections < 1:
            raise ValueError("max_connections must be at least 1")
        self.timeouts = timeouts
        self.max_connections = max_connections
        self._ssl_context = ssl_context
        self._proxy = proxy  # HTTPS_PROXY: a CONNECT tunnel for the endpoints it covers
        self._lock = threading.Lock()
        # url → (pool, endpoint, target): one dict lookup per request instead of URL parsing
        self._routes: dict[str, tuple[_Pool, Endpoint, str]] = {}
        self._pools: dict[tuple[str, str, int], _Pool] = {}
        self._closed = False

    def send(self, request: HttpRequest) -> HttpResponse:
        """Send ``request`` and return the complete response (any status).

        Raises ``ConnectError`` (not sent), ``RequestTimeout`` or ``TransportError`` (outcome
        unknown), or ``InvalidRequest`` for headers that cannot be written.
        """
        found = self._routes.get(request.url)
        pool, endpoint, target = found if found is not None else self._route(request.url)
        payload = encode_request(request, endpoint, target)
        conn = pool.acquire(self)
        try:
            response, keep_alive = conn.exchange(payload, self.timeouts.read)
        except BaseException:
            pool.discard(conn)
            raise
        if keep_alive:
            pool.release(conn)
        else:
            pool.discard(conn)
        return response

    def connect(self, endpoint: Endpoint) -> _Connection:
        """Open a new connection to ``endpoint``; any failure is a ``ConnectError``."""
        timeouts = self.timeouts
        proxy = self._proxy
        try:
            if proxy is not None and proxy.covers(endpoint):
                sock = proxy.tunnel(endpoint, timeouts.connect)  # its failures: ConnectError
            else:
                sock = socket.create_connection((endpoint.host, endpoint.port), timeouts.connect)
        except OSError as exc:
            raise ConnectError(f"cannot connect to {endpoint.netloc}: {exc}") from exc
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if endpoint.scheme == "https":
                sock = self._tls_context().wrap_socket(sock, server_hostname=endpoint.host)
        except OSError as exc:  # ssl.SSLError and certificate errors are OSErrors
            sock.close()
            raise ConnectError(f"TLS with {endpoint.netloc} failed: {exc}") from exc
        return _Connection(sock, timeouts.read)

    def close(self) -> None:
        """Close idle connections now and busy ones when their reply is read."""
        with self._lock:
            self._closed = True
            pools = list(self._pools.values())
            self._routes.clear()
        for pool in pools:
            pool.close()

    def __enter__(self) -> HttpTransport:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _route(self, url: str) -> tuple[_Pool, Endpoint, str]:
        endpoint, target = route(url)
        key = (endpoint.scheme, endpoint.host, endpoint.port)
        with self._lock:
            if self._closed:
                raise RuntimeError("the transport is closed")
            pool = self._pools.get(key)
            if pool is None:
                pool = self._pools[key] = _Pool(endpoint, self.max_connections)
            if len(self._routes) >= 256:  # bounded: callers with ever-new URLs
                self._routes.clear()
            found = self._routes[url] = (pool, endpoint, target)
        return found

    def _tls_context(self) -> ssl.SSLContext:
        if self._ssl_context is None:  # built lazily: loading CA certificates costs ms
            self._ssl_context = ssl.create_default_context()
        return self._ssl_context
