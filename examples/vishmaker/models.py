"""VishMaker's data (seed 004): projects, the requirement hierarchy under them, the waitlist.

Six tables, exactly as the seed lays them out: every key is a bare field stored in its own
attribute (``id``/``user_id``, ``uiid``/``project_id``, ``uiid``/``parent_uiid``, ``email``)
and every index is named as the seed names it (``user_id-index``, ``name-index``,
``project_id-index``, ``parent_uiid-index``, ``status-index``). Table names come from the
seed's ``*_TABLE_NAME`` variables; without them they are ``<env>-vishmaker-<table>``, so
``--env prod`` gives exactly the seed's defaults (``prod-vishmaker-projects`` …).

The hierarchy is Project → UserFlow → HighLevelRequirement → LowLevelRequirement → TestCase.
Every parent carries ``child_count``, the number of its direct children, kept exact by the
repositories: a child is created and its parent's count raised in one transaction (which also
requires the parent to exist), and children are deleted in transactions that lower the count by
as many. A parent is deleted only while its count is 0, as a *condition* of the delete, so no
interleaving of writers, and no lag of the GSIs that list children, can leave an orphan
(repositories.py explains the cascade).

What changed from the seed: entities are plain declarations; the seed's active-record
``ProjectEntity.create(data)`` with a hidden connection becomes ``projects.create(...)`` on a
repository (seeds README, "Known flaws").

Example:
    >>> flow = UserFlow(project_id=uuid4(), name="Sign up")
    >>> UserFlow.__dynastack__.pk.attr, UserFlow.__dynastack__.sk.attr, flow.child_count
    ('uiid', 'project_id', 0)
    >>> [i for i in Project.__dynastack__.indexes]
    ['user_id-index', 'name-index']
"""

from __future__ import annotations

import enum
from typing import ClassVar
from uuid import UUID, uuid4

from pydantic import Field

from dynastack import CreatedAt, Entity, Index, Key, Owner, Table, UpdatedAt, auto_now

__all__ = [
    "CHILD_OF",
    "EMAIL_PATTERN",
    "ENTITIES",
    "HighLevelRequirement",
    "LowLevelRequirement",
    "Node",
    "Project",
    "TestCase",
    "UserFlow",
    "Waitlist",
    "WaitlistStatus",
    "high_level_requirements_table",
    "low_level_requirements_table",
    "projects_table",
    "test_cases_table",
    "user_flows_table",
    "waitlist_table",
]


def _table(name: str, variable: str) -> Table:
    # streams off: nothing in VishMaker consumes them, and they cost a read per change
    return Table(name, pattern="{env}-vishmaker-" + name, env_var=variable, stream=None)


projects_table = _table("projects", "PROJECTS_TABLE_NAME")
user_flows_table = _table("user-flows", "USER_FLOWS_TABLE_NAME")
high_level_requirements_table = _table(
    "high-level-requirements", "HIGH_LEVEL_REQUIREMENTS_TABLE_NAME"
)
low_level_requirements_table = _table("low-level-requirements", "LOW_LEVEL_REQUIREMENTS_TABLE_NAME")
test_cases_table = _table("test-cases", "TEST_CASES_TABLE_NAME")
waitlist_table = _table("waitlist", "WAITLIST_TABLE_NAME")

#: a deliberately loose address check; delivering the invitation is the real test
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class Project(Entity, table=projects_table):
    """A user's project: key (``id``, ``user_id``); listed per user and found by name."""

    __key__ = Key(pk="id", sk="user_id")
    __indexes__ = (Index("user_id-index", pk="user_id"), Index("name-index", pk="name"))

    id: UUID = Field(default_factory=uuid4)
    #: the Cognito user id; owner-scoped repositories put it in every condition and query key
    user_id: Owner[str] = Field(min_length=1)
    name: str = Field(min_length=1, max_length=200)
    initial_prompt: str | None = None
    #: how many user flows the project has (kept exact by the repositories)
    child_count: int = Field(default=0, ge=0)
    created_at: CreatedAt = auto_now()
    updated_at: UpdatedAt = auto_now()


class Node(Entity):
    """What every item below a project has: its own ``uiid``, a name, a description."""

    uiid: UUID = Field(default_factory=uuid4)
    name: str = Field(min_length=1, max_length=500)
    description: str | None = None
    created_at: CreatedAt = auto_now()
    updated_at: UpdatedAt = auto_now()


class UserFlow(Node, table=user_flows_table):
    """A user flow of a project: key (``uiid``, ``project_id``); listed per project."""

    __key__ = Key(pk="uiid", sk="project_id")
    __indexes__ = (Index("project_id-index", pk="project_id"),)

    project_id: UUID
    child_count: int = Field(default=0, ge=0)


class HighLevelRequirement(Node, table=high_level_requirements_table):
    """A high-level requirement of a user flow (``parent_uiid`` = the flow's ``uiid``)."""

    __key__ = Key(pk="uiid", sk="parent_uiid")
    __indexes__ = (Index("parent_uiid-index", pk="parent_uiid"),)

    parent_uiid: UUID
    child_count: int = Field(default=0, ge=0)


class LowLevelRequirement(Node, table=low_level_requirements_table):
    """A low-level requirement of a high-level one (``parent_uiid`` = its ``uiid``)."""

    __key__ = Key(pk="uiid", sk="parent_uiid")
    __indexes__ = (Index("parent_uiid-index", pk="parent_uiid"),)

    parent_uiid: UUID
    tech_stack_details: str | None = None
    child_count: int = Field(default=0, ge=0)


class TestCase(Node, table=test_cases_table):
    """A test case of a low-level requirement (``parent_uiid`` = its ``uiid``); a leaf."""

    __test__: ClassVar[bool] = False  # not a pytest test class, whatever its name says
    __key__ = Key(pk="uiid", sk="parent_uiid")
    __indexes__ = (Index("parent_uiid-index", pk="parent_uiid"),)

    parent_uiid: UUID
    test_driver: str | None = None


class WaitlistStatus(enum.StrEnum):
    """Where a waitlist entry stands."""

    PENDING = "pending"
    INVITED = "invited"
    JOINED = "joined"


class Waitlist(Entity, table=waitlist_table):
    """One address on the waitlist: key ``email``; listed per status (``status-index``)."""

    __key__ = Key(pk="email")
    __indexes__ = (Index("status-index", pk="status"),)

    email: str = Field(pattern=EMAIL_PATTERN, max_length=254)
    status: WaitlistStatus = WaitlistStatus.PENDING
    created_at: CreatedAt = auto_now()
    updated_at: UpdatedAt = auto_now()


#: child entity → its parent entity, top down: the shape the cascade walks
CHILD_OF: dict[type[Entity], type[Entity]] = {
    UserFlow: Project,
    HighLevelRequirement: UserFlow,
    LowLevelRequirement: HighLevelRequirement,
    TestCase: LowLevelRequirement,
}

ENTITIES: list[type[Entity]] = [
    Project,
    UserFlow,
    HighLevelRequirement,
    LowLevelRequirement,
    TestCase,
    Waitlist,
]
