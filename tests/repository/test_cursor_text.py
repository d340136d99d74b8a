"""Cursor text is canonical: only the exact text ``seal`` wrote opens (issue 7 item 10).

base64 decoders accept more spellings than they write: a trailing newline (``$`` in a regex
matches before one), and the unused low bits of the last character (a 4-bit or 2-bit tail that
is dropped on decoding). Each spelling decodes to the same sealed bytes, so before the fix all
of them opened. These tests need no server.
"""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dynastack.errors import InvalidCursor
from dynastack.repository.cursors import CursorSealer

SEALER = CursorSealer(bytes(range(32)))
BINDING = b"query"
_B64URL = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"


def _sealed(position: dict[str, object] | None = None) -> str:
    return SEALER.seal(position or {"PK": "FEED#f1", "SK": 3}, BINDING, now=0.0)


def _unused_bits(cursor: str) -> int:
    """How many low bits of the last character carry no data (0, 2 or 4)."""
    return {0: 0, 2: 4, 3: 2}[len(cursor) % 4]


def _with_tail_bits(cursor: str, bits: int) -> str:
    """``cursor`` with the unused low bits of its last character set to ``bits``."""
    value = _B64URL.index(cursor[-1])
    unused = _unused_bits(cursor)
    mask = (1 << unused) - 1
    return cursor[:-1] + _B64URL[(value & ~mask) | (bits & mask)]


def _a_cursor_with_unused_bits() -> tuple[str, dict[str, object]]:
    # the sealed length is fixed by the payload: vary the position until a tail has spare bits
    for n in range(64):
        position: dict[str, object] = {"PK": "p" * (n + 1)}
        cursor = _sealed(position)
        if _unused_bits(cursor):
            return cursor, position
    raise AssertionError("no cursor length with unused bits")  # pragma: no cover


def test_a_trailing_newline_is_refused() -> None:
    cursor = _sealed()
    assert SEALER.open(cursor, BINDING, now=1.0) == {"PK": "FEED#f1", "SK": 3}
    for spelled in (cursor + "\n", cursor + "\r\n", "\n" + cursor, cursor + "=", cursor + " "):
        with pytest.raises(InvalidCursor, match="altered"):
            SEALER.open(spelled, BINDING, now=1.0)


def test_flipped_unused_low_bits_of_the_last_character_are_refused() -> None:
    cursor, position = _a_cursor_with_unused_bits()
    spare = _unused_bits(cursor)
    assert _with_tail_bits(cursor, 0) == cursor  # seal writes them as zeros
    for bits in range(1, 1 << spare):
        spelled = _with_tail_bits(cursor, bits)
        assert spelled != cursor
        with pytest.raises(InvalidCursor, match="altered"):
            SEALER.open(spelled, BINDING, now=1.0)
    assert SEALER.open(cursor, BINDING, now=1.0) == position


_positions = st.dictionaries(
    st.sampled_from(["PK", "SK", "GSI1PK", "GSI1SK"]),
    st.one_of(st.text(min_size=1, max_size=40), st.integers(-(10**12), 10**12)),
    min_size=1,
)


@settings(max_examples=200, deadline=None)
@given(position=_positions, edit=st.data())
def test_only_the_exact_text_written_opens(
    position: dict[str, object], edit: st.DataObject
) -> None:
    """Property: the written cursor opens to its position; any other text is refused."""
    cursor = _sealed(position)
    assert SEALER.open(cursor, BINDING, now=1.0) == position
    kind = edit.draw(st.sampled_from(["append", "tail", "replace", "insert", "delete"]))
    if kind == "append":
        other = cursor + edit.draw(st.text(min_size=1, max_size=3))
    elif kind == "tail":
        spare = _unused_bits(cursor)
        if not spare:
            other = cursor + edit.draw(st.sampled_from(["\n", "=", "A"]))
        else:
            other = _with_tail_bits(cursor, edit.draw(st.integers(1, (1 << spare) - 1)))
    else:
        at = edit.draw(st.integers(0, len(cursor) - 1))
        char = edit.draw(st.sampled_from(_B64URL + "\n=+/ "))
        if kind == "replace":
            other = cursor[:at] + char + cursor[at + 1 :]
        elif kind == "insert":
            other = cursor[:at] + char + cursor[at:]
        else:
            other = cursor[:at] + cursor[at + 1 :]
    if other == cursor:
        return  # the edit changed nothing (a character replaced by itself)
    with pytest.raises(InvalidCursor):
        SEALER.open(other, BINDING, now=1.0)
