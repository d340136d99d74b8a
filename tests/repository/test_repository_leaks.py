"""Nothing of another owner's item is reachable from the errors of a scoped write (item 8).

User bob's owner-scoped writes fail their conditions on alice's item. Each error bob gets is
walked (``leaks.py``: attributes, ``args``, ``__cause__``, ``__context__``, recursively) for
every text and binary value of alice's stored item that bob did not supply himself: her
secret, her binary blob, her owner id (also inside the index key), her write token. On main
these were reachable: the single writes raised ``… from None`` inside ``except`` (so the
client's error, holding alice's whole item as ``raw_item``, stayed the ``__context__``), and a
unit of work chained the ``TransactionCanceled`` whose ``reasons[i].item`` is her item.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from dynastack.core.expressions import Attr
from dynastack.core.operations import GetItem
from dynastack.core.values import decode_item
from dynastack.errors import (
    ConditionalCheckFailed,
    DynastackError,
    InvalidRequest,
    ItemAlreadyExists,
    ItemNotFound,
    VersionConflict,
)
from dynastack.repository import UnitOfWork

from .leaks import assert_nothing_foreign, foreign_values, leaks
from .repository_entities import Vault
from .repository_support import Kit, Shell

pytestmark = pytest.mark.integration

SECRET = "alice-secret-4f1c9e"
BLOB = b"\x00alice-blob\xfe\x01"
ALICE = "alice-owner-77d2"
BOB = "bob-owner-31aa"


async def _commit(unit: UnitOfWork, shell: Shell) -> None:
    if shell.is_async:
        await unit.acommit()
    else:
        unit.commit()


async def _alices_vault(kit: Kit) -> tuple[Shell, Shell, Vault, list[str | bytes]]:
    repo = kit.repo(Vault)
    alice, bob = repo.for_owner(ALICE), repo.for_owner(BOB)
    theirs = await alice.create(Vault(vault_id="v1", owner=ALICE, secret=SECRET, blob=BLOB))
    theirs = await alice.update(theirs, secret=SECRET)  # version 2: stale version 1 tried too
    raw = kit.client.send(GetItem(table=repo.repo.table_name, key={"PK": "VAULT#v1"})).item
    assert raw is not None
    item = dict(raw)
    foreign = foreign_values(item, known={"VAULT#v1", "v1", "Vault"})  # key and type: bob's
    assert {SECRET, BLOB, ALICE, f"OWNER#{ALICE}", item["_wt"]} <= set(foreign)
    return alice, bob, theirs, foreign


def test_the_walker_finds_what_main_left_reachable() -> None:
    """The helper can fail: a foreign item as ``__context__``'s ``raw_item`` (wire form, so
    the blob is base64 text) and as a cancellation reason's item are both found."""
    wire = {"PK": {"S": "VAULT#v1"}, "secret": {"S": SECRET}, "blob": {"B": "AGFsaWNlLWJsb2L+AQ=="}}
    assert decode_item(wire)["blob"] == BLOB

    def raise_like_main() -> None:
        try:
            raise ConditionalCheckFailed("failed", item=wire)
        except ConditionalCheckFailed:
            raise ItemNotFound("Vault {'PK': 'VAULT#v1'} not found") from None

    with pytest.raises(ItemNotFound) as caught:
        raise_like_main()
    found = leaks(caught.value, [SECRET, BLOB])
    assert any("__context__" in path and SECRET in path for path in found)
    assert any("__context__" in path and "blob" in path for path in found)
    from dynastack.errors import CancellationReason, TransactionCanceled

    canceled = TransactionCanceled(
        "x", reasons=[CancellationReason("ConditionalCheckFailed", "no", decode_item(wire))]
    )
    error = ItemNotFound("not found")
    error.__cause__ = canceled
    assert leaks(error, [BLOB]) and leaks(error, [SECRET])
    assert not leaks(ItemNotFound("Vault {'PK': 'VAULT#v1'} not found"), [SECRET, BLOB, ALICE])


Attempt = tuple[str, Callable[[], Awaitable[Any]], type[DynastackError]]


async def test_no_scoped_single_write_error_reaches_another_owners_item(kit: Kit) -> None:
    alice, bob, theirs, foreign = await _alices_vault(kit)
    key = {"vault_id": "v1"}
    forged = Vault(vault_id="v1", owner=BOB, secret="mine")
    stale = theirs.model_copy(update={"owner": BOB, "version": 1})
    attempts: list[Attempt] = [
        ("create", lambda: bob.create(forged), ItemAlreadyExists),
        ("put v1", lambda: bob.put(forged), ItemAlreadyExists),
        ("put stale", lambda: bob.put(stale), ItemAlreadyExists),
        ("put current", lambda: bob.put(theirs.model_copy(update={"owner": BOB})),
         ItemAlreadyExists),
        ("update by key", lambda: bob.update(key, secret="x"), ItemNotFound),
        ("update entity", lambda: bob.update(forged, secret="x"), ItemNotFound),
        ("update version", lambda: bob.update(key, expected_version=2, secret="x"), ItemNotFound),
        ("update stale", lambda: bob.update(key, expected_version=1, secret="x"), ItemNotFound),
        ("update condition", lambda: bob.update(key, condition=Attr("secret") == SECRET,
                                               secret="x"), ItemNotFound),
        ("delete by key", lambda: bob.delete(key), ItemNotFound),
        ("delete entity", lambda: bob.delete(theirs), ItemNotFound),
        ("delete version", lambda: bob.delete(key, expected_version=2), ItemNotFound),
        ("delete condition", lambda: bob.delete(key, condition=Attr("secret").exists()),
         ItemNotFound),
    ]  # fmt: skip
    for name, attempt, expected in attempts:
        with pytest.raises(ConditionalCheckFailed) as caught:
            await attempt()
        error = caught.value
        assert type(error) is expected, name
        assert error.current is None and error.raw_item is None, name
        assert error.request_id, name  # support can still find the call
        assert_nothing_foreign(error, foreign)
    assert await alice.get(vault_id="v1") == theirs  # and nothing changed


async def test_no_scoped_unit_of_work_error_reaches_another_owners_item(kit: Kit) -> None:
    alice, bob, theirs, foreign = await _alices_vault(kit)
    own = await bob.create(Vault(vault_id="b1", owner=BOB, secret="bobs"))
    await bob.update(own, secret="bobs v2")  # own is stale now
    key = {"vault_id": "v1"}
    forged = Vault(vault_id="v1", owner=BOB)
    actions: list[tuple[str, Callable[[UnitOfWork], object], type[DynastackError]]] = [
        ("create", lambda u: u.create(bob.repo, forged), ItemAlreadyExists),
        ("put", lambda u: u.put(bob.repo, forged), ItemAlreadyExists),
        ("update", lambda u: u.update(bob.repo, key, secret="x"), ItemNotFound),
        ("delete", lambda u: u.delete(bob.repo, key), ItemNotFound),
        ("check", lambda u: u.check(bob.repo, key), ItemNotFound),
        ("check condition", lambda u: u.check(bob.repo, key, condition=Attr("secret") == SECRET),
         ItemNotFound),
    ]  # fmt: skip
    for name, add, expected in actions:
        unit = UnitOfWork()
        unit.update(bob.repo, {"vault_id": "b1"}, secret="fine")  # bob's own action succeeds
        add(unit)
        with pytest.raises(ConditionalCheckFailed) as caught:
            await _commit(unit, bob)
        assert type(caught.value) is expected, name
        assert caught.value.current is None, name
        assert_nothing_foreign(caught.value, foreign)
    # bob's own stale action fails first: his conflict carries his item, and nothing of hers
    mixed = UnitOfWork()
    mixed.update(bob.repo, own, secret="stale")
    mixed.update(bob.repo, key, secret="x")
    with pytest.raises(VersionConflict) as conflict:
        await _commit(mixed, bob)
    assert conflict.value.current is not None and conflict.value.current.vault_id == "b1"
    assert_nothing_foreign(conflict.value, foreign)
    assert await alice.get(vault_id="v1") == theirs


async def test_scoped_batches_refuse_or_hide_another_owners_item(kit: Kit) -> None:
    alice, bob, theirs, foreign = await _alices_vault(kit)
    assert await bob.batch_get([{"vault_id": "v1"}]) == []
    with pytest.raises(InvalidRequest, match="cannot enforce an owner scope") as caught:
        await bob.batch_write(puts=[Vault(vault_id="v1", owner=BOB)])
    assert_nothing_foreign(caught.value, foreign)
    with pytest.raises(InvalidRequest) as deleting:
        await bob.batch_write(deletes=[{"vault_id": "v1"}])
    assert_nothing_foreign(deleting.value, foreign)
    assert await alice.get(vault_id="v1") == theirs
