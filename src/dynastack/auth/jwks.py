"""``JwksCache``: the signing keys of one issuer, fetched from its JWKS URL, kept only if usable.

Why not PyJWT's ``PyJWKClient`` (RELIABILITY fact 7): it fetches with blocking urllib inside the
event loop, caches whatever JSON object the URL returned (one bad answer then fails every valid
token until it expires) and lets a connection reset escape as a raw ``ConnectionResetError``.
Here:

* fetches go through the project's own asyncio HTTP transport (``AsyncHttpTransport``), one
  transport per fetch (fetches are rare, and a transport belongs to one event loop);
* a key set replaces the cached one only when it holds at least one usable key: ``kty`` RSA,
  ``alg`` RS256 (or absent), ``use`` ``sig`` (or absent), a ``kid``, and a modulus of at least
  2048 bits. Anything else in the document is ignored, and a document with no usable key is a
  failed fetch;
* an unknown ``kid`` (the issuer rotated its keys) triggers one refetch, but never more than one
  per ``refetch_interval`` seconds, and concurrent callers share one fetch (single flight): a
  flood of tokens with made-up kids costs one fetch per interval, not one per token;
* an outage keeps serving the last good key set (stale beats failing every user); with no key
  set at all, callers get ``JwksUnavailable`` (an ``AuthenticationFailed`` whose reason is
  ``jwks_unavailable``, which an API may map to 503), never a transport error.

Example:
    >>> cache = JwksCache("http://127.0.0.1:9/jwks.json", refetch_interval=30)
    >>> cache.fetches
    0
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from jwt import PyJWK
from jwt.exceptions import PyJWTError

from dynastack.auth.principal import AuthenticationFailed
from dynastack.client.async_transport import AsyncHttpTransport
from dynastack.client.transport import Timeouts
from dynastack.core.wire import HttpRequest

__all__ = ["MIN_RSA_BITS", "JwksCache", "JwksUnavailable", "usable_keys"]

log = logging.getLogger(__name__)

#: RSA keys below this size are refused (PyJWT accepts them with a warning only)
MIN_RSA_BITS = 2048
#: a JWKS document larger than this is not a key set
MAX_JWKS_BYTES = 256 * 1024


class JwksUnavailable(AuthenticationFailed):
    """No usable key set could be had from the issuer's JWKS URL (an API may answer 503)."""

    def __init__(self) -> None:
        super().__init__("jwks_unavailable")


def usable_keys(document: object) -> dict[str, RSAPublicKey]:
    """The usable RS256 signing keys of a JWKS document, by ``kid`` (see the module docstring).

    >>> usable_keys({"keys": [{"kty": "oct", "k": "c2VjcmV0", "kid": "h"}]})
    {}
    """
    keys: dict[str, RSAPublicKey] = {}
    if not isinstance(document, Mapping):
        return keys
    entries = document.get("keys")
    if not isinstance(entries, list):
        return keys
    for entry in entries:
        if not isinstance(entry, Mapping):
            continue
        kid = entry.get("kid")
        if not isinstance(kid, str) or not kid or entry.get("kty") != "RSA":
            continue
        if entry.get("alg", "RS256") != "RS256" or entry.get("use", "sig") != "sig":
            continue
        try:
            key = PyJWK(dict(entry), algorithm="RS256").key
        except (PyJWTError, ValueError, TypeError, KeyError):
            continue
        if isinstance(key, RSAPublicKey) and key.key_size >= MIN_RSA_BITS:
            keys[kid] = key
    return keys


class JwksCache:
    """The usable keys of one JWKS URL, refreshed every ``max_age`` seconds and on rotation.

    ``clock`` is a monotonic clock in seconds (injectable so tests can move time).
    """

    def __init__(
        self,
        url: str,
        *,
        max_age: float = 3600.0,
        refetch_interval: float = 30.0,
        timeouts: Timeouts = Timeouts(connect=2.0, read=3.0),  # noqa: B008 - frozen value
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self.max_age = max_age
        self.refetch_interval = refetch_interval
        self._timeouts = timeouts
        self._clock = clock
        self._keys: dict[str, RSAPublicKey] = {}
        self._loaded_at: float | None = None  # when the current key set was fetched
        self._attempted_at: float | None = None  # when the last fetch (good or bad) started
        self._lock: asyncio.Lock | None = None
        #: fetches attempted so far (for tests and metrics)
        self.fetches = 0

    @classmethod
    def static(cls, document: Mapping[str, Any]) -> JwksCache:
        """A cache that never fetches: the keys of ``document`` (the dev issuer's own key).

        >>> JwksCache.static({"keys": []}).fetches
        0
        """
        cache = cls("static:", max_age=float("inf"), refetch_interval=float("inf"))
        cache._keys = usable_keys(document)
        cache._loaded_at = cache._attempted_at = cache._clock()
        return cache

    async def key(self, kid: str) -> RSAPublicKey:
        """The key named ``kid``; ``AuthenticationFailed("unknown_kid")`` if the issuer has none.

        Raises ``JwksUnavailable`` when no key set could ever be fetched.
        """
        now = self._clock()
        if self._loaded_at is None or now - self._loaded_at >= self.max_age:
            await self._refresh(now)
        found = self._keys.get(kid)
        if found is None and self._loaded_at is not None:
            # maybe rotated: one bounded refetch (a no-op if one ran within the interval)
            await self._refresh(now)
            found = self._keys.get(kid)
        if found is not None:
            return found
        if self._loaded_at is None:
            raise JwksUnavailable
        raise AuthenticationFailed("unknown_kid")

    async def _refresh(self, now: float) -> None:
        """Fetch once if no fetch started within ``refetch_interval``; concurrent callers wait
        for that one fetch instead of starting their own."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        attempted = self._attempted_at
        async with self._lock:
            if self._attempted_at != attempted:
                return  # another caller fetched while this one waited
            if attempted is not None and now - attempted < self.refetch_interval:
                return
            self._attempted_at = self._clock()
            self.fetches += 1
            keys = await self._fetch()
            if keys:
                self._keys = keys
                self._loaded_at = self._attempted_at

    async def _fetch(self) -> dict[str, RSAPublicKey]:
        """The usable keys at the URL, or ``{}`` on any failure (logged without the body)."""
        request = HttpRequest("GET", self.url, (("accept", "application/json"),), b"")
        transport = AsyncHttpTransport(timeouts=self._timeouts, max_connections=1)
        try:
            response = await transport.send(request)
        except Exception as error:  # any failure to fetch is an outage, never a 500
            log.warning("JWKS fetch from %s failed: %s", self.url, type(error).__name__)
            return {}
        finally:
            await transport.aclose()
        if response.status != 200 or len(response.body) > MAX_JWKS_BYTES:
            log.warning("JWKS fetch from %s answered %s", self.url, response.status)
            return {}
        try:
            document = json.loads(response.body)
        except ValueError:
            log.warning("JWKS fetch from %s returned no JSON", self.url)
            return {}
        keys = usable_keys(document)
        if not keys:
            log.warning("JWKS from %s holds no usable RS256 key", self.url)
        return keys
