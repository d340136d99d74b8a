"""Helpers of the VishMaker tests: a clock, the cursor key, and the tree invariant every test
of the cascade checks (a uniquely named module: ``conftest`` is not importable reliably when
several test folders have one)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from uuid import UUID

from dynastack import Client, Entity
from dynastack.repository import Repository
from examples.vishmaker import CHILDREN

__all__ = ["CURSOR_KEY", "TickingClock", "assert_no_orphans", "tree_census"]

CURSOR_KEY = bytes(range(32))


class TickingClock:
    """A clock that moves ``step`` forward on every reading: ordered timestamps, no sleeps."""

    def __init__(self, start: datetime, step: timedelta = timedelta(seconds=1)) -> None:
        self.now = start
        self.step = step

    def __call__(self) -> datetime:
        self.now += self.step
        return self.now


def _id(item: Entity) -> UUID:
    fields = vars(item)
    value = fields["id"] if "id" in fields else fields["uiid"]
    assert isinstance(value, UUID)
    return value


def tree_census(client: Client, env: str) -> dict[type[Entity], list[Entity]]:
    """Every item of the hierarchy's five tables (a scan of each: tests only)."""
    census: dict[type[Entity], list[Entity]] = {}
    for parent, (child, _, _) in CHILDREN.items():
        for kind in (parent, child):
            if kind not in census:
                census[kind] = list(Repository(kind, client, env=env).scan(consistent=True))
    return census


def assert_no_orphans(client: Client, env: str) -> dict[type[Entity], list[Entity]]:
    """Every child's parent exists and every parent's ``child_count`` is its real number of
    children, in the whole environment; returns the census for further checks."""
    census = tree_census(client, env)
    for parent_type, (child_type, field, _) in CHILDREN.items():
        parents = {_id(p): p for p in census[parent_type]}
        counts = Counter(getattr(c, field) for c in census[child_type])
        orphans = [c for c in census[child_type] if getattr(c, field) not in parents]
        assert orphans == [], f"{child_type.__name__} orphans: {orphans}"
        for pid, parent in parents.items():
            stored = vars(parent)["child_count"]
            assert stored == counts[pid], (
                f"{parent_type.__name__} {pid}: child_count {stored} but {counts[pid]} children"
            )
    return census
