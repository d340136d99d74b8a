"""Deployments: ids, create, pattern 1 (get), version-checked partial updates, pattern 2
(by organization), by status, pages and cursors, and the cascade delete."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import uuid4

import pytest
from examples.cloud_platform.models import (
    DEPLOYMENT_ID,
    Deployment,
    DeploymentStatus,
    LogLevel,
    Stack,
    StackStatus,
)
from examples.cloud_platform.repositories import ID_ATTEMPTS

from dynastack import Client
from dynastack.app import BoundApp
from dynastack.errors import (
    ConditionalCheckFailed,
    InvalidCursor,
    InvalidRequest,
    ResourceNotFound,
    VersionConflict,
)
from examples.cloud_platform import (
    DeploymentRepository,
    LogRepository,
    Removal,
    StackRepository,
    app,
)

from .conftest import CURSOR_KEY, Clock

pytestmark = pytest.mark.integration


def fresh_id() -> str:
    return "D" + uuid4().hex[:6].upper()


def deployment(organization: str, **over: Any) -> Deployment:
    values: dict[str, Any] = {
        "organization": organization,
        "project": "web",
        "domain": "web.example.com",
        "template": "default",
        "environments": {"dev": {"region": "us-east-1"}},
        "stacks": {"network": {"enabled": True, "dependencies": []}},
        "created_by": "user-1",
    }
    values.update(over)
    return Deployment(**values)


def stack(deployment_id: str, name: str, environment: str = "dev") -> Stack:
    return Stack(
        deployment_id=deployment_id,
        stack_name=name,
        environment=environment,
        pulumi_stack_name=f"org/web/{deployment_id}-{name}-{environment}",
        layer=1,
    )


class Ids:
    """Deployment ids handed out in a given order, counting the draws."""

    def __init__(self, ids: list[str]) -> None:
        self.ids: Iterator[str] = iter(ids)
        self.drawn = 0

    def __call__(self) -> str:
        self.drawn += 1
        return next(self.ids)


# -- ids and create ---------------------------------------------------------------------------


def test_create_draws_an_id_and_sets_server_fields(
    deployments: DeploymentRepository, organization: str, clock: Clock
) -> None:
    made = deployments.create(deployment(organization))
    assert DEPLOYMENT_ID.match(made.deployment_id)
    assert made.version == 1
    assert made.created_at == made.updated_at == clock.now
    assert deployments.get_by_id(made.deployment_id) == made


def test_a_colliding_drawn_id_is_drawn_again(
    client: Client, env: str, deployments: DeploymentRepository, organization: str
) -> None:
    taken = deployments.create(deployment(organization, deployment_id=fresh_id()))
    free = fresh_id()
    ids = Ids([taken.deployment_id, free])
    repo = DeploymentRepository(app.bind(client, env=env), ids=ids)
    made = repo.create(deployment(organization))
    assert (made.deployment_id, ids.drawn) == (free, 2)
    assert deployments.get_by_id(taken.deployment_id) == taken  # not overwritten


def test_id_draws_are_bounded(
    client: Client, env: str, deployments: DeploymentRepository, organization: str
) -> None:
    taken = deployments.create(deployment(organization, deployment_id=fresh_id()))
    ids = Ids([taken.deployment_id] * ID_ATTEMPTS)
    repo = DeploymentRepository(app.bind(client, env=env), ids=ids)
    with pytest.raises(ConditionalCheckFailed, match="already exists"):
        repo.create(deployment(organization))
    assert ids.drawn == ID_ATTEMPTS


def test_a_chosen_id_is_never_replaced(
    deployments: DeploymentRepository, organization: str
) -> None:
    chosen = fresh_id()
    deployments.create(deployment(organization, deployment_id=chosen))
    with pytest.raises(ConditionalCheckFailed, match="already exists"):
        deployments.create(deployment(organization, deployment_id=chosen, project="x"))
    found = deployments.get_by_id(chosen)
    assert found is not None
    assert found.project == "web"


# -- pattern 1 and updates --------------------------------------------------------------------


def test_get_by_id_of_a_missing_or_malformed_id(deployments: DeploymentRepository) -> None:
    assert deployments.get_by_id(fresh_id()) is None
    with pytest.raises(InvalidRequest, match="deployment_id"):
        deployments.get_by_id("not-an-id")


def test_errors_are_typed_by_cause(client: Client) -> None:
    """The seed turned a missing table and a missing item alike into ValueError("Table or item
    not found"); here a missing item is None and a missing table is ResourceNotFound."""
    nowhere = DeploymentRepository(app.bind(client, env=f"missing{uuid4().hex[:6]}"))
    with pytest.raises(ResourceNotFound):
        nowhere.get_by_id(fresh_id())


def test_update_changes_only_the_given_fields(
    client: Client, env: str, deployments: DeploymentRepository, organization: str, clock: Clock
) -> None:
    made = deployments.create(deployment(organization, manifest='{"v": 1}'))
    # an attribute written by another tool: a full put_item (the seed's update) would erase it
    table = app.table_name(Deployment.__dynastack__.table, env)
    client.update_item(
        TableName=table,
        Key={"PK": {"S": f"DEPLOYMENT#{made.deployment_id}"}, "SK": {"S": "METADATA"}},
        UpdateExpression="SET annotation = :a",
        ExpressionAttributeValues={":a": {"S": "kept"}},
    )
    updated = deployments.update(made, status=DeploymentStatus.DEPLOYING)
    assert (updated.status, updated.version, updated.manifest) == (
        DeploymentStatus.DEPLOYING,
        2,
        '{"v": 1}',
    )
    assert updated.updated_at == clock.now
    assert updated.created_at == made.created_at
    raw = client.get_item(
        TableName=table,
        Key={"PK": {"S": f"DEPLOYMENT#{made.deployment_id}"}, "SK": {"S": "METADATA"}},
        ConsistentRead=True,
    )["Item"]
    assert raw["annotation"] == {"S": "kept"}
    assert raw["version"] == {"N": "2"}


def test_a_stale_update_is_a_version_conflict(
    deployments: DeploymentRepository, organization: str
) -> None:
    made = deployments.create(deployment(organization))
    first = deployments.update(made, status=DeploymentStatus.DEPLOYING)
    with pytest.raises(VersionConflict) as caught:
        deployments.update(made, manifest='{"lost": true}')
    assert caught.value.current == first
    after = deployments.get_by_id(made.deployment_id)
    assert after == first


def test_update_of_a_deleted_deployment_is_not_found(
    deployments: DeploymentRepository, organization: str
) -> None:
    made = deployments.create(deployment(organization))
    deployments.delete(made)
    with pytest.raises(ConditionalCheckFailed, match="not found") as caught:
        deployments.update(made, status=DeploymentStatus.FAILED)
    assert not isinstance(caught.value, VersionConflict)


# -- pattern 2, by status, pages --------------------------------------------------------------


def test_list_by_organization_newest_first_in_sealed_pages(
    deployments: DeploymentRepository, organization: str
) -> None:
    made = [deployments.create(deployment(organization)) for _ in range(7)]
    seen: list[str] = []
    cursor: str | None = None
    sizes = []
    while True:
        page = deployments.list_by_organization(organization, limit=3, cursor=cursor)
        sizes.append(len(page))
        seen += [d.deployment_id for d in page]
        cursor = page.cursor
        if cursor is None:
            break
        assert isinstance(cursor, str)
        assert "DEPLOYMENT#" not in cursor  # opaque: not the raw LastEvaluatedKey
    assert sizes == [3, 3, 1]
    assert seen == [d.deployment_id for d in reversed(made)]


def test_a_tampered_or_foreign_cursor_is_refused(
    deployments: DeploymentRepository, organization: str
) -> None:
    for _ in range(3):
        deployments.create(deployment(organization))
    page = deployments.list_by_organization(organization, limit=1)
    assert page.cursor is not None
    tampered = page.cursor[:-2] + ("A" if page.cursor[-2] != "A" else "B") + page.cursor[-1]
    with pytest.raises(InvalidCursor):
        deployments.list_by_organization(organization, limit=1, cursor=tampered)
    with pytest.raises(InvalidCursor):  # bound to its query: not valid for another organization
        deployments.list_by_organization("other-org", limit=1, cursor=page.cursor)


def test_filtered_pages_are_filled_to_the_limit(
    deployments: DeploymentRepository, organization: str
) -> None:
    made = [deployments.create(deployment(organization)) for _ in range(9)]
    for d in made[::3]:
        deployments.update(d, status=DeploymentStatus.DEPLOYED)
    wanted = [d.deployment_id for d in reversed(made[::3])]
    first = deployments.list_by_organization(
        organization, limit=2, status=DeploymentStatus.DEPLOYED
    )
    assert [d.deployment_id for d in first] == wanted[:2]
    assert first.cursor is not None
    rest = deployments.list_by_organization(
        organization, limit=2, status=DeploymentStatus.DEPLOYED, cursor=first.cursor
    )
    assert [d.deployment_id for d in rest] == wanted[2:]


def test_list_by_status_most_recently_updated_first(
    deployments: DeploymentRepository, organization: str
) -> None:
    made = [deployments.create(deployment(organization)) for _ in range(3)]
    failed = [deployments.update(d, status=DeploymentStatus.FAILED) for d in made]
    again = deployments.update(failed[0], manifest='{"retry": 1}')
    mine = []
    cursor: str | None = None
    while True:  # the index is shared with other tests: keep this organization's
        page = deployments.list_by_status(DeploymentStatus.FAILED, cursor=cursor)
        mine += [d for d in page if d.organization == organization]
        cursor = page.cursor
        if cursor is None:
            break
    assert [d.deployment_id for d in mine] == [
        again.deployment_id,
        failed[2].deployment_id,
        failed[1].deployment_id,
    ]


# -- delete: the cascade ----------------------------------------------------------------------


def populate(platform: BoundApp, organization: str, stacks: int, logs: int) -> Deployment:
    made = platform.service(DeploymentRepository).create(deployment(organization))
    for n in range(stacks):
        platform.service(StackRepository).create(stack(made.deployment_id, f"s{n}"))
    for n in range(logs):
        platform.service(LogRepository).write(made.deployment_id, LogLevel.INFO, f"line {n}")
    return made


def children(platform: BoundApp, deployment_id: str) -> tuple[int, int]:
    stacks = platform.service(StackRepository).list_by_deployment(deployment_id)
    logs = platform.service(LogRepository).get_logs(deployment_id, limit=1000)
    return len(stacks), len(logs)


def test_delete_removes_stacks_and_logs_and_nothing_else(
    platform: BoundApp, deployments: DeploymentRepository, organization: str
) -> None:
    doomed = populate(platform, organization, stacks=3, logs=130)
    neighbour = populate(platform, organization, stacks=2, logs=2)
    assert deployments.delete(doomed.deployment_id) == Removal(True, 3, 130, atomic=False)
    assert deployments.get_by_id(doomed.deployment_id, consistent=True) is None
    assert children(platform, doomed.deployment_id) == (0, 0)
    assert children(platform, neighbour.deployment_id) == (2, 2)
    assert deployments.get_by_id(neighbour.deployment_id) is not None


def test_a_small_deployment_goes_in_one_transaction(
    platform: BoundApp, deployments: DeploymentRepository, organization: str
) -> None:
    made = populate(platform, organization, stacks=2, logs=97)  # 1 + 2 + 97 = 100 actions
    assert deployments.delete(made) == Removal(True, 2, 97, atomic=True)
    assert deployments.get_by_id(made.deployment_id, consistent=True) is None
    assert children(platform, made.deployment_id) == (0, 0)
    one_more = populate(platform, organization, stacks=2, logs=98)  # 101: swept instead
    assert deployments.delete(one_more) == Removal(True, 2, 98, atomic=False)
    assert children(platform, one_more.deployment_id) == (0, 0)


def test_delete_with_a_stale_entity_deletes_nothing(
    platform: BoundApp, deployments: DeploymentRepository, organization: str
) -> None:
    made = populate(platform, organization, stacks=2, logs=3)
    deployments.update(made, status=DeploymentStatus.DEPLOYED)
    with pytest.raises(VersionConflict):
        deployments.delete(made)
    assert children(platform, made.deployment_id) == (2, 3)
    assert deployments.get_by_id(made.deployment_id) is not None


def test_an_interrupted_delete_is_visible_and_finished_by_deleting_again(
    platform: BoundApp, organization: str
) -> None:
    made = populate(platform, organization, stacks=2, logs=4)
    # what an interrupted delete leaves behind: committed (destroying), children half gone
    marked = platform.service(DeploymentRepository).update(made, status=DeploymentStatus.DESTROYING)
    leftover = platform.service(StackRepository).list_by_deployment(made.deployment_id).items[0]
    platform.service(StackRepository).delete(leftover)
    page = platform.service(DeploymentRepository).list_by_organization(
        organization, status=DeploymentStatus.DESTROYING
    )
    assert [d.deployment_id for d in page] == [marked.deployment_id]
    assert platform.service(DeploymentRepository).delete(made.deployment_id) == Removal(
        True, 1, 4, atomic=False
    )
    assert children(platform, made.deployment_id) == (0, 0)


def test_delete_of_a_missing_deployment_sweeps_leftover_children(
    deployments: DeploymentRepository,
    stacks: StackRepository,
    logs: LogRepository,
) -> None:
    orphaned = fresh_id()
    # children without a parent, as an older writer could leave them: written around the
    # parent check of StackRepository.create on purpose
    stacks.items.create(stack(orphaned, "network"))
    logs.write(orphaned, LogLevel.WARN, "left behind")
    assert deployments.delete(orphaned) == Removal(False, 1, 1, atomic=True)
    assert deployments.delete(orphaned) == Removal(False, 0, 0, atomic=True)


def test_the_cascade_touches_only_its_own_partition(platform: BoundApp, organization: str) -> None:
    """The cascade keys on the partition, never on an index: same stack names elsewhere stay."""
    a = populate(platform, organization, stacks=1, logs=0)
    b = populate(platform, organization, stacks=1, logs=0)
    kept = platform.service(StackRepository).get_stack(b.deployment_id, "s0", "dev")
    assert kept is not None
    platform.service(StackRepository).update(kept, status=StackStatus.DEPLOYED)
    platform.service(DeploymentRepository).delete(a.deployment_id)
    after = platform.service(StackRepository).get_stack(b.deployment_id, "s0", "dev")
    assert after is not None
    assert after.status is StackStatus.DEPLOYED


def test_cursor_key_is_what_binds_pages(
    client: Client, env: str, deployments: DeploymentRepository, organization: str
) -> None:
    for _ in range(2):
        deployments.create(deployment(organization))
    page = deployments.list_by_organization(organization, limit=1)
    assert page.cursor is not None
    same_key = DeploymentRepository(app.bind(client, env=env, cursor_key=CURSOR_KEY))
    assert len(same_key.list_by_organization(organization, limit=1, cursor=page.cursor)) == 1
    other_key = DeploymentRepository(app.bind(client, env=env, cursor_key=bytes(32)))
    with pytest.raises(InvalidCursor):
        other_key.list_by_organization(organization, limit=1, cursor=page.cursor)
