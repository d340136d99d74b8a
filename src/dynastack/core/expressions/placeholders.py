"""Placeholders: the only way a name or a value reaches an expression string.

Why: RELIABILITY S8. A name is written as ``#n<k>`` and a value as ``:v<k>``, so nothing the
caller wrote is ever spliced into an expression. One ``Placeholders`` object serves every
expression of ONE request (condition, update, projection …), because DynamoDB takes a single
``ExpressionAttributeNames`` / ``ExpressionAttributeValues`` pair per request and rejects
entries no expression uses. The same attribute name always reuses its placeholder; values are
shared only when they are equal scalars of the same exact type (``1`` and ``True`` never merge,
nor ``Decimal("1.0")`` and ``Decimal("1")``): simple, and it cannot change a meaning. Values
stay Python objects; the operation encodes them with the codec.
"""

from __future__ import annotations

from decimal import Decimal

from dynastack.core.limits import EXPRESSION_MAX_BYTES
from dynastack.errors import InvalidRequest, LimitExceeded

__all__ = [
    "EXPRESSION_MAX_BYTES",
    "IN_MAX_OPERANDS",
    "Placeholders",
    "check_length",
    "check_name",
]

#: DynamoDB's limit on the operands of one IN comparator
IN_MAX_OPERANDS = 100

#: exact types whose equal values may share one placeholder (containers never do)
_SHAREABLE: frozenset[type] = frozenset({str, bytes, int, bool, Decimal})


class Placeholders:
    """The ``#n`` / ``:v`` placeholders of one request; share it across that request's expressions.

    After an error the object may hold entries no expression uses: discard it with the request.
    Send ``names`` / ``values`` only when non-empty (DynamoDB rejects empty maps).

    >>> ph = Placeholders()
    >>> ph.name("a.b"), ph.name("a.b"), ph.value(1), ph.value(True), ph.value(1)
    ('#n0', '#n0', ':v0', ':v1', ':v0')
    >>> ph.names, ph.values
    ({'#n0': 'a.b'}, {':v0': 1, ':v1': True})
    """

    __slots__ = ("_by_name", "_by_value", "_values")

    def __init__(self) -> None:
        self._by_name: dict[str, str] = {}
        self._values: dict[str, object] = {}
        self._by_value: dict[tuple[type, object], str] = {}

    def name(self, name: str) -> str:
        """The placeholder for attribute (or map key) ``name``, reused for the same name."""
        placeholder = self._by_name.get(name)
        if placeholder is None:
            check_name(name)
            placeholder = f"#n{len(self._by_name)}"
            self._by_name[name] = placeholder
        return placeholder

    def value(self, value: object) -> str:
        """The placeholder for ``value``; equal scalars of the same exact type share one."""
        kind = type(value)
        if kind in _SHAREABLE:
            # Decimal("1.0") == Decimal("1") but they are written differently: key on the text
            key = (kind, str(value) if kind is Decimal else value)
            placeholder = self._by_value.get(key)
            if placeholder is None:
                placeholder = self._by_value[key] = self._new_value(value)
            return placeholder
        return self._new_value(value)

    def _new_value(self, value: object) -> str:
        placeholder = f":v{len(self._values)}"
        self._values[placeholder] = value
        return placeholder

    @property
    def names(self) -> dict[str, str]:
        """``ExpressionAttributeNames``: placeholder → attribute name."""
        return {placeholder: name for name, placeholder in self._by_name.items()}

    @property
    def values(self) -> dict[str, object]:
        """``ExpressionAttributeValues`` as Python values: placeholder → value."""
        return dict(self._values)


def check_name(name: object) -> None:
    """Reject what DynamoDB cannot take as an attribute name: empty, not a str, not UTF-8."""
    if not isinstance(name, str) or not name:
        raise InvalidRequest(f"an attribute name must be a non-empty str, got {name!r}")
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidRequest(f"attribute name {name!r} is not valid UTF-8") from None


def check_length(expression: str, what: str) -> str:
    """``expression`` unchanged, or ``LimitExceeded`` when over ``EXPRESSION_MAX_BYTES``."""
    # compiled expressions are ASCII (placeholders, operators, digits): characters are bytes
    if len(expression) > EXPRESSION_MAX_BYTES:
        raise LimitExceeded(
            f"the {what} expression is {len(expression)} bytes; DynamoDB allows "
            f"{EXPRESSION_MAX_BYTES} per expression: split the request or use fewer paths/values"
        )
    return expression
