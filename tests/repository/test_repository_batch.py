"""batch_get / batch_write on DynamoDB Local: chunking, order, duplicates, TTL and types."""

from __future__ import annotations

import pytest

from dynastack.errors import InvalidRequest

from .repository_entities import Counter, Deployment, Entry, Stack
from .repository_support import Kit

pytestmark = pytest.mark.integration


async def test_batch_write_and_get_in_chunks_keep_the_order_asked(kit: Kit) -> None:
    repo = kit.repo(Entry)
    await repo.batch_write(puts=[Entry(feed="f", seq=n, payload=f"p{n}") for n in range(260)])
    assert await repo.count(feed="f") == 260
    wanted = [{"feed": "f", "seq": n} for n in range(259, -1, -3)] + [{"feed": "f", "seq": 999}]
    found = await repo.batch_get(wanted)
    assert [e.seq for e in found] == list(range(259, -1, -3))  # the missing key is skipped
    assert all(e.payload == f"p{e.seq}" for e in found)
    await repo.batch_write(deletes=[{"feed": "f", "seq": n} for n in range(0, 260, 2)] + found[:1])
    assert await repo.count(feed="f") == 129
    assert await repo.batch_get([]) == []


async def test_batches_refuse_an_item_named_twice_before_sending(kit: Kit) -> None:
    repo = kit.repo(Entry)
    with pytest.raises(InvalidRequest, match="asked for twice"):
        await repo.batch_get([{"feed": "f", "seq": 1}, {"feed": "f", "seq": 1}])
    with pytest.raises(InvalidRequest, match="written twice"):
        await repo.batch_write(puts=[Entry(feed="f", seq=1)], deletes=[{"feed": "f", "seq": 1}])
    assert await repo.count(feed="f") == 0  # nothing of the refused batch was written


async def test_batch_get_sees_only_its_own_entity_type(kit: Kit) -> None:
    deployments = kit.repo(Deployment)
    stacks = kit.repo(Stack)
    await stacks.create(Stack(deployment_id="D000001", stack_name="METADATA", environment="x"))
    await deployments.create(
        Deployment(deployment_id="D000001", organization="O", created_by="alice")
    )
    found = await deployments.batch_get([{"deployment_id": "D000001"}])
    assert [d.organization for d in found] == ["O"]
    with pytest.raises(InvalidRequest, match="puts Deployment"):
        await deployments.batch_write(puts=[Counter(name="x")])
