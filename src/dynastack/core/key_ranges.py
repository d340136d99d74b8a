"""A range on one field of a template sort key, as the one sort-key condition DynamoDB takes.

Why: with ``sk="ORDER#{created_at}#{order_id}"`` a caller asks for ``created_at`` between two
times, but DynamoDB compares the whole key text and allows one condition on it. This module
turns ``(field, operator, bounds)`` into that one condition, so that the answer is exactly the
items whose field is in the range and whose key begins with the template's text before the
field (``ORDER#``, or ``R#eu#`` with the earlier fields given): other item types sharing the
partition (``PROFILE``) are never read.

The semantics, stated once (docs/querying.md repeats them). Let ``P`` be the text before the
field and ``S`` the literal right after it. A range compares the field's *stored text*, the way
DynamoDB orders keys (UTF-8 bytes, which is code-point order):

* ``between(a, b)`` and ``le(b)`` include every item whose field is ``b``, whatever follows it
  (the upper bound is ``P + b + S + MAX``, ``MAX`` being U+10FFFF, above every character);
* ``gt(a)`` excludes every item whose field is ``a``, whatever follows it; ``lt(b)`` excludes
  ``b``; ``ge(a)`` includes ``a``: inclusive and exclusive ends mean the field's value, never
  the rest of the key;
* ``begins_with(p)`` matches fields whose text starts with ``p`` (``"2024-05"``).

This is the field's own order when its texts have one width (datetimes and dates as the codec
stores them, UUIDs, zero-padded numbers, fixed-length ids). With variable-width texts, key order
is text order *with the separator appended*: ``"ab" + "#"`` sorts after ``"ab!" + "#"`` because
``!`` < ``#``, so ``gt("ab")`` does not match ``"ab!"``. Keep range fields fixed-width (ints are
not padded by templates: ``"10" < "9"``). A field text that starts with U+10FFFF is out of reach
of the open ends (no key holds one in practice).

Example:
    >>> from dynastack.core.keys import KeyTemplate
    >>> sk = KeyTemplate("ORDER#{day}#{order_id}")
    >>> field_range(sk, "day", "between", ("2024-05-01", "2024-05-03"), {})
    ('between', ('ORDER#2024-05-01', 'ORDER#2024-05-03#\\U0010ffff'))
    >>> field_range(sk, "day", ">", ("2024-05-01",), {})
    ('between', ('ORDER#2024-05-01#\\U0010ffff', 'ORDER#\\U0010ffff'))
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Literal

from dynastack.core.keys import KeyTemplate
from dynastack.errors import InvalidRequest

__all__ = ["KEY_TEXT_MAX", "RangeOperator", "field_range"]

#: above every character a key can hold: closes "everything that starts with this text"
KEY_TEXT_MAX = "\U0010ffff"

#: the sort-key operators DynamoDB accepts
RangeOperator = Literal["=", "<", "<=", ">", ">=", "between", "begins_with"]

_SURROGATES = range(0xD800, 0xE000)


def _before(text: str) -> str:
    """The greatest key text below ``text`` (to the width of one ``MAX``): an inclusive
    upper bound standing for the exclusive ``< text``."""
    last = ord(text[-1])
    if last == 0:
        return text[:-1]
    previous = last - 1
    if previous in _SURROGATES:  # not a character: step over the surrogate block
        previous = _SURROGATES.start - 1
    return text[:-1] + chr(previous) + KEY_TEXT_MAX


#: a range as (low, low is strict, high, high is strict) in key text; ``None``: open
Interval = tuple[str | None, bool, str | None, bool]

#: operator → its interval, from the text before the field, the bound texts and the tail
#: (the separator and MAX when the template goes on after the field, else "")
_INTERVALS: dict[str, Callable[[str, list[str], str], Interval]] = {
    ">=": lambda p, t, tail: (p + t[0], False, None, False),
    ">": lambda p, t, tail: (p + t[0] + tail, not tail, None, False),
    "<=": lambda p, t, tail: (None, False, p + t[0] + tail, False),
    "<": lambda p, t, tail: (None, False, p + t[0], True),
    "between": lambda p, t, tail: (p + t[0], False, p + t[1] + tail, False),
}

_ONE_SIDED: dict[tuple[bool, bool], RangeOperator] = {
    (True, False): ">=",
    (True, True): ">",
    (False, False): "<=",
    (False, True): "<",
}


def field_range(
    template: KeyTemplate,
    field: str,
    op: RangeOperator,
    bounds: tuple[object, ...],
    values: Mapping[str, object],
) -> tuple[RangeOperator, tuple[str, ...]]:
    """The sort-key condition ``(operator, texts)`` for ``field <op> bounds``.

    ``values`` gives the template's fields before ``field`` (equality); ``bounds`` are field
    values (rendered as the template renders them) or, for ``begins_with``, a text prefix.
    """
    prefix, separator = template.around(field, values)
    where = f"sort key {template.template!r}: {field} {op}"
    if op == "begins_with":
        (start,) = bounds
        if not isinstance(start, str):
            raise InvalidRequest(f"{where}: begins_with takes a str, got {type(start).__name__}")
        return "begins_with", (prefix + start,)
    texts = [template.text(field, bound) for bound in bounds]
    if op == "=":
        if separator is None:
            return "=", (prefix + texts[0],)
        return "begins_with", (prefix + texts[0] + separator,)
    interval = _INTERVALS.get(op)
    if interval is None:
        raise InvalidRequest(f"{where}: unknown sort-key operator {op!r}")
    if any(not text for text in texts):
        raise InvalidRequest(f"{where}: a range bound must not be empty")
    if op == "between" and texts[0] > texts[1]:
        raise InvalidRequest(
            f"{where}: between({texts[0]!r}, {texts[1]!r}) has its low end above its high end"
        )
    tail = "" if separator is None else separator + KEY_TEXT_MAX
    low, low_strict, high, high_strict = interval(prefix, texts, tail)
    if not prefix and (low is None or high is None):  # nothing to stay inside: one side
        return _ONE_SIDED[(low is not None, low_strict or high_strict)], (low or high or "",)
    # inside the prefix: both ends, inclusive, as BETWEEN takes them
    low = prefix if low is None else low + "\x00" if low_strict else low
    high = prefix + KEY_TEXT_MAX if high is None else _before(high) if high_strict else high
    return "between", (low, high)
