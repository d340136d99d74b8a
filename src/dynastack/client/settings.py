"""What a client is configured with, resolved once: explicit arguments first, then the environment.

A client reads its settings when it is built and never again, so the hot path does no
environment look-ups and a running client cannot change under a caller's feet. Every knob
has one environment variable, so ``Client.from_env()`` configures a deployment without code:

=============================  ===============================================================
``DYNASTACK_ENDPOINT``         endpoint URL (else ``AWS_ENDPOINT_URL_DYNAMODB`` / the region's)
``AWS_REGION``                 region (then ``AWS_DEFAULT_REGION``, the AWS profile)
``DYNASTACK_CONNECT_TIMEOUT``  seconds to connect (default 3.05)
``DYNASTACK_READ_TIMEOUT``     seconds to wait for a reply (default 10)
``DYNASTACK_MAX_ATTEMPTS``     attempts per call, first one included (default 8)
``DYNASTACK_BREAKER``          ``off`` disables the circuit breaker
``DYNASTACK_TELEMETRY``        ``off`` disables call events (logging and metrics)
``HTTPS_PROXY`` / ``NO_PROXY``  an HTTP proxy for HTTPS endpoints, and the hosts that bypass it
``AWS_CA_BUNDLE``              a PEM file trusted for TLS instead of the default store
=============================  ===============================================================

A loopback endpoint (DynamoDB Local) with no credentials anywhere gets
``local_credentials()``: a laptop needs no AWS account to run the examples.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from dynastack.client.breaker import BreakerSettings
from dynastack.client.credentials import (
    BotocoreCredentials,
    CredentialSource,
    local_credentials,
    resolve_endpoint,
    resolve_region,
    streams_endpoint,
)
from dynastack.client.network import Proxy, ca_bundle_from_env
from dynastack.client.telemetry import Telemetry
from dynastack.client.transport import Timeouts
from dynastack.core.retry import RetryPolicy
from dynastack.core.wire import Endpoint
from dynastack.errors import ConfigurationError

__all__ = ["ClientSettings", "is_loopback"]

_OFF = frozenset({"0", "off", "false", "no", "disabled"})
#: environment variables that configure AWS credentials without a file
_CREDENTIAL_VARS = (
    "AWS_ACCESS_KEY_ID",
    "AWS_PROFILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
)


def is_loopback(url: str) -> bool:
    """Whether ``url`` points at this machine (``localhost``, ``127.0.0.0/8``, ``::1``).

    Example:
        >>> is_loopback("http://127.0.0.1:8000"), is_loopback("https://dynamodb.eu-west-1.amazonaws.com")
        (True, False)
    """
    host = Endpoint.parse(url).host
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _credentials_configured(environ: Mapping[str, str]) -> bool:
    """Whether the AWS chain has a source to read from, judged without any network call.

    The instance-metadata step of the chain would otherwise make a laptop wait seconds for
    a metadata server that does not exist before DynamoDB Local could be used.
    """
    if any(environ.get(name) for name in _CREDENTIAL_VARS):
        return True
    home = os.path.expanduser("~")
    files = (
        environ.get("AWS_SHARED_CREDENTIALS_FILE") or os.path.join(home, ".aws", "credentials"),
        environ.get("AWS_CONFIG_FILE") or os.path.join(home, ".aws", "config"),
    )
    return any(os.path.isfile(path) for path in files)


def _float(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigurationError(f"{name}={raw!r} is not a number of seconds") from None
    if value <= 0:
        raise ConfigurationError(f"{name}={raw!r} must be positive")
    return value


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientSettings:
    """A client's resolved configuration; ``breaker`` / ``telemetry`` are ``None`` when off.

    Example:
        >>> s = ClientSettings.resolve("http://127.0.0.1:8000", region="eu-west-1", environ={})
        >>> s.endpoint, s.streams_endpoint, s.region, s.breaker is not None
        ('http://127.0.0.1:8000', 'http://127.0.0.1:8000', 'eu-west-1', True)
    """

    endpoint: str
    streams_endpoint: str
    region: str
    credentials: CredentialSource
    timeouts: Timeouts
    retry: RetryPolicy
    breaker: BreakerSettings | None
    telemetry: Telemetry | None
    #: the ``HTTPS_PROXY`` an HTTPS endpoint is reached through (loopback never is)
    proxy: Proxy | None = None
    #: ``AWS_CA_BUNDLE``: the PEM file TLS trusts instead of the default store
    ca_bundle: str | None = None

    @classmethod
    def resolve(
        cls,
        endpoint: str | None = None,
        *,
        region: str | None = None,
        credentials: CredentialSource | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        breaker: BreakerSettings | Literal[False] | None = None,
        telemetry: Telemetry | Literal[False] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> ClientSettings:
        """Fill every setting not given from ``environ`` (default ``os.environ``), then defaults.

        ``breaker=False`` / ``telemetry=False`` switch them off whatever the environment says.
        """
        env = os.environ if environ is None else environ
        explicit_region = region or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
        resolved_region = resolve_region(explicit_region)
        explicit_endpoint = endpoint or env.get("DYNASTACK_ENDPOINT") or None
        url = resolve_endpoint(explicit_endpoint, resolved_region)
        if credentials is None:
            if is_loopback(url) and not _credentials_configured(env):
                credentials = local_credentials()
            else:
                credentials = BotocoreCredentials()
        if timeouts is None:
            defaults = Timeouts()
            timeouts = Timeouts(
                connect=_float(env, "DYNASTACK_CONNECT_TIMEOUT", defaults.connect),
                read=_float(env, "DYNASTACK_READ_TIMEOUT", defaults.read),
            )
        if retry is None:
            attempts = env.get("DYNASTACK_MAX_ATTEMPTS")
            if attempts:
                if not attempts.isdigit() or int(attempts) < 1:
                    raise ConfigurationError(
                        f"DYNASTACK_MAX_ATTEMPTS={attempts!r} must be a whole number >= 1"
                    )
                retry = RetryPolicy(max_attempts=int(attempts))
            else:
                retry = RetryPolicy()
        resolved_breaker: BreakerSettings | None
        if breaker is False or (
            breaker is None and env.get("DYNASTACK_BREAKER", "").lower() in _OFF
        ):
            resolved_breaker = None
        else:
            resolved_breaker = breaker or BreakerSettings()
        resolved_telemetry: Telemetry | None
        if telemetry is False or (
            telemetry is None and env.get("DYNASTACK_TELEMETRY", "").lower() in _OFF
        ):
            resolved_telemetry = None
        else:
            resolved_telemetry = telemetry or Telemetry()
        return cls(
            endpoint=url,
            streams_endpoint=streams_endpoint(url, resolved_region),
            region=resolved_region,
            credentials=credentials,
            timeouts=timeouts,
            retry=retry,
            breaker=resolved_breaker,
            telemetry=resolved_telemetry,
            proxy=Proxy.from_env(env),
            ca_bundle=ca_bundle_from_env(env),
        )
