"""Condition trees: comparisons, BETWEEN, IN, functions, and AND / OR / NOT.

Why a tree: it renders names and values only through ``Placeholders`` (RELIABILITY S8), and
it puts parentheses where precedence needs them (DynamoDB binds NOT > AND > OR, like Python's
``not``/``and``/``or``), so ``a | b & c`` and ``(a | b) & c`` keep their meaning. ``And`` and
``Or`` are n-ary so that long chains stay flat and short (4 KB per expression).

A ``Condition`` refuses ``bool()``: ``a == 1 and b == 2`` or ``0 < a < 5`` would silently drop
half of the condition; they raise ``TypeError`` instead. Build conditions from ``Attr``
(``paths.py``); the classes here are public so that callers can inspect a tree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import ClassVar

from dynastack.core.expressions.placeholders import IN_MAX_OPERANDS, Placeholders
from dynastack.errors import InvalidRequest, LimitExceeded

__all__ = [
    "COMPARISON_OPERATORS",
    "CONDITION_FUNCTIONS",
    "And",
    "Between",
    "Comparison",
    "Condition",
    "FunctionCall",
    "In",
    "Not",
    "Operand",
    "Or",
    "render_operand",
]


#: the comparison operators of DynamoDB's condition language
COMPARISON_OPERATORS = frozenset({"=", "<>", "<", "<=", ">", ">="})
#: condition functions → number of arguments (the first is always a path)
CONDITION_FUNCTIONS: Mapping[str, int] = MappingProxyType(
    {
        "attribute_exists": 1,
        "attribute_not_exists": 1,
        "attribute_type": 2,
        "begins_with": 2,
        "contains": 2,
    }
)


class Operand:
    """A path or ``size(path)``: rendered in place, never as a value placeholder."""

    __slots__ = ()

    def _render(self, ph: Placeholders) -> str:
        raise NotImplementedError


def render_operand(operand: object, ph: Placeholders) -> str:
    """A path or ``size()`` rendered in place; anything else becomes a value placeholder.

    >>> ph = Placeholders()
    >>> render_operand("x", ph), ph.values
    (':v0', {':v0': 'x'})
    """
    if isinstance(operand, Operand):
        return operand._render(ph)
    if isinstance(operand, Condition):
        raise InvalidRequest(f"a condition cannot be used as a value: {operand!r}")
    return ph.value(operand)


class Condition:
    """A node of a condition tree; combine with ``&`` (AND), ``|`` (OR) and ``~`` (NOT)."""

    __slots__ = ()
    #: binding strength: OR 0 < AND 1 < NOT 2 < comparisons and functions 3
    precedence: ClassVar[int] = 3

    def __and__(self, other: Condition) -> Condition:
        if not isinstance(other, Condition):
            return NotImplemented
        return And((*_flatten(self, And), *_flatten(other, And)))

    def __or__(self, other: Condition) -> Condition:
        if not isinstance(other, Condition):
            return NotImplemented
        return Or((*_flatten(self, Or), *_flatten(other, Or)))

    def __invert__(self) -> Condition:
        return Not(self)

    def __bool__(self) -> bool:
        raise TypeError("a Condition has no truth value: combine with & | ~, not and/or/not")

    def _render(self, ph: Placeholders) -> str:
        raise NotImplementedError

    def _render_child(self, child: Condition, ph: Placeholders) -> str:
        text = child._render(ph)
        return f"({text})" if child.precedence < self.precedence else text


def _flatten(node: Condition, kind: type[And] | type[Or]) -> tuple[Condition, ...]:
    return node.children if isinstance(node, kind) else (node,)


@dataclass(frozen=True, slots=True, eq=False)
class Comparison(Condition):
    """``left op right`` with op one of ``= <> < <= > >=``."""

    op: str
    left: object
    right: object

    def __post_init__(self) -> None:
        # the operator is the only text written as is: it must come from the table (S8)
        if self.op not in COMPARISON_OPERATORS:
            raise InvalidRequest(
                f"comparison operator {self.op!r} is not one of {sorted(COMPARISON_OPERATORS)}"
            )

    def _render(self, ph: Placeholders) -> str:
        return f"{render_operand(self.left, ph)} {self.op} {render_operand(self.right, ph)}"


@dataclass(frozen=True, slots=True, eq=False)
class Between(Condition):
    """``operand BETWEEN low AND high``."""

    operand: object
    low: object
    high: object

    def _render(self, ph: Placeholders) -> str:
        operand = render_operand(self.operand, ph)
        return (
            f"{operand} BETWEEN {render_operand(self.low, ph)} AND {render_operand(self.high, ph)}"
        )


@dataclass(frozen=True, slots=True, eq=False)
class In(Condition):
    """``operand IN (a, b, …)`` with 1 to ``IN_MAX_OPERANDS`` options."""

    operand: object
    options: tuple[object, ...]

    def __post_init__(self) -> None:
        if not self.options:
            raise InvalidRequest("is_in() needs at least one value")
        if len(self.options) > IN_MAX_OPERANDS:
            raise LimitExceeded(
                f"is_in() got {len(self.options)} values; DynamoDB allows at most "
                f"{IN_MAX_OPERANDS} operands in one IN"
            )

    def _render(self, ph: Placeholders) -> str:
        operand = render_operand(self.operand, ph)  # first: placeholders follow reading order
        options = ", ".join(render_operand(option, ph) for option in self.options)
        return f"{operand} IN ({options})"


@dataclass(frozen=True, slots=True, eq=False)
class FunctionCall(Condition):
    """A condition function: ``attribute_exists``, ``begins_with``, ``contains`` …"""

    function: str
    args: tuple[object, ...]

    def __post_init__(self) -> None:
        # the function name is written as is: it must come from the table (S8)
        arity = CONDITION_FUNCTIONS.get(self.function)
        if arity is None:
            raise InvalidRequest(
                f"condition function {self.function!r} is not one of {sorted(CONDITION_FUNCTIONS)}"
            )
        if len(self.args) != arity or not isinstance(self.args[0], Operand):
            raise InvalidRequest(
                f"{self.function}() takes a path and {arity - 1} more argument(s), "
                f"got {self.args!r}"
            )

    def _render(self, ph: Placeholders) -> str:
        return f"{self.function}({', '.join(render_operand(arg, ph) for arg in self.args)})"


@dataclass(frozen=True, slots=True, eq=False)
class And(Condition):
    """All children hold (n-ary, so ``a & b & c`` needs no parentheses)."""

    children: tuple[Condition, ...]
    precedence: ClassVar[int] = 1

    def _render(self, ph: Placeholders) -> str:
        return " AND ".join(self._render_child(child, ph) for child in self.children)


@dataclass(frozen=True, slots=True, eq=False)
class Or(Condition):
    """At least one child holds."""

    children: tuple[Condition, ...]
    precedence: ClassVar[int] = 0

    def _render(self, ph: Placeholders) -> str:
        return " OR ".join(self._render_child(child, ph) for child in self.children)


@dataclass(frozen=True, slots=True, eq=False)
class Not(Condition):
    """The child does not hold; ``~~c`` is ``c`` again."""

    child: Condition
    precedence: ClassVar[int] = 2

    def __invert__(self) -> Condition:
        return self.child

    def _render(self, ph: Placeholders) -> str:
        return f"NOT {self._render_child(self.child, ph)}"
