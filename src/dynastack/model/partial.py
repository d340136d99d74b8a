"""``Partial[E]``: some fields of an entity, read with a projection and validated one by one.

Why not an ``E`` with the other fields left at their defaults: that would be an entity that
lies (a ``status`` that was never read would look like the default status), and a required
field has no default at all. A ``Partial`` holds exactly the fields asked for, each validated by
that field's own declared type (the same rules as the whole entity), and refuses to give a
field that was not asked for, naming it. Its type parameter records which entity it is part
of, so ``repo.get(fields=…)`` is typed ``Partial[Deployment] | None``; attribute access is
typed ``Any`` (Python's type system cannot express "these fields of E").

Example:
    >>> from dynastack.model import Entity, Key
    >>> class Tool(Entity, table="tools-partial-doc"):
    ...     __key__ = Key(pk="TOOL#{tool_id}")
    ...     tool_id: str
    ...     weight: int
    ...     colour: str = "red"
    >>> part = Partial(Tool, {"weight": 3})
    >>> part.weight, part.fields, part.to_dict()
    (3, ('weight',), {'weight': 3})
    >>> part.colour
    Traceback (most recent call last):
    ...
    AttributeError: Partial[Tool] holds ['weight'], not 'colour': add it to fields=
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, TypeVar

from dynastack.model.entity import Entity

__all__ = ["Partial"]

E = TypeVar("E", bound=Entity)


class Partial(Generic[E]):
    """The fields of an ``E`` that a projected read asked for, validated."""

    __slots__ = ("_values", "entity")

    entity: type[E]
    _values: dict[str, Any]

    def __init__(self, entity: type[E], values: Mapping[str, Any]) -> None:
        object.__setattr__(self, "entity", entity)
        object.__setattr__(self, "_values", dict(values))

    @property
    def fields(self) -> tuple[str, ...]:
        """The fields held, in the order asked."""
        return tuple(self._values)

    def to_dict(self) -> dict[str, Any]:
        """The fields held as a new ``{field: value}`` dict."""
        return dict(self._values)

    def __getattr__(self, name: str) -> Any:
        values = object.__getattribute__(self, "_values")
        if name in values:
            return values[name]
        entity = object.__getattribute__(self, "entity")
        raise AttributeError(
            f"Partial[{entity.__name__}] holds {list(values)}, not {name!r}: add it to fields="
        )

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("a Partial is read-only, like the entity it is part of")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Partial):
            return NotImplemented
        return self.entity is other.entity and self._values == other._values

    def __hash__(self) -> int:
        return hash((self.entity, tuple(self._values)))

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self._values.items())
        return f"Partial[{self.entity.__name__}]({shown})"
