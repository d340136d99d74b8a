"""``TokenVerifier``: a bearer JWT (Cognito-style, RS256) turned into a ``Principal``, or refused.

PyJWT alone is not a complete verifier (RELIABILITY fact 7): it accepts RSA keys below 2048 bits
with a warning, coerces a string or out-of-range ``exp`` with ``int()`` and lets a later
duplicate JSON member win. So this module parses the token itself, strictly, and uses PyJWT
(with ``cryptography``) for the RS256 signature only; one place decides every claim:

* three canonical base64url segments, at most ``MAX_TOKEN_BYTES``; header and payload are JSON
  objects with no duplicate member;
* header: ``alg`` exactly ``RS256`` (never ``none`` or ``HS*``: a key is never a shared secret),
  no ``crit`` (no extension is understood, so none may be required), a ``kid``;
* ``iss`` one of the trusted issuers, and the key comes from *that* issuer's JWKS, configured
  apart from the issuer name (moto and some gateways serve it elsewhere);
* ``token_use`` says which audience claim counts (RELIABILITY fact 8): ``aud`` for ``id``
  tokens, ``client_id`` for ``access`` tokens, never "either";
* ``exp`` and ``iat`` required, ``nbf`` optional, each an integer (not a bool, float or
  string) between 0 and ``MAX_EPOCH``; expired when ``now >= exp + leeway``, not yet valid
  when ``now + leeway < nbf``, refused when ``iat > now + leeway``;
* ``sub`` a non-empty string; ``cognito:groups`` (if present) a list of strings.

Every refusal is ``AuthenticationFailed(reason)`` with a short stable reason; nothing else
escapes ``verify`` (a bug in a check still refuses, as ``malformed``). A verified token is
remembered in a ``ClaimsCache`` until it expires. The dev issuer (``dynastack dev token``) is
refused outright when the environment is production: fail closed.

Example:
    >>> from dynastack.auth.jwks import JwksCache
    >>> issuer = TrustedIssuer("https://issuer.example", keys=JwksCache.static({"keys": []}),
    ...                        client_ids={"app"})
    >>> verifier = TokenVerifier([issuer], env="dev")
    >>> import asyncio
    >>> try:
    ...     asyncio.run(verifier.verify("not-a-token"))
    ... except AuthenticationFailed as refused:
    ...     refused.reason
    'malformed'
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from jwt.algorithms import RSAAlgorithm

from dynastack.auth.claims_cache import ClaimsCache
from dynastack.auth.jwks import JwksCache
from dynastack.auth.principal import AuthenticationFailed, Principal
from dynastack.errors import ConfigurationError

__all__ = [
    "MAX_EPOCH",
    "MAX_TOKEN_BYTES",
    "TokenVerifier",
    "TrustedIssuer",
    "is_production",
]

log = logging.getLogger(__name__)

#: a bearer token longer than this is refused before any parsing (Cognito's are ~1-2 KB)
MAX_TOKEN_BYTES = 8192
#: the largest epoch second accepted in exp/nbf/iat (the year 2286): anything later is a forgery
MAX_EPOCH = 9_999_999_999
TOKEN_USES = frozenset({"id", "access"})

_SEGMENT = re.compile(r"[A-Za-z0-9_-]+")
_RS256 = RSAAlgorithm(RSAAlgorithm.SHA256)


def is_production(env: str) -> bool:
    """Whether ``env`` names production: ``production``/``prod*``, or empty (fail closed).

    >>> is_production("dev"), is_production("production"), is_production("")
    (False, True, True)
    """
    name = env.strip().lower()
    return not name or name.startswith("prod")


class TrustedIssuer:
    """One issuer the server accepts tokens from.

    ``issuer`` is the exact ``iss`` claim (Cognito: ``https://cognito-idp.<region>.amazonaws.com/
    <pool id>``); ``keys`` its JWKS cache, built from a URL given apart from the issuer;
    ``client_ids`` the app clients whose tokens are accepted (``aud`` of ID tokens,
    ``client_id`` of access tokens); ``token_uses`` which kinds are accepted; ``dev`` marks the
    local development issuer, refused in production.
    """

    __slots__ = ("client_ids", "dev", "issuer", "keys", "token_uses")

    def __init__(
        self,
        issuer: str,
        *,
        keys: JwksCache,
        client_ids: Iterable[str],
        token_uses: Iterable[str] = TOKEN_USES,
        dev: bool = False,
    ) -> None:
        self.issuer = issuer
        self.keys = keys
        self.client_ids = frozenset(client_ids)
        self.token_uses = frozenset(token_uses)
        self.dev = dev
        if not issuer:
            raise ConfigurationError("a trusted issuer needs its exact `iss` value")
        if not self.client_ids:
            raise ConfigurationError(f"issuer {issuer!r}: name at least one client id")
        if not self.token_uses or not self.token_uses <= TOKEN_USES:
            raise ConfigurationError(
                f"issuer {issuer!r}: token_uses must be a non-empty subset of {sorted(TOKEN_USES)}"
            )

    @classmethod
    def from_jwks_url(
        cls,
        issuer: str,
        jwks_url: str,
        *,
        client_ids: Iterable[str],
        token_uses: Iterable[str] = TOKEN_USES,
        refetch_interval: float = 30.0,
    ) -> TrustedIssuer:
        """An issuer whose keys are fetched from ``jwks_url`` (e.g. Cognito's or moto's)."""
        cache = JwksCache(jwks_url, refetch_interval=refetch_interval)
        return cls(issuer, keys=cache, client_ids=client_ids, token_uses=token_uses)

    @classmethod
    def cognito(
        cls,
        region: str,
        pool_id: str,
        *,
        client_ids: Iterable[str],
        jwks_url: str | None = None,
        token_uses: Iterable[str] = TOKEN_USES,
    ) -> TrustedIssuer:
        """A Cognito user pool: ``iss`` from the region and pool id; the JWKS URL is AWS's
        unless ``jwks_url`` names another (moto: ``http://127.0.0.1:PORT/<pool>/.well-known/
        jwks.json``).

        >>> TrustedIssuer.cognito("eu-west-1", "eu-west-1_Ab12", client_ids={"app"}).issuer
        'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Ab12'
        """
        issuer = f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"
        url = jwks_url or f"{issuer}/.well-known/jwks.json"
        return cls.from_jwks_url(issuer, url, client_ids=client_ids, token_uses=token_uses)


class TokenVerifier:
    """Verifies bearer JWTs of the ``issuers``; ``verify(token)`` gives the ``Principal``.

    ``env`` is the deployment environment: a dev issuer among ``issuers`` in production raises
    ``ConfigurationError``. ``leeway`` (seconds) absorbs clock skew in ``exp``/``nbf``/``iat``.
    ``clock`` gives epoch seconds (injectable for tests).
    """

    def __init__(
        self,
        issuers: Sequence[TrustedIssuer],
        *,
        env: str,
        leeway: float = 30.0,
        cache: ClaimsCache | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if leeway < 0:
            raise ConfigurationError("the token leeway cannot be negative")
        if is_production(env):
            dev = [i.issuer for i in issuers if i.dev]
            if dev:
                raise ConfigurationError(
                    f"environment {env!r} is production: the dev token issuer {dev[0]!r} "
                    "is not trusted there"
                )
        self._issuers = {i.issuer: i for i in issuers}
        if len(self._issuers) != len(issuers):
            raise ConfigurationError("two trusted issuers share one `iss` value")
        self.env = env
        self.leeway = leeway
        self.cache = ClaimsCache() if cache is None else cache
        self._clock = clock

    async def verify(self, token: str) -> Principal:
        """The principal of a valid token; ``AuthenticationFailed(reason)`` otherwise."""
        now = self._clock()
        cached = self.cache.get(token, now=now) if isinstance(token, str) else None
        if cached is not None:
            return cached
        try:
            principal, expires_at = await self._verify(token, now)
        except AuthenticationFailed:
            raise
        except Exception as error:  # a check that crashed still refuses, never a 500
            log.warning("token check failed unexpectedly: %s", type(error).__name__)
            raise AuthenticationFailed("malformed") from None
        self.cache.put(token, principal, expires_at=expires_at)
        return principal

    async def _verify(self, token: str, now: float) -> tuple[Principal, float]:
        if not isinstance(token, str) or len(token) > MAX_TOKEN_BYTES:
            raise AuthenticationFailed("malformed")
        parts = token.split(".")
        if len(parts) != 3:
            raise AuthenticationFailed("malformed")
        header = _json_object(_b64decode(parts[0]))
        payload = _json_object(_b64decode(parts[1]))

        alg = header.get("alg")
        if alg != "RS256":
            raise AuthenticationFailed("algorithm")
        if "crit" in header:
            raise AuthenticationFailed("crit")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise AuthenticationFailed("kid")

        iss = payload.get("iss")
        issuer = self._issuers.get(iss) if isinstance(iss, str) else None
        if issuer is None:
            raise AuthenticationFailed("issuer")
        signature = _b64decode(parts[2])
        key: RSAPublicKey = await issuer.keys.key(kid)
        signing_input = f"{parts[0]}.{parts[1]}".encode("ascii")
        if not _RS256.verify(signing_input, key, signature):
            raise AuthenticationFailed("signature")

        _check_audience(payload, issuer)
        expires_at = self._check_times(payload, now)
        return _principal(payload), expires_at

    def _check_times(self, payload: Mapping[str, Any], now: float) -> float:
        """Checks exp/nbf/iat; returns when the token stops being honoured (epoch seconds)."""
        exp = _epoch(payload, "exp", required=True)
        iat = _epoch(payload, "iat", required=True)
        nbf = _epoch(payload, "nbf", required=False)
        assert exp is not None  # required
        assert iat is not None
        if now >= exp + self.leeway:
            raise AuthenticationFailed("expired")
        if nbf is not None and now + self.leeway < nbf:
            raise AuthenticationFailed("not_yet_valid")
        if iat > now + self.leeway:
            raise AuthenticationFailed("issued_in_future")
        return exp + self.leeway


def _b64decode(segment: str) -> bytes:
    """Strict, canonical base64url without padding (a flipped unused bit is refused too)."""
    if not _SEGMENT.fullmatch(segment):
        raise AuthenticationFailed("malformed")
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        raise AuthenticationFailed("malformed") from None
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != segment:
        raise AuthenticationFailed("malformed")
    return raw


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name, value in pairs:
        if name in found:
            raise AuthenticationFailed("duplicate_member")
        found[name] = value
    return found


def _no_constants(name: str) -> Any:
    raise AuthenticationFailed("malformed")  # NaN / Infinity are not JSON


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
    except (ValueError, RecursionError):
        raise AuthenticationFailed("malformed") from None
    if not isinstance(value, dict):
        raise AuthenticationFailed("malformed")
    return value


def _epoch(payload: Mapping[str, Any], name: str, *, required: bool) -> int | None:
    if name not in payload:
        if required:
            raise AuthenticationFailed(f"missing_{name}")
        return None
    value = payload[name]
    # bool is an int in Python; 1.7e9 and "1700000000" are not NumericDate integers here
    if type(value) is not int or not 0 <= value <= MAX_EPOCH:
        raise AuthenticationFailed(f"invalid_{name}")
    return value


def _check_audience(payload: Mapping[str, Any], issuer: TrustedIssuer) -> None:
    token_use = payload.get("token_use")
    if not isinstance(token_use, str) or token_use not in issuer.token_uses:
        raise AuthenticationFailed("token_use")
    if token_use == "id":  # noqa: S105 - not a password
        aud = payload.get("aud")
        audiences = [aud] if isinstance(aud, str) else aud
        if not isinstance(audiences, list) or not any(
            isinstance(a, str) and a in issuer.client_ids for a in audiences
        ):
            raise AuthenticationFailed("audience")
    else:
        client_id = payload.get("client_id")
        if not isinstance(client_id, str) or client_id not in issuer.client_ids:
            raise AuthenticationFailed("client_id")


def _principal(payload: Mapping[str, Any]) -> Principal:
    sub = payload.get("sub")
    if not isinstance(sub, str) or not sub:
        raise AuthenticationFailed("subject")
    groups = payload.get("cognito:groups", [])
    if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
        raise AuthenticationFailed("groups")
    username = payload.get("cognito:username", payload.get("username"))
    if username is not None and not isinstance(username, str):
        raise AuthenticationFailed("username")
    return Principal(
        subject=sub,
        groups=frozenset(groups),
        username=username,
        kind="user",
        claims=MappingProxyType(dict(payload)),
    )
