"""UnitOfWork: atomic writes across repositories, with structured cancellation."""

from __future__ import annotations

import pytest

from dynastack.client.async_client import AsyncClient
from dynastack.core.expressions import Attr
from dynastack.core.updates import Update
from dynastack.errors import (
    ConditionalCheckFailed,
    InvalidRequest,
    TransactionCanceled,
    VersionConflict,
)
from dynastack.repository import Repository, UnitOfWork

from .repository_entities import Account, Counter, Deployment
from .repository_support import Kit, Shell

pytestmark = pytest.mark.integration


async def commit(unit: UnitOfWork, shell: Shell) -> None:
    if shell.is_async:
        await unit.acommit()
    else:
        unit.commit()


async def test_a_unit_commits_writes_of_several_repositories_at_once(kit: Kit) -> None:
    accounts = kit.repo(Account)
    counters = kit.repo(Counter)
    a = await accounts.create(Account(account_id="a", balance=10))
    await counters.create(Counter(name="transfers"))
    await counters.create(Counter(name="obsolete"))
    await counters.create(Counter(name="flag"))
    unit = UnitOfWork()
    unit.update(accounts.repo, a, balance=7)
    created = unit.create(accounts.repo, Account(account_id="b", balance=3, version=5))
    unit.update(counters.repo, {"name": "transfers"}, Update().increment("value"))
    unit.delete(counters.repo, {"name": "obsolete"})
    unit.check(counters.repo, {"name": "flag"}, condition=Attr("value") == 0)
    bad = UnitOfWork()
    bad.update(accounts.repo, a, balance=1)
    bad.delete(accounts.repo, a)
    with pytest.raises(InvalidRequest, match="two actions"):
        await commit(bad, accounts)
    assert len(unit) == 5 and created.version == 1
    await commit(unit, accounts)
    assert (await accounts.get(account_id="a")).balance == 7
    assert (await accounts.get(account_id="a")).version == 2
    assert await accounts.get(account_id="b") == created
    assert (await counters.get(name="transfers")).value == 1
    assert await counters.get(name="obsolete") is None


async def test_a_stale_version_cancels_everything_with_version_conflict(kit: Kit) -> None:
    accounts = kit.repo(Account)
    a = await accounts.create(Account(account_id="a", balance=10))
    b = await accounts.create(Account(account_id="b", balance=0))
    current = await accounts.update(a, balance=11)
    unit = UnitOfWork()
    unit.update(accounts.repo, b, balance=5)
    unit.update(accounts.repo, a, balance=5)  # stale: a is at version 2 now
    with pytest.raises(VersionConflict) as caught:
        await commit(unit, accounts)
    assert caught.value.current == current
    assert isinstance(caught.value.__cause__, TransactionCanceled)
    assert (await accounts.get(account_id="b")) == b  # nothing applied


async def test_cancellation_reasons_map_back_to_their_actions(kit: Kit) -> None:
    accounts = kit.repo(Account)
    await accounts.create(Account(account_id="a", balance=10))
    exists = UnitOfWork()
    exists.create(accounts.repo, Account(account_id="a", balance=1))
    with pytest.raises(ConditionalCheckFailed, match="already exists"):
        await commit(exists, accounts)
    missing = UnitOfWork()
    missing.update(accounts.repo, {"account_id": "a"}, balance=1)
    missing.check(accounts.repo, {"account_id": "zzz"})
    with pytest.raises(ConditionalCheckFailed, match=r"'ACCOUNT#zzz'.*not found"):
        await commit(missing, accounts)
    guarded = UnitOfWork()
    guarded.update(accounts.repo, {"account_id": "a"}, Update().decrement("balance", 50),
                   condition=Attr("balance") >= 50)  # fmt: skip
    with pytest.raises(ConditionalCheckFailed, match="condition is false"):
        await commit(guarded, accounts)
    assert (await accounts.get(account_id="a")).balance == 10


async def test_a_unit_needs_one_client_of_the_right_kind(kit: Kit) -> None:
    accounts = kit.repo(Account)
    other = Repository(Account, kit.client, table_name=accounts.repo.table_name)
    unit = UnitOfWork()
    unit.create(accounts.repo, Account(account_id="x", balance=1))
    if accounts.is_async:
        with pytest.raises(InvalidRequest, match="same client"):
            unit.create(other, Account(account_id="y", balance=1))
        with pytest.raises(InvalidRequest, match="acommit"):
            unit.commit()
    else:
        async_client = AsyncClient.local(kit.endpoint)
        from dynastack.repository import AsyncRepository

        with pytest.raises(InvalidRequest, match="same client"):
            unit.create(
                AsyncRepository(Account, async_client, table_name="x"),
                Account(account_id="y", balance=1),
            )
        with pytest.raises(InvalidRequest, match="use commit"):
            await unit.acommit()
        await async_client.aclose()
    with pytest.raises(InvalidRequest, match="no actions"):
        UnitOfWork().commit()


async def test_update_and_delete_in_a_unit_check_an_expected_version(kit: Kit) -> None:
    """Issue 7 item 7: what ``Repository.update``/``delete`` take, a unit takes too."""
    accounts = kit.repo(Account)
    await accounts.create(Account(account_id="a", balance=10))
    key = {"account_id": "a"}
    stale = UnitOfWork()
    stale.update(accounts.repo, key, balance=5, expected_version=2)
    with pytest.raises(VersionConflict) as caught:
        await commit(stale, accounts)
    assert caught.value.current == await accounts.get(account_id="a")  # untouched, version 1
    fresh = UnitOfWork()
    fresh.update(accounts.repo, key, balance=5, expected_version=1)
    await commit(fresh, accounts)
    assert (await accounts.get(account_id="a")).version == 2
    stale_delete = UnitOfWork()
    stale_delete.delete(accounts.repo, key, expected_version=1)
    with pytest.raises(VersionConflict):
        await commit(stale_delete, accounts)
    delete = UnitOfWork()
    delete.delete(accounts.repo, key, expected_version=2)
    await commit(delete, accounts)
    assert await accounts.get(account_id="a") is None
    with pytest.raises(InvalidRequest, match="no version field"):
        UnitOfWork().update(kit.repo(Counter).repo, {"name": "c"}, value=1, expected_version=1)
    with pytest.raises(InvalidRequest, match="must be an int"):
        UnitOfWork().delete(accounts.repo, key, expected_version="1")  # type: ignore[arg-type]


async def test_move_re_keys_an_item_atomically(kit: Kit) -> None:
    """Issue 7 item 16: delete the old key and create the new one in one transaction."""
    repo = kit.repo(Deployment)
    made = await repo.create(Deployment(deployment_id="D000001", organization="O", created_by="x"))
    unit = UnitOfWork()
    moved = unit.move(repo.repo, made, deployment_id="D000002")
    assert len(unit) == 2
    await commit(unit, repo)
    assert await repo.get(deployment_id="D000001") is None
    stored = await repo.get(deployment_id="D000002")
    assert stored == moved
    assert (stored.version, stored.created_at) == (2, made.created_at)  # same record, new key
    assert stored.organization == "O"
    # the index keys were rendered from the new key fields
    indexed = await repo.collect("query_all", "OwnerIndex", created_by="x")
    assert [d.deployment_id for d in indexed] == ["D000002"]


async def test_a_move_from_a_stale_entity_or_onto_a_taken_key_changes_nothing(kit: Kit) -> None:
    accounts = kit.repo(Account)
    a = await accounts.create(Account(account_id="a", balance=10))
    taken = await accounts.create(Account(account_id="taken", balance=1))
    newer = await accounts.update(a, balance=11)
    stale = UnitOfWork()
    stale.move(accounts.repo, a, account_id="b")  # a is at version 2 now
    with pytest.raises(VersionConflict) as caught:
        await commit(stale, accounts)
    assert caught.value.current == newer
    assert await accounts.get(account_id="b") is None
    onto = UnitOfWork()
    onto.move(accounts.repo, newer, account_id="taken")
    with pytest.raises(ConditionalCheckFailed, match="already exists"):
        await commit(onto, accounts)
    assert await accounts.get(account_id="a") == newer
    assert await accounts.get(account_id="taken") == taken


async def test_a_move_refuses_what_is_not_a_new_key(kit: Kit) -> None:
    accounts = kit.repo(Account)
    a = await accounts.create(Account(account_id="a", balance=10))
    unit = UnitOfWork()
    with pytest.raises(InvalidRequest, match=r"\['balance'\] are not key fields"):
        unit.move(accounts.repo, a, balance=3)
    with pytest.raises(InvalidRequest, match="at least one key field"):
        unit.move(accounts.repo, a)
    with pytest.raises(InvalidRequest, match="the new key is the old key"):
        unit.move(accounts.repo, a, account_id="a")
    with pytest.raises(InvalidRequest, match="needs the Account itself"):
        unit.move(accounts.repo, {"account_id": "a"}, account_id="b")
    owned = kit.repo(Deployment).for_owner("alice")
    d = await owned.create(Deployment(deployment_id="D000009", organization="O", created_by="a"))
    with pytest.raises(InvalidRequest, match="cannot change the owner"):
        unit.move(owned.repo, d, created_by="bob")
    assert len(unit) == 0  # nothing half-added
