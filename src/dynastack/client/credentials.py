"""Where the client's credentials, region and endpoint come from.

Credentials: we do not re-implement AWS's provider chain (environment, shared profile, SSO,
web identity, credential process, container and instance metadata, with refresh); botocore's
is the reference users already configure, so ``BotocoreCredentials`` asks it and converts
what it returns into the core's frozen ``Credentials``. botocore is imported lazily, on the
first request for credentials, to keep it out of import time.

The hot path must not pay for that: ``RefreshableCredentials.get_frozen_credentials()`` reads
the local clock with a time zone on every call (~13 µs here, a third of our whole per-call
budget). So the converted credentials are kept for ``recheck_interval`` seconds (monotonic)
before botocore is asked again. That cannot hand out expired keys: botocore refreshes 15
minutes before expiry and insists 10 minutes before, both far wider than the interval.

Async callers use ``aget()``: the common path returns the cached value without awaiting
anything. Only when botocore may block — the first lookup walks the chain (files, maybe IMDS
or SSO over the network), or a refresh is due — does the call move to a worker thread with
``asyncio.to_thread``, so the event loop never waits on a credential refresh.

Region and endpoint follow the AWS SDK's order (explicit argument, then environment, then the
profile) with ``DYNASTACK_ENDPOINT`` first among the endpoint variables.
"""

from __future__ import annotations

import asyncio
import math
import os
import re
import threading
import time
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from dynastack.core.signing import Credentials
from dynastack.core.wire import Endpoint
from dynastack.errors import ConfigurationError

if TYPE_CHECKING:
    import botocore.credentials

__all__ = [
    "BotocoreCredentials",
    "CredentialSource",
    "StaticCredentials",
    "local_credentials",
    "resolve_endpoint",
    "resolve_region",
    "streams_endpoint",
]

_NO_CREDENTIALS = (
    "no AWS credentials found: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile "
    "(AWS_PROFILE, ~/.aws/credentials or ~/.aws/config, including SSO after `aws sso login`), "
    "a web identity token (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN), or run where a "
    "container or instance role is available; DynamoDB Local accepts any alphanumeric key id "
    "(see local_credentials())"
)
_NO_REGION = (
    "no AWS region configured: pass region=..., set AWS_REGION or AWS_DEFAULT_REGION, or set "
    "`region` in your AWS profile (~/.aws/config)"
)
# Region names end up in a host name and in every signature scope: refuse anything that could
# change the host (dots, slashes) rather than sign and send to the wrong place.
_REGION_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_-]{0,62}[A-Za-z0-9])?")
_ENDPOINT_VARIABLES = ("DYNASTACK_ENDPOINT", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL")
_AWS_SUFFIXES = ("amazonaws.com", "amazonaws.com.cn")


@runtime_checkable
class CredentialSource(Protocol):
    """Anything that hands out the credentials to sign the next request with."""

    def get(self) -> Credentials:
        """The current credentials; may block while they are refreshed."""
        ...

    async def aget(self) -> Credentials:
        """The current credentials, refreshing in a worker thread if that may block."""
        ...


class StaticCredentials:
    """Credentials that never change: given explicitly, or dummy ones for DynamoDB Local.

    Example:
        >>> source = StaticCredentials("AKIDEXAMPLE", "secret")
        >>> source.get()
        Credentials(access_key='AKIDEXAMPLE', secret_key='***', token=None)
    """

    __slots__ = ("_credentials",)

    def __init__(self, access_key: str, secret_key: str, token: str | None = None) -> None:
        if not access_key or not secret_key:
            raise ConfigurationError("both an access key id and a secret access key are needed")
        self._credentials = Credentials(access_key, secret_key, token or None)

    def get(self) -> Credentials:
        """The credentials given at construction."""
        return self._credentials

    async def aget(self) -> Credentials:
        """The credentials given at construction (never awaits anything)."""
        return self._credentials

    def __repr__(self) -> str:
        return f"StaticCredentials({self._credentials!r})"


class BotocoreCredentials:
    """Credentials from botocore's standard provider chain, refreshed as botocore decides.

    ``profile`` selects a named profile (``None``: ``AWS_PROFILE`` or ``default``, and the
    environment variables first, exactly as botocore does). Missing or unusable credentials
    raise ``ConfigurationError`` on first use, not at construction.

    Example:
        >>> import botocore.credentials
        >>> found = botocore.credentials.Credentials("AKIDEXAMPLE", "secret", method="explicit")
        >>> BotocoreCredentials.wrap(found).get()
        Credentials(access_key='AKIDEXAMPLE', secret_key='***', token=None)
    """

    def __init__(self, profile: str | None = None, *, recheck_interval: float = 1.0) -> None:
        self._profile = profile
        self._recheck_interval = recheck_interval
        self._source: botocore.credentials.Credentials | None = None
        self._refreshable = False
        self._resolve_lock = threading.Lock()
        # (monotonic deadline before asking botocore again, credentials): one attribute, so
        # that a reader in another thread never sees a deadline paired with older keys.
        self._state: tuple[float, Credentials] | None = None

    @classmethod
    def wrap(
        cls, credentials: botocore.credentials.Credentials, *, recheck_interval: float = 1.0
    ) -> BotocoreCredentials:
        """Use a botocore credentials object you already have (e.g. a boto3 session's)."""
        source = cls(recheck_interval=recheck_interval)
        source._adopt(credentials)
        return source

    @property
    def method(self) -> str | None:
        """Which provider botocore found the credentials with (``"env"``, ``"sso"`` …)."""
        method = getattr(self._source, "method", None)
        return method if isinstance(method, str) else None

    def get(self) -> Credentials:
        """The current credentials; blocks while botocore looks them up or refreshes them."""
        state = self._state
        if state is not None and time.monotonic() < state[0]:
            return state[1]
        return self._load()

    async def aget(self) -> Credentials:
        """The current credentials; a lookup or refresh that may block runs in a thread."""
        state = self._state
        if state is not None and time.monotonic() < state[0]:
            return state[1]
        if self._may_block():
            return await asyncio.to_thread(self._load)
        return self._load()

    def __repr__(self) -> str:
        return f"BotocoreCredentials(profile={self._profile!r}, method={self.method!r})"

    def _may_block(self) -> bool:
        source = self._source
        if source is None or self._state is None:
            return True
        if isinstance(source, _refreshable_type()):
            return source.refresh_needed()
        return False

    def _load(self) -> Credentials:
        source = self._source or self._resolve()
        try:
            frozen = source.get_frozen_credentials()
        except Exception as exc:  # refresh callbacks raise anything (ClientError, OSError …)
            raise ConfigurationError(
                f"could not refresh AWS credentials (provider {self.method!r}): {exc}"
            ) from exc
        access_key, secret_key, token = frozen.access_key, frozen.secret_key, frozen.token or None
        if not access_key or not secret_key:
            raise ConfigurationError(_NO_CREDENTIALS)
        state = self._state
        if state is not None and (
            state[1].access_key,
            state[1].secret_key,
            state[1].token,
        ) == (access_key, secret_key, token):
            credentials = state[1]
        else:
            credentials = Credentials(access_key, secret_key, token)
        deadline = time.monotonic() + self._recheck_interval if self._refreshable else math.inf
        self._state = (deadline, credentials)
        return credentials

    def _resolve(self) -> botocore.credentials.Credentials:
        with self._resolve_lock:
            if self._source is not None:
                return self._source
            import botocore.session
            from botocore.exceptions import ProfileNotFound

            try:
                found = botocore.session.Session(profile=self._profile).get_credentials()
            except ProfileNotFound as exc:
                raise ConfigurationError(
                    f"AWS profile {exc.kwargs.get('profile')!r} not found in the AWS config "
                    "or credentials file"
                ) from exc
            except Exception as exc:  # SSO token expired, partial env variables, STS errors …
                raise ConfigurationError(f"could not load AWS credentials: {exc}") from exc
            if found is None:
                raise ConfigurationError(_NO_CREDENTIALS)
            self._adopt(found)
            return found

    def _adopt(self, credentials: botocore.credentials.Credentials) -> None:
        self._refreshable = isinstance(credentials, _refreshable_type())
        self._source = credentials


def _refreshable_type() -> type[botocore.credentials.RefreshableCredentials]:
    from botocore.credentials import RefreshableCredentials

    return RefreshableCredentials


def local_credentials() -> StaticCredentials:
    """Fixed dummy credentials for DynamoDB Local, which never checks signatures.

    The key id is alphanumeric, as DynamoDB Local requires, and the same for every caller:
    without ``-sharedDb`` DynamoDB Local keeps separate tables per key id and region.

    Example:
        >>> local_credentials().get().access_key
        'dynastack'
    """
    return StaticCredentials("dynastack", "dynastack")


def resolve_region(explicit: str | None, *, profile: str | None = None) -> str:
    """The region: ``explicit``, ``AWS_REGION``, ``AWS_DEFAULT_REGION``, then the profile's.

    Example:
        >>> resolve_region("eu-west-1")
        'eu-west-1'
    """
    for origin, value in (
        ("the region argument", explicit),
        ("AWS_REGION", os.environ.get("AWS_REGION")),
        ("AWS_DEFAULT_REGION", os.environ.get("AWS_DEFAULT_REGION")),
    ):
        if value:
            return _checked_region(value, origin)
    value = _profile_region(profile)
    if value:
        return _checked_region(value, "the AWS profile")
    raise ConfigurationError(_NO_REGION)


def resolve_endpoint(explicit: str | None, region: str) -> str:
    """The DynamoDB endpoint URL.

    In order: ``explicit``, ``DYNASTACK_ENDPOINT``, ``AWS_ENDPOINT_URL_DYNAMODB``,
    ``AWS_ENDPOINT_URL`` (the two AWS variables are skipped when
    ``AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true``, as in the AWS SDKs), else AWS's regional
    endpoint. A configured URL must be absolute ``http://`` or ``https://``.

    Example:
        >>> resolve_endpoint("http://127.0.0.1:8000", "us-east-1")
        'http://127.0.0.1:8000'
    """
    ignore_aws = os.environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").lower() == "true"
    candidates = [("the endpoint argument", explicit)]
    for name in _ENDPOINT_VARIABLES:
        if not (ignore_aws and name.startswith("AWS_")):
            candidates.append((name, os.environ.get(name)))
    for origin, value in candidates:
        if value:
            try:
                Endpoint.parse(value)
            except ConfigurationError as exc:
                raise ConfigurationError(f"{exc} (from {origin})") from exc
            return value
    region = _checked_region(region, "the region")
    suffix = _AWS_SUFFIXES[1] if region.startswith("cn-") else _AWS_SUFFIXES[0]
    return f"https://dynamodb.{region}.{suffix}"


def streams_endpoint(endpoint: str, region: str) -> str:
    """The DynamoDB Streams endpoint that goes with ``endpoint``.

    AWS serves streams from a host of its own; DynamoDB Local and compatible engines serve
    them at the same URL as everything else, so a custom endpoint comes back unchanged.

    Example:
        >>> streams_endpoint("https://dynamodb.eu-west-1.amazonaws.com", "eu-west-1")
        'https://streams.dynamodb.eu-west-1.amazonaws.com'
        >>> streams_endpoint("http://127.0.0.1:8000", "eu-west-1")
        'http://127.0.0.1:8000'
    """
    parsed = Endpoint.parse(endpoint)
    if any(parsed.host == f"dynamodb.{region}.{suffix}" for suffix in _AWS_SUFFIXES):
        return f"{parsed.scheme}://streams.{parsed.netloc}"
    return endpoint


def _checked_region(value: str, origin: str) -> str:
    if not _REGION_NAME.fullmatch(value):
        raise ConfigurationError(
            f"region {value!r} from {origin} is not a region name (letters, digits and '-')"
        )
    return value


def _profile_region(profile: str | None) -> str | None:
    try:
        import botocore.session
        from botocore.exceptions import BotoCoreError
    except ImportError:  # pragma: no cover - botocore is a dependency; tolerate its absence
        return None
    try:
        value = botocore.session.Session(profile=profile).get_config_variable("region")
    except BotoCoreError as exc:  # an unknown profile, a malformed config file
        raise ConfigurationError(f"could not read the region from the AWS profile: {exc}") from exc
    return value if isinstance(value, str) and value else None
