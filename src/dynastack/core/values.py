"""The codec between Python values and DynamoDB AttributeValues, lossless or loud.

Why it exists: boto3's TypeSerializer walks an ``isinstance`` chain per value and rejects
floats; PynamoDB goes through attribute objects. Both are slow on the hot path, and neither
says *where* in an item a bad value sits. This codec dispatches on ``type(value)`` through one
dict (a table, not a chain), inlines the common scalars, and checks DynamoDB's limits while it
walks, so an over-limit item fails here with its attribute path ("items[3].price") instead of
as a ValidationException after a round trip.

Design rules:

* Wire format is the JSON one sent over HTTP: ``B``/``BS`` are base64 *strings*, ``N``/``NS``
  decimal strings. The transport only has to ``orjson.dumps`` the result.
* Numbers never drift: ``int`` stays ``int``; a ``float`` is stored as ``repr(f)`` (the shortest
  string that reads back as the same float), never via its binary expansion. On decode, a
  wire number that is a plain integer string becomes ``int``; anything with a point or an
  exponent becomes ``Decimal``. DynamoDB answers with plain notation, so a stored
  ``Decimal("1E+2")`` reads back as ``100``.
* Decoding is type-agnostic: ``S`` stays ``str``. Datetimes, UUIDs and enums are restored by
  the typed models of the ``model`` layer, which know each attribute's declared type.
* Datetimes must be timezone-aware; they are stored in UTC with a fixed width
  (``2024-01-15T10:30:00.123456Z``) so that string order is time order in sort keys.
* Limits (verified against DynamoDB Local 3.3): at most 38 significant digits (leading and
  trailing zeros do not count), magnitude 1E-130 .. 9.99…E+125, 32 levels of nesting where the
  item itself is level 1, non-empty ``str`` map keys, non-empty sets without duplicates.

Example:
    >>> from decimal import Decimal
    >>> encode_item({"pk": "A#1", "n": 3, "price": Decimal("9.99"), "tags": {"b", "a"}})
    {'pk': {'S': 'A#1'}, 'n': {'N': '3'}, 'price': {'N': '9.99'}, 'tags': {'SS': ['a', 'b']}}
    >>> decode_item({"n": {"N": "3"}, "price": {"N": "9.99"}, "raw": {"B": "AAE="}})
    {'n': 3, 'price': Decimal('9.99'), 'raw': b'\\x00\\x01'}
"""

from __future__ import annotations

import datetime as _dt
from binascii import Error as _Base64Error
from binascii import a2b_base64, b2a_base64
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from decimal import Decimal, InvalidOperation
from enum import Enum
from math import isfinite
from typing import Any, Final
from uuid import UUID

from dynastack.core.limits import (
    NESTING_MAX_DEPTH,
    NUMBER_MAX,
    NUMBER_MAX_DIGITS,
    NUMBER_MAX_EXPONENT,
    NUMBER_MIN_EXPONENT,
    NUMBER_MIN_POSITIVE,
)
from dynastack.errors import EncodingError

__all__ = [
    "NESTING_MAX_DEPTH",
    "NUMBER_MAX",
    "NUMBER_MAX_DIGITS",
    "NUMBER_MAX_EXPONENT",
    "NUMBER_MIN_EXPONENT",
    "NUMBER_MIN_POSITIVE",
    "WireItem",
    "decode",
    "decode_item",
    "encode",
    "encode_item",
]

_TEN38: Final = 10**NUMBER_MAX_DIGITS  # every int strictly inside ±10**38 passes all checks
_NEG_TEN38: Final = -_TEN38
_MAX_INT_BITS: Final = (10 ** (NUMBER_MAX_EXPONENT + 1)).bit_length()  # beyond: surely too big
_FLOAT_MIN: Final = 1e-130  # float comparisons match repr() exactly at these bounds
_FLOAT_LIMIT: Final = 1e126
_UTC: Final = _dt.UTC
_DATETIME_FORMAT: Final = "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ"  # fixed width: sorts as time
_ATTR_LEVEL: Final = 2  # the level of a top-level attribute's value
_DEPTH_RULE: Final = f"DynamoDB allows at most {NESTING_MAX_DEPTH} levels (the item is level 1)"

Encoder = Callable[[Any, int], dict[str, Any]]


class _Failure(Exception):
    """Internal: a value failed; containers add their path segment while it unwinds."""

    def __init__(self, reason: str, *, at_key: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.segments: list[str | int] = []  # innermost first
        self.at_key = at_key  # raised about a map key: the key is named in the reason


def _format_path(segments: list[str | int]) -> str:
    parts: list[str] = []
    for seg in reversed(segments):
        if type(seg) is int:
            parts.append(f"[{seg}]")
        elif not parts:
            parts.append(str(seg))
        elif str(seg).isidentifier():
            parts.append(f".{seg}")
        else:
            parts.append(f"[{seg!r}]")
    return "".join(parts)


def _error(failure: _Failure, whole: str) -> EncodingError:
    return EncodingError(f"{_format_path(failure.segments) or whole}: {failure.reason}")


def _short(text: str) -> str:
    return text if len(text) <= 60 else f"{text[:30]}…{text[-12:]} ({len(text)} characters)"


# --- numbers ---------------------------------------------------------------------------


def _out_of_range(shown: str) -> _Failure:
    return _Failure(
        f"number {_short(shown)} is out of range: a non-zero magnitude must be between "
        f"{NUMBER_MIN_POSITIVE} and {NUMBER_MAX}"
    )


def _number_checked(digits: int, adjusted: int, shown: str) -> None:
    if digits > NUMBER_MAX_DIGITS:
        raise _Failure(
            f"number {_short(shown)} has {digits} significant digits; "
            f"DynamoDB allows at most {NUMBER_MAX_DIGITS}"
        )
    if not NUMBER_MIN_EXPONENT <= adjusted <= NUMBER_MAX_EXPONENT:
        raise _out_of_range(shown)


def _enc_int(v: int, level: int) -> dict[str, Any]:
    if _NEG_TEN38 < v < _TEN38:
        return {"N": str(v)}
    if v.bit_length() > _MAX_INT_BITS:  # str() of a huge int is slow or even refused
        raise _Failure(
            f"integer of {v.bit_length()} bits is out of range: "
            f"the largest magnitude DynamoDB stores is {NUMBER_MAX}"
        )
    text = str(v)
    magnitude = text.lstrip("-")
    _number_checked(len(magnitude.rstrip("0")), len(magnitude) - 1, text)
    return {"N": text}


def _enc_decimal(v: Decimal, level: int) -> dict[str, Any]:
    text = str(v)
    # Fast path: the text holds every digit, so a short finite text has few enough digits.
    if (
        len(text) <= NUMBER_MAX_DIGITS
        and v.is_finite()
        and (NUMBER_MIN_EXPONENT <= v.adjusted() <= NUMBER_MAX_EXPONENT)
    ):
        return {"N": text}
    _sign, digits, exponent = v.as_tuple()
    if type(exponent) is not int:  # 'n', 'N' or 'F': NaN, sNaN, Infinity
        raise _Failure(f"{v!r} has no DynamoDB form: DynamoDB numbers are finite")
    if digits == (0,):
        return {"N": text}  # zero, whatever its exponent
    significant = len(bytes(digits).rstrip(b"\0"))  # trailing zeros do not count
    _number_checked(significant, exponent + len(digits) - 1, text)
    return {"N": text}


def _enc_float(v: float, level: int) -> dict[str, Any]:
    if v == 0.0 or _FLOAT_MIN <= abs(v) < _FLOAT_LIMIT:  # also False for NaN and ±inf
        return {"N": repr(v)}
    if not isfinite(v):
        raise _Failure(f"float {v!r} has no DynamoDB form: DynamoDB numbers are finite")
    raise _out_of_range(repr(v))


def _enc_bytes(v: bytes | bytearray, level: int) -> dict[str, Any]:
    return {"B": b2a_base64(v, newline=False).decode("ascii")}


def _enc_datetime(v: _dt.datetime, level: int) -> dict[str, Any]:
    if v.tzinfo is not _UTC:
        offset = v.utcoffset()
        if offset is None:
            raise _Failure(
                f"naive datetime {v.isoformat()}: attach a timezone (for example "
                "tzinfo=datetime.timezone.utc); dynastack stores datetimes in UTC"
            )
        try:
            v = v - offset
        except OverflowError:
            raise _Failure(f"datetime {v.isoformat()} is outside year 1..9999 in UTC") from None
    # %-formatting beats isoformat() here, which formats the offset only for it to be cut off
    return {
        "S": _DATETIME_FORMAT % (v.year, v.month, v.day, v.hour, v.minute, v.second, v.microsecond)
    }


# --- containers ------------------------------------------------------------------------


def _enc_map(v: Mapping[Any, Any], level: int) -> dict[str, Any]:
    if level > NESTING_MAX_DEPTH:
        raise _Failure(f"nesting reaches level {level}; {_DEPTH_RULE}")
    out: dict[str, Any] = {}
    inner = level + 1
    key: Any = None
    try:
        # The commonest scalars are inlined: a call costs more than the checks in front of it.
        for key, x in v.items():
            if type(key) is not str or not key:
                key = _checked_key(key)  # noqa: PLW2901 - the error path names this key
            t = type(x)
            if t is str:
                out[key] = {"S": x}
            elif t is int and _NEG_TEN38 < x < _TEN38:
                out[key] = {"N": str(x)}
            elif t is bool:
                out[key] = {"BOOL": x}
            else:
                out[key] = (_ENCODERS.get(t) or _resolve(x))(x, inner)
    except _Failure as failure:
        if failure.at_key:
            failure.at_key = False
        else:
            failure.segments.append(key)
        raise
    return {"M": out}


def _checked_key(key: object) -> str:
    if isinstance(key, str):
        if key:
            return str.__str__(key)  # a str subclass (StrEnum …) as its plain text
        raise _Failure("empty map key: DynamoDB does not allow empty attribute names", at_key=True)
    raise _Failure(
        f"map key {key!r} has type {type(key).__name__}; DynamoDB map keys must be str",
        at_key=True,
    )


def _enc_list(v: Sequence[Any], level: int) -> dict[str, Any]:
    if level > NESTING_MAX_DEPTH:
        raise _Failure(f"nesting reaches level {level}; {_DEPTH_RULE}")
    out: list[dict[str, Any]] = []
    append = out.append
    inner = level + 1
    try:
        for x in v:
            t = type(x)
            if t is str:
                append({"S": x})
            else:
                append((_ENCODERS.get(t) or _resolve(x))(x, inner))
    except _Failure as failure:
        failure.segments.append(len(out))
        raise
    return {"L": out}


_SET_TAGS: Final = {"S": "SS", "N": "NS", "B": "BS"}


def _enc_set(v: AbstractSet[Any], level: int) -> dict[str, Any]:
    if not v:
        raise _Failure("empty set: DynamoDB has no empty sets (omit the attribute or use None)")
    for x in v:
        if type(x) is not str:
            break
    else:
        return {"SS": sorted(v)}  # sorted: the same set always gives the same bytes
    tags: set[str] = set()
    texts: list[str] = []
    for x in v:
        try:
            ((tag, text),) = _encode_any(x, level).items()
        except _Failure as failure:
            failure.reason = f"in a set: {failure.reason}"
            raise
        if tag not in _SET_TAGS:
            raise _Failure(f"set element {x!r} encodes as {tag}; sets hold only S, N or B")
        tags.add(tag)
        texts.append(text)
    if len(tags) > 1:
        raise _Failure(f"set mixes {' and '.join(sorted(tags))} elements; a set holds one type")
    (tag,) = tags
    distinct = {Decimal(t) for t in texts} if tag == "N" else set(texts)
    if len(distinct) != len(texts):
        raise _Failure(
            "set has elements that are equal once encoded (for example 0.1 and "
            "Decimal('0.1')); DynamoDB rejects duplicates"
        )
    texts.sort()
    return {_SET_TAGS[tag]: texts}


# --- dispatch --------------------------------------------------------------------------

_ENCODERS: dict[type, Encoder] = {
    str: lambda v, level: {"S": v},
    int: _enc_int,
    bool: lambda v, level: {"BOOL": v},
    type(None): lambda v, level: {"NULL": True},
    float: _enc_float,
    Decimal: _enc_decimal,
    dict: _enc_map,
    list: _enc_list,
    tuple: _enc_list,
    set: _enc_set,
    frozenset: _enc_set,
    bytes: _enc_bytes,
    bytearray: _enc_bytes,
    memoryview: lambda v, level: _enc_bytes(v.tobytes(), level),
    _dt.datetime: _enc_datetime,
    _dt.date: lambda v, level: {"S": v.isoformat()},
    UUID: lambda v, level: {"S": str(v)},
}

# Subclasses are encoded as their base, converted to the plain base type first so that the
# JSON layer never sees a subclass with overridden methods.
_BASES: Final[tuple[tuple[type, Encoder], ...]] = (
    (str, lambda v, level: {"S": str.__str__(v)}),
    (int, lambda v, level: _enc_int(int.__index__(v), level)),
    (float, lambda v, level: _enc_float(float.__float__(v), level)),
    (Decimal, lambda v, level: _enc_decimal(Decimal(v), level)),
    (_dt.datetime, _enc_datetime),
    (_dt.date, lambda v, level: {"S": _dt.date.isoformat(v)}),
    (UUID, lambda v, level: {"S": UUID.__str__(v)}),
    (bytes, _enc_bytes),
    (bytearray, _enc_bytes),
    (Mapping, _enc_map),
    (AbstractSet, _enc_set),
    (list, _enc_list),
    (tuple, _enc_list),
)


def _resolve(value: object) -> Encoder:
    """Find (and remember) the encoder for a type missing from the table."""
    cls = type(value)
    encoder: Encoder | None = None
    if isinstance(value, Enum):  # before int/str: IntEnum and str-mixin enums store .value
        encoder = _enc_enum_value
    else:
        for base, candidate in _BASES:
            if isinstance(value, base):
                encoder = candidate
                break
        if encoder is None and isinstance(value, Sequence) and not isinstance(value, str):
            encoder = _enc_list
    if encoder is None:
        raise _Failure(
            f"cannot encode a {cls.__module__}.{cls.__qualname__}: no lossless AttributeValue "
            "form (supported: str, int, float, Decimal, bool, None, bytes, set, list, tuple, "
            "dict, datetime, date, UUID, Enum)"
        )
    _ENCODERS[cls] = encoder  # one entry per class: the table stays small
    return encoder


def _encode_any(value: object, level: int) -> dict[str, Any]:
    return (_ENCODERS.get(type(value)) or _resolve(value))(value, level)


def _enc_enum_value(v: Enum, level: int) -> dict[str, Any]:
    return _encode_any(v.value, level)


def encode(value: object) -> dict[str, Any]:
    """Encode one Python value as a wire AttributeValue (treated as a top-level attribute).

    >>> encode([1, 2.5, None, {"on": True}])
    {'L': [{'N': '1'}, {'N': '2.5'}, {'NULL': True}, {'M': {'on': {'BOOL': True}}}]}
    """
    try:
        return _encode_any(value, _ATTR_LEVEL)
    except _Failure as failure:
        raise _error(failure, "value") from None


class WireItem(dict[str, dict[str, Any]]):
    """An item already encoded as AttributeValues, such as the entity codec's output
    (``model/codec.py``): ``encode_item`` hands it over unchanged, so an entity is encoded once,
    by its codec, on its way into a PutItem, a batch or a transaction.

    >>> item = WireItem(pk={"S": "USER#1"})
    >>> encode_item(item) is item
    True
    """

    __slots__ = ()


def encode_item(item: Mapping[str, object]) -> dict[str, dict[str, Any]]:
    """Encode a whole item; errors name the attribute path, like ``items[3].price``.

    >>> encode_item({"pk": "USER#1", "age": 42})
    {'pk': {'S': 'USER#1'}, 'age': {'N': '42'}}
    """
    if type(item) is WireItem:
        return item
    try:
        out: dict[str, dict[str, Any]] = _enc_map(item, _ATTR_LEVEL - 1)["M"]
    except _Failure as failure:
        raise _error(failure, "item") from None
    return out


# --- decoding --------------------------------------------------------------------------


def _dec_n(text: str) -> int | Decimal:
    try:
        if text.isdigit() or (text[0] == "-" and text[1:].isdigit()):
            return int(text)
        if "." in text or "E" in text or "e" in text:
            return Decimal(text)  # finite: NaN and Infinity have neither point nor exponent
    except (ValueError, IndexError, InvalidOperation):
        pass
    raise EncodingError(f"malformed N value {_short(str(text))!r}")


def _dec_b(text: str) -> bytes:
    try:
        return a2b_base64(text, strict_mode=True)
    except (_Base64Error, TypeError, ValueError):
        raise EncodingError(f"malformed B value {_short(str(text))!r}: not base64") from None


def _malformed(av: object) -> EncodingError:
    return EncodingError(f"malformed AttributeValue {_short(repr(av))}: expected one known type")


_SHAPE_ERRORS: Final = (LookupError, TypeError, ValueError, AttributeError, InvalidOperation)


def _dec_m(value: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:  # noqa: PLR0912
    # Flat branches, commonest tag first: here a call costs more than a few missed lookups.
    # A value is taken to hold one tag, as DynamoDB always sends; decode() checks it.
    out: dict[str, Any] = {}
    av: Any = value
    try:
        for key, av in value.items():
            if "S" in av:
                out[key] = av["S"]
            elif "N" in av:
                text = av["N"]
                if text.isdigit():
                    out[key] = int(text)
                elif "." in text:
                    out[key] = Decimal(text)
                else:
                    out[key] = _dec_n(text)
            elif "M" in av:
                out[key] = _dec_m(av["M"])
            elif "BOOL" in av:
                out[key] = bool(av["BOOL"])
            elif "L" in av:
                out[key] = _dec_l(av["L"])
            elif "NULL" in av:
                out[key] = None
            elif len(av) == 1:
                for tag, x in av.items():
                    out[key] = _DECODERS[tag](x)
            else:
                raise _malformed(av)
    except _SHAPE_ERRORS:
        raise _malformed(av) from None
    return out


def _dec_l(value: Sequence[Mapping[str, Any]]) -> list[Any]:
    return [av["S"] if "S" in av else decode(av) for av in value]


_DECODERS: dict[str, Callable[[Any], Any]] = {
    "S": str,
    "N": _dec_n,
    "B": _dec_b,
    "BOOL": bool,
    "NULL": lambda _: None,
    "M": _dec_m,
    "L": _dec_l,
    "SS": set,
    "NS": lambda texts: {_dec_n(t) for t in texts},
    "BS": lambda texts: {_dec_b(t) for t in texts},
}


def decode(av: Mapping[str, Any]) -> Any:
    """Decode one wire AttributeValue; ``N`` gives ``int`` when integral, else ``Decimal``.

    >>> decode({"NS": ["1", "2.50"]}) == {1, Decimal("2.5")}
    True
    """
    try:
        if len(av) == 1:
            for tag, value in av.items():
                return _DECODERS[tag](value)
    except _SHAPE_ERRORS:
        pass
    raise _malformed(av)


def decode_item(item: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Decode a whole wire item into plain Python values.

    >>> decode_item({"pk": {"S": "USER#1"}, "tags": {"SS": ["x"]}, "gone": {"NULL": True}})
    {'pk': 'USER#1', 'tags': {'x'}, 'gone': None}
    """
    return _dec_m(item)
