"""AWS Signature Version 4 as a pure function: request + credentials + time → signed request.

Why our own signer: botocore's ``SigV4Auth`` needs an ``AWSRequest``, reads the clock itself
and re-derives the signing key on every call, which costs more than the rest of our client's
hot path together. Here the clock is an argument (so tests and retries are deterministic),
the derived key is cached per (secret, date, region, service) as ready HMAC states, and the
canonical request per (method, URL, headers, token) as a template with holes for the time and
the body hash: a DynamoDB client signs the same few ``POST /`` shapes all day long. Keep
headers that change per request (``Content-Length``) out of the request you sign; the
transport adds them unsigned, which SigV4 allows.

The output is byte-for-byte what botocore's ``SigV4Auth.add_auth`` produces for the same
request, credentials and time (tests/core/test_signing.py compares the two on generated
requests). That includes botocore's quirks, mirrored on purpose:

* every header is signed except a fixed blacklist (``user-agent``, ``connection``, tracing
  headers …); names are lower-cased and sorted, repeated headers are joined with ``,`` and
  each value has its whitespace runs collapsed (``" ".join(value.split())``);
* ``host`` is signed from the URL when the request has no ``Host`` header (we also add the
  header, so what is sent is what was signed);
* an existing ``Authorization`` and ``X-Amz-Date`` are replaced; ``X-Amz-Security-Token`` is
  replaced only when the credentials carry a token; a ``Date`` header, if present, is
  rewritten and used instead of ``X-Amz-Date``;
* the payload hash is the SHA-256 of the body, unless the request carries
  ``X-Amz-Content-SHA256`` (then its value is used as given). DynamoDB needs no such header
  and none is added;
* the path has dot segments and repeated slashes removed and is then percent-encoded (so an
  already-encoded path is encoded again, as botocore does); the query string is split on
  ``&``/``=`` and sorted but not re-encoded.

Nothing here logs, and ``Credentials`` masks its secrets in ``repr``. A signed request carries
the session token in a header: do not log signed requests whole.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

from dynastack.core.wire import HttpRequest

__all__ = ["SIGNED_HEADERS_BLACKLIST", "Credentials", "sign", "signed_headers"]

#: header names never signed: hop-by-hop headers, proxies and tracers rewrite them in flight
#: (a copy of ``botocore.auth.SIGNED_HEADERS_BLACKLIST``; a test pins the two together)
SIGNED_HEADERS_BLACKLIST = frozenset(
    {
        "baggage",
        "connection",
        "expect",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "traceparent",
        "tracestate",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "user-agent",
        "x-amzn-trace-id",
    }
)

_ALGORITHM = "AWS4-HMAC-SHA256"
_AMZ_DATE = "%Y%m%dT%H%M%SZ"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)  # a naive ``now`` is UTC, as botocore's own clock is
_SECOND = timedelta(seconds=1)
# All caches are small and bounded by clearing when full: signing keys change once a day per
# credential set, and a client sends a handful of header sets to one or two URLs. Plain dict
# reads and writes are atomic under the GIL, so concurrent signers at worst compute twice.
_CACHE_LIMIT = 256
#: (secret, yyyymmdd, region, service) → (HMAC inner state, HMAC outer state, scope)
_KEYS: dict[tuple[str, str, str, str], tuple[Any, Any, str]] = {}
#: (method, url, headers, token) → everything about the canonical request but time and body
_TEMPLATES: dict[tuple[str, str, tuple[tuple[str, str], ...], str | None], _Template] = {}
#: the last whole second formatted: requests within one second share the string
_last_second: tuple[int, str] = (0, "19700101T000000Z")


@dataclass(frozen=True, slots=True, repr=False)
class Credentials:
    """One AWS key pair, with the session token of temporary credentials.

    The ``repr`` shows the access key id (it travels in clear text in every ``Authorization``
    header anyway, and says which identity was used) and masks the rest.

    Example:
        >>> Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "tok")
        Credentials(access_key='AKIDEXAMPLE', secret_key='***', token='***')
    """

    access_key: str
    secret_key: str
    token: str | None = None

    def __repr__(self) -> str:
        token = "None" if self.token is None else "'***'"
        return f"Credentials(access_key={self.access_key!r}, secret_key='***', token={token})"


@dataclass(frozen=True, slots=True, repr=False)  # ``after`` holds the session token
class _Template:
    """A canonical request with holes for the time and the body hash.

    ``canonical(date) = head + date + tail + payload_hash``; the signed request's headers are
    ``before + ((date_name, date),) + after + (("Authorization", …),)``.
    """

    head: str
    tail: str
    signed_headers: str
    before: tuple[tuple[str, str], ...]
    after: tuple[tuple[str, str], ...]
    date_name: str  # "X-Amz-Date", or "Date" when the request brought a Date header
    payload_hash: str | None  # a given X-Amz-Content-SHA256, else None: hash the body


def sign(
    request: HttpRequest,
    credentials: Credentials,
    *,
    region: str,
    service: str,
    now: datetime,
) -> HttpRequest:
    """Return a copy of ``request`` signed with SigV4 for ``region``/``service`` at ``now``.

    ``now`` is converted to UTC when it is timezone-aware; a naive ``now`` is taken as UTC
    (as botocore's own clock is). DynamoDB Streams signs with service ``"dynamodb"`` too.

    Example:
        >>> from datetime import UTC, datetime, timedelta
        >>> req = HttpRequest(
        ...     "POST",
        ...     "https://dynamodb.us-east-1.amazonaws.com/",
        ...     (
        ...         ("Content-Type", "application/x-amz-json-1.0"),
        ...         ("X-Amz-Target", "DynamoDB_20120810.GetItem"),
        ...     ),
        ...     b'{"TableName":"t","Key":{"pk":{"S":"a"}}}',
        ... )
        >>> creds = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
        >>> now = datetime(2015, 8, 30, 12, 36, tzinfo=UTC)
        >>> signed = sign(req, creds, region="us-east-1", service="dynamodb", now=now)
        >>> signed.header("X-Amz-Date"), signed.header("Host")
        ('20150830T123600Z', 'dynamodb.us-east-1.amazonaws.com')
        >>> print(signed.header("Authorization").replace(", ", ",\\n"))
        AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/dynamodb/aws4_request,
        SignedHeaders=content-type;host;x-amz-date;x-amz-target,
        Signature=45ee44bea424e226d0017dad9a154dfbd437f63bc9584bd80a68e5d1771a0269
    """
    # Exact integer arithmetic: a float timestamp can round x.999999 up to the next second.
    second = (now - (_EPOCH if now.tzinfo is not None else _NAIVE_EPOCH)) // _SECOND
    headers = signed_headers(
        request.method,
        request.url,
        request.headers,
        request.body,
        credentials,
        region=region,
        service=service,
        second=second,
    )
    return HttpRequest(request.method, request.url, headers, request.body)


def signed_headers(
    method: str,
    url: str,
    headers: tuple[tuple[str, str], ...],
    body: bytes,
    credentials: Credentials,
    *,
    region: str,
    service: str,
    second: int,
) -> tuple[tuple[str, str], ...]:
    """The headers of the request ``sign`` returns, at ``second`` (whole seconds since 1970).

    The client's hot path calls this directly: it builds one ``HttpRequest`` per attempt
    instead of two, and reads the clock as an integer instead of through ``datetime``.

    >>> creds = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    >>> out = signed_headers("POST", "http://127.0.0.1:8000/", (), b"{}", creds,
    ...                      region="us-east-1", service="dynamodb", second=1440938160)
    >>> [name for name, _ in out]
    ['Host', 'X-Amz-Date', 'Authorization']
    """
    global _last_second  # noqa: PLW0603 - a one-entry cache; races only recompute it
    last = _last_second
    if last[0] == second:
        amz_date = last[1]
    else:
        amz_date = time.strftime(_AMZ_DATE, time.gmtime(second))
        _last_second = (second, amz_date)

    token = credentials.token or None
    template_key = (method, url, headers, token)
    template = _TEMPLATES.get(template_key)
    if template is None:
        template = _build_template(template_key)
    date_value = amz_date if template.date_name == "X-Amz-Date" else _http_date(second)
    payload_hash = template.payload_hash
    if payload_hash is None:
        payload_hash = hashlib.sha256(body).hexdigest()
    canonical_request = template.head + date_value + template.tail + payload_hash

    datestamp = amz_date[:8]
    key_id = (credentials.secret_key, datestamp, region, service)
    signing_key = _KEYS.get(key_id)
    if signing_key is None:
        signing_key = _derive_key(key_id)
    inner_state, outer_state, scope = signing_key
    # HMAC-SHA256 (RFC 2104) resumed from the cached key states: a third of hmac.digest's cost.
    inner = inner_state.copy()
    inner.update(
        f"{_ALGORITHM}\n{amz_date}\n{scope}\n"
        f"{hashlib.sha256(canonical_request.encode()).hexdigest()}".encode()
    )
    outer = outer_state.copy()
    outer.update(inner.digest())
    authorization = (
        f"{_ALGORITHM} Credential={credentials.access_key}/{scope}, "
        f"SignedHeaders={template.signed_headers}, Signature={outer.hexdigest()}"
    )
    return (
        *template.before,
        (template.date_name, date_value),
        *template.after,
        ("Authorization", authorization),
    )


def _build_template(
    template_key: tuple[str, str, tuple[tuple[str, str], ...], str | None],
) -> _Template:
    """Canonicalize a request once, as botocore's ``SigV4Auth`` does, leaving the time out."""
    method, url, headers, token = template_key
    kept: list[tuple[str, str]] = []
    to_sign: dict[str, list[str]] = {}
    has_date = False
    payload_hash: str | None = None
    for name, value in headers:
        lname = name.lower()
        if lname in ("authorization", "x-amz-date"):
            continue  # replaced: this may be a retry of a signed request
        if lname == "date":
            has_date = True
            continue
        if token and lname == "x-amz-security-token":
            continue
        if payload_hash is None and lname == "x-amz-content-sha256":
            payload_hash = value
        kept.append((name, value))
        if lname not in SIGNED_HEADERS_BLACKLIST:
            to_sign.setdefault(lname, []).append(value)

    host, path, query = _parse_url(url)
    date_name = "Date" if has_date else "X-Amz-Date"
    after: tuple[tuple[str, str], ...] = ()
    if token:
        after = (("X-Amz-Security-Token", token),)
        to_sign["x-amz-security-token"] = [token]
    if "host" not in to_sign:
        kept.insert(0, ("Host", host))
        to_sign["host"] = [host]

    names = sorted([*to_sign, date_name.lower()])
    split = names.index(date_name.lower())
    lines = [
        f"{n}:{','.join([' '.join(v.split()) for v in to_sign[n]])}" for n in names if n in to_sign
    ]
    signed_headers = ";".join(sorted([n.strip() for n in names]))
    head = "".join([f"{method.upper()}\n{path}\n{query}\n", *[f"{x}\n" for x in lines[:split]]])
    tail = "".join([f"\n{x}" for x in lines[split:]])
    template = _Template(
        head=f"{head}{date_name.lower()}:",
        tail=f"{tail}\n\n{signed_headers}\n",
        signed_headers=signed_headers,
        before=tuple(kept),
        after=after,
        date_name=date_name,
        payload_hash=payload_hash,
    )
    if len(_TEMPLATES) >= _CACHE_LIMIT:
        _TEMPLATES.clear()
    _TEMPLATES[template_key] = template
    return template


def _derive_key(key_id: tuple[str, str, str, str]) -> tuple[Any, Any, str]:
    """HMAC states for the signing key of (secret, yyyymmdd, region, service), and its scope."""
    secret, datestamp, region, service = key_id
    key = hmac.digest(f"AWS4{secret}".encode(), datestamp.encode(), "sha256")
    for part in (region, service, "aws4_request"):
        key = hmac.digest(key, part.encode(), "sha256")
    padded = key.ljust(64, b"\0")  # SHA-256 block size; the key is 32 bytes
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in padded))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in padded))
    value = (inner, outer, f"{datestamp}/{region}/{service}/aws4_request")
    if len(_KEYS) >= _CACHE_LIMIT:
        _KEYS.clear()
    _KEYS[key_id] = value
    return value


def _parse_url(url: str) -> tuple[str, str, str]:
    """(Host header value, canonical path, canonical query string) of ``url``."""
    parts = urlsplit(url)
    host = parts.hostname or ""  # urlsplit lower-cases it
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    if port is not None and port != {"http": 80, "https": 443}.get(parts.scheme):
        host = f"{host}:{port}"
    path = quote(_remove_dot_segments(parts.path) if parts.path else "/", safe="/~")
    query = ""
    if parts.query:
        pairs = sorted(pair.partition("=")[::2] for pair in parts.query.split("&"))
        query = "&".join(f"{k}={v}" for k, v in pairs)
    return host, path, query


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4, plus collapsing repeated slashes, as AWS services expect."""
    output: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if output:
                output.pop()
        elif segment and segment != ".":
            output.append(segment)
    first = "/" if path[0] == "/" else ""
    last = "/" if path[-1] == "/" and output else ""
    return first + "/".join(output) + last


def _http_date(second: int) -> str:
    """The RFC 2822 ``Date`` value botocore writes when a request brings a ``Date`` header."""
    from email.utils import formatdate

    return formatdate(second)
