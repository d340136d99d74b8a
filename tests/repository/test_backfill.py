"""Schema evolution: lazy upgrades on read, and the backfill runner with progress and resume."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

import pytest

from dynastack.core.operations import GetItem, UpdateItem
from dynastack.core.steps import run
from dynastack.errors import InvalidRequest
from dynastack.model import Entity, Key, Table, TableSpec, Version
from dynastack.model.meta import VERSION_ATTR
from dynastack.repository import abackfill, backfill
from dynastack.repository.backfilling import _Run, _upgrade
from dynastack.repository.binding import EntityBinding
from dynastack.repository.resends import Resends

from .repository_support import Kit

pytestmark = pytest.mark.integration


class ProfileV1(Entity, table=Table("repo-profiles-v1"), entity_type="Profile"):
    __key__ = Key(pk="PROFILE#{profile_id}")
    profile_id: str
    name: str
    version: Version = 1


def _split_name(item: dict[str, Any]) -> dict[str, Any]:
    first, _, last = item.pop("name").partition(" ")
    return {**item, "first": first, "last": last}


class ProfileV2(Entity, table=Table("repo-profiles-v2"), entity_type="Profile", schema_version=2):
    __key__ = Key(pk="PROFILE#{profile_id}")
    __upgrades__: ClassVar[Mapping[int, Callable[[dict[str, Any]], dict[str, Any]]]] = {
        1: _split_name
    }
    profile_id: str
    first: str
    last: str = ""
    version: Version = 1


def load_v1(kit: Kit, count: int) -> str:
    name = f"t-profiles-{uuid.uuid4().hex[:10]}"
    spec = replace(TableSpec.compile(ProfileV1.__dynastack__.table), name=name)
    kit.client.create_table(**spec.create_request())
    kit.tables[-2] = name
    old = kit.sync_repo(ProfileV1, table_name=name)
    old.batch_write(
        puts=[ProfileV1(profile_id=f"p{n:03d}", name=f"Ada{n} Lovelace") for n in range(count)]
    )
    return name


def stored(kit: Kit, table: str, profile_id: str) -> dict[str, Any]:
    item = kit.client.send(GetItem(table=table, key={"PK": f"PROFILE#{profile_id}"})).item
    assert item is not None
    return item


async def run_backfill(kit: Kit, table: str, **options: Any) -> Any:
    if kit.mode == "async":
        assert kit.aclient is not None
        return await abackfill(ProfileV2, kit.aclient, table_name=table, **options)
    return backfill(ProfileV2, kit.client, table_name=table, **options)


async def test_reads_upgrade_lazily_and_backfill_makes_it_stored(kit: Kit) -> None:
    table = load_v1(kit, 30)
    repo = kit.repo(ProfileV2, table_name=table)
    lazily = await repo.get(profile_id="p007")
    assert (lazily.first, lazily.last) == ("Ada7", "Lovelace")
    assert VERSION_ATTR not in stored(kit, table, "p007")  # reading changed nothing stored
    seen: list[tuple[int, int]] = []
    report = await run_backfill(kit, table, progress=lambda done, total: seen.append((done, total)))
    assert (report.seen, report.upgraded, report.skipped, report.failed) == (30, 30, 0, 0)
    assert seen[-1] == (30, 30) and [d for d, _ in seen] == list(range(1, 31))
    item = stored(kit, table, "p007")
    assert item[VERSION_ATTR] == 2 and item["first"] == "Ada7" and "name" not in item
    assert await repo.get(profile_id="p007") == lazily
    again = await run_backfill(kit, table, segments=3)
    assert again.seen == 0  # nothing is old any more


async def test_a_crashed_backfill_resumes_from_its_checkpoint(kit: Kit, tmp_path: Path) -> None:
    table = load_v1(kit, 40)
    checkpoint = tmp_path / "backfill.json"

    def crash_after_25(done: int, total: int) -> None:
        if done == 25:
            raise RuntimeError("killed")

    with pytest.raises(RuntimeError, match="killed"):
        await run_backfill(kit, table, page_size=10, checkpoint=checkpoint, progress=crash_after_25)
    assert checkpoint.exists()
    report = await run_backfill(kit, table, page_size=10, checkpoint=checkpoint)
    assert report.resumed
    assert report.seen < 40 + 20  # the second run did not start over
    assert not checkpoint.exists()
    versions = [stored(kit, table, f"p{n:03d}").get(VERSION_ATTR) for n in range(40)]
    assert versions == [2] * 40
    checkpoint.write_text('{"table": "other", "entity": "Profile", "segments": 1}')
    with pytest.raises(InvalidRequest, match=r"belongs to .*'other'"):
        await run_backfill(kit, table, checkpoint=checkpoint)


async def test_a_backfill_never_overwrites_a_concurrent_write(kit: Kit) -> None:
    table = load_v1(kit, 1)
    plans = EntityBinding(ProfileV2, table=table)
    stale = stored(kit, table, "p000")
    # somebody writes the item (as a v1 writer would, with its own write token) after our scan
    kit.client.send(
        UpdateItem(
            table=table,
            key={"PK": "PROFILE#p000"},
            update="SET #n = :n, #w = :w",
            names={"#n": "name", "#w": "_wt"},
            values={":n": "Grace Hopper", ":w": "their-token"},
        )
    )
    state = _Run(replace_report(), {0: None}, set(), None, {}, None)
    run(
        _upgrade(plans, stale, state, Resends.of(kit.client)),
        send=kit.client.send,
        sleep=lambda s: None,
    )
    item = stored(kit, table, "p000")
    assert (item["first"], item["last"], item[VERSION_ATTR]) == ("Grace", "Hopper", 2)
    assert state.report.upgraded == 1


def replace_report() -> Any:
    from dynastack.repository.backfilling import BackfillReport

    return BackfillReport()
