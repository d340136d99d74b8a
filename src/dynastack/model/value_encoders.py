"""``core.values``' encoding rules for the commonest exact types, as small direct functions.

Why: the fused entity codec (``model.codec``) knows each field's declared type, so for a value
of exactly that type it can skip the general type table and call (or inline) the one rule that
applies. Each function here returns what ``core.values.encode`` returns for the same value and
hands anything outside its fast case to ``encode`` itself, so limits and error messages stay
``core.values``' own; ``tests/model/test_codec.py`` holds the two to equality.

Datetimes with a zero UTC offset are formatted by orjson (in Rust), about three times faster
than ``%``-formatting; only tzinfos known to be exactly zero take that path, because orjson
rounds sub-minute offsets away.

Example:
    >>> from decimal import Decimal
    >>> enc_decimal(Decimal("9.99")), enc_any(Decimal("9.99")) == encode(Decimal("9.99"))
    ({'N': '9.99'}, True)
"""

from __future__ import annotations

import datetime as dt
import enum
from binascii import b2a_base64
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Final

import orjson
from pydantic_core import TzInfo

from dynastack.core.limits import (
    NESTING_MAX_DEPTH,
    NUMBER_MAX_DIGITS,
    NUMBER_MAX_EXPONENT,
    NUMBER_MIN_EXPONENT,
    NUMBER_MIN_POSITIVE,
)
from dynastack.core.values import encode

__all__ = [
    "FLOAT_LIMIT",
    "FLOAT_MIN",
    "INT_LIMIT",
    "enc_any",
    "enc_bytes",
    "enc_datetime",
    "enc_decimal",
    "enc_dict",
    "enc_enum",
    "enc_float",
    "enc_int",
    "enc_list",
    "plain_str_enum",
]

Wire = dict[str, Any]

#: every int strictly inside ±INT_LIMIT passes all of DynamoDB's number checks
INT_LIMIT: Final = 10**NUMBER_MAX_DIGITS
#: floats in [FLOAT_MIN, FLOAT_LIMIT) (and zero) are in range; repr() agrees at the bounds
FLOAT_MIN: Final = float(NUMBER_MIN_POSITIVE)
FLOAT_LIMIT: Final = 10.0 ** (NUMBER_MAX_EXPONENT + 1)
_NEG_INT_LIMIT: Final = -INT_LIMIT
_ATTR_LEVEL: Final = 2  # a top-level attribute's value
_UTC: Final = dt.UTC
_UTC_Z: Final = orjson.OPT_UTC_Z
_dumps: Final = orjson.dumps


def enc_int(v: int) -> Wire:
    """An exact ``int``."""
    if _NEG_INT_LIMIT < v < INT_LIMIT:
        return {"N": str(v)}
    return encode(v)


def enc_float(v: float) -> Wire:
    """An exact ``float``: its shortest repr, never its binary expansion."""
    if v == 0.0 or FLOAT_MIN <= abs(v) < FLOAT_LIMIT:  # also False for NaN and ±inf
        return {"N": repr(v)}
    return encode(v)


def enc_decimal(v: Decimal) -> Wire:
    """An exact ``Decimal``: a short finite text has few enough digits."""
    text = str(v)
    if (
        len(text) <= NUMBER_MAX_DIGITS
        and v.is_finite()
        and NUMBER_MIN_EXPONENT <= v.adjusted() <= NUMBER_MAX_EXPONENT
    ):
        return {"N": text}
    return encode(v)


def enc_bytes(v: bytes) -> Wire:
    """Exact ``bytes``, as a base64 string."""
    return {"B": b2a_base64(v, newline=False).decode("ascii")}


def enc_datetime(v: dt.datetime) -> Wire:
    """An exact ``datetime``, in UTC with a fixed width (``2024-01-15T10:30:00.123456Z``)."""
    tz = v.tzinfo
    if tz is _UTC or (type(tz) is TzInfo and not tz.utcoffset(None)):
        text = _dumps(v, option=_UTC_Z)  # b'"2024-01-15T10:30:00.123456Z"', 4-digit year
        if len(text) == 29:
            return {"S": text[1:28].decode("ascii")}
        if len(text) == 22:  # orjson leaves out a zero microsecond; the stored form has it
            return {"S": text[1:20].decode("ascii") + ".000000Z"}
    return encode(v)


def enc_list(v: list[Any]) -> Wire:
    """An exact ``list``; a list of plain strings without the general walk."""
    out = []
    for x in v:
        if type(x) is not str:
            return encode(v)
        out.append({"S": x})
    return {"L": out}


class _Unusual(Exception):
    """Internal: ``enc_dict`` met something it leaves to ``core.values``."""


def _map(v: dict[Any, Any], level: int) -> dict[str, Wire]:
    # level: this map's own nesting level, as core.values counts it (the item is level 1)
    if level > NESTING_MAX_DEPTH:
        raise _Unusual
    out: dict[str, Wire] = {}
    for key, x in v.items():
        if type(key) is not str or not key:
            raise _Unusual
        kind = type(x)
        if kind is str:
            out[key] = {"S": x}
        elif kind is int and _NEG_INT_LIMIT < x < INT_LIMIT:
            out[key] = {"N": str(x)}
        elif kind is bool:
            out[key] = {"BOOL": x}
        elif kind is dict:
            out[key] = {"M": _map(x, level + 1)}
        elif x is None:
            out[key] = {"NULL": True}
        else:
            raise _Unusual
    return out


def enc_dict(v: dict[Any, Any]) -> Wire:
    """An exact ``dict`` of strings, small ints, bools, None and such dicts; else ``encode``."""
    try:
        return {"M": _map(v, _ATTR_LEVEL)}
    except _Unusual:
        return encode(v)


def enc_enum(v: enum.Enum) -> Wire:
    """An enum member, stored as its value."""
    value = v.value
    return {"S": value} if type(value) is str else encode(value)


def plain_str_enum(cls: type[enum.Enum]) -> bool:
    """True when every member's ``_value_`` is a plain ``str`` and ``.value`` is Enum's own."""
    overridden = any("value" in vars(base) for base in cls.__mro__ if base is not enum.Enum)
    return not overridden and all(type(member._value_) is str for member in cls)


_FAST: dict[type, Callable[[Any], Wire]] = {
    int: enc_int,
    bool: lambda v: {"BOOL": v},
    float: enc_float,
    Decimal: enc_decimal,
    bytes: enc_bytes,
    dt.datetime: enc_datetime,
    list: enc_list,
    dict: enc_dict,
}


def enc_any(v: object) -> Wire:
    """Any value: the fast rules by exact type, else ``core.values.encode``."""
    kind = type(v)
    if kind is str:
        return {"S": v}
    encoder = _FAST.get(kind)
    if encoder is not None:
        return encoder(v)
    if isinstance(v, enum.Enum):
        _FAST[kind] = enc_enum  # one entry per enum class, as core.values does
        return enc_enum(v)
    return encode(v)
