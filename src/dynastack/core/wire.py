"""HTTP request and response values exchanged between the client and its transport.

They are plain frozen data, so that the core can build and inspect them without I/O and a
transport (real socket, fault injector, recorder) only has to move bytes.

Example:
    >>> req = HttpRequest("POST", "http://127.0.0.1:8000/", (("x-amz-target", "X"),), b"{}")
    >>> req.header("X-Amz-Target")
    'X'
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["Endpoint", "HttpRequest", "HttpResponse"]

_SECRET_HEADERS = frozenset({"authorization", "x-amz-security-token"})


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """One HTTP/1.1 request; ``url`` is absolute, header names keep the case they were given."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def __repr__(self) -> str:
        # credentials and item values never reach a log through a repr
        shown = tuple((k, "***" if k.lower() in _SECRET_HEADERS else v) for k, v in self.headers)
        return f"HttpRequest({self.method!r}, {self.url!r}, {shown!r}, <{len(self.body)} bytes>)"

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or ``None``."""
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return None


@dataclass(frozen=True, slots=True)
class HttpResponse:
    """One HTTP/1.1 response; header names are lower-case."""

    status: int
    headers: dict[str, str]
    body: bytes

    def __repr__(self) -> str:
        return f"HttpResponse({self.status}, <{len(self.body)} bytes>)"


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A parsed endpoint URL: ``Endpoint.parse("https://dynamodb.eu-west-1.amazonaws.com")``.

    Example:
        >>> Endpoint.parse("http://127.0.0.1:8000").netloc
        '127.0.0.1:8000'
    """

    scheme: str
    host: str
    port: int
    path: str = "/"

    @classmethod
    def parse(cls, url: str) -> Endpoint:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            from dynastack.errors import ConfigurationError

            raise ConfigurationError(
                f"endpoint {url!r} must be an absolute http:// or https:// URL"
            )
        port = parts.port or (443 if parts.scheme == "https" else 80)
        return cls(parts.scheme, parts.hostname, port, parts.path or "/")

    @property
    def netloc(self) -> str:
        """``host[:port]`` as it belongs in a ``Host`` header (default ports omitted).

        An IPv6 address keeps its brackets (RFC 3986 3.2.2); ``host`` itself has none,
        because that is the form a socket connects to:

        >>> Endpoint.parse("http://[::1]:8000").netloc, Endpoint.parse("http://[::1]:8000").host
        ('[::1]:8000', '::1')
        """
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.netloc}{self.path}"
