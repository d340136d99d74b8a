"""I/O shells around the pure core: ``Client`` and ``AsyncClient`` and what configures them.

The client layer knows nothing about entities, so it can be used on its own: send typed
operations (``client.send(GetItem(...))``) or boto3-style calls (``client.get_item(...)``).

The names below are imported on first use, so that importing one small module of this package
(``dynastack.client.breaker``, say) does not load both clients and their transports.

Example:
    >>> from dynastack.client import Client, RetryPolicy
    >>> with Client.local("http://127.0.0.1:8000", retry=RetryPolicy(max_attempts=3)) as client:
    ...     client.settings.retry.max_attempts
    3
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dynastack.client.async_client import AsyncClient
    from dynastack.client.breaker import BreakerSettings
    from dynastack.client.client import Client
    from dynastack.client.credentials import (
        BotocoreCredentials,
        CredentialSource,
        StaticCredentials,
    )
    from dynastack.client.settings import ClientSettings
    from dynastack.client.telemetry import CallEvent, Metrics, Telemetry, correlation
    from dynastack.client.transport import Timeouts
    from dynastack.core.retry import RetryPolicy

__all__ = [
    "AsyncClient",
    "BotocoreCredentials",
    "BreakerSettings",
    "CallEvent",
    "Client",
    "ClientSettings",
    "CredentialSource",
    "Metrics",
    "RetryPolicy",
    "StaticCredentials",
    "Telemetry",
    "Timeouts",
    "correlation",
]

#: exported name → the module that defines it
_HOMES = {
    "AsyncClient": "dynastack.client.async_client",
    "BotocoreCredentials": "dynastack.client.credentials",
    "BreakerSettings": "dynastack.client.breaker",
    "CallEvent": "dynastack.client.telemetry",
    "Client": "dynastack.client.client",
    "ClientSettings": "dynastack.client.settings",
    "CredentialSource": "dynastack.client.credentials",
    "Metrics": "dynastack.client.telemetry",
    "RetryPolicy": "dynastack.core.retry",
    "StaticCredentials": "dynastack.client.credentials",
    "Telemetry": "dynastack.client.telemetry",
    "Timeouts": "dynastack.client.transport",
    "correlation": "dynastack.client.telemetry",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'dynastack.client' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
