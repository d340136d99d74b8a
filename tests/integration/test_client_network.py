"""HTTPS_PROXY / NO_PROXY and AWS_CA_BUNDLE on the AWS path (issue 7, item 23).

Nothing here is mocked. The "AWS endpoint" is https://dynamodb.us-east-1.amazonaws.com, which
only the proxy can resolve: a small CONNECT proxy on 127.0.0.1 tunnels every request to a TLS
front, also on 127.0.0.1, that presents a self-signed certificate for that name (made with
``cryptography``) and relays the decrypted bytes to the session's DynamoDB Local. So a reply
proves the client went through the proxy, verified the certificate against AWS_CA_BUNDLE and
spoke to a real DynamoDB.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import ipaddress
import ssl
import threading
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from dynastack.client.async_client import AsyncClient
from dynastack.client.client import Client
from dynastack.client.credentials import local_credentials
from dynastack.client.network import Proxy
from dynastack.core.wire import Endpoint
from dynastack.errors import ConfigurationError, ConnectError

pytestmark = pytest.mark.integration

AWS = "https://dynamodb.us-east-1.amazonaws.com"


def _certificate(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "dynastack test CA")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("dynamodb.us-east-1.amazonaws.com"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                ]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "ca.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError, OSError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    with contextlib.suppress(Exception):
        writer.close()


async def _splice(
    a: tuple[asyncio.StreamReader, asyncio.StreamWriter],
    b: tuple[asyncio.StreamReader, asyncio.StreamWriter],
) -> None:
    await asyncio.gather(_pump(a[0], b[1]), _pump(b[0], a[1]))


@dataclass
class Network:
    """The proxy and the TLS front, on one event loop in a background thread."""

    upstream: Endpoint
    cert: Path
    key: Path
    answer: bytes = b"HTTP/1.1 200 Connection established\r\n\r\n"
    connects: list[str] = field(default_factory=list)
    authorizations: list[str | None] = field(default_factory=list)
    proxy_port: int = 0
    front_port: int = 0

    async def _front(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up = await asyncio.open_connection(self.upstream.host, self.upstream.port)
        await _splice((reader, writer), up)

    async def _proxy(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        self.connects.append(lines[0])
        auth = [line.split(": ", 1)[1] for line in lines if line.startswith("Proxy-Authorization")]
        self.authorizations.append(auth[0] if auth else None)
        writer.write(self.answer)
        await writer.drain()
        if not self.answer.startswith(b"HTTP/1.1 200"):
            writer.close()
            return
        # every tunnel, whatever host it names, leads to the TLS front
        front = await asyncio.open_connection("127.0.0.1", self.front_port)
        await _splice((reader, writer), front)

    async def start(self) -> None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        self._servers = [
            await asyncio.start_server(self._front, "127.0.0.1", 0, ssl=context),
            await asyncio.start_server(self._proxy, "127.0.0.1", 0),
        ]
        self.front_port = self._servers[0].sockets[0].getsockname()[1]
        self.proxy_port = self._servers[1].sockets[0].getsockname()[1]

    async def stop(self) -> None:
        for server in self._servers:
            server.close()


@pytest.fixture
def network(dynamodb_endpoint: str, tmp_path: Path) -> Iterator[Network]:
    cert, key = _certificate(tmp_path)
    net = Network(Endpoint.parse(dynamodb_endpoint), cert, key)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    def run(coro: Coroutine[Any, Any, None]) -> None:
        asyncio.run_coroutine_threadsafe(coro, loop).result(10)

    run(net.start())
    yield net
    run(net.stop())
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.close()


@pytest.fixture(params=["Client", "AsyncClient"])
def is_async(request: pytest.FixtureRequest) -> bool:
    return bool(request.param == "AsyncClient")


async def list_tables(endpoint: str, is_async: bool) -> dict[str, Any]:
    options: dict[str, Any] = {"region": "us-east-1", "credentials": local_credentials()}
    if is_async:
        async with AsyncClient(endpoint, **options) as aclient:
            return await aclient.list_tables()
    with Client(endpoint, **options) as client:
        return client.list_tables()


@pytest.fixture
def via_proxy(network: Network, monkeypatch: pytest.MonkeyPatch) -> Network:
    monkeypatch.setenv("HTTPS_PROXY", f"http://user:s%40cret@127.0.0.1:{network.proxy_port}")
    monkeypatch.setenv("AWS_CA_BUNDLE", str(network.cert))
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    return network


async def test_the_aws_endpoint_is_reached_through_the_proxy_trusting_the_bundle(
    via_proxy: Network, is_async: bool
) -> None:
    reply = await list_tables(AWS, is_async)
    assert isinstance(reply["TableNames"], list)
    assert reply["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert via_proxy.connects == ["CONNECT dynamodb.us-east-1.amazonaws.com:443 HTTP/1.1"]
    assert via_proxy.authorizations == ["Basic dXNlcjpzQGNyZXQ="]  # user:s@cret


async def test_without_the_bundle_the_certificate_is_refused(
    via_proxy: Network, is_async: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_CA_BUNDLE")
    with pytest.raises(ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        await list_tables(AWS, is_async)
    assert via_proxy.connects  # the tunnel was made; TLS refused the self-signed certificate


async def test_a_proxy_refusal_is_named(via_proxy: Network, is_async: bool) -> None:
    via_proxy.answer = b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n"
    with pytest.raises(ConnectError, match="407 Proxy Authentication Required") as caught:
        await list_tables(AWS, is_async)
    assert "s@cret" not in str(caught.value) and "cret" not in repr(caught.value)


async def test_loopback_stays_direct(via_proxy: Network, is_async: bool) -> None:
    # the TLS front itself, by IP: HTTPS, but loopback, so never through the proxy
    reply = await list_tables(f"https://127.0.0.1:{via_proxy.front_port}", is_async)
    assert isinstance(reply["TableNames"], list)
    assert via_proxy.connects == []


async def test_no_proxy_sends_a_host_direct(
    via_proxy: Network, is_async: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # .invalid never resolves (RFC 2606): through the proxy it is tunnelled (and its name
    # fails the certificate); named in NO_PROXY it is looked up directly, and that fails
    with pytest.raises(ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        await list_tables("https://dynamodb.invalid", is_async)
    assert set(via_proxy.connects) == {"CONNECT dynamodb.invalid:443 HTTP/1.1"}  # and retries
    tunnelled = len(via_proxy.connects)
    monkeypatch.setenv("NO_PROXY", "example.org, .invalid")
    with pytest.raises(ConnectError, match=r"cannot connect to dynamodb\.invalid"):
        await list_tables("https://dynamodb.invalid", is_async)
    assert len(via_proxy.connects) == tunnelled


@pytest.mark.parametrize(
    ("no_proxy", "url", "covered"),
    [
        ("", "https://dynamodb.eu-west-1.amazonaws.com", True),
        ("*", "https://dynamodb.eu-west-1.amazonaws.com", False),
        ("amazonaws.com", "https://dynamodb.eu-west-1.amazonaws.com", False),
        (".amazonaws.com", "https://amazonaws.com", False),
        ("zonaws.com", "https://dynamodb.amazonaws.com", True),
        ("db.corp:8443", "https://db.corp:8443", False),
        ("db.corp:8443", "https://db.corp", True),
        ("10.0.0.0/8", "https://10.1.2.3", False),
        ("10.0.0.0/8", "https://11.1.2.3", True),
        ("", "https://localhost:8443", False),
        ("", "https://[::1]:8443", False),
        ("", "http://db.corp:8000", False),
    ],
)
def test_which_endpoints_the_proxy_covers(no_proxy: str, url: str, covered: bool) -> None:
    proxy = Proxy.parse("http://127.0.0.1:3128", no_proxy)
    assert proxy.covers(Endpoint.parse(url)) is covered


def test_bad_settings_are_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "https://proxy:3128")
    with pytest.raises(ConfigurationError, match="must be an http:// proxy URL"):
        Client(AWS, region="us-east-1", credentials=local_credentials())
    monkeypatch.delenv("HTTPS_PROXY")
    monkeypatch.setenv("AWS_CA_BUNDLE", str(tmp_path / "missing.pem"))
    with pytest.raises(ConfigurationError, match=r"AWS_CA_BUNDLE=.* is not a file"):
        Client(AWS, region="us-east-1", credentials=local_credentials())
