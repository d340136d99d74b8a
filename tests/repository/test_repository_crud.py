"""get / create / put / update / delete on DynamoDB Local, through both twins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from dynastack.core.expressions import Attr
from dynastack.core.operations import GetItem
from dynastack.core.updates import Update
from dynastack.errors import (
    ConditionalCheckFailed,
    InvalidRequest,
    ItemAlreadyExists,
    ItemNotFound,
    VersionConflict,
)
from dynastack.model.meta import TYPE_ATTR, WRITE_TOKEN_ATTR

from .repository_entities import Counter, Deployment, Stack, Status
from .repository_support import Clock, Kit

pytestmark = pytest.mark.integration


def deployment(number: int = 1, **over: object) -> Deployment:
    values: dict[str, object] = {
        "deployment_id": f"D{number:06d}",
        "organization": "MyOrg",
        "created_by": "alice",
    }
    values.update(over)
    return Deployment.model_validate(values)


async def test_create_then_get_returns_the_stored_entity(kit: Kit) -> None:
    clock = Clock(datetime(2024, 1, 15, 10, 30, tzinfo=UTC))
    repo = kit.repo(Deployment, clock=clock)
    given = deployment(cost=Decimal("9.99"), version=7, created_at=datetime(2000, 1, 1, tzinfo=UTC))
    created = await repo.create(given)
    # server-owned fields: version 1, created/updated now, whatever the caller put there
    assert created.version == 1
    assert created.created_at == created.updated_at == clock.now
    assert created.cost == Decimal("9.99")
    got = await repo.get(deployment_id="D000001")
    assert got == created
    assert await repo.get(deployment_id="D000002") is None
    assert await repo.get(deployment_id="D000001", consistent=True) == created


async def test_create_of_an_existing_key_fails_with_already_exists(kit: Kit) -> None:
    repo = kit.repo(Deployment)
    await repo.create(deployment())
    with pytest.raises(ItemAlreadyExists, match="already exists") as caught:
        await repo.create(deployment(organization="Other"))
    assert not isinstance(caught.value, VersionConflict)
    assert (await repo.get(deployment_id="D000001")).organization == "MyOrg"


async def test_key_fields_are_validated_by_the_entity_type(kit: Kit) -> None:
    repo = kit.repo(Deployment)
    with pytest.raises(InvalidRequest, match="deployment_id"):
        await repo.get(deployment_id="not-a-valid-id")
    with pytest.raises(InvalidRequest, match="missing"):
        await repo.get()
    with pytest.raises(InvalidRequest, match="not key fields"):
        await repo.get(deployment_id="D000001", organization="x")


async def test_update_changes_only_the_given_fields_and_bumps_the_version(kit: Kit) -> None:
    clock = Clock(datetime(2024, 1, 1, tzinfo=UTC))
    repo = kit.repo(Deployment, clock=clock)
    created = await repo.create(deployment(note="first"))
    clock.now += timedelta(minutes=5)
    updated = await repo.update(created, status=Status.DEPLOYED, note=None)
    assert updated.status is Status.DEPLOYED
    assert updated.note is None  # None removes the attribute
    assert updated.version == 2
    assert updated.updated_at == clock.now
    assert updated.created_at == created.created_at
    assert updated.organization == "MyOrg"
    assert await repo.get(deployment_id="D000001") == updated


async def test_update_with_a_stale_entity_raises_version_conflict_with_the_current(
    kit: Kit,
) -> None:
    repo = kit.repo(Deployment)
    created = await repo.create(deployment())
    current = await repo.update(created, note="mine")
    with pytest.raises(VersionConflict) as caught:
        await repo.update(created, note="stale")
    assert isinstance(caught.value, ConditionalCheckFailed)
    assert caught.value.current == current
    assert (await repo.get(deployment_id="D000001")).note == "mine"


async def test_update_refuses_key_server_and_unknown_fields(kit: Kit) -> None:
    repo = kit.repo(Deployment)
    created = await repo.create(deployment())
    with pytest.raises(InvalidRequest, match="primary key"):
        await repo.update(created, deployment_id="D000002")
    with pytest.raises(InvalidRequest, match="written by the repository"):
        await repo.update(created, version=9)
    with pytest.raises(InvalidRequest, match="no field"):
        await repo.update(created, colour="red")
    with pytest.raises(InvalidRequest, match="nothing to change"):
        await repo.update(created)
    with pytest.raises(InvalidRequest, match="computed"):
        await repo.update(created, Update().set("_type", "Other"))
    with pytest.raises(InvalidRequest, match="feeds index"):
        await repo.update(created, Update().set("created_by", "bob"))
    with pytest.raises(InvalidRequest, match=r"Deployment\.cost"):
        await repo.update(created, cost="not a number")


async def test_update_rerenders_computed_index_keys(kit: Kit) -> None:
    repo = kit.repo(Deployment)
    created = await repo.create(deployment())
    updated = await repo.update(created, status=Status.FAILED)
    item = kit.client.send(
        GetItem(table=repo.repo.table_name, key={"PK": "DEPLOYMENT#D000001", "SK": "METADATA"})
    ).item
    assert item is not None
    assert item["OrgStatusIndexPK"] == "ORG#MyOrg#FAILED"
    assert item["OwnerIndexPK"] == "OWNER#alice"
    assert updated.status is Status.FAILED
    # from a key only, the template's other field is unknown: a precise refusal
    with pytest.raises(InvalidRequest, match=r"OrgStatusIndex.*\['organization'\]"):
        await repo.update({"deployment_id": "D000001"}, status=Status.DEPLOYED)
    # giving it too works
    done = await repo.update(
        {"deployment_id": "D000001"}, status=Status.DEPLOYED, organization="O2"
    )
    assert done.version == 3
    page = await repo.query("OrgStatusIndex", organization="O2", status=Status.DEPLOYED)
    assert [d.deployment_id for d in page.items] == ["D000001"]


async def test_update_with_raw_changes_and_a_condition(kit: Kit) -> None:
    repo = kit.repo(Counter)
    await repo.create(Counter(name="c"))
    after = await repo.update({"name": "c"}, Update().increment("value", 5).append("tags", ["x"]))
    assert (after.value, after.tags) == (5, ["x"])
    after = await repo.update(
        {"name": "c"}, Update().decrement("value", 2), condition=Attr("value") > 4
    )
    assert after.value == 3
    with pytest.raises(ConditionalCheckFailed, match="condition is false") as caught:
        await repo.update({"name": "c"}, Update().increment("value"), condition=Attr("value") > 4)
    assert not isinstance(caught.value, VersionConflict)
    assert (await repo.get(name="c")).value == 3


async def test_update_and_delete_of_a_missing_item_raise_not_found(kit: Kit) -> None:
    repo = kit.repo(Counter)
    with pytest.raises(ItemNotFound, match="not found"):
        await repo.update({"name": "nope"}, value=1)
    with pytest.raises(ItemNotFound, match="not found"):
        await repo.delete({"name": "nope"})
    assert await repo.get(name="nope") is None  # update did not upsert


async def test_key_only_update_of_a_versioned_entity_bumps_without_checking(kit: Kit) -> None:
    repo = kit.repo(Deployment)
    created = await repo.create(deployment())
    after = await repo.update({"deployment_id": "D000001"}, Update().add("cost", Decimal("1.5")))
    assert after.version == 2 and after.cost == Decimal("1.5")
    with pytest.raises(VersionConflict):
        await repo.update(created, note="stale copy")


async def test_put_replaces_and_checks_the_version(kit: Kit) -> None:
    repo = kit.repo(Deployment)
    fresh = await repo.put(deployment(note="a"))  # version 1 = new or unchanged since creation
    assert fresh.version == 2
    replaced = await repo.put(fresh.model_copy(update={"note": "b"}))
    assert replaced.version == 3
    assert await repo.get(deployment_id="D000001") == replaced
    with pytest.raises(VersionConflict) as caught:
        await repo.put(fresh.model_copy(update={"note": "stale"}))
    assert caught.value.current == replaced
    with pytest.raises(VersionConflict):
        await repo.put(deployment(note="another new one at version 1"))


async def test_put_without_a_version_is_unconditional(kit: Kit) -> None:
    repo = kit.repo(Counter)
    await repo.put(Counter(name="c", value=1))
    await repo.put(Counter(name="c", value=2))
    assert (await repo.get(name="c")).value == 2


async def test_delete_checks_the_version_of_a_given_entity(kit: Kit) -> None:
    repo = kit.repo(Deployment)
    created = await repo.create(deployment())
    await repo.update(created, note="changed")
    with pytest.raises(VersionConflict):
        await repo.delete(created)
    assert await repo.get(deployment_id="D000001") is not None
    await repo.delete({"deployment_id": "D000001"}, condition=Attr("note") == "changed")
    assert await repo.get(deployment_id="D000001") is None


async def test_shared_table_keeps_entity_types_apart(kit: Kit) -> None:
    deployments = kit.repo(Deployment)
    stacks = kit.repo(Stack)
    await deployments.create(deployment())
    await stacks.create(Stack(deployment_id="D000001", stack_name="web", environment="prod"))
    item = kit.client.send(
        GetItem(
            table=stacks.repo.table_name,
            key={"PK": "DEPLOYMENT#D000001", "SK": "STACK#web#prod"},
        )
    ).item
    assert item is not None and item[TYPE_ATTR] == "Stack" and WRITE_TOKEN_ATTR in item
    stack = await stacks.get(deployment_id="D000001", stack_name="web", environment="prod")
    assert stack is not None and stack.size == 1


async def test_wrong_entity_class_is_refused(kit: Kit) -> None:
    repo = kit.repo(Deployment)
    with pytest.raises(InvalidRequest, match="expected a Deployment"):
        await repo.create(Counter(name="x"))
    with pytest.raises(InvalidRequest, match="stores Deployment"):
        await repo.delete(Counter(name="x"))


async def test_update_and_delete_by_key_check_an_expected_version(kit: Kit) -> None:
    repo = kit.repo(Deployment)
    created = await repo.create(deployment(7))
    key = {"deployment_id": created.deployment_id}
    with pytest.raises(VersionConflict) as caught:
        await repo.update(key, expected_version=created.version + 1, note="late")
    assert caught.value.current == created
    done = await repo.update(key, expected_version=created.version, note="seen")
    assert done.version == created.version + 1
    with pytest.raises(VersionConflict):
        await repo.delete(key, expected_version=created.version)
    await repo.delete(key, expected_version=done.version)
    assert await repo.get(**key) is None
    with pytest.raises(InvalidRequest, match="no version field"):
        await kit.repo(Counter).update({"name": "c"}, expected_version=1, value=1)


async def test_ttl_returned_by_create_and_put_equals_what_reads_back(kit: Kit) -> None:
    # issue 7 item 15: model_copy skips TTL's validator, so the entity kept microseconds that
    # the stored epoch seconds lost; the repository now returns what it stored
    repo = kit.repo(Stack)
    base = Stack(deployment_id="D1", stack_name="web", environment="prod")
    fine = datetime(2100, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    created = await repo.create(base.model_copy(update={"expires_at": fine}))
    assert created.expires_at == fine.replace(microsecond=0)
    assert await repo.get(deployment_id="D1", stack_name="web", environment="prod") == created
    later = created.model_copy(update={"expires_at": fine + timedelta(seconds=1)})
    put = await repo.put(later)
    assert put.expires_at == (fine + timedelta(seconds=1)).replace(microsecond=0)
    assert await repo.get(deployment_id="D1", stack_name="web", environment="prod") == put


async def test_get_with_fields_reads_a_validated_partial(kit: Kit) -> None:
    # issue 7 item 16: a projection returns only the fields asked for, typed by the entity's
    # own field types, hidden exactly as a whole read (other type, TTL passed, other owner)
    clock = Clock(datetime(2024, 1, 15, 10, 30, tzinfo=UTC))
    repo = kit.repo(Deployment, clock=clock)
    await repo.create(deployment(cost=Decimal("9.99"), status=Status.DEPLOYED))
    part = await repo.get(fields=["status", "cost", "created_at"], deployment_id="D000001")
    assert part is not None
    assert (part.status, part.cost, part.created_at) == (
        Status.DEPLOYED,
        Decimal("9.99"),
        clock.now,
    )
    assert part.fields == ("status", "cost", "created_at")
    with pytest.raises(AttributeError, match="not 'organization': add it to fields="):
        _ = part.organization
    assert await repo.get(fields=["status"], deployment_id="D000009") is None
    assert await repo.for_owner("bob").get(fields=["status"], deployment_id="D000001") is None
    with pytest.raises(InvalidRequest, match="has no fields \\['nope'\\]"):
        await repo.get(fields=["nope"], deployment_id="D000001")
    stacks = kit.repo(Stack, clock=clock)
    past = clock.now - timedelta(seconds=1)
    await stacks.create(Stack(deployment_id="D1", stack_name="a", environment="b", expires_at=past))
    assert (
        await stacks.get(fields=["size"], deployment_id="D1", stack_name="a", environment="b")
        is None
    )
