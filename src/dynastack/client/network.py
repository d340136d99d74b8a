"""How a client reaches an endpoint: by ``HTTPS_PROXY`` unless ``NO_PROXY``; ``AWS_CA_BUNDLE``.

Corporate networks and VPCs without a NAT route AWS traffic through an HTTP proxy and often
re-sign TLS with their own certificate authority; boto3 honours ``HTTPS_PROXY``, ``NO_PROXY``
and ``AWS_CA_BUNDLE`` there, so code moved to dynastack must too, or it cannot reach AWS at
all. The rules, as botocore / requests apply them:

* ``HTTPS_PROXY`` (or ``https_proxy``) names an ``http://[user:password@]host:port`` proxy; an
  HTTPS endpoint is reached through a ``CONNECT`` tunnel, and TLS runs end to end with the
  endpoint (the proxy sees only the host name). Plain-``http`` endpoints (DynamoDB Local,
  Alternator in a lab) are never proxied: ``HTTP_PROXY`` is not read.
* ``NO_PROXY`` (or ``no_proxy``): comma-separated host names (``example.com`` and
  ``.example.com`` both cover the domain and its subdomains), IP addresses or CIDR blocks,
  each optionally with ``:port``, or ``*`` for every host. Loopback endpoints are always direct.
* ``AWS_CA_BUNDLE``: a PEM file that replaces the default trust store for TLS.

The tunnel is set up while connecting, so each failure is a ``ConnectError`` naming the cause
(proxy unreachable, the proxy's refusal such as ``407 Proxy Authentication Required``):
nothing of the request was sent. Credentials in the proxy URL are sent as
``Proxy-Authorization`` and never appear in an error or ``repr``.

Example:
    >>> proxy = Proxy.from_env({"HTTPS_PROXY": "http://proxy.corp:3128", "NO_PROXY": ".internal"})
    >>> proxy
    Proxy('http://proxy.corp:3128', no_proxy=('.internal',))
    >>> proxy.covers(Endpoint.parse("https://dynamodb.eu-west-1.amazonaws.com"))
    True
    >>> proxy.covers(Endpoint.parse("https://db.internal"))
    False
    >>> proxy.covers(Endpoint.parse("https://127.0.0.1:8443"))  # loopback: always direct
    False
"""

from __future__ import annotations

import base64
import ipaddress
import os
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from dynastack.core.wire import Endpoint
from dynastack.errors import ConfigurationError, ConnectError

__all__ = ["Proxy", "ca_bundle_from_env", "tls_context"]

#: the longest proxy reply head we read before giving up on it
_MAX_HEAD = 16 * 1024


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _bypassed(host: str, port: int, entry: str) -> bool:
    """Whether one ``NO_PROXY`` entry covers ``host:port``."""
    if entry == "*":
        return True
    name, _, wanted = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "")
    if wanted and (not wanted.isdigit() or int(wanted) != port):
        return False
    name = name.strip("[]").lower()
    try:
        return ipaddress.ip_address(host) in ipaddress.ip_network(name, strict=False)
    except ValueError:
        pass  # not an address and a network: compare as names
    domain = name.lstrip(".")
    return bool(domain) and (host == domain or host.endswith("." + domain))


@dataclass(frozen=True, slots=True)
class Proxy:
    """An HTTP proxy for HTTPS endpoints (``CONNECT``), and the hosts that bypass it."""

    host: str
    port: int
    no_proxy: tuple[str, ...] = ()
    authorization: str | None = field(default=None, repr=False)

    @classmethod
    def parse(cls, url: str, no_proxy: str = "") -> Proxy:
        """A proxy from its URL (``http://[user:password@]host:port``; no scheme means http)."""
        parts = urlsplit(url if "://" in url else f"http://{url}")
        if parts.scheme != "http":
            raise ConfigurationError(
                f"HTTPS_PROXY must be an http:// proxy URL (TLS to the proxy itself is not "
                f"supported), got scheme {parts.scheme!r}"
            )
        try:
            port = parts.port or 80
        except ValueError:
            raise ConfigurationError("HTTPS_PROXY has an invalid port") from None
        if not parts.hostname:
            raise ConfigurationError("HTTPS_PROXY names no proxy host")
        authorization = None
        if parts.username is not None:
            user_password = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
            authorization = "Basic " + base64.b64encode(user_password.encode()).decode("ascii")
        entries = tuple(e.strip().lower() for e in no_proxy.split(",") if e.strip())
        return cls(parts.hostname, port, entries, authorization)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Proxy | None:
        """The proxy ``HTTPS_PROXY`` / ``NO_PROXY`` configure, or ``None``."""
        env = os.environ if environ is None else environ
        url = env.get("HTTPS_PROXY") or env.get("https_proxy")
        if not url:
            return None
        return cls.parse(url, env.get("NO_PROXY") or env.get("no_proxy") or "")

    def covers(self, endpoint: Endpoint) -> bool:
        """Whether connections to ``endpoint`` go through this proxy."""
        host = endpoint.host.lower()
        if endpoint.scheme != "https" or _is_loopback(host):
            return False
        return not any(_bypassed(host, endpoint.port, entry) for entry in self.no_proxy)

    def _connect_request(self, endpoint: Endpoint) -> bytes:
        host = f"[{endpoint.host}]" if ":" in endpoint.host else endpoint.host
        target = f"{host}:{endpoint.port}"
        lines = [f"CONNECT {target} HTTP/1.1", f"Host: {target}"]
        if self.authorization is not None:
            lines.append(f"Proxy-Authorization: {self.authorization}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")

    def _check_reply(self, head: bytes, endpoint: Endpoint) -> None:
        status_line = head.split(b"\r\n", 1)[0].decode("latin-1")
        parts = status_line.split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
            raise ConnectError(f"proxy {self.host}:{self.port} sent no HTTP reply to CONNECT")
        if not 200 <= int(parts[1]) < 300:
            raise ConnectError(
                f"proxy {self.host}:{self.port} refused to tunnel to {endpoint.netloc}: "
                f"{' '.join(parts[1:])}"
            )

    def tunnel(self, endpoint: Endpoint, timeout: float) -> socket.socket:
        """A blocking socket tunnelled to ``endpoint`` (TLS is the caller's to start)."""
        try:
            sock = socket.create_connection((self.host, self.port), timeout)
        except OSError as exc:
            raise ConnectError(f"cannot connect to proxy {self.host}:{self.port}: {exc}") from exc
        try:
            sock.sendall(self._connect_request(endpoint))
            head = b""
            while b"\r\n\r\n" not in head:
                data = sock.recv(4096)
                if not data or len(head) > _MAX_HEAD:
                    raise ConnectError(
                        f"proxy {self.host}:{self.port} closed the tunnel to {endpoint.netloc}"
                    )
                head += data
            self._check_reply(head, endpoint)
        except OSError as exc:
            sock.close()
            raise ConnectError(
                f"proxy {self.host}:{self.port} failed tunnelling to {endpoint.netloc}: {exc}"
            ) from exc
        except BaseException:
            sock.close()
            raise
        return sock

    async def atunnel(self, endpoint: Endpoint) -> socket.socket:
        """The async twin of ``tunnel``: a non-blocking socket, for ``create_connection(sock=)``.

        The caller bounds it with its connect timeout.
        """
        import asyncio  # here: the blocking client imports this module and needs no event loop

        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(self.host, self.port, type=socket.SOCK_STREAM)
            family, kind, proto, _, address = infos[0]
            sock = socket.socket(family, kind, proto)
        except OSError as exc:
            raise ConnectError(f"cannot connect to proxy {self.host}:{self.port}: {exc}") from exc
        sock.setblocking(False)
        try:
            await loop.sock_connect(sock, address)
            await loop.sock_sendall(sock, self._connect_request(endpoint))
            head = b""
            while b"\r\n\r\n" not in head:
                data = await loop.sock_recv(sock, 4096)
                if not data or len(head) > _MAX_HEAD:
                    raise ConnectError(
                        f"proxy {self.host}:{self.port} closed the tunnel to {endpoint.netloc}"
                    )
                head += data
            self._check_reply(head, endpoint)
        except OSError as exc:
            sock.close()
            raise ConnectError(
                f"cannot tunnel through proxy {self.host}:{self.port} to {endpoint.netloc}: {exc}"
            ) from exc
        except BaseException:
            sock.close()
            raise
        return sock

    def __repr__(self) -> str:
        return f"Proxy('http://{self.host}:{self.port}', no_proxy={self.no_proxy!r})"


def ca_bundle_from_env(environ: Mapping[str, str] | None = None) -> str | None:
    """``AWS_CA_BUNDLE``'s path, checked to be a file, or ``None``."""
    env = os.environ if environ is None else environ
    path = env.get("AWS_CA_BUNDLE")
    if not path:
        return None
    if not os.path.isfile(path):
        raise ConfigurationError(f"AWS_CA_BUNDLE={path!r} is not a file")
    return path


def tls_context(ca_bundle: str | None) -> ssl.SSLContext | None:
    """A verifying TLS context trusting only ``ca_bundle``; ``None`` keeps the default store."""
    if ca_bundle is None:
        return None
    try:
        return ssl.create_default_context(cafile=ca_bundle)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigurationError(f"AWS_CA_BUNDLE={ca_bundle!r} is not a PEM bundle: {exc}") from exc
