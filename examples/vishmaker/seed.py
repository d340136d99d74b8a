"""Demo data for ``dynastack seed examples.vishmaker:app``: projects with full requirement
trees, and a waitlist.

``count`` projects, spread over three demo users; each project has 2 user flows, each flow 2
high-level requirements, each of those 2 low-level ones, each of those 2 test cases (31 items
per project), every ``child_count`` exact. And ``count`` waitlist entries in every status. Ids
are UUIDv5 of the item's position, and every write is an unconditional batch put, so seeding
twice rewrites the same items (the seeding contract, dynastack.ops.seeding).

Example:
    >>> items = project_tree(0)
    >>> len(items), items[0].child_count, type(items[-1]).__name__
    (31, 2, 'TestCase')
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid5

from dynastack import Client, Entity
from dynastack.ops.seeding import SeedProgress
from dynastack.repository import Repository
from examples.vishmaker.models import (
    HighLevelRequirement,
    LowLevelRequirement,
    Project,
    TestCase,
    UserFlow,
    Waitlist,
    WaitlistStatus,
)

__all__ = ["DEMO_USERS", "project_tree", "seed"]

#: the Cognito user ids that own the demo projects
DEMO_USERS = ("demo-alice", "demo-bob", "demo-carol")
_NAMESPACE = UUID("6f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9")
_AT = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
_FANOUT = 2

_FLOWS = ("Sign up and onboarding", "Create and share a board", "Billing")
_HIGH = ("Accounts", "Permissions", "Notifications")
_LOW = ("REST endpoint", "DynamoDB table", "Email template")


def _uuid(*path: object) -> UUID:
    return uuid5(_NAMESPACE, "/".join(map(str, path)))


def project_tree(index: int) -> list[Entity]:
    """Project number ``index`` and its whole tree, parents before children."""
    at = _AT + timedelta(hours=index)
    stamps: dict[str, Any] = {"created_at": at, "updated_at": at}
    project = Project(
        id=_uuid("project", index),
        user_id=DEMO_USERS[index % len(DEMO_USERS)],
        name=f"Demo project {index + 1}",
        initial_prompt="A collaborative task board for small teams",
        child_count=_FANOUT,
        **stamps,
    )
    items: list[Entity] = [project]
    for f in range(_FANOUT):
        flow = UserFlow(
            uiid=_uuid(index, f),
            project_id=project.id,
            name=_FLOWS[f],
            child_count=_FANOUT,
            **stamps,
        )
        items.append(flow)
        for h in range(_FANOUT):
            high = HighLevelRequirement(
                uiid=_uuid(index, f, h),
                parent_uiid=flow.uiid,
                name=_HIGH[h],
                child_count=_FANOUT,
                **stamps,
            )
            items.append(high)
            for lo in range(_FANOUT):
                low = LowLevelRequirement(
                    uiid=_uuid(index, f, h, lo),
                    parent_uiid=high.uiid,
                    name=_LOW[lo],
                    tech_stack_details="Python 3.11, dynastack",
                    child_count=_FANOUT,
                    **stamps,
                )
                items.append(low)
                items.extend(
                    TestCase(
                        uiid=_uuid(index, f, h, lo, t),
                        parent_uiid=low.uiid,
                        name=f"{_LOW[lo]} case {t + 1}",
                        test_driver="pytest",
                        **stamps,
                    )
                    for t in range(_FANOUT)
                )
    return items


def seed(client: Client, *, env: str | None, count: int, progress: SeedProgress) -> dict[str, int]:
    """Write ``count`` project trees and ``count`` waitlist entries."""
    written: dict[str, int] = defaultdict(int)
    for index in range(count):
        by_type: dict[type[Entity], list[Entity]] = defaultdict(list)
        for item in project_tree(index):
            by_type[type(item)].append(item)
        for kind, items in by_type.items():
            Repository(kind, client, env=env).batch_write(puts=items)
            written[kind.__name__] += len(items)
        progress("projects", index + 1, count)
    statuses = list(WaitlistStatus)
    entries = [
        Waitlist(
            email=f"waiting{n:04d}@example.com",
            status=statuses[n % len(statuses)],
            created_at=_AT,
            updated_at=_AT,
        )
        for n in range(count)
    ]
    Repository(Waitlist, client, env=env).batch_write(puts=entries)
    progress("waitlist", len(entries), len(entries))
    written["Waitlist"] = len(entries)
    return dict(written)
