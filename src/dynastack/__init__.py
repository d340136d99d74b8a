"""dynastack: a declarative data model turned into a complete DynamoDB-backed backend.

The front door: everything a service needs day to day is importable from here; the
subpackages hold the rest. ``__all__`` is curated and pinned by tests/test_front_door.py.

Example:
    >>> import dynastack
    >>> dynastack.Client.__name__, dynastack.errors.VersionConflict.__name__
    ('Client', 'VersionConflict')
"""

from dynastack import errors
from dynastack.client import AsyncClient, Client
from dynastack.core.expressions import Attr, Path
from dynastack.core.updates import Update
from dynastack.errors import DynastackError
from dynastack.model import (
    TTL,
    App,
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
