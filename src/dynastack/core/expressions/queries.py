"""What a Query or a read needs beyond conditions: the key condition and the projection.

Why a separate ``KeyCondition``: DynamoDB accepts only partition-key equality plus at most one
sort-key ``= < <= > >= BETWEEN begins_with`` against values; anything else is rejected on the
server with a vague message. Checking the tree here gives a precise ``InvalidRequest`` before
anything is sent. Projections drop duplicate and nested-overlapping paths, which DynamoDB
rejects although the result would be the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from dynastack.core.expressions.conditions import (
    And,
    Between,
    Comparison,
    Condition,
    FunctionCall,
    In,
    Not,
    Operand,
    Or,
)
from dynastack.core.expressions.paths import Attr, Path
from dynastack.core.expressions.placeholders import Placeholders, check_length, check_name
from dynastack.errors import InvalidRequest

__all__ = ["KeyCondition", "projection"]


_KEY_OPERATORS = frozenset({"=", "<", "<=", ">", ">="})


@dataclass(frozen=True, slots=True)
class KeyCondition:
    """A Query's key condition: partition key equality and at most one sort-key condition.

    The sort-key condition is built like any condition on ``Attr(sort_key)`` but only
    ``== < <= > >=``, ``between`` and ``begins_with`` against values are accepted.

    >>> from dynastack.core.expressions import compile
    >>> ph = Placeholders()
    >>> compile(KeyCondition("pk", "ORG#1", Attr("sk").begins_with("DEP#")), ph)
    '#n0 = :v0 AND begins_with(#n1, :v1)'
    """

    partition_key: str
    partition_value: object
    sort: Condition | None = None

    def __post_init__(self) -> None:
        check_name(self.partition_key)
        if isinstance(self.partition_value, (Operand, Condition)):
            raise InvalidRequest(
                f"key condition: the partition key must equal a value, got {self.partition_value!r}"
            )
        if self.sort is not None:
            name = _sort_key_name(self.sort)
            if name == self.partition_key:
                raise InvalidRequest(
                    f"key condition: the sort-key condition names the partition key {name!r}"
                )

    @property
    def sort_key(self) -> str | None:
        """The sort key's attribute name, if there is a sort-key condition."""
        return None if self.sort is None else _sort_key_name(self.sort)

    def _render(self, ph: Placeholders) -> str:
        text = f"{ph.name(self.partition_key)} = {ph.value(self.partition_value)}"
        return text if self.sort is None else f"{text} AND {self.sort._render(ph)}"


def _sort_key_name(node: Condition) -> str:
    target: object
    values: tuple[object, ...]
    if isinstance(node, Comparison) and node.op in _KEY_OPERATORS:
        target, values = node.left, (node.right,)
    elif isinstance(node, Between):
        target, values = node.operand, (node.low, node.high)
    elif isinstance(node, FunctionCall) and node.function == "begins_with":
        target, values = node.args[0], node.args[1:]
    else:
        raise InvalidRequest(
            f"key condition: {_describe(node)} is not allowed on a sort key; "
            "use ==, <, <=, >, >=, between() or begins_with() on Attr(<sort key>)"
        )
    if not isinstance(target, Path) or len(target.elements) != 1:
        raise InvalidRequest(
            f"key condition: {_describe(node)} must apply to a top-level Attr(<sort key>), "
            f"not {target!r}"
        )
    if any(isinstance(value, (Operand, Condition)) for value in values):
        raise InvalidRequest(
            f"key condition: {_describe(node)} must compare the sort key with values, not paths"
        )
    return str(target.elements[0])


def _describe(node: Condition) -> str:
    if isinstance(node, Comparison):
        return f"comparison {node.op!r}"
    if isinstance(node, FunctionCall):
        return f"{node.function}()"
    labels = {Between: "between()", In: "is_in()", And: "& (AND)", Or: "| (OR)", Not: "~ (NOT)"}
    return labels.get(type(node), type(node).__name__)


def projection(paths: Iterable[Path | str], placeholders: Placeholders) -> str:
    """A ``ProjectionExpression``; a ``str`` is one top-level attribute, taken literally.

    DynamoDB rejects overlapping paths, so duplicates and paths inside another projected
    path are dropped: the returned item is the same.

    >>> ph = Placeholders()
    >>> projection(["id", Attr("meta")["owner"], Attr("meta")], ph), ph.names
    ('#n0, #n1', {'#n0': 'id', '#n1': 'meta'})
    """
    kept: list[Path] = []
    for item in paths:
        path = Attr(item) if isinstance(item, str) else item
        if not isinstance(path, Path):
            raise InvalidRequest(f"projection: expected a Path or str, got {item!r}")
        if any(_is_prefix(other, path) for other in kept):
            continue
        kept = [other for other in kept if not _is_prefix(path, other)]
        kept.append(path)
    if not kept:
        raise InvalidRequest("projection: at least one path is needed")
    return check_length(", ".join(path._render(placeholders) for path in kept), "projection")


def _is_prefix(short: Path, long: Path) -> bool:
    """``short`` is ``long`` or an ancestor of it (``a``, ``a.b``); ``a[0]``, ``a[1]`` are not."""
    n = len(short.elements)
    # compare (type, value) so that the map key "0" and the index 0 differ
    return n <= len(long.elements) and all(
        type(a) is type(b) and a == b
        for a, b in zip(short.elements, long.elements[:n], strict=True)
    )
