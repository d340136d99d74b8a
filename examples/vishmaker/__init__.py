"""VishMaker (seed 004): projects, the requirement hierarchy, the waitlist, on dynastack.

``app`` is what the command line takes: ``dynastack tables apply examples.vishmaker:app --env
prod`` creates the six tables under the seed's default names (``prod-vishmaker-projects`` …),
``dynastack doctor examples.vishmaker:app --env prod`` is the seed's connection test, table
check and table info in one, and ``dynastack seed`` writes demo projects.

Example:
    >>> [spec.name for spec in app.table_specs(env="prod", environ={})][:2]
    ['prod-vishmaker-projects', 'prod-vishmaker-user-flows']
    >>> app.table_specs(env="prod", environ={"WAITLIST_TABLE_NAME": "wl-blue"})[-1].name
    'wl-blue'
"""

from __future__ import annotations

from dynastack import App
from examples.vishmaker.iam import policy
from examples.vishmaker.models import (
    ENTITIES,
    HighLevelRequirement,
    LowLevelRequirement,
    Node,
    Project,
    TestCase,
    UserFlow,
    Waitlist,
    WaitlistStatus,
)
from examples.vishmaker.repositories import (
    CHILDREN,
    ProjectRepository,
    RequirementTree,
    WaitlistRepository,
)
from examples.vishmaker.seed import seed

__all__ = [
    "CHILDREN",
    "HighLevelRequirement",
    "LowLevelRequirement",
    "Node",
    "Project",
    "ProjectRepository",
    "RequirementTree",
    "TestCase",
    "UserFlow",
    "Waitlist",
    "WaitlistRepository",
    "WaitlistStatus",
    "app",
    "policy",
]

app = App("vishmaker", ENTITIES, seed=seed)
