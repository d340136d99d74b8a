"""dynastack: a declarative data model turned into a complete DynamoDB-backed backend.

The front door: everything a service needs day to day is importable from here; the
subpackages hold the rest. ``__all__`` is curated and pinned by tests/test_front_door.py.

Why lazy (PEP 562): a Lambda cold start or a CLI command pays for every module imported, and
the heavy ones (pydantic, both clients and their transports, prometheus-client, cryptography)
are needed only by what a program really uses. So ``import dynastack`` loads the exception
tree and nothing else; each name below is imported on first access and then cached in the
module's namespace. tests/test_front_door.py pins what a bare import may load.

Example:
    >>> import dynastack
    >>> dynastack.Client.__name__, dynastack.errors.VersionConflict.__name__
    ('Client', 'VersionConflict')
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from dynastack import errors
from dynastack.errors import DynastackError

if TYPE_CHECKING:
    from dynastack.app import App
    from dynastack.client import AsyncClient, Client
    from dynastack.core.expressions import Attr, Path
    from dynastack.core.updates import Update
    from dynastack.model import (
        TTL,
        CreatedAt,
        Entity,
        Index,
        Key,
        Owner,
        Table,
        TableSpec,
        UpdatedAt,
        Version,
        auto_now,
    )
    from dynastack.repository import (
        AsyncRepository,
        Page,
        Repository,
        UnitOfWork,
        begins_with,
        between,
        ge,
        gt,
        le,
        lt,
    )

__version__ = "0.1.0"

__all__ = [
    "TTL",
    "App",
    "AsyncClient",
    "AsyncRepository",
    "Attr",
    "Client",
    "CreatedAt",
    "DynastackError",
    "Entity",
    "Index",
    "Key",
    "Owner",
    "Page",
    "Path",
    "Repository",
    "Table",
    "TableSpec",
    "UnitOfWork",
    "Update",
    "UpdatedAt",
    "Version",
    "__version__",
    "auto_now",
    "begins_with",
    "between",
    "errors",
    "ge",
    "gt",
    "le",
    "lt",
]

#: the package each lazy name is imported from on first access
_HOMES = {
    "App": "dynastack.app",
    "AsyncClient": "dynastack.client",
    "Client": "dynastack.client",
    "Attr": "dynastack.core.expressions",
    "Path": "dynastack.core.expressions",
    "Update": "dynastack.core.updates",
    **dict.fromkeys(
        ["TTL", "CreatedAt", "Entity", "Index", "Key", "Owner", "Table", "TableSpec"],
        "dynastack.model",
    ),
    **dict.fromkeys(["UpdatedAt", "Version", "auto_now"], "dynastack.model"),
    **dict.fromkeys(
        ["AsyncRepository", "Page", "Repository", "UnitOfWork", "begins_with", "between"],
        "dynastack.repository",
    ),
    **dict.fromkeys(["ge", "gt", "le", "lt"], "dynastack.repository"),
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'dynastack' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
