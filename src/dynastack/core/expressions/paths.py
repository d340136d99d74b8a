"""Document paths (``Attr("a")["b"][0]``) and ``size(path)``: the operands of conditions.

Why names are literal: ``Attr("a.b")`` is ONE attribute whose name holds a dot, because an
attribute name is data, not syntax. Nesting is spelled out with ``[key]`` / ``[index]``;
``Path.parse("a.b[0].c")`` is the convenience that splits a dotted string.

Comparison operators on a path build conditions, so ``Path`` is unhashable and ``==`` between
paths is not equality: compare ``.elements`` instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from dynastack.core.expressions.conditions import Between, Comparison, FunctionCall, In, Operand
from dynastack.core.expressions.placeholders import Placeholders, check_name
from dynastack.errors import InvalidRequest

__all__ = ["Attr", "Path", "Size"]

_ATTRIBUTE_TYPES = frozenset({"S", "SS", "N", "NS", "B", "BS", "BOOL", "NULL", "L", "M"})


class _Comparable(Operand):
    """An operand with comparison operators, ``between`` and ``is_in``."""

    __slots__ = ()
    __hash__ = None  # type: ignore[assignment]  # == builds a condition, so no hashing

    def __eq__(self, other: object) -> Comparison:  # type: ignore[override]
        return Comparison("=", self, other)

    def __ne__(self, other: object) -> Comparison:  # type: ignore[override]
        return Comparison("<>", self, other)

    def __lt__(self, other: object) -> Comparison:
        return Comparison("<", self, other)

    def __le__(self, other: object) -> Comparison:
        return Comparison("<=", self, other)

    def __gt__(self, other: object) -> Comparison:
        return Comparison(">", self, other)

    def __ge__(self, other: object) -> Comparison:
        return Comparison(">=", self, other)

    def between(self, low: object, high: object) -> Between:
        """``self BETWEEN low AND high`` (inclusive)."""
        return Between(self, low, high)

    def is_in(self, options: Iterable[object]) -> In:
        """``self IN (…)``: 1 to 100 values or paths."""
        return In(self, tuple(options))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")


class Path(_Comparable):
    """A document path: an attribute, then map keys (``str``) and list indexes (``int``).

    >>> Attr("a")["b"][0], Path.parse("a.b[0]").elements
    (Attr('a')['b'][0], ('a', 'b', 0))
    """

    __slots__ = ("elements",)
    elements: tuple[str | int, ...]

    def __init__(self, *elements: str | int) -> None:
        if not elements or not isinstance(elements[0], str):
            raise InvalidRequest(f"a path starts with an attribute name, got {elements!r}")
        for element in elements:
            if isinstance(element, str):
                check_name(element)
            elif type(element) is not int or element < 0:
                raise InvalidRequest(f"a list index must be an int >= 0, got {element!r}")
        object.__setattr__(self, "elements", elements)

    def __getitem__(self, key: str | int) -> Path:
        """The map key (``str``) or list index (``int``) ``key`` below this path."""
        return Path(*self.elements, key)

    def __repr__(self) -> str:
        head, *rest = self.elements
        return f"Attr({head!r})" + "".join(f"[{element!r}]" for element in rest)

    @classmethod
    def parse(cls, text: str) -> Path:
        """Split ``"a.b[0].c"`` on dots and brackets; use ``Attr`` for names holding a dot.

        >>> Path.parse("items[2].price")
        Attr('items')[2]['price']
        """
        elements: list[str | int] = []
        for segment in text.split("."):
            match = _SEGMENT.fullmatch(segment)
            if match is None:
                raise InvalidRequest(
                    f"cannot parse path {text!r}: segment {segment!r} is not name[index]…"
                )
            elements.append(match.group(1))
            elements.extend(int(index) for index in _INDEX.findall(match.group(2)))
        return cls(*elements)

    def exists(self) -> FunctionCall:
        """``attribute_exists(path)``."""
        return FunctionCall("attribute_exists", (self,))

    def not_exists(self) -> FunctionCall:
        """``attribute_not_exists(path)``."""
        return FunctionCall("attribute_not_exists", (self,))

    def attribute_type(self, type_name: str) -> FunctionCall:
        """``attribute_type(path, type)`` for one of S SS N NS B BS BOOL NULL L M."""
        if type_name not in _ATTRIBUTE_TYPES:
            raise InvalidRequest(
                f"attribute_type: {type_name!r} is not one of {sorted(_ATTRIBUTE_TYPES)}"
            )
        return FunctionCall("attribute_type", (self, type_name))

    def begins_with(self, prefix: object) -> FunctionCall:
        """``begins_with(path, prefix)`` for strings and binary values."""
        return FunctionCall("begins_with", (self, prefix))

    def contains(self, value: object) -> FunctionCall:
        """``contains(path, value)``: substring, set member or list element."""
        return FunctionCall("contains", (self, value))

    def size(self) -> Size:
        """``size(path)``, an operand to compare: ``Attr("tags").size() > 3``."""
        return Size(self)

    def _render(self, ph: Placeholders) -> str:
        parts: list[str] = []
        for element in self.elements:
            if isinstance(element, int):
                parts.append(f"[{element}]")
            else:
                parts.append(("." if parts else "") + ph.name(element))
        return "".join(parts)


_SEGMENT = re.compile(r"([^.\[\]]+)((?:\[\d+\])*)", re.S)
_INDEX = re.compile(r"\[(\d+)\]")


class Attr(Path):
    """A top-level attribute, its name taken literally (``Attr("a.b")`` is one attribute)."""

    __slots__ = ()

    def __init__(self, name: str) -> None:
        super().__init__(name)


class Size(_Comparable):
    """``size(path)``: the length of a string, binary, set, list or map."""

    __slots__ = ("path",)
    path: Path

    def __init__(self, path: Path) -> None:
        if not isinstance(path, Path):
            raise InvalidRequest(f"size() takes a Path, got {path!r}")
        object.__setattr__(self, "path", path)

    def __repr__(self) -> str:
        return f"{self.path!r}.size()"

    def _render(self, ph: Placeholders) -> str:
        return f"size({self.path._render(ph)})"
