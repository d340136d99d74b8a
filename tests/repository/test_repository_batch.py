"""batch_get / batch_write on DynamoDB Local: chunking, order, duplicates, TTL and types."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from dynastack.errors import InvalidRequest
from dynastack.repository import BatchProgress

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


async def test_batch_get_refuses_a_key_asked_twice_before_sending(kit: Kit) -> None:
    repo = kit.repo(Entry)
    with pytest.raises(InvalidRequest, match="asked for twice"):
        await repo.batch_get([{"feed": "f", "seq": 1}, {"feed": "f", "seq": 1}])


async def test_batch_write_applies_writes_of_one_item_in_order(kit: Kit) -> None:
    # issue 7 item 14: a stream may name an item again; it goes in the next request (DynamoDB
    # refuses one request naming an item twice), so the writes apply in order
    repo = kit.repo(Entry)
    progress = await repo.batch_write(
        puts=[Entry(feed="f", seq=1, payload="old"), Entry(feed="f", seq=1, payload="new")]
    )
    assert progress == BatchProgress(puts=2, deletes=0, requests=2, resent=0)
    assert [e.payload for e in await repo.batch_get([{"feed": "f", "seq": 1}])] == ["new"]
    await repo.batch_write(puts=[Entry(feed="f", seq=2)], deletes=[{"feed": "f", "seq": 2}])
    assert await repo.count(feed="f") == 1  # seq 2 was put, then deleted


async def test_batch_write_streams_its_input_and_reports_progress(kit: Kit) -> None:
    # issue 7 item 14: never materialised: when the first request is done, at most one
    # request's worth (and the write that closed it) has been taken from the stream
    repo = kit.repo(Entry)
    taken: list[int] = []
    seen: list[tuple[int, BatchProgress]] = []

    def entries() -> Iterator[Entry]:
        for n in range(260):
            taken.append(n)
            yield Entry(feed="s", seq=n)

    async def aentries() -> AsyncIterator[Entry]:
        for entry in entries():
            yield entry

    source: Any = aentries() if repo.is_async else entries()
    done = await repo.batch_write(puts=source, on_progress=lambda p: seen.append((len(taken), p)))
    assert done == BatchProgress(puts=260, deletes=0, requests=11, resent=0)
    assert seen[0] == (26, BatchProgress(puts=25, deletes=0, requests=1, resent=0))
    assert [p.written for _, p in seen] == [*range(25, 260, 25), 260]
    assert all(count <= p.written + 1 for count, p in seen)
    assert await repo.count(feed="s") == 260
    gone = await repo.batch_write(deletes=({"feed": "s", "seq": n} for n in range(100)))
    assert gone.deletes == 100 and await repo.count(feed="s") == 160


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
