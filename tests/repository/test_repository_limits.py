"""Issue 7 item 6 (repository part): an update past 400 KB is refused before it is sent when
what it sets alone is over the limit, and otherwise it is the server's to refuse.

Requests are counted by a transport wrapper around the real transport, so "nothing sent" is
measured, against DynamoDB Local.
"""

from __future__ import annotations

from typing import Any

import pytest

from dynastack.client.async_client import AsyncClient
from dynastack.client.async_transport import AsyncHttpTransport
from dynastack.client.client import Client
from dynastack.client.transport import HttpTransport
from dynastack.core.limits import ITEM_MAX_BYTES
from dynastack.core.updates import Update
from dynastack.errors import ItemTooLarge, ValidationFailed
from dynastack.repository import AsyncRepository, Repository, UnitOfWork

from .repository_entities import Counter, Deployment
from .repository_support import Kit, Shell
from .test_repository_resends import AsyncCounting, Counting

pytestmark = pytest.mark.integration

BIG = "x" * (ITEM_MAX_BYTES + 1)


def counted(kit: Kit, entity: type[Any]) -> tuple[Shell, Any]:
    table = kit.table(entity)
    if kit.mode == "async":
        counting: Any = AsyncCounting(AsyncHttpTransport())
        aclient = AsyncClient.local(kit.endpoint, transport=counting)
        kit.extra_clients.append(aclient)
        return Shell(AsyncRepository(entity, aclient, table_name=table)), counting
    counting = Counting(HttpTransport())
    client = Client.local(kit.endpoint, transport=counting)
    kit.extra_clients.append(client)
    return Shell(Repository(entity, client, table_name=table)), counting


async def test_an_update_setting_more_than_400_kb_is_refused_before_sending(kit: Kit) -> None:
    repo, counting = counted(kit, Deployment)
    made = await repo.create(Deployment(deployment_id="D000001", organization="O", created_by="x"))
    sent = counting.sent
    with pytest.raises(ItemTooLarge) as caught:
        await repo.update(made, note=BIG)
    assert counting.sent == sent  # nothing sent
    assert caught.value.size > caught.value.limit == ITEM_MAX_BYTES
    message = str(caught.value)
    assert "update Deployment" in message and "'note'" in message and "nothing was sent" in message
    assert BIG[:100] not in message  # sizes and names, never the value
    # through a raw Update too, and inside a unit of work (the same plan)
    counters, counting = counted(kit, Counter)
    with pytest.raises(ItemTooLarge, match="'tags'"):
        await counters.update({"name": "c"}, Update().append("tags", [BIG[:200_000]] * 3))
    with pytest.raises(ItemTooLarge):
        UnitOfWork().update(repo.repo, made, note=BIG)
    assert counting.sent == 0
    assert (await repo.get(deployment_id="D000001")).note is None


async def test_what_only_the_server_can_know_comes_back_from_it(kit: Kit) -> None:
    """The attributes an update leaves alone are not known client-side: 250 KB stored, then
    200 KB more set by one update is refused by DynamoDB, not before sending."""
    repo, counting = counted(kit, Counter)
    await repo.create(Counter(name="c", tags=["y" * 250_000]))
    sent = counting.sent
    with pytest.raises(ValidationFailed, match=r"(?i)size"):
        await repo.update({"name": "c"}, Update().set("more", "z" * 200_000))
    assert counting.sent == sent + 1
