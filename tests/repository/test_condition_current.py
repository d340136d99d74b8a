"""``.current`` on every repository condition failure the caller may read (issue 7 item 11).

The stored entity, decoded and validated: a binary field is ``bytes`` (in ``raw_item`` it is
base64 text on the wire, which is what the examples decoded by hand). ``None`` for a missing
item and for an owner-scoped caller on another owner's item. On main only ``VersionConflict``
had it (``ItemAlreadyExists`` and a false condition had no ``current`` at all).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from dynastack.core.expressions import Attr
from dynastack.core.operations import PutItem
from dynastack.errors import (
    ConditionalCheckFailed,
    ItemAlreadyExists,
    ItemNotFound,
    VersionConflict,
)
from dynastack.repository import UnitOfWork

from .repository_entities import Vault
from .repository_support import Kit, Shell

pytestmark = pytest.mark.integration

BLOB = b"\x00\xffbinary\x80"


async def _commit(unit: UnitOfWork, shell: Shell) -> None:
    if shell.is_async:
        await unit.acommit()
    else:
        unit.commit()


async def test_single_writes_carry_the_stored_entity(kit: Kit) -> None:
    repo = kit.repo(Vault)
    stored = await repo.create(Vault(vault_id="v1", owner="ann", secret="s", blob=BLOB))
    failures: list[tuple[str, type[ConditionalCheckFailed], ConditionalCheckFailed]] = []
    attempts: list[tuple[str, type[ConditionalCheckFailed], Callable[[], Awaitable[Any]]]] = [
        ("create", ItemAlreadyExists, lambda: repo.create(Vault(vault_id="v1", owner="x"))),
        ("put stale", VersionConflict, lambda: repo.put(stored.model_copy(update={"version": 7}))),
        ("update stale", VersionConflict,
         lambda: repo.update({"vault_id": "v1"}, expected_version=9, secret="t")),
        ("update condition", ConditionalCheckFailed,
         lambda: repo.update(stored, condition=Attr("secret") == "nope", secret="t")),
        ("delete condition", ConditionalCheckFailed,
         lambda: repo.delete({"vault_id": "v1"}, condition=Attr("blob").not_exists())),
    ]  # fmt: skip
    for name, expected, attempt in attempts:
        with pytest.raises(ConditionalCheckFailed) as caught:
            await attempt()
        assert type(caught.value) is expected, name
        failures.append((name, expected, caught.value))
    for name, _, error in failures:
        assert error.current == stored, name
        assert isinstance(error.current, Vault), name
        assert type(error.current.blob) is bytes and error.current.blob == BLOB, name
    # owner ann's own scope sees her item, so her failures carry it too
    ann = repo.for_owner("ann")
    with pytest.raises(ConditionalCheckFailed) as own:
        await ann.update(stored, condition=Attr("secret") == "nope", secret="t")
    assert own.value.current == stored
    with pytest.raises(ItemAlreadyExists) as own_taken:
        await ann.create(Vault(vault_id="v1", owner="ann"))
    assert own_taken.value.current == stored
    # nothing to see: missing, or another owner's
    with pytest.raises(ItemNotFound) as missing:
        await repo.update({"vault_id": "zz"}, secret="t")
    assert missing.value.current is None
    bob = repo.for_owner("bob")
    for attempt in (lambda: bob.create(Vault(vault_id="v1", owner="bob")),
                    lambda: bob.update({"vault_id": "v1"}, secret="t")):  # fmt: skip
        with pytest.raises(ConditionalCheckFailed) as foreign:
            await attempt()
        assert foreign.value.current is None


async def test_unit_of_work_failures_carry_the_stored_entity(kit: Kit) -> None:
    repo = kit.repo(Vault)
    stored = await repo.create(Vault(vault_id="v1", owner="ann", blob=BLOB))
    await repo.create(Vault(vault_id="v2", owner="ann"))
    cases: list[tuple[type[ConditionalCheckFailed], Callable[[UnitOfWork], object]]] = [
        (ItemAlreadyExists, lambda u: u.create(repo.repo, Vault(vault_id="v1", owner="ann"))),
        (VersionConflict, lambda u: u.update(repo.repo, stored.model_copy(update={"version": 3}),
                                             secret="t")),
        (ConditionalCheckFailed, lambda u: u.check(repo.repo, {"vault_id": "v1"},
                                                   condition=Attr("secret") == "nope")),
    ]  # fmt: skip
    for expected, add in cases:
        unit = UnitOfWork()
        unit.update(repo.repo, {"vault_id": "v2"}, secret="fine")
        add(unit)
        with pytest.raises(ConditionalCheckFailed) as caught:
            await _commit(unit, repo)
        assert type(caught.value) is expected
        assert caught.value.current == stored
        assert caught.value.current.blob == BLOB
    assert (await repo.get(vault_id="v2")).secret == ""  # nothing applied


async def test_a_stored_item_that_no_longer_validates_leaves_current_empty(kit: Kit) -> None:
    """The failure stays a condition failure (what the caller handles); ``current`` is never
    an unvalidated entity. Reading that item raises, as every read validates."""
    repo = kit.repo(Vault)
    item = {"PK": "VAULT#bad", "vault_id": "bad", "owner": "ann", "secret": 5, "version": 1}
    kit.client.send(PutItem(table=repo.repo.table_name, item=item))
    with pytest.raises(ConditionalCheckFailed) as caught:
        await repo.update({"vault_id": "bad"}, condition=Attr("secret") == "x", secret="y")
    assert type(caught.value) is ConditionalCheckFailed and caught.value.current is None
    with pytest.raises(ItemAlreadyExists) as taken:
        await repo.create(Vault(vault_id="bad", owner="ann"))
    assert taken.value.current is None
