"""Which DynamoDB a command talks to, decided once for every command that takes ``--endpoint``.

In order: ``--endpoint``; ``DYNASTACK_ENDPOINT`` (or the AWS SDKs' ``AWS_ENDPOINT_URL_DYNAMODB``
/ ``AWS_ENDPOINT_URL``, which the client reads); the DynamoDB Local that ``dynastack local
start`` (or ``make serve``) recorded in the state folder, if it is still running; else AWS in
the configured region. Why the recorded server comes before AWS: a developer who started a
local server and forgot the flag meant that server, and a command that silently reached a real
account instead would be the worse surprise. When none of these is there, the message says how
to point at one, instead of the client's "no AWS region configured".

For a loopback endpoint (DynamoDB Local) with no region configured, the region is
``us-east-1``, as ``Client.local`` uses: DynamoDB Local keeps separate tables per region.

Example:
    >>> resolve_target("http://127.0.0.1:8000", None, environ={}, state_dir=Path("/nonexistent"))
    Target(endpoint='http://127.0.0.1:8000', region='us-east-1', origin='--endpoint')
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dynastack.cli.output import err_console
from dynastack.client.client import Client
from dynastack.client.credentials import resolve_region
from dynastack.client.settings import is_loopback
from dynastack.core.retry import RetryPolicy
from dynastack.errors import ConfigurationError
from dynastack.local import default_state_dir, read_status

__all__ = [
    "ENDPOINT_VARIABLES",
    "LOCAL_ORIGIN",
    "NO_TARGET",
    "Target",
    "make_client",
    "resolve_target",
]

#: the variables the client reads an endpoint from, in its order
ENDPOINT_VARIABLES = ("DYNASTACK_ENDPOINT", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL")

#: ``Target.origin`` of the server ``dynastack local start`` recorded
LOCAL_ORIGIN = "recorded by `dynastack local start`"

NO_TARGET = (
    "no DynamoDB to talk to: pass --endpoint URL, or `export DYNASTACK_ENDPOINT=URL`, or "
    "start DynamoDB Local with `dynastack local start` (or `make serve`) and it is found by "
    "itself; to use AWS, configure a region (--region, AWS_REGION or your AWS profile)"
)


@dataclass(frozen=True, slots=True)
class Target:
    """The endpoint (``None``: AWS's regional one), the region, and where they came from."""

    endpoint: str | None
    region: str | None
    origin: str


def _configured(environ: Mapping[str, str]) -> tuple[str, str] | None:
    ignore_aws = environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").lower() == "true"
    for name in ENDPOINT_VARIABLES:
        value = environ.get(name)
        if value and not (ignore_aws and name.startswith("AWS_")):
            return value, name
    return None


def resolve_target(
    endpoint: str | None,
    region: str | None,
    *,
    environ: Mapping[str, str] | None = None,
    state_dir: Path | None = None,
) -> Target:
    """Decide the endpoint and region of a command (see the module docstring)."""
    environ = os.environ if environ is None else environ
    origin = "--endpoint"
    if endpoint is None:
        configured = _configured(environ)
        if configured is not None:
            endpoint, origin = configured
        else:
            status = read_status(state_dir or default_state_dir(environ))
            if status.running and status.state is not None:
                endpoint, origin = status.state.endpoint, LOCAL_ORIGIN
    if endpoint is not None:
        has_region = region or environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION")
        if not has_region and is_loopback(endpoint):
            region = "us-east-1"  # as Client.local: DynamoDB Local keeps tables per region
        return Target(endpoint, region, origin)
    try:
        region = resolve_region(region)
    except ConfigurationError:
        raise ConfigurationError(NO_TARGET) from None
    return Target(None, region, "AWS")


def make_client(
    endpoint: str | None, region: str | None, retry: RetryPolicy | None = None
) -> Client:
    """A blocking client for the command's target (``resolve_target``)."""
    target = resolve_target(endpoint, region)
    if target.origin == LOCAL_ORIGIN:
        # on stderr: stdout may be JSON (doctor --json) that a script parses
        err_console().print(
            f"[dim]using DynamoDB Local at {target.endpoint} ({LOCAL_ORIGIN})[/dim]"
        )
    return Client(target.endpoint, region=target.region, retry=retry)
