"""Repositories: typed reads and writes of entities, sync and async, with the same methods.

``Repository[E]`` / ``AsyncRepository[E]`` (one per entity and table), ``Page[E]`` with sealed
cursors, sort-key conditions for queries, ``UnitOfWork`` for transactions across repositories
and ``backfill`` for item schema upgrades. See docs/modeling.md, docs/querying.md,
docs/pagination.md, docs/locking.md, docs/owner-scope.md and docs/evolution.md.
"""

from dynastack.repository.async_repository import AsyncRepository
from dynastack.repository.backfill import BackfillReport, abackfill, backfill
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
