"""Update expressions (SET / REMOVE / ADD / DELETE) built as an immutable list of actions.

Why immutable: an ``Update`` is a value that a repository can extend (``+ version``) and a
caller can reuse without one request's changes leaking into another; each builder call returns
a new ``Update`` (a frozen dataclass holding a tuple).

Why conflicts are checked here: DynamoDB rejects two actions on overlapping document paths
(``a`` and ``a`` again, or ``a`` and ``a.b``) with a message naming only internal positions.
Each builder call compares the new target with the ones already there and raises a precise
``InvalidRequest`` at once. Reading a path on the right-hand side (``if_not_exists(p, …)``)
does not count as a target.

Missing attributes: ``increment`` / ``decrement`` write ``p = if_not_exists(p, 0) ± n`` so a
missing counter starts at 0 (plain ``p + n`` fails on a missing ``p``); ``append`` / ``prepend``
use ``list_append(if_not_exists(p, []), …)`` so a missing list starts empty. Like every nested
write, a missing parent map still fails on the server.

Names and values go through ``Placeholders`` exactly as in conditions (RELIABILITY S8).

Example:
    >>> from dynastack.core.expressions import Attr, Placeholders
    >>> ph = Placeholders()
    >>> update = Update().set("status", "DEPLOYED").increment("deploys").remove(Attr("error"))
    >>> compile(update, ph)
    'SET #n0 = :v0, #n1 = if_not_exists(#n1, :v1) + :v2 REMOVE #n2'
    >>> ph.values
    {':v0': 'DEPLOYED', ':v1': 0, ':v2': 1}
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Set
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, cast

from dynastack.core.expressions import (
    Attr,
    Condition,
    Operand,
    Path,
    Placeholders,
    check_length,
    render_operand,
)
from dynastack.errors import InvalidRequest

__all__ = ["Action", "Update", "compile"]

Clause = Literal["SET", "REMOVE", "ADD", "DELETE"]
_CLAUSES: tuple[Clause, ...] = ("SET", "REMOVE", "ADD", "DELETE")
_Render = Callable[[str, object, Placeholders], str]


def _as_list(value: object) -> list[object]:
    # stored as a tuple (immutable); DynamoDB's L is a Python list for the codec
    return list(cast("tuple[object, ...]", value))


#: builder method → (clause, text of the action from the rendered path, the value, placeholders);
#: placeholders are taken in reading order so that numbering follows the text
_ACTIONS: dict[str, tuple[Clause, _Render]] = {
    "set": ("SET", lambda p, v, ph: f"{p} = {render_operand(v, ph)}"),
    "set_if_not_exists": ("SET", lambda p, v, ph: f"{p} = if_not_exists({p}, {ph.value(v)})"),
    "increment": (
        "SET",
        lambda p, v, ph: f"{p} = if_not_exists({p}, {ph.value(0)}) + {ph.value(v)}",
    ),
    "decrement": (
        "SET",
        lambda p, v, ph: f"{p} = if_not_exists({p}, {ph.value(0)}) - {ph.value(v)}",
    ),
    "append": (
        "SET",
        lambda p, v, ph: (
            f"{p} = list_append(if_not_exists({p}, {ph.value([])}), {ph.value(_as_list(v))})"
        ),
    ),
    "prepend": (
        "SET",
        lambda p, v, ph: (
            f"{p} = list_append({ph.value(_as_list(v))}, if_not_exists({p}, {ph.value([])}))"
        ),
    ),
    "remove": ("REMOVE", lambda p, v, ph: p),
    "add": ("ADD", lambda p, v, ph: f"{p} {ph.value(v)}"),
    "delete": ("DELETE", lambda p, v, ph: f"{p} {ph.value(v)}"),
}


@dataclass(frozen=True, slots=True)
class Action:
    """One action of an update: ``kind`` is the builder method that made it."""

    kind: str
    path: Path
    value: object = None

    def __post_init__(self) -> None:
        if self.kind not in _ACTIONS:
            raise InvalidRequest(f"update: unknown action {self.kind!r}; one of {sorted(_ACTIONS)}")

    @property
    def clause(self) -> Clause:
        """The clause (``SET``, ``REMOVE``, ``ADD`` or ``DELETE``) the action is written in."""
        return _ACTIONS[self.kind][0]

    def render(self, ph: Placeholders) -> str:
        """The action's text inside its clause."""
        return _ACTIONS[self.kind][1](self.path._render(ph), self.value, ph)


@dataclass(frozen=True, slots=True)
class Update:
    """An immutable update builder: each method returns a new ``Update`` with one more action.

    A ``str`` path is one top-level attribute, taken literally (``"a.b"`` is one name).

    >>> Update().append("tags", ["new"]).add("seen_by", {"u1"}).paths
    (Attr('tags'), Attr('seen_by'))
    """

    actions: tuple[Action, ...] = ()

    def set(self, path: Path | str, value: object) -> Update:
        """``SET path = value``; a ``Path`` value copies that attribute instead."""
        if isinstance(value, Path):
            return self._with("set", path, value)
        return self._with("set", path, _value("set", path, value))

    def set_if_not_exists(self, path: Path | str, value: object) -> Update:
        """``SET path = if_not_exists(path, value)``: write only when the attribute is missing."""
        return self._with("set_if_not_exists", path, _value("set_if_not_exists", path, value))

    def increment(self, path: Path | str, by: int | Decimal = 1) -> Update:
        """``SET path = if_not_exists(path, 0) + by``: a missing counter starts at 0."""
        return self._with("increment", path, _number("increment", path, by))

    def decrement(self, path: Path | str, by: int | Decimal = 1) -> Update:
        """``SET path = if_not_exists(path, 0) - by``: a missing counter starts at 0."""
        return self._with("decrement", path, _number("decrement", path, by))

    def append(self, path: Path | str, values: Iterable[object]) -> Update:
        """``SET path = list_append(if_not_exists(path, []), values)``."""
        return self._with("append", path, _items("append", path, values))

    def prepend(self, path: Path | str, values: Iterable[object]) -> Update:
        """``SET path = list_append(values, if_not_exists(path, []))``."""
        return self._with("prepend", path, _items("prepend", path, values))

    def remove(self, path: Path | str) -> Update:
        """``REMOVE path`` (the attribute, map key or list element)."""
        return self._with("remove", path, None)

    def add(self, path: Path | str, value: int | Decimal | Set[object]) -> Update:
        """``ADD path value``: add to a number (missing: 0) or union into a set (missing: {})."""
        if isinstance(value, Set):
            return self._with("add", path, _set("add", path, value))
        return self._with("add", path, _number("add", path, value))

    def delete(self, path: Path | str, values: Set[object]) -> Update:
        """``DELETE path values``: remove these elements from a set attribute."""
        return self._with("delete", path, _set("delete", path, values))

    def merge(self, other: Update) -> Update:
        """This update's actions followed by ``other``'s, with the same overlap check."""
        merged = self
        for action in other.actions:
            merged = merged._append(action)
        return merged

    def __add__(self, other: Update) -> Update:
        if not isinstance(other, Update):
            return NotImplemented
        return self.merge(other)

    def __len__(self) -> int:
        return len(self.actions)

    @property
    def paths(self) -> tuple[Path, ...]:
        """The target paths, in the order the actions were added."""
        return tuple(action.path for action in self.actions)

    def _with(self, kind: str, path: Path | str, value: object) -> Update:
        return self._append(Action(kind, _as_path(path), value))

    def _append(self, action: Action) -> Update:
        for existing in self.actions:
            if _overlap(existing.path, action.path):
                raise InvalidRequest(
                    f"update: {action.kind}({action.path!r}) overlaps "
                    f"{existing.kind}({existing.path!r}) already in this update; DynamoDB "
                    "rejects two actions on the same or nested document paths"
                )
        return Update((*self.actions, action))


def compile(update: Update, placeholders: Placeholders) -> str:
    """The ``UpdateExpression``: clauses in SET, REMOVE, ADD, DELETE order, within 4 KB.

    >>> from dynastack.core.expressions import Placeholders
    >>> compile(Update().delete("tags", {"old"}).set("n", 1), Placeholders())
    'SET #n0 = :v0 DELETE #n1 :v1'
    """
    if not isinstance(update, Update):
        raise InvalidRequest(f"compile: expected an Update, got {update!r}")
    if not update.actions:
        raise InvalidRequest("update: nothing to update; add at least one action")
    clauses = []
    for clause in _CLAUSES:
        actions = [action for action in update.actions if action.clause == clause]
        if actions:
            clauses.append(f"{clause} " + ", ".join(a.render(placeholders) for a in actions))
    return check_length(" ".join(clauses), "update")


def _as_path(path: Path | str) -> Path:
    if isinstance(path, str):
        return Attr(path)
    if not isinstance(path, Path):
        raise InvalidRequest(f"update: expected a Path or str, got {path!r}")
    return path


def _overlap(a: Path, b: Path) -> bool:
    n = min(len(a.elements), len(b.elements))
    # (type, value): the map key "0" and the list index 0 are different paths
    return all(
        type(x) is type(y) and x == y for x, y in zip(a.elements[:n], b.elements[:n], strict=True)
    )


def _value(kind: str, path: Path | str, value: object) -> object:
    if isinstance(value, (Operand, Condition)):
        raise InvalidRequest(
            f"update: {kind}({_as_path(path)!r}) needs a value, got the expression {value!r}"
        )
    return value


def _number(kind: str, path: Path | str, value: object) -> int | Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise InvalidRequest(
            f"update: {kind}({_as_path(path)!r}) needs an int or Decimal, got {value!r}"
        )
    return value


def _items(kind: str, path: Path | str, values: Iterable[object]) -> tuple[object, ...]:
    if isinstance(values, (str, bytes, bytearray, Set)) or not isinstance(values, Iterable):
        raise InvalidRequest(
            f"update: {kind}({_as_path(path)!r}) needs a list of values, got {values!r}"
        )
    return tuple(values)


def _set(kind: str, path: Path | str, values: object) -> frozenset[object]:
    if not isinstance(values, Set) or not values:
        raise InvalidRequest(
            f"update: {kind}({_as_path(path)!r}) needs a non-empty set (DynamoDB has no empty "
            f"sets), got {values!r}"
        )
    return frozenset(values)
