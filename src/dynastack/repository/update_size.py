"""Refusing an update whose result is over 400 KB before it is sent, where that can be known.

Why: a put is checked against DynamoDB's item limit before sending (core/limits.py), but an
update changes an item the client does not hold, so its result's size is in general only known
to the server, which answers ``ValidationException: Item size to update has exceeded the
maximum allowed size`` after a round trip. Part of the result is known, though: the key, and
every top-level attribute the update SETs to a value (or appends a list to) will be in it, at
least that large. When those alone are over the limit, the update cannot succeed, and it is
refused here with ``ItemTooLarge`` naming the largest of them, and nothing is sent.

What only the server can know (docs/resilience.md): the attributes the update leaves alone,
what an ``if_not_exists`` keeps, the list an append extends, a number an ``ADD`` grows, and
values SET inside a map or list (``a.b = v``): an update under the limit by this count may still
be refused by DynamoDB, and that refusal arrives as ``ValidationFailed``.

Example:
    >>> from dynastack.core.updates import Update
    >>> lower_bound({"PK": "DOC#1"}, Update().set("body", "x" * 10).remove("old"))
    21
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dynastack.core.expressions import Operand
from dynastack.core.limits import ITEM_MAX_BYTES, item_size
from dynastack.core.updates import Update
from dynastack.core.values import encode, encode_item
from dynastack.errors import ItemTooLarge

__all__ = ["check_update_size", "lower_bound"]

#: actions whose value is certainly part of the result, whole: the attribute becomes the value
#: (``set``), or a list that contains the given values (``append``, ``prepend``)
_CERTAIN = frozenset({"set", "append", "prepend"})


def _known(key: Mapping[str, object], update: Update) -> dict[str, dict[str, Any]]:
    """The part of the result item known before sending: the key and the values set whole."""
    known = encode_item(dict(key))
    for action in update.actions:
        elements = action.path.elements
        if action.kind not in _CERTAIN or len(elements) != 1 or isinstance(action.value, Operand):
            continue
        value = action.value
        if action.kind != "set":
            value = list(value)  # type: ignore[call-overload]  # a tuple of the given values
        known[str(elements[0])] = encode(value)
    return known


def lower_bound(key: Mapping[str, object], update: Update) -> int:
    """The least size, in bytes, of the item ``update`` leaves at ``key`` (see the module doc)."""
    return item_size(_known(key, update))


def check_update_size(what: str, key: Mapping[str, object], update: Update) -> None:
    """Raise ``ItemTooLarge`` when the known part of ``update``'s result is over 400 KB."""
    known = _known(key, update)
    size = item_size(known)
    if size <= ITEM_MAX_BYTES:
        return
    sizes = sorted(((item_size({name: av}), name) for name, av in known.items()), reverse=True)
    largest = ", ".join(f"{name!r} ({n} bytes)" for n, name in sizes[:3])
    raise ItemTooLarge(
        f"{what}: the attributes it sets make the item at least {size} bytes; DynamoDB allows "
        f"at most {ITEM_MAX_BYTES} bytes (400 KB); largest: {largest}; nothing was sent",
        size,
        ITEM_MAX_BYTES,
    )
