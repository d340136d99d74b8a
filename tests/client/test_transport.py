"""The sync transport against a scripted HTTP server on 127.0.0.1 and against DynamoDB Local.

``ScriptedServer`` lives here and is imported by the async transport and fault tests: it
produces what DynamoDB Local cannot (idle closes on demand, hangs, chunked and HTTP/1.0
replies, garbage), chosen per request by an ``X-Test`` header.
"""

from __future__ import annotations

import contextlib
import datetime
import socket
import ssl
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from dynastack.client.transport import HttpTransport, Timeouts
from dynastack.core.wire import HttpRequest
from dynastack.errors import ConnectError, RequestTimeout, TransportError

AUTH = (
    "AWS4-HMAC-SHA256 Credential=dynastack/20260101/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=host, Signature=00"
)


def dynamodb_request(endpoint: str, action: str, body: bytes = b"{}") -> HttpRequest:
    """A raw DynamoDB call; DynamoDB Local does not check signatures (RELIABILITY fact 4)."""
    headers = (
        ("Content-Type", "application/x-amz-json-1.0"),
        ("X-Amz-Target", f"DynamoDB_20120810.{action}"),
        ("Authorization", AUTH),
    )
    return HttpRequest("POST", endpoint.rstrip("/") + "/", headers, body)


class ScriptedServer:
    """A tiny threaded HTTP/1.1 server; the ``X-Test`` header of each request picks the reply.

    ``echo`` (default) returns the body; ``chunked``, ``http10``, ``big`` and ``trickle`` vary
    the framing; ``close`` answers with ``Connection: close``; ``idle-close`` answers and then
    closes the idle connection (setting ``idle_closed``); ``no-reply`` closes without
    answering; ``hang`` never answers; ``garbage`` answers with a non-HTTP line.
    """

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.scheme = "https" if tls else "http"
        self.tls = tls
        self.connections = 0
        self.requests = 0
        self.idle_closed = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._socks: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._accept = threading.Thread(target=self._accept_loop, daemon=True)

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}/"

    def request(self, mode: str = "echo", body: bytes = b"{}", url: str = "") -> HttpRequest:
        return HttpRequest("POST", url or self.url, (("X-Test", mode),), body)

    def __enter__(self) -> ScriptedServer:
        self._accept.start()
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
        for thread in [self._accept, *self._threads]:
            thread.join(5)

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            if self.tls is not None:
                try:
                    sock = self.tls.wrap_socket(sock, server_side=True)
                except (OSError, ssl.SSLError):
                    sock.close()
                    continue
            with self._lock:
                self.connections += 1
                self._socks.append(sock)
                thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
                self._threads.append(thread)
            thread.start()

    def _serve(self, sock: socket.socket) -> None:
        buf = b""
        try:
            while True:
                while b"\r\n\r\n" not in buf:
                    data = sock.recv(65536)
                    if not data:
                        return
                    buf += data
                head, _, buf = buf.partition(b"\r\n\r\n")
                fields = dict(
                    line.split(b": ", 1) for line in head.split(b"\r\n")[1:] if b": " in line
                )
                length = int(fields.get(b"Content-Length", b"0"))
                while len(buf) < length:
                    buf += sock.recv(65536)
                body, buf = buf[:length], buf[length:]
                with self._lock:
                    self.requests += 1
                if not self._reply(sock, fields.get(b"X-Test", b"echo").decode(), body):
                    return
        except OSError:
            return
        finally:
            sock.close()

    def _reply(self, sock: socket.socket, mode: str, body: bytes) -> bool:
        """Answer one request; ``False`` closes the connection."""
        if mode == "hang":
            self._stop.wait(30)
            return False
        if mode == "no-reply":
            return False
        if mode == "garbage":
            sock.sendall(b"NOT HTTP AT ALL\r\n\r\n")
            return False
        if mode == "http10":
            sock.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: x\r\n\r\n" + body)
            return False
        if mode == "chunked":
            half = len(body) // 2
            chunks = b"".join(
                f"{len(c):x}\r\n".encode() + c + b"\r\n" for c in (body[:half], body[half:]) if c
            )
            sock.sendall(
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n"
            )
            return True
        if mode == "trickle":
            sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n")
            for _ in range(40):
                if self._stop.wait(0.05):
                    return False
                sock.sendall(b"x")
            return True
        if mode == "big":
            body = bytes(range(256)) * 8192  # 2 MiB: many reads
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


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as srv:
        yield srv


@pytest.fixture
def transport() -> Iterator[HttpTransport]:
    with HttpTransport(timeouts=Timeouts(connect=2.0, read=5.0)) as t:
        yield t


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_keep_alive_reuses_one_connection(server: ScriptedServer, transport: HttpTransport) -> None:
    for i in range(20):
        response = transport.send(server.request(body=f"req-{i}".encode()))
        assert response.status == 200
        assert response.body == f"req-{i}".encode()
    assert server.requests == 20
    assert server.connections == 1


def test_server_closing_an_idle_connection_is_survived(
    server: ScriptedServer, transport: HttpTransport
) -> None:
    assert transport.send(server.request("idle-close")).status == 200
    assert server.idle_closed.wait(5)
    # the closed idle socket is noticed before reuse: a new connection, no error
    assert transport.send(server.request(body=b"after")).body == b"after"
    assert server.connections == 2


def test_long_idle_connections_are_not_reused(
    server: ScriptedServer, transport: HttpTransport, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dynastack.client.transport as module

    monkeypatch.setattr(module, "MAX_IDLE_SECONDS", 0.0)  # every idle socket counts as old
    transport.send(server.request())
    transport.send(server.request())
    assert server.connections == 2


def test_connection_close_reply_is_not_reused(
    server: ScriptedServer, transport: HttpTransport
) -> None:
    assert transport.send(server.request("close", b"a")).body == b"a"
    assert transport.send(server.request("echo", b"b")).body == b"b"
    assert server.connections == 2


def test_chunked_reply(server: ScriptedServer, transport: HttpTransport) -> None:
    assert transport.send(server.request("chunked", b"0123456789")).body == b"0123456789"
    assert transport.send(server.request("echo", b"next")).body == b"next"
    assert server.connections == 1


def test_http10_close_delimited_reply(server: ScriptedServer, transport: HttpTransport) -> None:
    response = transport.send(server.request("http10", b"old school"))
    assert response.body == b"old school"
    assert transport.send(server.request("echo", b"again")).body == b"again"
    assert server.connections == 2


def test_big_reply_over_many_reads_then_reuse(
    server: ScriptedServer, transport: HttpTransport
) -> None:
    response = transport.send(server.request("big"))
    assert response.body == bytes(range(256)) * 8192
    assert transport.send(server.request("echo", b"small")).body == b"small"
    assert server.connections == 1


def test_read_timeout(server: ScriptedServer) -> None:
    with HttpTransport(timeouts=Timeouts(connect=2.0, read=0.2)) as t:
        with pytest.raises(RequestTimeout):
            t.send(server.request("hang"))
        assert t.send(server.request(body=b"fine")).body == b"fine"


def test_read_timeout_bounds_the_whole_reply_not_each_read(server: ScriptedServer) -> None:
    # every byte comes within 50 ms, but the whole reply takes 2 s
    with (
        HttpTransport(timeouts=Timeouts(connect=2.0, read=0.3)) as t,
        pytest.raises(RequestTimeout),
    ):
        t.send(server.request("trickle"))


def test_connect_refused_is_a_connect_error(transport: HttpTransport) -> None:
    with pytest.raises(ConnectError, match="cannot connect"):
        transport.send(HttpRequest("POST", f"http://127.0.0.1:{free_port()}/", (), b"{}"))


def test_connect_timeout_is_a_connect_error() -> None:
    # a listener that never accepts: once its backlog is full, SYNs are dropped
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/"
        fillers: list[socket.socket] = []
        try:
            while len(fillers) < 8:  # fill the backlog until a connect hangs
                filler = socket.socket()
                filler.settimeout(0.3)
                fillers.append(filler)
                try:
                    filler.connect(listener.getsockname())
                except TimeoutError:
                    break
            with (
                HttpTransport(timeouts=Timeouts(connect=0.3, read=1.0)) as t,
                pytest.raises(ConnectError),
            ):
                t.send(HttpRequest("POST", url, (), b"{}"))
        finally:
            for sock in fillers:
                sock.close()


def test_reply_lost_after_sending_is_a_transport_error_not_connect_error(
    server: ScriptedServer, transport: HttpTransport
) -> None:
    with pytest.raises(TransportError, match="before any response byte") as caught:
        transport.send(server.request("no-reply"))
    assert not isinstance(caught.value, ConnectError)
    assert transport.send(server.request(body=b"next")).body == b"next"


def test_reused_connection_dying_without_reply_is_not_a_connect_error(
    server: ScriptedServer, transport: HttpTransport
) -> None:
    transport.send(server.request())
    with pytest.raises(TransportError) as caught:
        transport.send(server.request("no-reply"))
    assert type(caught.value) is TransportError
    assert server.connections == 1  # it really was the reused connection


def test_malformed_reply_is_a_transport_error(
    server: ScriptedServer, transport: HttpTransport
) -> None:
    with pytest.raises(TransportError, match="malformed status line"):
        transport.send(server.request("garbage"))


def test_header_injection_sends_nothing(server: ScriptedServer, transport: HttpTransport) -> None:
    from dynastack.errors import InvalidRequest

    request = HttpRequest("POST", server.url, (("X-Test", "echo\r\nX: y"),), b"{}")
    with pytest.raises(InvalidRequest):
        transport.send(request)
    assert server.connections == 0


def test_eight_threads_get_their_own_replies(server: ScriptedServer) -> None:
    with HttpTransport(max_connections=3) as t:

        def work(worker: int) -> list[bool]:
            results = []
            for i in range(40):
                body = f"{worker}:{i}".encode()
                results.append(t.send(server.request(body=body)).body == body)
            return results

        with ThreadPoolExecutor(8) as pool:
            outcomes = [ok for batch in pool.map(work, range(8)) for ok in batch]
    assert outcomes == [True] * 320
    assert server.requests == 320
    assert 1 <= server.connections <= 3


def test_closed_transport_refuses_to_send(server: ScriptedServer) -> None:
    t = HttpTransport()
    t.send(server.request())
    t.close()
    with pytest.raises(RuntimeError, match="closed"):
        t.send(server.request())


def tls_files(tmp: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made with ``cryptography``."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@contextlib.contextmanager
def running_tls_server(tmp: Path) -> Iterator[tuple[ScriptedServer, ssl.SSLContext]]:
    """A ``ScriptedServer`` over TLS and a client context that trusts its certificate."""
    cert, key = tls_files(tmp)
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)
    client_ctx = ssl.create_default_context(cafile=str(cert))
    with ScriptedServer(tls=server_ctx) as srv:
        yield srv, client_ctx


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[ScriptedServer, ssl.SSLContext]]:
    with running_tls_server(tmp_path) as found:
        yield found


def test_https_with_a_trusted_certificate(
    tls_server: tuple[ScriptedServer, ssl.SSLContext],
) -> None:
    server, client_ctx = tls_server
    with HttpTransport(ssl_context=client_ctx, timeouts=Timeouts(read=0.5)) as t:
        assert t.send(server.request(body=b"secret")).body == b"secret"
        assert t.send(server.request("big")).body == bytes(range(256)) * 8192
        with pytest.raises(RequestTimeout):
            t.send(server.request("hang"))
    assert server.connections == 1


def test_https_verifies_certificates_by_default(
    tls_server: tuple[ScriptedServer, ssl.SSLContext],
) -> None:
    server, _ = tls_server
    with HttpTransport() as t, pytest.raises(ConnectError, match="certificate"):
        t.send(server.request())


@pytest.mark.integration
def test_list_tables_on_dynamodb_local(dynamodb_endpoint: str) -> None:
    with HttpTransport() as t:
        response = t.send(dynamodb_request(dynamodb_endpoint, "ListTables"))
        assert response.status == 200
        assert response.headers["content-type"] == "application/x-amz-json-1.0"
        assert b'"TableNames"' in response.body
        error = t.send(dynamodb_request(dynamodb_endpoint, "NoSuchAction"))
        assert error.status == 400
        assert b"UnknownOperationException" in error.body
        assert "x-amzn-requestid" in error.headers


@pytest.mark.integration
def test_dynamodb_local_from_eight_threads(dynamodb_endpoint: str) -> None:
    with HttpTransport(max_connections=4) as t:

        def work(_: int) -> int:
            return sum(
                t.send(dynamodb_request(dynamodb_endpoint, "ListTables")).status == 200
                for _ in range(25)
            )

        with ThreadPoolExecutor(8) as pool:
            assert sum(pool.map(work, range(8))) == 200
