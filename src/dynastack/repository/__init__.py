"""Repositories: typed reads and writes of entities, sync and async, with the same methods.

``Repository[E]`` / ``AsyncRepository[E]`` (one per entity and table), ``Page[E]`` with sealed
cursors, sort-key conditions for queries, ``UnitOfWork`` for transactions across repositories
and ``backfill`` for item schema upgrades. See docs/modeling.md, docs/querying.md,
docs/pagination.md, docs/locking.md, docs/owner-scope.md and docs/evolution.md.

The names are imported on first use (PEP 562), so that the blocking ``Repository`` does not
load the asyncio client, nor the other way round.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dynastack.repository.async_repository import AsyncRepository
    from dynastack.repository.backfilling import BackfillReport, abackfill, backfill
    from dynastack.repository.batch import BatchProgress
    from dynastack.repository.conditions import (
        SortCondition,
        begins_with,
        between,
        eq,
        ge,
        gt,
        le,
        lt,
    )
    from dynastack.repository.page import Page
    from dynastack.repository.repository import Repository
    from dynastack.repository.unit_of_work import UnitOfWork

__all__ = [
    "AsyncRepository",
    "BackfillReport",
    "BatchProgress",
    "Page",
    "Repository",
    "SortCondition",
    "UnitOfWork",
    "abackfill",
    "backfill",
    "begins_with",
    "between",
    "eq",
    "ge",
    "gt",
    "le",
    "lt",
]

#: exported name → the module that defines it
_HOMES = {
    "AsyncRepository": "dynastack.repository.async_repository",
    "BackfillReport": "dynastack.repository.backfilling",
    "BatchProgress": "dynastack.repository.batch",
    "Page": "dynastack.repository.page",
    "Repository": "dynastack.repository.repository",
    "UnitOfWork": "dynastack.repository.unit_of_work",
    "abackfill": "dynastack.repository.backfilling",
    "backfill": "dynastack.repository.backfilling",
    **dict.fromkeys(
        ["SortCondition", "begins_with", "between", "eq", "ge", "gt", "le", "lt"],
        "dynastack.repository.conditions",
    ),
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'dynastack.repository' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
