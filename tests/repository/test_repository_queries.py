"""query / query_all / count / scan on DynamoDB Local, through both twins."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from datetime import UTC, datetime, timedelta

import pytest

from dynastack.core.expressions import Attr
from dynastack.errors import InvalidRequest
from dynastack.repository import begins_with, between, ge, gt, le, lt

from .repository_entities import Deployment, Entry, Stack, Status
from .repository_support import Clock, Kit

pytestmark = pytest.mark.integration

T0 = datetime(2024, 3, 1, tzinfo=UTC)


async def seed_deployments(kit: Kit, count: int = 6) -> Clock:
    clock = Clock(T0)
    repo = kit.sync_repo(Deployment, clock=clock)
    for number in range(count):
        clock.now = T0 + timedelta(hours=number)
        repo.create(
            Deployment(
                deployment_id=f"D{number:06d}",
                organization="MyOrg" if number % 2 == 0 else "Other",
                created_by="alice",
                status=Status.DEPLOYED if number % 3 == 0 else Status.PENDING,
            )
        )
    return clock


async def test_query_an_index_with_sort_conditions_and_direction(kit: Kit) -> None:
    await seed_deployments(kit)
    repo = kit.repo(Deployment)
    page = await repo.query("OrganizationIndex", organization="MyOrg")
    assert [d.deployment_id for d in page.items] == ["D000000", "D000002", "D000004"]
    assert page.cursor is None
    newest = await repo.query("OrganizationIndex", organization="MyOrg", newest_first=True)
    assert [d.deployment_id for d in newest.items] == ["D000004", "D000002", "D000000"]
    cases = {
        "eq": (T0 + timedelta(hours=2), ["D000002"]),
        "between": (
            between(T0 + timedelta(hours=1), T0 + timedelta(hours=4)),
            ["D000002", "D000004"],
        ),
        "gt": (gt(T0), ["D000002", "D000004"]),
        "ge": (ge(T0), ["D000000", "D000002", "D000004"]),
        "lt": (lt(T0 + timedelta(hours=2)), ["D000000"]),
        "le": (le(T0 + timedelta(hours=2)), ["D000000", "D000002"]),
        "begins_with": (begins_with("2024-03-01T02"), ["D000002"]),
    }
    for name, (condition, expected) in cases.items():
        found = await repo.query("OrganizationIndex", organization="MyOrg", created_at=condition)
        assert [d.deployment_id for d in found.items] == expected, name


async def test_query_with_a_filter_fills_the_page_after_filtering(kit: Kit) -> None:
    await seed_deployments(kit, 12)
    repo = kit.repo(Deployment)
    deployed = Attr("status") == "DEPLOYED"
    page = await repo.query("OrganizationIndex", organization="MyOrg", filter=deployed, limit=2)
    # MyOrg: 0 2 4 6 8 10; DEPLOYED: multiples of 3 → 0 and 6; the read reached the end
    assert [d.deployment_id for d in page.items] == ["D000000", "D000006"]
    assert page.cursor is None
    first = await repo.query("OrganizationIndex", organization="MyOrg", filter=deployed, limit=1)
    assert [d.deployment_id for d in first.items] == ["D000000"]
    assert first.cursor is not None  # cut inside a DynamoDB page: the cursor is D000000's key
    rest = await repo.query(
        "OrganizationIndex", organization="MyOrg", filter=deployed, limit=1, cursor=first.cursor
    )
    assert [d.deployment_id for d in rest.items] == ["D000006"] and rest.cursor is None
    assert await repo.count("OrganizationIndex", organization="MyOrg", filter=deployed) == 2
    assert await repo.count("OrganizationIndex", organization="MyOrg") == 6
    everything = await repo.collect("query_all", "OrganizationIndex", organization="Other")
    assert [d.deployment_id for d in everything] == [f"D{n:06d}" for n in (1, 3, 5, 7, 9, 11)]


async def test_template_sort_keys_match_by_prefix_in_a_shared_partition(kit: Kit) -> None:
    deployments = kit.repo(Deployment)
    stacks = kit.repo(Stack)
    await deployments.create(
        Deployment(deployment_id="D000001", organization="O", created_by="alice")
    )
    for name, env in [("web", "prod"), ("web", "dev"), ("api", "prod"), ("webapp", "prod")]:
        await stacks.create(Stack(deployment_id="D000001", stack_name=name, environment=env))

    def names(page: object) -> list[str]:
        return [f"{s.stack_name}/{s.environment}" for s in page.items]  # type: ignore[attr-defined]

    all_stacks = await stacks.query(deployment_id="D000001")
    assert names(all_stacks) == ["api/prod", "web/dev", "web/prod", "webapp/prod"]
    assert names(await stacks.query(deployment_id="D000001", stack_name="web")) == [
        "web/dev",
        "web/prod",
    ]
    exact = await stacks.query(deployment_id="D000001", stack_name="web", environment="prod")
    assert names(exact) == ["web/prod"]
    raw = await stacks.query(deployment_id="D000001", sk=begins_with("STACK#web"))
    assert names(raw) == ["web/dev", "web/prod", "webapp/prod"]
    only_metadata = await deployments.query(deployment_id="D000001")
    assert [d.deployment_id for d in only_metadata.items] == ["D000001"]
    assert await stacks.count(deployment_id="D000001") == 4
    with pytest.raises(InvalidRequest, match="from the left"):
        await stacks.query(deployment_id="D000001", environment="prod")
    with pytest.raises(InvalidRequest, match="not both"):
        await stacks.query(deployment_id="D000001", stack_name="web", sk="STACK#web#prod")


async def test_query_refuses_what_it_cannot_do(kit: Kit) -> None:
    repo = kit.repo(Deployment)
    with pytest.raises(InvalidRequest, match="no index 'Nope'"):
        await repo.query("Nope", organization="x")
    with pytest.raises(InvalidRequest, match="needs \\['organization'\\]"):
        await repo.query("OrganizationIndex")
    with pytest.raises(InvalidRequest, match="not part of this key"):
        await repo.query("OrganizationIndex", organization="x", status=Status.PENDING)
    with pytest.raises(InvalidRequest, match="consistent"):
        await repo.query("OrganizationIndex", organization="x", consistent=True)
    with pytest.raises(InvalidRequest, match="pass it by name"):
        await repo.query("OrganizationIndex", organization="x", sk="a")
    with pytest.raises(InvalidRequest, match="limit"):
        await repo.query("OrganizationIndex", organization="x", limit=0)


async def test_query_on_the_table_key_with_a_bare_numeric_sort_key(kit: Kit) -> None:
    repo = kit.repo(Entry)
    await repo.batch_write(puts=[Entry(feed="f", seq=n) for n in range(20)])
    page = await repo.query(feed="f", seq=between(5, 9), newest_first=True, consistent=True)
    assert [e.seq for e in page.items] == [9, 8, 7, 6, 5]
    assert [e.seq for e in (await repo.query(feed="f", seq=12)).items] == [12]
    assert await repo.count(feed="f", seq=ge(15)) == 5


async def test_scan_reads_only_this_entity_in_one_or_many_segments(kit: Kit) -> None:
    deployments = kit.repo(Deployment)
    stacks = kit.repo(Stack)
    await seed_deployments(kit, 9)
    for n in range(7):
        await stacks.create(Stack(deployment_id=f"D{n:06d}", stack_name="s", environment="e"))
    one = await deployments.collect("scan")
    assert sorted(d.deployment_id for d in one) == [f"D{n:06d}" for n in range(9)]
    many = await stacks.collect("scan", segments=4)
    assert sorted(s.deployment_id for s in many) == [f"D{n:06d}" for n in range(7)]
    filtered = await deployments.collect("scan", filter=Attr("organization") == "Other", segments=3)
    assert sorted(d.deployment_id for d in filtered) == ["D000001", "D000003", "D000005", "D000007"]
    with pytest.raises(InvalidRequest, match="segments"):
        await deployments.collect("scan", segments=0)


async def test_stopping_a_parallel_scan_early_releases_its_workers(kit: Kit) -> None:
    repo = kit.repo(Entry)
    await repo.batch_write(puts=[Entry(feed=f"f{n % 5}", seq=n) for n in range(300)])
    iterator = repo.repo.scan(segments=4)
    if isinstance(iterator, AsyncGenerator):
        first = [await anext(iterator)]
        await iterator.aclose()  # cancels the segment tasks
    else:
        assert isinstance(iterator, Generator)
        first = [next(iterator)]
        iterator.close()  # stops the segment threads
    assert len(first) == 1
