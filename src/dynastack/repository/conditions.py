"""Sort-key conditions for queries: ``between``, ``begins_with``, ``gt``, ``ge``, ``lt``, ``le``.

Why a separate small type instead of ``Attr(...)`` conditions: the caller names the sort key
by its *field* (``created_at=between(a, b)``) or, for a template sort key, as ``sk=``; the
repository knows which attribute that is and how the field's values are stored (a datetime as
fixed-width UTC text, an enum as its value). A ``SortCondition`` holds only the operator and the
values; ``to_condition`` turns it into a key condition on the right attribute, with the values
converted by the repository first. Only what DynamoDB allows on a sort key exists here.

Example:
    >>> from dynastack.core.expressions import Placeholders, compile
    >>> cond = between(1, 5).to_condition("year")
    >>> compile(cond, Placeholders())
    '#n0 BETWEEN :v0 AND :v1'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from dynastack.core.expressions import Attr, Condition
from dynastack.errors import InvalidRequest

__all__ = [
    "SortCondition",
    "begins_with",
    "between",
    "eq",
    "ge",
    "gt",
    "le",
    "lt",
]

SortOperator = Literal["=", "<", "<=", ">", ">=", "between", "begins_with"]

#: operator → how it becomes a condition on the sort-key attribute
_BUILD: dict[str, Callable[[Attr, tuple[object, ...]], Condition]] = {
    "=": lambda a, v: a == v[0],
    "<": lambda a, v: a < v[0],
    "<=": lambda a, v: a <= v[0],
    ">": lambda a, v: a > v[0],
    ">=": lambda a, v: a >= v[0],
    "between": lambda a, v: a.between(v[0], v[1]),
    "begins_with": lambda a, v: a.begins_with(v[0]),
}


@dataclass(frozen=True, slots=True)
class SortCondition:
    """A condition on a query's sort key: an operator and its one or two values."""

    op: SortOperator
    values: tuple[object, ...]

    def map(self, convert: Callable[[object], object]) -> SortCondition:
        """The same condition with every value converted (to its stored form)."""
        return SortCondition(self.op, tuple(convert(v) for v in self.values))

    def to_condition(self, attribute: str) -> Condition:
        """The key-condition tree on ``attribute``; a ``between`` whose stored ends are the
        wrong way round is refused here (DynamoDB answers it with a ValidationException)."""
        if self.op == "between" and _reversed(*self.values):
            raise InvalidRequest(
                f"between on {attribute!r}: the low end is above the high end, so nothing "
                "can match; give (low, high)"
            )
        return _BUILD[self.op](Attr(attribute), self.values)


def _reversed(low: object, high: object) -> bool:
    # stored forms: text compares by code point (UTF-8's byte order), numbers and bytes as such
    for kinds in ((str,), (bytes,), (int, Decimal)):
        if isinstance(low, kinds) and isinstance(high, kinds):
            return bool(low > high)  # type: ignore[operator]
    return False


def eq(value: object) -> SortCondition:
    """Sort key equals ``value`` (the same as passing the value itself)."""
    return SortCondition("=", (value,))


def lt(value: object) -> SortCondition:
    """Sort key < ``value``."""
    return SortCondition("<", (value,))


def le(value: object) -> SortCondition:
    """Sort key <= ``value``."""
    return SortCondition("<=", (value,))


def gt(value: object) -> SortCondition:
    """Sort key > ``value``."""
    return SortCondition(">", (value,))


def ge(value: object) -> SortCondition:
    """Sort key >= ``value``."""
    return SortCondition(">=", (value,))


def between(low: object, high: object) -> SortCondition:
    """``low <= sort key <= high`` (inclusive at both ends, as DynamoDB's BETWEEN)."""
    return SortCondition("between", (low, high))


def begins_with(prefix: str | bytes) -> SortCondition:
    """Sort key starts with ``prefix`` (strings and binary only)."""
    return SortCondition("begins_with", (prefix,))
