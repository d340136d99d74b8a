"""DynamoDB's hard limits as named constants, and pure checks that enforce them client-side.

Why: a request over a limit costs a round trip and comes back as a ValidationException whose
text we must never parse (RELIABILITY.md, fact 6). Checking here, before anything is sent,
gives a precise error that names the limit, the value and the allowed maximum (R10, S9).

``item_size`` follows DynamoDB's item-size rules on *wire* items (the JSON form the codec in
:mod:`dynastack.core.values` produces). The rules below were checked byte for byte against
DynamoDB Local 3.3, which enforces them like AWS:

* an attribute costs the UTF-8 length of its name plus the size of its value;
* ``S``: UTF-8 bytes; ``B``: raw bytes (from the base64 length, without decoding);
* ``N``: one byte per *pair* of digits, pairs aligned on the decimal point, leading and
  trailing zero pairs dropped, plus one byte, plus one more if negative (AWS documents this
  as "about one byte per two significant digits, plus one"); zero is one byte;
* ``BOOL``, ``NULL``: 1; ``L``/``M``: 3 bytes plus, per element, 1 byte plus the element
  (and, in a map, its key's UTF-8 length); sets: the sum of their elements.

Example:
    >>> item_size({"a": {"S": "xyz"}, "n": {"N": "123"}})  # 1+3, then 1 + (2 pairs + 1)
    8
    >>> check_count("BatchWriteItem requests", 26, BATCH_WRITE_MAX)
    Traceback (most recent call last):
    ...
    dynastack.errors.LimitExceeded: BatchWriteItem requests: 26 exceeds DynamoDB's maximum of 25
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from dynastack.errors import EncodingError, ItemTooLarge, LimitExceeded

__all__ = [
    "ATTRIBUTE_NAME_MAX_BYTES",
    "BATCH_GET_MAX",
    "BATCH_WRITE_MAX",
    "BATCH_WRITE_MAX_BYTES",
    "EXPRESSION_MAX_BYTES",
    "ITEM_MAX_BYTES",
    "NESTING_MAX_DEPTH",
    "NUMBER_MAX",
    "NUMBER_MAX_DIGITS",
    "NUMBER_MAX_EXPONENT",
    "NUMBER_MIN_EXPONENT",
    "NUMBER_MIN_POSITIVE",
    "PARTITION_KEY_MAX_BYTES",
    "SORT_KEY_MAX_BYTES",
    "TRANSACT_MAX_ACTIONS",
    "TRANSACT_MAX_BYTES",
    "check_count",
    "check_expression_size",
    "check_item_size",
    "check_key_values",
    "item_size",
]

#: significant digits a DynamoDB number may have (leading and trailing zeros do not count)
NUMBER_MAX_DIGITS: Final = 38
#: largest decimal exponent of a number's leading digit (…E+125)
NUMBER_MAX_EXPONENT: Final = 125
#: smallest decimal exponent of a number's leading digit (1E-130)
NUMBER_MIN_EXPONENT: Final = -130
#: the largest magnitude DynamoDB stores
NUMBER_MAX: Final = Decimal("9.9999999999999999999999999999999999999E+125")
#: the smallest non-zero magnitude DynamoDB stores
NUMBER_MIN_POSITIVE: Final = Decimal("1E-130")
#: levels of nesting; the item is level 1, a map or list attribute level 2, and so on
NESTING_MAX_DEPTH: Final = 32
#: an item's size, names and values included
ITEM_MAX_BYTES: Final = 400 * 1024
#: put and delete requests in one BatchWriteItem
BATCH_WRITE_MAX: Final = 25
#: the total size of one BatchWriteItem request
BATCH_WRITE_MAX_BYTES: Final = 16 * 1024 * 1024
#: keys in one BatchGetItem
BATCH_GET_MAX: Final = 100
#: actions in one TransactWriteItems / TransactGetItems
TRANSACT_MAX_ACTIONS: Final = 100
#: the aggregate size of the items in one transaction
TRANSACT_MAX_BYTES: Final = 4 * 1024 * 1024
#: each expression string (condition, update, projection, filter, key condition)
EXPRESSION_MAX_BYTES: Final = 4 * 1024
#: a partition key value
PARTITION_KEY_MAX_BYTES: Final = 2048
#: a sort key value
SORT_KEY_MAX_BYTES: Final = 1024
#: an attribute name (key attributes and projected index attributes: 255)
ATTRIBUTE_NAME_MAX_BYTES: Final = 65535


def _text_size(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8"))


def _binary_size(value: str | bytes) -> int:
    if not isinstance(value, str):  # tolerate raw bytes, as botocore hands them over
        return len(value)
    length = len(value)
    if length and value[-1] == "=":
        return length // 4 * 3 - (2 if value[-2] == "=" else 1)
    return length // 4 * 3


def _number_size(text: str) -> int:
    digits = text.lstrip("-")
    if digits.isdigit():  # an integer: the common case, no Decimal needed
        negative = len(text) != len(digits)
        digits = digits.lstrip("0")
        significant = digits.rstrip("0")
        if not significant:
            return 1
        zeros = len(digits) - len(significant)
        return (len(digits) - 1) // 2 - zeros // 2 + 2 + negative
    try:
        sign, numerals, exponent = Decimal(text).as_tuple()
    except InvalidOperation:
        raise EncodingError(f"malformed N value {text[:60]!r}") from None
    if type(exponent) is not int:
        raise EncodingError(f"malformed N value {text[:60]!r}: not a finite number")
    end = len(numerals)
    while end and numerals[end - 1] == 0:
        end -= 1
    if not end:
        return 1
    lowest = exponent + len(numerals) - end  # the position of the last non-zero digit
    highest = exponent + len(numerals) - 1  # the position of the first digit
    return highest // 2 - lowest // 2 + 2 + sign


def _value_size(av: Mapping[str, Any]) -> int:
    for tag, value in av.items():
        if tag == "S":
            return _text_size(value)
        sizer = _SIZERS.get(tag)
        if sizer is None:
            raise EncodingError(f"unknown AttributeValue type {tag!r}")
        return sizer(value)
    raise EncodingError("empty AttributeValue: it must have exactly one type")


def _map_size(value: Mapping[str, Mapping[str, Any]]) -> int:
    return 3 + sum(1 + _text_size(name) + _value_size(av) for name, av in value.items())


_SIZERS: Final[dict[str, Callable[[Any], int]]] = {
    "N": _number_size,
    "B": _binary_size,
    "BOOL": lambda _: 1,
    "NULL": lambda _: 1,
    "SS": lambda values: sum(map(_text_size, values)),
    "NS": lambda values: sum(map(_number_size, values)),
    "BS": lambda values: sum(map(_binary_size, values)),
    "L": lambda values: 3 + sum(1 + _value_size(av) for av in values),
    "M": _map_size,
}


def item_size(wire_item: Mapping[str, Mapping[str, Any]]) -> int:
    """The size DynamoDB counts for a wire item, in bytes (what the 400 KB limit measures).

    >>> item_size({"pk": {"S": "a"}, "tags": {"L": [{"S": "x"}, {"BOOL": True}]}})
    14
    """
    return sum(_text_size(name) + _value_size(av) for name, av in wire_item.items())


def check_item_size(wire_item: Mapping[str, Mapping[str, Any]]) -> int:
    """Return the item's size, or raise ``ItemTooLarge`` naming its largest attributes.

    >>> check_item_size({"pk": {"S": "a"}})
    3
    """
    size = item_size(wire_item)
    if size > ITEM_MAX_BYTES:
        sizes = sorted(
            ((_text_size(name) + _value_size(av), name) for name, av in wire_item.items()),
            reverse=True,
        )
        largest = ", ".join(f"{name!r} ({n} bytes)" for n, name in sizes[:3])
        raise ItemTooLarge(
            f"item is {size} bytes; DynamoDB allows at most {ITEM_MAX_BYTES} bytes (400 KB); "
            f"largest attributes: {largest}",
            size,
            ITEM_MAX_BYTES,
        )
    return size


def check_count(what: str, n: int, limit: int) -> None:
    """Raise ``LimitExceeded`` when ``n`` of ``what`` is over ``limit``.

    >>> check_count("TransactWriteItems actions", 100, TRANSACT_MAX_ACTIONS)
    """
    if n > limit:
        raise LimitExceeded(f"{what}: {n} exceeds DynamoDB's maximum of {limit}")


def check_expression_size(what: str, expression: str) -> None:
    """Raise ``LimitExceeded`` when an expression string is over 4 KB in UTF-8.

    >>> check_expression_size("ConditionExpression", "attribute_not_exists(pk)")
    """
    size = _text_size(expression)
    if size > EXPRESSION_MAX_BYTES:
        raise LimitExceeded(
            f"{what} is {size} bytes; DynamoDB allows at most {EXPRESSION_MAX_BYTES} bytes"
        )


_KEY_TYPES: Final = ("S", "N", "B")


def check_key_values(
    wire_key: Mapping[str, Mapping[str, Any]], *, sort_key: str | None = None
) -> None:
    """Check a wire key: one or two attributes, each S/N/B, non-empty, within its size limit.

    Key values are limited to 2048 bytes, or 1024 for the attribute named ``sort_key``
    (when it is not given, every key attribute is held to the partition key's 2048).

    >>> try:
    ...     check_key_values({"pk": {"S": ""}})
    ... except EncodingError as error:
    ...     print(error)
    key attribute 'pk' is an empty string; DynamoDB key values cannot be empty
    """
    if not 1 <= len(wire_key) <= 2:
        raise EncodingError(
            f"a key has 1 or 2 attributes (partition key, optional sort key), "
            f"got {len(wire_key)}: {sorted(wire_key)}"
        )
    for name, av in wire_key.items():
        if len(av) != 1:
            raise EncodingError(f"key attribute {name!r} must have exactly one type: {av!r}")
        ((tag, value),) = av.items()
        if tag not in _KEY_TYPES:
            raise EncodingError(
                f"key attribute {name!r} is of type {tag}; key attributes must be S, N or B"
            )
        if not value:
            kind = {"S": "an empty string", "N": "an empty number", "B": "empty binary"}[tag]
            raise EncodingError(
                f"key attribute {name!r} is {kind}; DynamoDB key values cannot be empty"
            )
        limit = SORT_KEY_MAX_BYTES if name == sort_key else PARTITION_KEY_MAX_BYTES
        size = _value_size(av)
        if size > limit:
            which = "sort" if name == sort_key else "partition"
            raise LimitExceeded(
                f"key attribute {name!r} is {size} bytes; DynamoDB allows at most {limit} "
                f"bytes for a {which} key value"
            )
