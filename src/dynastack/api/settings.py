"""``ApiSettings``: how one API process behaves, per environment, from ``DYNASTACK_*`` variables.

Why one frozen value read once at start-up: every process of a deployment must behave the same
(N processes behind a load balancer are one API), so nothing is decided per request from the
environment, and a wrong setting stops the process before it serves anything, with an error
naming the variable. Production fails closed: no docs page, no debug detail, an explicit CORS
list, a cursor key shared by all processes, and no trust in locally issued dev tokens.

Variables (all optional unless said): ``DYNASTACK_ENV`` (``dev``, ``staging``, ``production``;
default ``dev``), ``DYNASTACK_CORS_ORIGINS`` (comma-separated origins; required in production,
``*`` refused there), ``DYNASTACK_DOCS`` and ``DYNASTACK_DEBUG`` (``true``/``false``; both
refused as ``true`` in production), ``DYNASTACK_TRUST_DEV_TOKENS`` (refused as ``true`` in
production), ``DYNASTACK_MAX_BODY_BYTES``, ``DYNASTACK_MAX_PAGE_SIZE``,
``DYNASTACK_DEFAULT_PAGE_SIZE``, ``DYNASTACK_RATE_LIMIT`` (requests per principal per window;
``0`` turns it off, refused in production), ``DYNASTACK_RATE_WINDOW`` (seconds),
``DYNASTACK_RATE_TABLE`` (table name), ``DYNASTACK_CURSOR_KEY`` (required outside dev).

Credentials the default authenticator trusts (``dynastack.api.default_auth``):
``DYNASTACK_AUTH_ISSUER`` (the exact ``iss``; or ``DYNASTACK_COGNITO_REGION`` with
``DYNASTACK_COGNITO_POOL_ID``), ``DYNASTACK_AUTH_JWKS_URL`` (configured apart from the issuer;
default: ``<issuer>/.well-known/jwks.json``; https required in production),
``DYNASTACK_AUTH_CLIENT_IDS`` (comma-separated app clients; required with an issuer),
``DYNASTACK_API_KEYS`` and ``DYNASTACK_SESSIONS`` (``true``: accept ``x-api-key`` / the session
cookie, both stored in DynamoDB).

Example:
    >>> s = ApiSettings.from_env({"DYNASTACK_ENV": "staging", "DYNASTACK_CURSOR_KEY": "0" * 64})
    >>> s.env, s.docs, s.max_page_size
    ('staging', True, 100)
    >>> ApiSettings.from_env({"DYNASTACK_ENV": "production", "DYNASTACK_CURSOR_KEY": "0" * 64})
    Traceback (most recent call last):
    ...
    dynastack.errors.ConfigurationError: DYNASTACK_CORS_ORIGINS: production needs an explicit \
list of allowed origins (comma-separated), e.g. https://app.example.com
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from dynastack.errors import ConfigurationError
from dynastack.repository.cursors import CURSOR_KEY_ENV, parse_key

__all__ = ["ApiSettings", "Environment"]

Environment = Literal["dev", "staging", "production"]
_ENVIRONMENTS: tuple[Environment, ...] = ("dev", "staging", "production")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _flag(environ: Mapping[str, str], name: str, default: bool) -> bool:
    raw = environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigurationError(f"{name}: expected true or false, not {raw!r}")


def _int(environ: Mapping[str, str], name: str, default: int, *, low: int, high: int) -> int:
    raw = environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigurationError(f"{name}: expected a whole number, not {raw!r}") from None
    if not low <= value <= high:
        raise ConfigurationError(f"{name}: {value} is outside {low}..{high}")
    return value


def _origins(raw: str | None) -> tuple[str, ...]:
    if raw is None:
        return ()
    origins = tuple(o.strip().rstrip("/") for o in raw.split(",") if o.strip())
    for origin in origins:
        if origin != "*" and not origin.startswith(("http://", "https://")):
            raise ConfigurationError(
                f"DYNASTACK_CORS_ORIGINS: {origin!r} is not an origin (scheme://host[:port])"
            )
    return origins


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiSettings:
    """Validated settings of one API process; build with ``from_env`` or directly in tests."""

    env: Environment = "dev"
    #: origins allowed by CORS (exact matches); empty: no cross-origin access at all
    cors_origins: tuple[str, ...] = ()
    #: serve the interactive docs page at /docs (never in production)
    docs: bool = True
    #: put the exception class name into 500 problem bodies (never in production)
    debug: bool = False
    #: whether the authenticator may trust locally issued dev tokens (never in production)
    trust_dev_tokens: bool = False
    max_body_bytes: int = 64 * 1024
    max_page_size: int = 100
    default_page_size: int = 20
    #: requests per principal per window; 0 turns rate limiting off (not in production)
    rate_limit: int = 600
    rate_window: int = 60
    rate_table: str = "dynastack-rate-limits"
    #: the key that seals cursors; the same in every process (None: a per-process key, dev only)
    cursor_key: bytes | None = None
    #: the exact ``iss`` of the JWT issuer trusted (Cognito user pool); None: no JWT issuer
    auth_issuer: str | None = None
    #: where that issuer's keys are (apart from the issuer: moto and gateways serve it elsewhere)
    auth_jwks_url: str | None = None
    #: the app clients whose tokens count (``aud`` of ID tokens, ``client_id`` of access tokens)
    auth_client_ids: tuple[str, ...] = ()
    #: accept ``x-api-key`` keys of ``dynastack.auth.ApiKeyStore``
    api_keys: bool = False
    #: accept the session cookie of ``dynastack.sessions.DynamoDBSessionStore``
    sessions: bool = False

    def __post_init__(self) -> None:
        if self.env not in _ENVIRONMENTS:
            raise ConfigurationError(
                f"DYNASTACK_ENV: {self.env!r} is not one of {', '.join(_ENVIRONMENTS)}"
            )
        if self.default_page_size > self.max_page_size:
            raise ConfigurationError(
                f"DYNASTACK_DEFAULT_PAGE_SIZE: {self.default_page_size} is above "
                f"DYNASTACK_MAX_PAGE_SIZE ({self.max_page_size})"
            )
        self._check_issuer()
        if self.env == "dev":
            return
        if self.cursor_key is None:
            raise ConfigurationError(
                f"{CURSOR_KEY_ENV}: {self.env} needs one cursor key shared by every process "
                "(64 hex digits), or cursors of one process fail in the next"
            )
        if self.env != "production":
            return
        if not self.cors_origins:
            raise ConfigurationError(
                "DYNASTACK_CORS_ORIGINS: production needs an explicit list of allowed origins "
                "(comma-separated), e.g. https://app.example.com"
            )
        if "*" in self.cors_origins:
            raise ConfigurationError("DYNASTACK_CORS_ORIGINS: production refuses '*'")
        for name, on in (
            ("DYNASTACK_DOCS", self.docs),
            ("DYNASTACK_DEBUG", self.debug),
            ("DYNASTACK_TRUST_DEV_TOKENS", self.trust_dev_tokens),
        ):
            if on:
                raise ConfigurationError(f"{name}: production refuses true (fail closed)")
        if self.rate_limit == 0:
            raise ConfigurationError("DYNASTACK_RATE_LIMIT: production refuses 0 (no limit)")

    def _check_issuer(self) -> None:
        if self.auth_issuer is None:
            if self.auth_jwks_url or self.auth_client_ids:
                raise ConfigurationError(
                    "DYNASTACK_AUTH_ISSUER: the JWKS URL and client ids need the issuer they "
                    "belong to (or DYNASTACK_COGNITO_REGION and DYNASTACK_COGNITO_POOL_ID)"
                )
            return
        if not self.auth_issuer.startswith(("https://", "http://", "urn:")):
            raise ConfigurationError(
                f"DYNASTACK_AUTH_ISSUER: {self.auth_issuer!r} is not an issuer URL"
            )
        if not self.auth_client_ids:
            raise ConfigurationError(
                "DYNASTACK_AUTH_CLIENT_IDS: name the app client ids whose tokens are accepted"
            )
        url = self.auth_jwks_url or ""
        if url and not url.startswith(("https://", "http://")):
            raise ConfigurationError(f"DYNASTACK_AUTH_JWKS_URL: {url!r} is not an http(s) URL")
        if self.env == "production" and url.startswith("http://"):
            raise ConfigurationError(
                "DYNASTACK_AUTH_JWKS_URL: production fetches keys over https only"
            )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ApiSettings:
        """Settings from ``DYNASTACK_*`` variables (default: ``os.environ``), validated."""
        environ = os.environ if environ is None else environ
        env = environ.get("DYNASTACK_ENV", "dev").strip().lower() or "dev"
        if env not in _ENVIRONMENTS:
            raise ConfigurationError(
                f"DYNASTACK_ENV: {env!r} is not one of {', '.join(_ENVIRONMENTS)}"
            )
        production = env == "production"
        raw_key = environ.get(CURSOR_KEY_ENV)
        key = parse_key(raw_key, source=CURSOR_KEY_ENV) if raw_key else None
        max_page = _int(environ, "DYNASTACK_MAX_PAGE_SIZE", 100, low=1, high=1000)
        return cls(
            env=env,
            cors_origins=_origins(environ.get("DYNASTACK_CORS_ORIGINS")),
            docs=_flag(environ, "DYNASTACK_DOCS", not production),
            debug=_flag(environ, "DYNASTACK_DEBUG", env == "dev"),
            trust_dev_tokens=_flag(environ, "DYNASTACK_TRUST_DEV_TOKENS", env == "dev"),
            max_body_bytes=_int(
                environ, "DYNASTACK_MAX_BODY_BYTES", 64 * 1024, low=1, high=16 * 1024 * 1024
            ),
            max_page_size=max_page,
            default_page_size=_int(
                environ, "DYNASTACK_DEFAULT_PAGE_SIZE", min(20, max_page), low=1, high=1000
            ),
            rate_limit=_int(environ, "DYNASTACK_RATE_LIMIT", 600, low=0, high=1_000_000),
            rate_window=_int(environ, "DYNASTACK_RATE_WINDOW", 60, low=1, high=86_400),
            rate_table=environ.get("DYNASTACK_RATE_TABLE", "").strip() or "dynastack-rate-limits",
            cursor_key=key,
            auth_issuer=_issuer(environ),
            auth_jwks_url=environ.get("DYNASTACK_AUTH_JWKS_URL", "").strip() or None,
            auth_client_ids=tuple(
                c.strip()
                for c in environ.get("DYNASTACK_AUTH_CLIENT_IDS", "").split(",")
                if c.strip()
            ),
            api_keys=_flag(environ, "DYNASTACK_API_KEYS", False),
            sessions=_flag(environ, "DYNASTACK_SESSIONS", False),
        )


def _issuer(environ: Mapping[str, str]) -> str | None:
    issuer = environ.get("DYNASTACK_AUTH_ISSUER", "").strip()
    region = environ.get("DYNASTACK_COGNITO_REGION", "").strip()
    pool = environ.get("DYNASTACK_COGNITO_POOL_ID", "").strip()
    if bool(region) != bool(pool):
        raise ConfigurationError(
            "DYNASTACK_COGNITO_REGION and DYNASTACK_COGNITO_POOL_ID go together (one is missing)"
        )
    if region and issuer:
        raise ConfigurationError(
            "DYNASTACK_AUTH_ISSUER: give the issuer or the Cognito region and pool id, not both"
        )
    if region:
        return f"https://cognito-idp.{region}.amazonaws.com/{pool}"
    return issuer or None
