"""``field_range``: the one sort-key condition for a range on a template field (pure)."""

from __future__ import annotations

import pytest

from dynastack.core.key_ranges import KEY_TEXT_MAX, field_range
from dynastack.core.keys import KeyTemplate
from dynastack.errors import InvalidRequest

MAX = KEY_TEXT_MAX
ORDER = KeyTemplate("ORDER#{day}#{order_id}")
LEADING = KeyTemplate("{day}#{order_id}")
LAST = KeyTemplate("R#{region}#{day}")


@pytest.mark.parametrize(
    ("template", "op", "bounds", "values", "expected"),
    [
        (ORDER, ">=", ("d1",), {}, ("between", ("ORDER#d1", f"ORDER#{MAX}"))),
        (ORDER, ">", ("d1",), {}, ("between", (f"ORDER#d1#{MAX}", f"ORDER#{MAX}"))),
        (ORDER, "<=", ("d1",), {}, ("between", ("ORDER#", f"ORDER#d1#{MAX}"))),
        (ORDER, "<", ("d1",), {}, ("between", ("ORDER#", f"ORDER#d0{MAX}"))),
        (ORDER, "=", ("d1",), {}, ("begins_with", ("ORDER#d1#",))),
        (ORDER, "begins_with", ("d",), {}, ("begins_with", ("ORDER#d",))),
        # no text before the field: one-sided conditions are enough
        (LEADING, ">=", ("d1",), {}, (">=", ("d1",))),
        (LEADING, ">", ("d1",), {}, (">=", (f"d1#{MAX}",))),
        (LEADING, "<=", ("d1",), {}, ("<=", (f"d1#{MAX}",))),
        (LEADING, "<", ("d1",), {}, ("<", ("d1",))),
        # the field ends the template: exact texts, the next string after "d1" is "d1\0"
        (LAST, ">", ("d1",), {"region": "eu"}, ("between", ("R#eu#d1\x00", f"R#eu#{MAX}"))),
        (LAST, "<=", ("d1",), {"region": "eu"}, ("between", ("R#eu#", "R#eu#d1"))),
        (LAST, "between", ("d1", "d2"), {"region": "eu"}, ("between", ("R#eu#d1", "R#eu#d2"))),
        (LAST, "=", ("d1",), {"region": "eu"}, ("=", ("R#eu#d1",))),
        # the exclusive end steps below the last character, over surrogates and past NUL
        (LAST, "<", ("d\ue000",), {"region": "e"}, ("between", ("R#e#", f"R#e#d\ud7ff{MAX}"))),
        (LAST, "<", ("d\x00",), {"region": "e"}, ("between", ("R#e#", "R#e#d"))),
    ],
)
def test_bounds(
    template: KeyTemplate,
    op: str,
    bounds: tuple[object, ...],
    values: dict[str, object],
    expected: tuple[str, tuple[str, ...]],
) -> None:
    assert field_range(template, "day", op, bounds, values) == expected  # type: ignore[arg-type]


def test_refusals_name_the_cause() -> None:
    with pytest.raises(InvalidRequest, match="must not be empty"):
        field_range(ORDER, "day", "<", ("",), {})
    with pytest.raises(InvalidRequest, match="low end above"):
        field_range(ORDER, "day", "between", ("b", "a"), {})
    with pytest.raises(InvalidRequest, match="needs field 'region'"):
        field_range(LAST, "day", ">", ("d",), {})
    with pytest.raises(InvalidRequest, match="no field 'nope'"):
        field_range(ORDER, "nope", ">", ("d",), {})
    with pytest.raises(InvalidRequest, match="takes a str"):
        field_range(ORDER, "day", "begins_with", (3,), {})
