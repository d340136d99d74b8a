"""VishMaker's repositories: projects and the requirement tree below them (the waitlist's is
in waitlist.py), each built on the bound App (``app.bind(client, env=…)``); the tree asks the
binding for the projects' repository (``bound.service(ProjectRepository)``).

Projects are owner-scoped (``Project.user_id`` is an ``Owner`` field): every project operation
runs on ``projects.for_owner(user_id)``, so the owner is in each write's condition and each
query's key, and another user's project looks exactly like a missing one.

The tree (Project → UserFlow → HighLevelRequirement → LowLevelRequirement → TestCase) keeps
one invariant: **a parent's ``child_count`` is the number of its children, and a node is
deleted only while its ``child_count`` is 0** — the second half is a condition of the delete
itself, evaluated by DynamoDB, not a check in Python. So:

* creating a child is one transaction: the parent's count +1 (on condition that the parent
  exists, and for a project that it is the caller's) and the child's conditional put. No child
  can appear under a missing parent;
* ``delete_project`` / ``delete_node`` cascade **children first, then the parent**: walk
  down, and at each node delete its (already childless) children in transactions of up to 99
  deletes, each conditioned on ``child_count = 0``, with the parent's count lowered by as
  many in the same transaction. The node itself goes last, by its own parent's transaction
  (or alone, for the project). Every transaction is atomic, so after any failure — a crash, a
  timeout, a lost permission — every remaining item still has its parent and every count is
  exact: there is never an orphan, only a smaller tree. **Idempotent and resumable**: rerun
  the same call and it lists what is left and goes on (a project already gone: ``False``).
* a child the listing missed (a GSI is eventually consistent on AWS; or a child created
  concurrently) makes its parent's delete fail its condition instead of orphaning it; the
  cascade lists again, a few times with backoff, and otherwise raises
  ``ConditionalCheckFailed`` for a later rerun.

Example (against DynamoDB Local; the tables must exist, see ``examples.vishmaker``):
    >>> from dynastack import Client
    >>> from examples.vishmaker import app
    >>> client = Client.local(os.environ["DYNASTACK_ENDPOINT"])
    >>> _ = app.create_tables(client, env="doc")
    >>> vm = app.bind(client, env="doc")
    >>> projects, tree = vm.service(ProjectRepository), vm.service(RequirementTree)
    >>> project = projects.create_project("u1", "Todo app", initial_prompt="A todo app")
    >>> flow = tree.create_user_flow("u1", project.id, "Sign up")
    >>> hlr = tree.create_child(flow, name="Accounts")
    >>> projects.get_project("u1", project.id).child_count
    1
    >>> tree.delete_project("u1", project.id), tree.list_children(flow)
    (True, [])
    >>> _ = app.drop_tables(client, env="doc"); client.close()
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from dynastack import Attr, Entity, Update
from dynastack.app import BoundApp
from dynastack.errors import ConditionalCheckFailed, InvalidRequest
from dynastack.repository import Page, Repository, UnitOfWork
from examples.vishmaker.models import (
    HighLevelRequirement,
    LowLevelRequirement,
    Node,
    Project,
    TestCase,
    UserFlow,
)
from examples.vishmaker.waitlist import WaitlistRepository

__all__ = [
    "CHILDREN",
    "MAX_DELETES_PER_TRANSACTION",
    "ProjectRepository",
    "RequirementTree",
    "WaitlistRepository",
]

Clock = Callable[[], datetime]

#: parent type → (child type, the child's field naming the parent, the index listing them)
CHILDREN: Mapping[type[Entity], tuple[type[Node], str, str]] = {
    Project: (UserFlow, "project_id", "project_id-index"),
    UserFlow: (HighLevelRequirement, "parent_uiid", "parent_uiid-index"),
    HighLevelRequirement: (LowLevelRequirement, "parent_uiid", "parent_uiid-index"),
    LowLevelRequirement: (TestCase, "parent_uiid", "parent_uiid-index"),
}
#: 100 actions per TransactWriteItems: the deletes and one update of their parent's count
MAX_DELETES_PER_TRANSACTION = 99
#: what a caller may change on a node (keys, parents and counts belong to the tree)
_EDITABLE = frozenset({"name", "description", "tech_stack_details", "test_driver"})
#: how many times a node that still has children after its children were deleted is retried
_RELIST_ATTEMPTS = 5


def _id_of(node: Entity) -> UUID:
    if isinstance(node, Project):
        return node.id
    if isinstance(node, Node):
        return node.uiid
    raise InvalidRequest(f"a {type(node).__name__} is not part of the requirement tree")


def _count(node: Entity) -> int:
    """A node's ``child_count`` (0 for test cases, which have none)."""
    return int(getattr(node, "child_count", 0))


class ProjectRepository:
    """A user's projects: create, read, list, rename, and find by name (support tools)."""

    def __init__(self, bound: BoundApp) -> None:
        self.projects = bound[Project]

    def mine(self, user_id: str) -> Repository[Project]:
        """The owner-scoped view every user-facing operation runs on."""
        return self.projects.for_owner(user_id)

    def create_project(
        self, user_id: str, name: str, *, initial_prompt: str | None = None
    ) -> Project:
        """A new project of ``user_id`` (the seed's ``ProjectEntity.create``)."""
        return self.mine(user_id).create(
            Project(user_id=user_id, name=name, initial_prompt=initial_prompt)
        )

    def get_project(self, user_id: str, project_id: UUID) -> Project | None:
        """The project if it exists and is ``user_id``'s, else ``None``."""
        return self.mine(user_id).get(id=project_id, user_id=user_id)

    def list_projects(
        self, user_id: str, *, limit: int = 20, cursor: str | None = None
    ) -> Page[Project]:
        """One page of the user's projects (``user_id-index``)."""
        return self.mine(user_id).query(
            "user_id-index", user_id=user_id, limit=limit, cursor=cursor
        )

    def update_project(
        self,
        user_id: str,
        project_id: UUID,
        *,
        name: str | None = None,
        initial_prompt: str | None = None,
    ) -> Project:
        """Rename the project or change its prompt; ``ConditionalCheckFailed`` if it is not the
        user's. (``child_count`` is the tree's, never set by a caller.)"""
        given: dict[str, Any] = {"name": name, "initial_prompt": initial_prompt}
        changes = {k: v for k, v in given.items() if v is not None}
        return self.mine(user_id).update({"id": project_id, "user_id": user_id}, **changes)

    def find_by_name(self, name: str) -> list[Project]:
        """Every project called ``name``, whoever owns it (``name-index``; support tools,
        not user-facing: an owner scope cannot query an index without the owner in its key)."""
        return list(self.projects.query_all("name-index", name=name))


class RequirementTree:
    """User flows, requirements and test cases: create under a parent, read, list, update,
    and cascade deletes that never leave orphans (see the module docstring)."""

    def __init__(self, bound: BoundApp, *, sleep: Callable[[float], object] = time.sleep) -> None:
        self.projects = bound.service(ProjectRepository)
        self.repos: dict[type[Entity], Repository[Any]] = {Project: self.projects.projects}
        for child, _, _ in CHILDREN.values():
            self.repos[child] = bound[child]
        self._sleep = sleep

    # -- create -----------------------------------------------------------------------------

    def create_user_flow(
        self, user_id: str, project_id: UUID, name: str, *, description: str | None = None
    ) -> UserFlow:
        """A user flow in the user's project (the project's count rises with it)."""
        flow = UserFlow(project_id=project_id, name=name, description=description)
        unit = UnitOfWork()
        unit.update(
            self.projects.mine(user_id),
            {"id": project_id, "user_id": user_id},
            Update().increment("child_count"),
        )
        made: UserFlow = unit.create(self.repos[UserFlow], flow)
        unit.commit()
        return made

    def create_child(self, parent: Node, **fields: Any) -> Node:
        """A requirement or test case under ``parent`` (a user flow, high- or low-level
        requirement); ``parent``'s count rises in the same transaction."""
        if type(parent) not in CHILDREN:
            raise InvalidRequest(f"a {type(parent).__name__} has no children of this kind")
        child_type, parent_field, _ = CHILDREN[type(parent)]
        child = child_type.model_validate({**fields, parent_field: parent.uiid})
        unit = UnitOfWork()
        unit.update(self.repos[type(parent)], parent, Update().increment("child_count"))
        made: Node = unit.create(self.repos[child_type], child)
        unit.commit()
        return made

    # -- read / update ----------------------------------------------------------------------

    def get(self, kind: type[Node], uiid: UUID) -> Node | None:
        """The node of type ``kind`` with this ``uiid`` (its parent id is not needed: the
        table's partition key is the ``uiid``)."""
        page = self.repos[kind].query(uiid=uiid, limit=1)
        found: Node | None = page.items[0] if page.items else None
        return found

    def list_children(self, parent: Entity) -> list[Node]:
        """The direct children of a project or node, through the child table's GSI."""
        child_type, parent_field, index = CHILDREN[type(parent)]
        key: dict[str, Any] = {parent_field: _id_of(parent)}
        return list(self.repos[child_type].query_all(index, **key))

    def list_user_flows(self, user_id: str, project_id: UUID) -> list[UserFlow]:
        """The user flows of the user's project (``[]`` if it is not the user's)."""
        project = self.projects.get_project(user_id, project_id)
        return [] if project is None else self.list_children(project)  # type: ignore[return-value]

    def update_node(self, node: Node, **changes: Any) -> Node:
        """Change the editable fields of a node (``name``, ``description``,
        ``tech_stack_details``, ``test_driver``); the node after it."""
        refused = sorted(set(changes) - _EDITABLE)
        if refused:
            raise InvalidRequest(
                f"{refused} cannot be changed here (editable: {sorted(_EDITABLE)})"
            )
        updated: Node = self.repos[type(node)].update(node, **changes)
        return updated

    # -- cascade delete ---------------------------------------------------------------------

    def delete_project(self, user_id: str, project_id: UUID) -> bool:
        """Delete the user's project and everything below it, children first; ``False`` if
        there was nothing (left) to delete. Safe to rerun after any failure."""
        project = self.projects.get_project(user_id, project_id)
        if project is None:
            return False
        self._empty(project)
        self.projects.mine(user_id).delete(project, condition=Attr("child_count") == 0)
        return True

    def delete_node(self, node: Node) -> None:
        """Delete a user flow, requirement or test case with its subtree, children first,
        the parent's count falling with it. Safe to rerun after any failure."""
        parent = self._parent_of(node)
        current = self.get(type(node), node.uiid)
        if current is None:
            return
        if type(current) in CHILDREN:
            self._empty(current)
        unit = UnitOfWork()
        unit.delete(self.repos[type(current)], current, condition=_childless(type(current)))
        if parent is not None:
            unit.update(
                self.repos[type(parent)],
                parent,
                Update().decrement("child_count"),
                condition=Attr("child_count") >= 1,
            )
        unit.commit()

    def _empty(self, parent: Entity) -> None:
        """Delete every descendant of ``parent``, bottom up, leaving ``parent`` childless."""
        child_type, _, _ = CHILDREN[type(parent)]
        for attempt in range(_RELIST_ATTEMPTS):
            children = self.list_children(parent)
            if not children:
                current = self._reread(parent)
                if current is None or _count(current) == 0:
                    return
                self._sleep(0.05 * 2**attempt)  # counted but not listed yet: the GSI lags
                continue
            if child_type in CHILDREN:
                for child in children:
                    if _count(child):
                        self._empty(child)
            for start in range(0, len(children), MAX_DELETES_PER_TRANSACTION):
                chunk = children[start : start + MAX_DELETES_PER_TRANSACTION]
                unit = UnitOfWork()
                for child in chunk:
                    unit.delete(self.repos[child_type], child, condition=_childless(child_type))
                unit.update(
                    self.repos[type(parent)],
                    {k: getattr(parent, k) for k in parent.__dynastack__.key_fields},
                    Update().decrement("child_count", len(chunk)),
                    condition=Attr("child_count") >= len(chunk),
                )
                unit.commit()
        current = self._reread(parent)
        if current is not None and _count(current):
            raise ConditionalCheckFailed(
                f"{type(parent).__name__} {_id_of(parent)} still has children after "
                f"{_RELIST_ATTEMPTS} listings; rerun the delete later",
                code="ConditionalCheckFailedException",
            )

    def _reread(self, node: Entity) -> Entity | None:
        keys = {k: getattr(node, k) for k in node.__dynastack__.key_fields}
        found: Entity | None = self.repos[type(node)].get(consistent=True, **keys)
        return found

    def _parent_of(self, node: Node) -> Entity | None:
        for parent_type, (child_type, field, _) in CHILDREN.items():
            if child_type is type(node):
                parent_id = getattr(node, field)
                key = "id" if parent_type is Project else "uiid"
                page = self.repos[parent_type].query(**{key: parent_id}, limit=1)
                return page.items[0] if page.items else None
        raise InvalidRequest(f"{type(node).__name__} is not part of the requirement tree")


def _childless(kind: type[Entity]) -> Any:
    """The delete condition of a node: no children (test cases have none by construction)."""
    return Attr("child_count") == 0 if kind in CHILDREN else None
