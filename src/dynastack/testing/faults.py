"""Fault injection: the failures DynamoDB Local never produces, on demand.

DynamoDB Local never throttles, never returns ``UnprocessedItems``/``UnprocessedKeys``, never
raises ``TransactionConflict``, and on loopback replies are not lost (RELIABILITY fact 3), so
tests that must show the client survives those have to inject them. Two tools, one vocabulary:

* :class:`FaultTransport` / :class:`AsyncFaultTransport` wrap a transport. A *plan* — any
  callable ``plan(request, index) -> Fault | None`` — sees every request and its call number
  and may answer with a DynamoDB error without forwarding (:class:`ErrorReply`), forward and
  lose the reply (:class:`DropReply`, the "lost response" of RELIABILITY fact 1), fail without
  forwarding (:class:`Reset`), forward and alter the reply (:class:`RewriteReply`, e.g. to add
  ``UnprocessedItems``), add latency (:class:`Delay`) or forward and cut the reply
  (:class:`Truncate`).
* :class:`FaultProxy` does the same on the wire: a small asyncio TCP proxy on 127.0.0.1 in front
  of an upstream endpoint, for clients that cannot take a transport (another process, an API
  under load, RELIABILITY R3/R14). Resets close the client's socket, dropped and truncated
  replies reach it as EOF after zero or some bytes, exactly as a real network fails.

Example:
    >>> from dynastack.core.wire import HttpRequest, HttpResponse
    >>> class Nowhere:
    ...     def send(self, request: HttpRequest) -> HttpResponse: raise AssertionError
    ...     def close(self) -> None: pass
    >>> throttle = FaultTransport(Nowhere(), lambda req, i: ErrorReply(400, "ThrottlingException"))
    >>> reply = throttle.send(HttpRequest("POST", "http://127.0.0.1:8000/", (), b"{}"))
    >>> reply.status, json.loads(reply.body)["__type"]
    (400, 'com.amazonaws.dynamodb.v20120810#ThrottlingException')
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import random
import ssl
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from dynastack.client.async_transport import AsyncTransport
from dynastack.client.transport import Transport
from dynastack.core.http1 import ResponseParser, route
from dynastack.core.wire import HttpRequest, HttpResponse
from dynastack.errors import TransportError

__all__ = [
    "AsyncFaultTransport",
    "Delay",
    "DropReply",
    "ErrorReply",
    "Fault",
    "FaultProxy",
    "FaultSchedule",
    "FaultTransport",
    "Reset",
    "RewriteReply",
    "Truncate",
    "at_random",
    "first_attempts",
    "target_of",
]

_NAMESPACE = "com.amazonaws.dynamodb.v20120810#"


@dataclass(frozen=True, slots=True)
class ErrorReply:
    """Answer with a DynamoDB-style JSON error; the request is not forwarded.

    ``wire_type`` is a bare code (``"ThrottlingException"``, namespaced for you) or a full
    ``__type``; ``extra`` adds fields (``CancellationReasons``, ``Item`` …) to the body.
    """

    status: int
    wire_type: str
    message: str = ""
    extra: Mapping[str, Any] | None = None

    def response(self, index: int = 0) -> HttpResponse:
        """The reply this fault stands for."""
        wire_type = self.wire_type if "#" in self.wire_type else _NAMESPACE + self.wire_type
        body = json.dumps({"__type": wire_type, "message": self.message, **(self.extra or {})})
        data = body.encode()
        headers = {
            "content-type": "application/x-amz-json-1.0",
            "x-amzn-requestid": f"dynastack-fault-{index}",
            "content-length": str(len(data)),
        }
        return HttpResponse(self.status, headers, data)


@dataclass(frozen=True, slots=True)
class DropReply:
    """Forward the request, then lose the reply: the caller sees ``TransportError``."""


@dataclass(frozen=True, slots=True)
class Reset:
    """Fail as a reset connection without forwarding: the caller sees ``TransportError``."""


@dataclass(frozen=True, slots=True)
class RewriteReply:
    """Forward the request, then pass the reply through ``fn`` (e.g. add ``UnprocessedItems``)."""

    fn: Callable[[HttpResponse], HttpResponse]


@dataclass(frozen=True, slots=True)
class Delay:
    """Forward the request, and deliver the reply ``seconds`` late."""

    seconds: float


@dataclass(frozen=True, slots=True)
class Truncate:
    """Forward the request, then deliver only the first ``keep`` bytes of the reply and close."""

    keep: int = 40


Fault = ErrorReply | DropReply | Reset | RewriteReply | Delay | Truncate
#: what decides the faults: ``plan(request, index)``, index counting from 0 per injector
FaultSchedule = Callable[[HttpRequest, int], object]


def target_of(request: HttpRequest) -> str:
    """The DynamoDB action of ``request``, from ``X-Amz-Target`` (``""`` when absent).

    >>> headers = (("X-Amz-Target", "DynamoDB_20120810.GetItem"),)
    >>> target_of(HttpRequest("POST", "http://127.0.0.1:8000/", headers, b""))
    'GetItem'
    """
    return (request.header("x-amz-target") or "").rpartition(".")[2]


def first_attempts(
    fault: Fault, when: Callable[[HttpRequest], bool] = lambda r: True
) -> FaultSchedule:
    """A plan that injects ``fault`` the first time each request body is seen, if ``when``.

    Retries resend the same body (a transaction reuses its token), so they pass: this is
    RELIABILITY R3's "drop the first reply" for every operation at once.
    """
    seen: set[bytes] = set()
    lock = threading.Lock()

    def plan(request: HttpRequest, index: int) -> Fault | None:
        if not when(request):
            return None
        with lock:
            if request.body in seen:
                return None
            seen.add(request.body)
        return fault

    return plan


def at_random(choices: Sequence[tuple[float, Fault]], seed: int = 0) -> FaultSchedule:
    """A plan that injects each fault with its probability, from a seeded generator.

    >>> plan = at_random([(0.05, Reset()), (0.05, Delay(0.2)), (0.01, Truncate())], seed=7)
    """
    rng = random.Random(seed)
    lock = threading.Lock()

    def plan(request: HttpRequest, index: int) -> Fault | None:
        with lock:
            draw = rng.random()
        for probability, fault in choices:
            if draw < probability:
                return fault
            draw -= probability
        return None

    return plan


def _decide(plan: FaultSchedule, request: HttpRequest, index: int) -> Fault | None:
    fault = plan(request, index)
    if fault is not None and not isinstance(
        fault, ErrorReply | DropReply | Reset | RewriteReply | Delay | Truncate
    ):
        raise TypeError(f"a fault plan returned {fault!r}, not a Fault or None")
    return fault


class FaultTransport:
    """A :class:`Transport` that lets ``plan`` inject faults between a client and ``inner``.

    ``injected`` records ``(index, fault)`` for every fault applied. Thread-safe if the plan is.
    """

    def __init__(self, inner: Transport, plan: FaultSchedule) -> None:
        self.inner = inner
        self.plan = plan
        self.injected: list[tuple[int, Fault]] = []
        self._counter = itertools.count()

    def send(self, request: HttpRequest) -> HttpResponse:
        """Apply the plan's fault to this request, if any."""
        index = next(self._counter)
        fault = _decide(self.plan, request, index)
        if fault is None:
            return self.inner.send(request)
        self.injected.append((index, fault))
        if isinstance(fault, ErrorReply):
            return fault.response(index)
        if isinstance(fault, Reset):
            raise TransportError(f"injected connection reset (request {index} not sent)")
        if isinstance(fault, Delay):
            time.sleep(fault.seconds)
        response = self.inner.send(request)
        return _after(fault, response, index)

    def close(self) -> None:
        self.inner.close()


class AsyncFaultTransport:
    """The async twin of :class:`FaultTransport`, wrapping an :class:`AsyncTransport`."""

    def __init__(self, inner: AsyncTransport, plan: FaultSchedule) -> None:
        self.inner = inner
        self.plan = plan
        self.injected: list[tuple[int, Fault]] = []
        self._counter = itertools.count()

    async def send(self, request: HttpRequest) -> HttpResponse:
        """Apply the plan's fault to this request, if any."""
        index = next(self._counter)
        fault = _decide(self.plan, request, index)
        if fault is None:
            return await self.inner.send(request)
        self.injected.append((index, fault))
        if isinstance(fault, ErrorReply):
            return fault.response(index)
        if isinstance(fault, Reset):
            raise TransportError(f"injected connection reset (request {index} not sent)")
        if isinstance(fault, Delay):
            await asyncio.sleep(fault.seconds)
        response = await self.inner.send(request)
        return _after(fault, response, index)

    async def aclose(self) -> None:
        await self.inner.aclose()


def _after(fault: Fault, response: HttpResponse, index: int) -> HttpResponse:
    """What a forwarded request's caller gets under ``fault``."""
    if isinstance(fault, DropReply):
        raise TransportError(f"injected lost reply (request {index} reached the server)")
    if isinstance(fault, Truncate):
        raise TransportError(f"injected truncated reply (request {index} reached the server)")
    if isinstance(fault, RewriteReply):
        return fault.fn(response)
    return response


def encode_response(response: HttpResponse) -> bytes:
    """``response`` as HTTP/1.1 bytes, framed by its body's length."""
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = "Unknown"
    lines = [f"HTTP/1.1 {response.status} {reason}"]
    lines += [
        f"{name}: {value}"
        for name, value in response.headers.items()
        if name.lower() not in ("content-length", "transfer-encoding", "connection")
    ]
    lines.append(f"Content-Length: {len(response.body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + response.body


class FaultProxy:
    """A TCP proxy on ``127.0.0.1:<free port>`` that injects a plan's faults on the wire.

    Point a client at ``proxy.url`` instead of ``upstream``. ``start()`` runs the proxy's own
    event loop in a thread, so sync and async tests use it alike; ``stop()`` (or leaving the
    ``with`` block) closes every connection and ends the thread. The plan is called on the
    proxy's thread. ``requests`` counts the requests seen; ``injected`` records
    ``(index, fault)``. At most ``max_connections`` clients are served at once, and upstream
    replies must arrive within ``upstream_timeout`` seconds.

    Example:
        >>> with FaultProxy("http://127.0.0.1:9", lambda request, index: None) as proxy:
        ...     proxy.url.startswith("http://127.0.0.1:")
        True
    """

    def __init__(
        self,
        upstream: str,
        plan: FaultSchedule | None = None,
        *,
        max_connections: int = 256,
        upstream_timeout: float = 30.0,
    ) -> None:
        self.upstream, _ = route(upstream)
        self.plan: FaultSchedule = plan if plan is not None else (lambda request, index: None)
        self.requests = 0
        self.injected: list[tuple[int, Fault]] = []
        self.port = 0
        self._max_connections = max_connections
        self._upstream_timeout = upstream_timeout
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Future[None] | None = None
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._handlers: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        """Where clients connect: ``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FaultProxy:
        """Start serving (returns once the port is open)."""
        if self._thread is not None:
            raise RuntimeError("the proxy is already started")
        self._thread = threading.Thread(target=self._run, name="FaultProxy", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the fault proxy did not start within 10 s")
        if self._failure is not None:
            raise RuntimeError("the fault proxy failed to start") from self._failure
        return self

    def stop(self) -> None:
        """Close every connection and end the proxy's thread."""
        loop, stopping, thread = self._loop, self._stopping, self._thread
        if loop is not None and stopping is not None and not loop.is_closed():

            def finish() -> None:
                if not stopping.done():
                    stopping.set_result(None)

            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(finish)
        if thread is not None:
            thread.join(10)
        self._thread = None

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve())
        except BaseException as exc:  # reported by start(); never leaks from the thread
            self._failure = exc
        finally:
            self._ready.set()
            loop.close()

    async def _serve(self) -> None:
        self._stopping = asyncio.get_running_loop().create_future()
        server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            await self._stopping
        finally:
            server.close()
            for task in list(self._handlers):
                task.cancel()
            await asyncio.gather(*self._handlers, return_exceptions=True)
            await server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is None or len(self._handlers) >= self._max_connections:
            writer.transport.abort()
            return
        self._handlers.add(task)
        try:
            await _ProxiedConnection(self, reader, writer).run()
        except (OSError, TransportError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass  # a broken client or upstream ends this connection only
        finally:
            writer.transport.abort()
            self._handlers.discard(task)

    def _next_fault(self, request: HttpRequest) -> tuple[int, Fault | None]:
        index = self.requests
        self.requests += 1
        fault = _decide(self.plan, request, index)
        if fault is not None:
            self.injected.append((index, fault))
        return index, fault


class _ProxiedConnection:
    """One client connection of a :class:`FaultProxy`, with its own upstream connection."""

    def __init__(
        self, proxy: FaultProxy, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.proxy = proxy
        self.reader = reader
        self.writer = writer
        self.upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def run(self) -> None:
        try:
            while True:
                found = await self._read_request()
                if found is None:
                    return
                raw, request = found
                index, fault = self.proxy._next_fault(request)
                if isinstance(fault, Reset):
                    return  # the caller aborts the client socket: a reset, nothing forwarded
                if isinstance(fault, ErrorReply):
                    self.writer.write(encode_response(fault.response(index)))
                    await self.writer.drain()
                    continue
                reply, response, keep_alive = await self._forward(raw)
                if isinstance(fault, DropReply):
                    return
                if isinstance(fault, Truncate):
                    self.writer.write(reply[: fault.keep])
                    await self.writer.drain()
                    return
                if isinstance(fault, Delay):
                    await asyncio.sleep(fault.seconds)
                if isinstance(fault, RewriteReply):
                    reply = encode_response(fault.fn(response))
                self.writer.write(reply)
                await self.writer.drain()
                if not keep_alive:
                    return
        finally:
            if self.upstream is not None:
                self.upstream[1].transport.abort()

    async def _read_request(self) -> tuple[bytes, HttpRequest] | None:
        try:
            head = await self.reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as exc:
            if exc.partial:
                raise
            return None  # the client closed between requests
        lines = head[:-4].decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        headers = tuple(
            (name, value.strip()) for name, _, value in (line.partition(":") for line in lines[1:])
        )
        length = next((int(v) for n, v in headers if n.lower() == "content-length"), 0)
        body = await self.reader.readexactly(length)
        url = f"{self.proxy.upstream.scheme}://{self.proxy.upstream.netloc}{target}"
        return head + body, HttpRequest(method, url, headers, body)

    async def _forward(self, raw: bytes) -> tuple[bytes, HttpResponse, bool]:
        """Send ``raw`` upstream; the reply's bytes, its parsed form, and its keep-alive."""
        upstream = self.proxy.upstream
        if self.upstream is None:
            tls = ssl.create_default_context() if upstream.scheme == "https" else None
            self.upstream = await asyncio.open_connection(upstream.host, upstream.port, ssl=tls)
        reader, writer = self.upstream
        writer.write(raw)
        parser = ResponseParser()
        chunks: list[bytes] = []
        async with asyncio.timeout(self.proxy._upstream_timeout):
            while True:
                data = await reader.read(65536)
                if not data:
                    response = parser.feed_eof()
                    break
                chunks.append(data)
                found = parser.feed(data)
                if found is not None:
                    response = found
                    break
        if not parser.keep_alive:
            writer.transport.abort()
            self.upstream = None
        return b"".join(chunks), response, parser.keep_alive
