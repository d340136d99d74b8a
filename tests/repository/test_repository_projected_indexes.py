"""Queries on KEYS_ONLY and INCLUDE indexes (issue 7 item 16), on DynamoDB Local.

Such an index holds keys (and a few attributes), not whole items; the repository reads the
keys from the index and the items from the table (one BatchGetItem per Query call), so a page
still holds whole, validated entities in index order, and cursors still work. What cannot be
done exactly (a filter, a count that must leave out other types or expired items) is refused.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dynastack.core.expressions import Attr
from dynastack.errors import InvalidRequest
from dynastack.model import TTL, Entity, Index, Key, Table
from dynastack.repository import ge

from .repository_support import Clock, Kit

pytestmark = pytest.mark.integration

parts = Table("projected-parts")


class Part(Entity, table=parts):
    __key__ = Key(pk="PART#{part_id}")
    __indexes__ = (
        Index("ByColour", pk="colour", sk="rank", projection="KEYS_ONLY"),
        Index("BySupplier", pk="SUPPLIER#{supplier}", sk="rank", projection=("name",)),
    )
    part_id: str
    colour: str
    supplier: str
    rank: int
    name: str
    notes: str = ""
    expires_at: TTL[datetime] | None = None


async def test_keys_only_and_include_indexes_return_whole_entities_in_index_order(
    kit: Kit,
) -> None:
    clock = Clock(datetime(2024, 1, 1, tzinfo=UTC))
    repo = kit.repo(Part, clock=clock)
    made = []
    for n in range(30):
        made.append(
            await repo.create(
                Part(part_id=f"p{n:02d}", colour="red" if n % 3 else "blue", supplier="acme",
                     rank=100 - n, name=f"part {n}", notes=f"n{n}")
            )
        )  # fmt: skip
    reds = sorted((p for p in made if p.colour == "red"), key=lambda p: p.rank)
    page = await repo.query("ByColour", colour="red", limit=7)
    assert page.items == reds[:7]  # whole entities: notes is not in the index, yet it is here
    rest = await repo.query("ByColour", colour="red", cursor=page.cursor)
    assert rest.items == reds[7:] and rest.cursor is None
    high = await repo.query("BySupplier", supplier="acme", rank=ge(95), newest_first=True)
    assert [p.part_id for p in high.items] == ["p00", "p01", "p02", "p03", "p04", "p05"]
    assert high.items[0].notes == "n0"
    assert len(await repo.collect("query_all", "ByColour", colour="blue")) == 10
    # an item whose TTL passed is hidden, as on every read path
    await repo.update(made[1], expires_at=clock.now - timedelta(seconds=1))
    assert "p01" not in [p.part_id for p in (await repo.query("ByColour", colour="red")).items]


async def test_what_a_projected_index_cannot_do_exactly_is_refused(kit: Kit) -> None:
    repo = kit.repo(Part)
    with pytest.raises(InvalidRequest, match="projects 'KEYS_ONLY', so a filter"):
        await repo.query("ByColour", colour="red", filter=Attr("notes") == "x")
    with pytest.raises(InvalidRequest, match="cannot leave out expired items"):
        await repo.count("ByColour", colour="red")
