"""``Float32Vector``: an embedding stored as packed little-endian float32 in one binary attribute.

Why: seed 001 stores ``embedding_vector`` as a DynamoDB list of numbers. Each element of an
``L`` of ``N`` costs its decimal digits (a float32 widened to a Python float prints with up to
17 significant digits, about 9-10 bytes) plus a byte of list overhead, so a 1536-dimension
vector takes about 17 KB of the 400 KB item limit and of every read and write unit. Packed
float32 is exactly 4 bytes per dimension (6 KB for 1536), and the README gives the sizes measured
with ``dynastack.core.limits.item_size``.

Exactness: the field *validates* every value to the nearest float32 (pack, then unpack), so the
entity in memory already holds what the table will hold; a write and a read give back an equal
entity, bit for bit. Values outside float32's range and NaN/infinity are refused (NaN would
also break equality). The field dumps to ``bytes`` in Python mode (what the repository stores)
and to a list of numbers in JSON mode (what an API returns).

Example:
    >>> from pydantic import TypeAdapter
    >>> vector = TypeAdapter(Float32Vector)
    >>> values = vector.validate_python([0.5, -1.25, 0.1])
    >>> values[:2], values[2] == 0.10000000149011612  # 0.1 is not a float32: rounded once
    ([0.5, -1.25], True)
    >>> packed = vector.dump_python(values)
    >>> len(packed), vector.validate_python(packed) == values
    (12, True)
    >>> vector.dump_json(values)
    b'[0.5,-1.25,0.10000000149011612]'
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, FiniteFloat, PlainSerializer
from pydantic_core.core_schema import SerializationInfo

__all__ = ["FLOAT32_BYTES", "Float32Vector", "pack_float32", "unpack_float32"]

#: bytes per dimension of a packed vector
FLOAT32_BYTES = 4


def pack_float32(values: Sequence[float]) -> bytes:
    """``values`` as little-endian float32, 4 bytes each (``ValueError`` when out of range).

    >>> pack_float32([1.0]).hex()
    '0000803f'
    """
    try:
        return struct.pack(f"<{len(values)}f", *values)
    except (OverflowError, struct.error) as error:
        raise ValueError(f"not representable as float32: {error}") from None


def unpack_float32(data: bytes) -> list[float]:
    """The floats packed in ``data`` (its length must be a multiple of 4).

    >>> unpack_float32(bytes.fromhex("0000803f000000c0"))
    [1.0, -2.0]
    """
    if len(data) % FLOAT32_BYTES:
        raise ValueError(f"a packed float32 vector has a length divisible by 4, not {len(data)}")
    return list(struct.unpack(f"<{len(data) // FLOAT32_BYTES}f", data))


def _from_storage(value: Any) -> Any:
    # a stored item holds bytes; everything else (a list of numbers) validates as given
    if isinstance(value, bytes | bytearray | memoryview):
        return unpack_float32(bytes(value))
    return value


def _nearest_float32(values: list[float]) -> list[float]:
    return unpack_float32(pack_float32(values))


def _serialise(values: list[float], info: SerializationInfo) -> Any:
    return list(values) if info.mode_is_json() else pack_float32(values)


#: an embedding: validated to float32 precision, stored packed, shown as numbers in JSON
Float32Vector = Annotated[
    list[FiniteFloat],
    Field(min_length=1),
    BeforeValidator(_from_storage),
    AfterValidator(_nearest_float32),
    PlainSerializer(_serialise),
]
