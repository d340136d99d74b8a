"""The requirement tree on DynamoDB Local: creates under parents, reads, updates, and cascade
deletes that never leave orphans, also when a failure is injected midway."""

from __future__ import annotations

import json
from uuid import UUID, uuid4

import pytest

from dynastack import Client, Entity
from dynastack.app import BoundApp
from dynastack.client.transport import HttpTransport
from dynastack.core.wire import HttpRequest, HttpResponse
from dynastack.errors import AccessDenied, ConditionalCheckFailed, InvalidRequest
from dynastack.testing.faults import ErrorReply, FaultTransport, RewriteReply, target_of
from examples.vishmaker import (
    HighLevelRequirement,
    LowLevelRequirement,
    Node,
    Project,
    ProjectRepository,
    RequirementTree,
    TestCase,
    UserFlow,
    app,
)

from .vishmaker_support import CURSOR_KEY, assert_no_orphans

pytestmark = pytest.mark.integration


def build_tree(vm: BoundApp, user_id: str, *, fanout: int = 2) -> Project:
    """A project with ``fanout`` children at every level (1 + 2 + 4 + 8 + 16 = 31 items)."""
    project = vm.service(ProjectRepository).create_project(
        user_id, "Board", initial_prompt="A task board"
    )
    level: list[Node] = []
    for f in range(fanout):
        level.append(vm.service(RequirementTree).create_user_flow(user_id, project.id, f"Flow {f}"))
    for _ in range(3):  # high-level, low-level, test cases
        level = [
            vm.service(RequirementTree).create_child(p, name=f"Node {i}")
            for p in level
            for i in range(fanout)
        ]
    return project


def items_of(census: dict[type[Entity], list[Entity]], project: Project) -> int:
    """How many items of ``project``'s tree are left (the project included)."""
    ids: set[UUID] = {project.id}
    total = sum(1 for p in census[Project] if isinstance(p, Project) and p.id == project.id)
    for kind in (UserFlow, HighLevelRequirement, LowLevelRequirement, TestCase):
        field = "project_id" if kind is UserFlow else "parent_uiid"
        found = {vars(n)["uiid"] for n in census[kind] if vars(n)[field] in ids}
        total += len(found)
        ids = found
    return total


def test_children_are_created_under_existing_parents_and_counted(
    vm: BoundApp,
    projects: ProjectRepository,
    tree: RequirementTree,
    client: Client,
    env: str,
    user_id: str,
) -> None:
    project = build_tree(vm, user_id)
    stored = projects.get_project(user_id, project.id)
    assert stored is not None and stored.child_count == 2
    flows = tree.list_user_flows(user_id, project.id)
    assert sorted(f.name for f in flows) == ["Flow 0", "Flow 1"]
    highs = tree.list_children(flows[0])
    assert len(highs) == 2 and all(isinstance(h, HighLevelRequirement) for h in highs)
    assert [vars(h)["child_count"] for h in highs] == [2, 2]
    census = assert_no_orphans(client, env)
    assert items_of(census, project) == 31


def test_a_child_cannot_be_created_under_a_missing_or_foreign_parent(
    projects: ProjectRepository, tree: RequirementTree, client: Client, env: str, user_id: str
) -> None:
    project = projects.create_project(user_id, "Mine")
    with pytest.raises(ConditionalCheckFailed, match="not found"):
        tree.create_user_flow("someone-else", project.id, "Intruder")
    with pytest.raises(ConditionalCheckFailed, match="not found"):
        tree.create_user_flow(user_id, uuid4(), "Nowhere")
    ghost = UserFlow(project_id=project.id, name="never stored")
    with pytest.raises(ConditionalCheckFailed, match="not found"):
        tree.create_child(ghost, name="Orphan?")
    leaf = TestCase(parent_uiid=uuid4(), name="leaf")
    with pytest.raises(InvalidRequest, match="no children"):
        tree.create_child(leaf, name="below a test case")
    assert tree.list_user_flows(user_id, project.id) == []
    assert tree.list_user_flows("someone-else", project.id) == []
    assert_no_orphans(client, env)


def test_get_and_update_nodes(
    projects: ProjectRepository, tree: RequirementTree, user_id: str
) -> None:
    project = projects.create_project(user_id, "P")
    flow = tree.create_user_flow(user_id, project.id, "Checkout", description="v1")
    high = tree.create_child(flow, name="Payments")
    low = tree.create_child(high, name="Stripe", tech_stack_details="stripe-python")
    case = tree.create_child(low, name="Declined card", test_driver="pytest")
    got = tree.get(UserFlow, flow.uiid)
    assert isinstance(got, UserFlow)
    assert (got.name, got.description, got.child_count) == ("Checkout", "v1", 1)
    assert isinstance(tree.get(LowLevelRequirement, low.uiid), LowLevelRequirement)
    assert tree.get(TestCase, case.uiid) == case
    assert tree.get(TestCase, uuid4()) is None
    updated = tree.update_node(case, description="Card 4000 0000 0000 0002")
    assert updated.description == "Card 4000 0000 0000 0002"
    assert updated.updated_at > case.updated_at
    with pytest.raises(InvalidRequest, match="cannot be changed"):
        tree.update_node(low, child_count=0)


def test_delete_project_removes_the_whole_tree_and_is_idempotent(
    vm: BoundApp, tree: RequirementTree, client: Client, env: str, user_id: str
) -> None:
    project = build_tree(vm, user_id)
    keep = build_tree(vm, user_id)
    assert tree.delete_project("someone-else", project.id) is False  # not theirs: nothing
    assert tree.delete_project(user_id, project.id) is True
    assert tree.delete_project(user_id, project.id) is False  # a rerun is a no-op
    census = assert_no_orphans(client, env)
    assert items_of(census, project) == 0
    assert items_of(census, keep) == 31


def test_delete_node_removes_its_subtree_and_lowers_its_parents_count(
    vm: BoundApp,
    projects: ProjectRepository,
    tree: RequirementTree,
    client: Client,
    env: str,
    user_id: str,
) -> None:
    project = build_tree(vm, user_id)
    flow = tree.list_user_flows(user_id, project.id)[0]
    high = tree.list_children(flow)[0]
    tree.delete_node(high)
    tree.delete_node(high)  # idempotent
    assert tree.get(HighLevelRequirement, high.uiid) is None
    refreshed = tree.get(UserFlow, flow.uiid)
    assert isinstance(refreshed, UserFlow) and refreshed.child_count == 1
    census = assert_no_orphans(client, env)
    assert items_of(census, project) == 31 - 7
    tree.delete_node(flow)
    stored = projects.get_project(user_id, project.id)
    assert stored is not None and stored.child_count == 1
    assert items_of(assert_no_orphans(client, env), project) == 31 - 15


def _transactions(request: HttpRequest) -> bool:
    return target_of(request) == "TransactWriteItems"


def test_a_failure_midway_leaves_no_orphans_and_a_rerun_completes(
    dynamodb_endpoint: str,
    vm: BoundApp,
    projects: ProjectRepository,
    tree: RequirementTree,
    client: Client,
    env: str,
    user_id: str,
) -> None:
    project = build_tree(vm, user_id)
    # Injected fault: from the 4th transaction of the cascade on, every request is refused
    # as if the Lambda's role had lost its permission midway (DynamoDB Local cannot be made
    # to fail on demand). Earlier transactions committed; the failing one applies nothing.
    seen = {"transactions": 0}

    def plan(request: HttpRequest, index: int) -> ErrorReply | None:
        if _transactions(request):
            seen["transactions"] += 1
        if seen["transactions"] >= 4:
            return ErrorReply(400, "AccessDeniedException", "injected: permission revoked")
        return None

    failing = Client.local(dynamodb_endpoint, transport=FaultTransport(HttpTransport(), plan))
    try:
        broken = RequirementTree(
            app.bind(failing, env=env, cursor_key=CURSOR_KEY), sleep=lambda s: None
        )
        with pytest.raises(AccessDenied):
            broken.delete_project(user_id, project.id)
    finally:
        failing.close()
    census = assert_no_orphans(client, env)  # the invariant holds in the middle
    left = items_of(census, project)
    assert 0 < left < 31  # some transactions had committed, the project is still there
    assert projects.get_project(user_id, project.id) is not None
    assert tree.delete_project(user_id, project.id) is True  # the rerun resumes
    census = assert_no_orphans(client, env)
    assert items_of(census, project) == 0


def _without_items(response: HttpResponse) -> HttpResponse:
    body = json.loads(response.body)
    body.update(Items=[], Count=0)
    data = json.dumps(body).encode()
    headers = {**response.headers, "content-length": str(len(data))}
    headers.pop("x-amz-crc32", None)
    return HttpResponse(response.status, headers, data)


def test_a_child_the_listing_missed_blocks_its_parents_delete_instead_of_orphaning(
    dynamodb_endpoint: str,
    projects: ProjectRepository,
    tree: RequirementTree,
    client: Client,
    env: str,
    user_id: str,
) -> None:
    project = projects.create_project(user_id, "Lagging index")
    flow = tree.create_user_flow(user_id, project.id, "Flow")
    tree.create_child(flow, name="Just created")
    # Injected fault: the first listing of the flow's children comes back empty, as a GSI
    # that has not caught up yet would answer on AWS (DynamoDB Local's GSIs never lag).
    hidden: list[UUID] = []

    def plan(request: HttpRequest, index: int) -> RewriteReply | None:
        body = json.loads(request.body)
        if body.get("IndexName") == "parent_uiid-index" and not hidden:
            hidden.append(flow.uiid)
            return RewriteReply(_without_items)
        return None

    lagging = Client.local(dynamodb_endpoint, transport=FaultTransport(HttpTransport(), plan))
    try:
        slow = RequirementTree(
            app.bind(lagging, env=env, cursor_key=CURSOR_KEY), sleep=lambda s: None
        )
        assert slow.delete_project(user_id, project.id) is True
    finally:
        lagging.close()
    assert hidden == [flow.uiid]  # the fault did fire
    census = assert_no_orphans(client, env)
    assert items_of(census, project) == 0
