"""Condition, key-condition and projection expressions as typed trees compiled to placeholders.

Why a tree and not strings: DynamoDB expressions are a small language, and a string-built
expression lets an attribute name such as ``a) OR attribute_exists(b`` change what a condition
means (RELIABILITY S8). Here a name is only ever written as a ``#n`` placeholder and a value
only as a ``:v`` placeholder, so a compiled string holds nothing the caller wrote:
placeholders, operators, function names and list indexes (digits).

The package is split by noun: ``placeholders`` (the per-request name/value maps and the 4 KB
limit), ``paths`` (``Attr``, ``Path``, ``size``), ``conditions`` (the condition tree) and
``queries`` (``KeyCondition``, ``projection``). Update expressions live in ``core.updates``.

Example:
    >>> ph = Placeholders()
    >>> cond = (Attr("status") == "DEPLOYED") & ~Attr("deleted_at").exists()
    >>> compile(cond, ph)
    '#n0 = :v0 AND NOT attribute_exists(#n1)'
    >>> ph.names, ph.values
    ({'#n0': 'status', '#n1': 'deleted_at'}, {':v0': 'DEPLOYED'})
"""

from __future__ import annotations

from dynastack.core.expressions.conditions import (
    COMPARISON_OPERATORS,
    CONDITION_FUNCTIONS,
    And,
    Between,
    Comparison,
    Condition,
    FunctionCall,
    In,
    Not,
    Operand,
    Or,
    render_operand,
)
from dynastack.core.expressions.paths import Attr, Path, Size
from dynastack.core.expressions.placeholders import (
    EXPRESSION_MAX_BYTES,
    IN_MAX_OPERANDS,
    Placeholders,
    check_length,
    check_name,
)
from dynastack.core.expressions.queries import KeyCondition, projection
from dynastack.errors import InvalidRequest

__all__ = [
    "COMPARISON_OPERATORS",
    "CONDITION_FUNCTIONS",
    "EXPRESSION_MAX_BYTES",
    "IN_MAX_OPERANDS",
    "And",
    "Attr",
    "Between",
    "Comparison",
    "Condition",
    "FunctionCall",
    "In",
    "KeyCondition",
    "Not",
    "Operand",
    "Or",
    "Path",
    "Placeholders",
    "Size",
    "check_length",
    "check_name",
    "compile",
    "projection",
    "render_operand",
]


def compile(node: Condition | KeyCondition, placeholders: Placeholders) -> str:
    """The expression string for a condition or key condition, within DynamoDB's 4 KB.

    >>> ph = Placeholders()
    >>> compile((Attr("a") < Attr("b")) | Attr("tags").size().between(1, 3), ph)
    '#n0 < #n1 OR size(#n2) BETWEEN :v0 AND :v1'
    """
    if not isinstance(node, (Condition, KeyCondition)):
        raise InvalidRequest(f"compile: expected a Condition or KeyCondition, got {node!r}")
    what = "key condition" if isinstance(node, KeyCondition) else "condition"
    return check_length(node._render(placeholders), what)
