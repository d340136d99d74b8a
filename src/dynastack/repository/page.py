"""``Page[E]``: one page of query results and the opaque cursor to the next one.

A page is filled to the requested limit after filtering (fewer items only on the last page),
and ``cursor`` is ``None`` exactly when nothing follows. The cursor is a sealed string (see
``cursors.py``): hand it back to the same query of the same caller to continue, never parse it.

Example:
    >>> page = Page(items=[1, 2], cursor=None)
    >>> len(page), list(page), page.has_more
    (2, [1, 2], False)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["Page"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """Items of one page, in query order, and the cursor to continue (``None``: the end)."""

    items: list[T]
    cursor: str | None = None

    @property
    def has_more(self) -> bool:
        """True when another page may follow (a cursor is present)."""
        return self.cursor is not None

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)
