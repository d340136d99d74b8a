"""Request and response fields that many operations share, written once.

Expressions arrive as strings with their ``#name`` and ``:value`` maps (the builders in
``core.expressions`` produce exactly that triple). This module owns the three things every
expression-taking operation repeats: the 4 KB expression limit (checked when the value is
built, so nothing over-limit is ever sent, RELIABILITY R10), writing the attribute maps into
a request only when they are non-empty (DynamoDB rejects empty maps), and item identity for
the duplicate checks of batches and transactions.

The ``Literal`` aliases name DynamoDB's enumerations so that mypy catches a typo such as
``return_values="ALL_NEWS"`` before DynamoDB would.

Example:
    >>> req: dict[str, object] = {}
    >>> put_expression_args(req, {"#s": "status"}, {":v": 1})
    >>> req["ExpressionAttributeNames"], req["ExpressionAttributeValues"]
    ({'#s': 'status'}, {':v': {'N': '1'}})
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Literal

from dynastack.core.limits import EXPRESSION_MAX_BYTES, check_expression_size, check_key_values
from dynastack.core.values import decode_item, encode, encode_item
from dynastack.errors import InvalidRequest

__all__ = [
    "EXPRESSION_MAX_BYTES",
    "ItemIdentity",
    "ReturnCapacity",
    "ReturnMetrics",
    "ReturnOnFailure",
    "ReturnValues",
    "Select",
    "check_expression",
    "check_limit",
    "claim_item",
    "declared_sort_key",
    "decode_optional",
    "item_identity",
    "put_expression_args",
    "wire_key",
    "wire_start_key",
]

ReturnValues = Literal["NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"]
ReturnOnFailure = Literal["NONE", "ALL_OLD"]
ReturnCapacity = Literal["INDEXES", "TOTAL", "NONE"]
ReturnMetrics = Literal["SIZE", "NONE"]
Select = Literal["ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES", "SPECIFIC_ATTRIBUTES", "COUNT"]

#: (table, ((attribute, type, value), ...)) — equal for two keys that name the same item
ItemIdentity = tuple[str, tuple[tuple[str, str, object], ...]]


def check_expression(what: str, expression: str | None) -> None:
    """Reject an empty expression or one over 4 KB (UTF-8), naming which one it was.

    Example:
        >>> check_expression("ConditionExpression", "attribute_not_exists(pk)")
    """
    if expression is None:
        return
    if not expression:
        raise InvalidRequest(f"{what} must not be empty (leave it out instead)")
    # a character is at most 4 bytes, so short strings need no measuring at all
    if len(expression) * 4 > EXPRESSION_MAX_BYTES:
        check_expression_size(what, expression)


def check_limit(what: str, value: int | None, low: int, high: int | None = None) -> None:
    """Reject an integer parameter outside ``[low, high]`` (``None`` means not given).

    Example:
        >>> check_limit("Limit", 0, 1)
        Traceback (most recent call last):
        ...
        dynastack.errors.InvalidRequest: Limit must be >= 1, got 0
    """
    if value is None:
        return
    if isinstance(value, bool):
        raise InvalidRequest(f"{what} must be an int, got a bool")
    if value < low:
        raise InvalidRequest(f"{what} must be >= {low}, got {value}")
    if high is not None and value > high:
        raise InvalidRequest(f"{what} must be <= {high}, got {value}")


def put_expression_args(
    request: dict[str, Any],
    names: Mapping[str, str] | None,
    values: Mapping[str, object] | None,
) -> None:
    """Add ``ExpressionAttributeNames``/``Values`` to ``request`` when they are non-empty."""
    if names:
        request["ExpressionAttributeNames"] = dict(names)
    if values:
        request["ExpressionAttributeValues"] = {k: encode(v) for k, v in values.items()}


def wire_key(key: Mapping[str, object]) -> dict[str, dict[str, Any]]:
    """Encode a primary key and check its values (S/N/B only, no empty strings).

    Example:
        >>> wire_key({"pk": "USER#1"})
        {'pk': {'S': 'USER#1'}}
    """
    encoded = encode_item(key)
    check_key_values(encoded)
    return encoded


def wire_start_key(key: Mapping[str, object]) -> dict[str, dict[str, Any]]:
    """Encode an ``ExclusiveStartKey``, checking each value like a key value.

    An index's ``LastEvaluatedKey`` holds the table's key and the index's key (up to four
    attributes), so only the values are checked, not their number.

    Example:
        >>> wire_start_key({"pk": "a", "sk": 1, "gpk": "b", "gsk": 2})["gsk"]
        {'N': '2'}
    """
    encoded = encode_item(key)
    for name, value in encoded.items():
        check_key_values({name: value})
    return encoded


def decode_optional(wire_item: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Decode an optional wire item (``Item``, ``Attributes``, ``LastEvaluatedKey`` …).

    Example:
        >>> decode_optional(None), decode_optional({"n": {"N": "2"}})
        (None, {'n': 2})
    """
    if wire_item is None:
        return None
    return decode_item(wire_item)


def item_identity(table: str, wire_key: Mapping[str, Mapping[str, Any]]) -> ItemIdentity:
    """A hashable identity of the item ``wire_key`` names in ``table``.

    Numbers compare by value (``"1"`` and ``"1.0"`` are one key to DynamoDB), strings and
    base64 binaries by text.

    Example:
        >>> a = item_identity("t", {"pk": {"N": "1"}, "sk": {"S": "x"}})
        >>> a == item_identity("t", {"sk": {"S": "x"}, "pk": {"N": "1.0"}})
        True
    """
    parts: list[tuple[str, str, object]] = []
    for name, av in wire_key.items():
        for kind, raw in av.items():
            parts.append((name, kind, Decimal(raw) if kind == "N" else raw))
    # attribute names are unique within a key, so sorting never compares the values
    parts.sort(key=_first)
    return (table, tuple(parts))


def _first(part: tuple[str, str, object]) -> str:
    return part[0]


def claim_item(seen: set[ItemIdentity], table: str, wire_key: Mapping[str, Any]) -> bool:
    """Add the item to ``seen``; ``False`` when it was already there (a duplicate).

    Example:
        >>> seen: set[ItemIdentity] = set()
        >>> claim_item(seen, "t", {"pk": {"S": "a"}}), claim_item(seen, "t", {"pk": {"S": "a"}})
        (True, False)
    """
    identity = item_identity(table, wire_key)
    if identity in seen:
        return False
    seen.add(identity)
    return True


def declared_sort_key(declared: bool, names: Sequence[str]) -> str | None:
    """The sort key's name when ``names`` were declared as ``(partition, sort)``.

    Names inferred from another request's key come in no known order, so they give none.
    """
    return names[1] if declared and len(names) == 2 else None
