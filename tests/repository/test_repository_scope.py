"""Owner scope (another user's item behaves as a missing one) and TTL hiding (R12)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dynastack.core.updates import Update
from dynastack.errors import (
    ConditionalCheckFailed,
    InvalidRequest,
    ItemAlreadyExists,
    ItemNotFound,
    VersionConflict,
)

from .repository_entities import Counter, Deployment, Session
from .repository_support import Clock, Kit

pytestmark = pytest.mark.integration


def deployment(number: int, owner: str = "alice") -> Deployment:
    return Deployment(deployment_id=f"D{number:06d}", organization="Org", created_by=owner)


async def test_create_forces_the_owner_and_get_hides_other_owners(kit: Kit) -> None:
    repo = kit.repo(Deployment)
    alice, bob = repo.for_owner("alice"), repo.for_owner("bob")
    mine = await alice.create(deployment(1, owner="mallory"))
    assert mine.created_by == "alice"
    await bob.create(deployment(2, owner="bob"))
    assert await alice.get(deployment_id="D000001") == mine
    assert await alice.get(deployment_id="D000002") is None
    assert await bob.get(deployment_id="D000001") is None
    assert (await repo.get(deployment_id="D000002")).created_by == "bob"
    assert repr(alice.repo).endswith("owner='alice')")


async def test_writes_to_another_owners_item_fail_exactly_like_a_missing_item(kit: Kit) -> None:
    repo = kit.repo(Deployment)
    alice, bob = repo.for_owner("alice"), repo.for_owner("bob")
    theirs = await bob.create(deployment(7, owner="bob"))
    key = {"deployment_id": "D000007"}
    errors: list[ConditionalCheckFailed] = []
    for attempt in (
        alice.update(key, note="pwned"),
        alice.update(theirs, note="pwned"),
        alice.delete(key),
        alice.delete(theirs),
    ):
        with pytest.raises(ConditionalCheckFailed) as caught:
            await attempt
        errors.append(caught.value)
    unchanged = await repo.get(deployment_id="D000007")
    assert unchanged == theirs
    await bob.delete(theirs)
    with pytest.raises(ConditionalCheckFailed) as missing:
        await alice.update(key, note="x")
    for error in errors:
        assert type(error) is type(missing.value) is ItemNotFound
        assert not isinstance(error, VersionConflict)
        assert str(error) == str(missing.value)
        assert error.raw_item is None  # nothing of bob's item reaches alice


async def test_put_over_another_owners_key_is_refused_and_changes_nothing(kit: Kit) -> None:
    repo = kit.repo(Deployment)
    alice, bob = repo.for_owner("alice"), repo.for_owner("bob")
    theirs = await bob.create(deployment(3, owner="bob"))
    with pytest.raises(ItemAlreadyExists, match="already exists"):
        await alice.put(theirs)
    with pytest.raises(ItemAlreadyExists, match="already exists"):
        await alice.create(deployment(3))
    assert await repo.get(deployment_id="D000003") == theirs
    with pytest.raises(InvalidRequest, match="cannot change the owner"):
        await bob.update(theirs, created_by="alice")


async def test_owner_scoped_queries_need_the_owner_in_the_partition_key(kit: Kit) -> None:
    repo = kit.repo(Deployment)
    alice, bob = repo.for_owner("alice"), repo.for_owner("bob")
    for number in range(6):
        await (alice if number % 2 else bob).create(deployment(number))
    page = await alice.query("OwnerIndex")
    assert [d.deployment_id for d in page.items] == ["D000001", "D000003", "D000005"]
    assert await alice.count("OwnerIndex") == 3
    assert [d.deployment_id for d in await bob.collect("query_all", "OwnerIndex")] == [
        "D000000",
        "D000002",
        "D000004",
    ]
    with pytest.raises(InvalidRequest, match=r"'OrganizationIndex'.*owner field"):
        await alice.query("OrganizationIndex", organization="Org")
    with pytest.raises(InvalidRequest, match="owner field"):
        await alice.query(deployment_id="D000002")
    with pytest.raises(InvalidRequest, match="its own owner"):
        await alice.query("OwnerIndex", created_by="bob")
    with pytest.raises(InvalidRequest, match="cannot be owner-scoped"):
        await alice.collect("scan")
    with pytest.raises(InvalidRequest, match="owner scope"):
        await alice.batch_write(puts=[deployment(9)])
    found = await alice.batch_get([{"deployment_id": f"D{n:06d}"} for n in range(6)])
    assert [d.deployment_id for d in found] == ["D000001", "D000003", "D000005"]


async def test_entities_without_an_owner_field_have_no_owner_scope(kit: Kit) -> None:
    with pytest.raises(InvalidRequest, match="no Owner"):
        kit.repo(Counter).for_owner("alice")


T0 = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def session(number: int, expires: datetime, user: str = "u1") -> Session:
    return Session(session_id=f"s{number:03d}", user=user, expires_at=expires)


async def test_expired_items_are_hidden_on_every_read_path(kit: Kit) -> None:
    """R12: the TTL sweeper is off (never enabled on this table); the clock decides."""
    clock = Clock(T0)
    repo = kit.repo(Session, clock=clock)
    for number in range(12):
        # every third session expires a minute before the clock's time, the others a day after
        expired = number % 3 == 0
        await repo.create(session(number, T0 + timedelta(minutes=-1 if expired else 1440)))
    live = [f"s{n:03d}" for n in range(12) if n % 3]
    assert await repo.get(session_id="s000") is None
    assert (await repo.get(session_id="s001")) is not None
    pages: list[list[str]] = []
    cursor = None
    while True:
        page = await repo.query("ByUser", user="u1", limit=3, cursor=cursor)
        pages.append([s.session_id for s in page.items])
        cursor = page.cursor
        if cursor is None:
            break
    assert [len(p) for p in pages[:-1]] == [3] * (len(pages) - 1)  # expired ones do not count
    assert [s for p in pages for s in p] == live
    assert await repo.count("ByUser", user="u1") == 8
    assert sorted(s.session_id for s in await repo.collect("scan", segments=2)) == live
    found = await repo.batch_get([{"session_id": f"s{n:03d}"} for n in range(12)])
    assert [s.session_id for s in found] == live
    with pytest.raises(ItemNotFound, match="not found"):
        await repo.update({"session_id": "s000"}, data="revived")
    with pytest.raises(ItemNotFound, match="not found"):
        await repo.delete({"session_id": "s003"})
    # an expired item's key is free again
    again = await repo.create(session(0, T0 + timedelta(hours=1)))
    assert await repo.get(session_id="s000") == again
    # time passes: what was live expires without any write
    clock.now = T0 + timedelta(days=2)
    assert await repo.get(session_id="s001") is None
    assert await repo.count("ByUser", user="u1") == 0
    assert (await repo.query("ByUser", user="u1")).items == []


async def test_an_update_can_extend_a_live_items_expiry(kit: Kit) -> None:
    clock = Clock(T0)
    repo = kit.repo(Session, clock=clock)
    created = await repo.create(session(1, T0 + timedelta(minutes=5)))
    later = T0 + timedelta(hours=5)
    extended = await repo.update(created, expires_at=later, data="x")
    assert extended.expires_at == later
    clock.now = T0 + timedelta(hours=1)
    assert await repo.get(session_id="s001") == extended
    with pytest.raises(InvalidRequest, match="computed"):
        await repo.update(created, Update().set("_wt", "x"))
