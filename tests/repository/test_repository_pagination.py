"""Pagination completeness (R11) and cursor tampering (S7) on DynamoDB Local."""

from __future__ import annotations

import base64
import random
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from dynastack.client.client import Client
from dynastack.core.expressions import Attr
from dynastack.errors import InvalidCursor
from dynastack.model import TableSpec
from dynastack.repository import Repository

from .repository_entities import Entry, Session
from .repository_support import CURSOR_KEY, Clock, Kit, Shell

pytestmark = pytest.mark.integration

TARGETS = 3000
NOISE = 1000


@pytest.fixture(scope="module")
def loaded(dynamodb_endpoint: str) -> Iterator[str]:
    """One table for the R11 runs: 3,000 matching items spread over 30 table partitions, all
    in one index partition (kind "k", rank 2·seq), interleaved with 1,000 filtered-out items
    at odd ranks. Loaded once; the runs only add items their filter and key condition skip."""
    client = Client.local(dynamodb_endpoint)
    name = f"t-r11-{uuid.uuid4().hex[:10]}"
    client.create_table(
        **replace(TableSpec.compile(Entry.__dynastack__.table), name=name).create_request()
    )
    rng = random.Random(11)
    targets = [
        Entry(feed=f"f{seq % 30}", seq=seq, kind="k", rank=2 * seq, payload="keep")
        for seq in range(TARGETS)
    ]
    noise = [
        Entry(feed="noise", seq=seq, kind="k", rank=2 * seq + 1, payload="skip")
        for seq in rng.sample(range(TARGETS), NOISE)
    ]
    Repository(Entry, client, table_name=name).batch_write(puts=targets + noise)
    yield name
    client.delete_table(TableName=name)
    client.close()


KEEP = Attr("payload") == "keep"


@pytest.mark.parametrize("size", [1, 7, 100, None])
async def test_pages_have_no_gaps_and_no_duplicates_while_others_write(
    kit: Kit, loaded: str, size: int | None
) -> None:
    """R11: every page size; meanwhile items are inserted in other partitions and behind the
    cursor in this one (already passed: they must not show up)."""
    repo = kit.repo(Entry, table_name=loaded)
    writer = kit.sync_repo(Entry, table_name=loaded)
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        page = await repo.query("ByKind", kind="k", filter=KEEP, limit=size, cursor=cursor)
        pages += 1
        assert size is None or len(page.items) <= size
        if page.cursor is not None:
            assert size is not None and len(page.items) == size  # only the last page is short
        seen.extend(e.seq for e in page.items)
        if pages % 25 == 1 and page.items:
            passed = page.items[-1].rank
            writer.put(Entry(feed="late", seq=pages, kind="other", rank=1, payload="keep"))
            writer.put(Entry(feed="late", seq=-pages, kind="k", rank=passed - 1, payload="late"))
        cursor = page.cursor
        if cursor is None:
            break
    assert seen == list(range(TARGETS))
    if size is not None:
        assert pages in (TARGETS // size, TARGETS // size + 1)


async def test_newest_first_pages_walk_backwards_without_gaps(kit: Kit) -> None:
    repo = kit.repo(Entry)
    await repo.batch_write(puts=[Entry(feed="f", seq=n, payload="keep") for n in range(95)])
    seen: list[int] = []
    cursor = None
    while True:
        page = await repo.query(feed="f", newest_first=True, limit=7, cursor=cursor)
        seen.extend(e.seq for e in page.items)
        cursor = page.cursor
        if cursor is None:
            break
    assert seen == list(range(94, -1, -1))
    assert [e.seq for e in await repo.collect("query_all", feed="f", newest_first=True)] == seen


def mutations(cursor: str, count: int, rng: random.Random) -> list[str]:
    """``count`` altered cursors whose sealed bytes really differ from the original's."""
    original = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    found: list[str] = []
    while len(found) < count:
        kind = rng.randrange(6)
        if kind == 0:  # one bit flipped in the sealed bytes
            raw = bytearray(original)
            raw[rng.randrange(len(raw))] ^= 1 << rng.randrange(8)
            bad = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
        elif kind == 1:  # one character replaced
            i = rng.randrange(len(cursor))
            bad = cursor[:i] + rng.choice(alphabet) + cursor[i + 1 :]
        elif kind == 2:  # cut short
            bad = cursor[: rng.randrange(len(cursor))]
        elif kind == 3:  # extended
            bad = cursor + "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 8)))
        elif kind == 4:  # random text, sometimes not base64 at all
            bad = "".join(rng.choice(alphabet + "=+/!. ") for _ in range(rng.randint(0, 120)))
        else:  # a raw LastEvaluatedKey, as an unsealed API would hand out
            bad = base64.urlsafe_b64encode(b'{"PK":{"S":"FEED#f1"},"SK":{"N":"3"}}').decode()
        try:
            same = base64.urlsafe_b64decode(bad + "=" * (-len(bad) % 4)) == original
        except ValueError:
            same = False
        if not same:
            found.append(bad)
    return found


async def test_tampered_and_foreign_cursors_are_refused(kit: Kit) -> None:
    """S7: 1,000 altered or foreign cursors: each raises InvalidCursor, none returns items."""
    clock = Clock(datetime(2024, 1, 1, tzinfo=UTC))
    repo = kit.repo(Entry, clock=clock)
    await repo.batch_write(
        puts=[Entry(feed=f"f{n % 3}", seq=n, kind=f"k{n % 2}", rank=n) for n in range(60)]
    )

    async def cursor_of(shell: Shell, *args: object, **kwargs: object) -> str:
        page = await shell.query(*args, limit=2, **kwargs)
        assert page.cursor is not None
        return str(page.cursor)

    good = await cursor_of(repo, "ByKind", kind="k0", filter=Attr("payload") == "")
    ok = await repo.query("ByKind", kind="k0", filter=Attr("payload") == "", limit=2, cursor=good)
    assert len(ok.items) == 2  # the genuine cursor works

    other_table = kit.repo(Entry, table_name=repo.repo.table_name + "-b")
    kit.client.create_table(
        TableName=other_table.repo.table_name,
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    kit.tables[-1] = other_table.repo.table_name
    sessions = kit.repo(Session, clock=clock)
    for n in range(6):
        for user in ("u1", "u2"):
            await sessions.create(
                Session(
                    session_id=f"{user}-{n}", user=user, expires_at=clock.now + timedelta(days=1)
                )
            )
    u1, u2 = sessions.for_owner("u1"), sessions.for_owner("u2")
    foreign = [
        await cursor_of(repo, "ByKind", kind="k1", filter=Attr("payload") == ""),  # other partition
        await cursor_of(repo, "ByKind", kind="k0", filter=Attr("payload") != "x"),  # other filter
        await cursor_of(repo, "ByKind", kind="k0"),  # no filter
        await cursor_of(repo, "ByKind", kind="k0", filter=Attr("payload") == "", newest_first=True),
        await cursor_of(repo, feed="f0"),  # the table key instead of the index
        await cursor_of(
            kit.repo(Entry, cursor_key=bytes(32), clock=clock),  # sealed with another key
            "ByKind",
            kind="k0",
            filter=Attr("payload") == "",
        ),
    ]
    rng = random.Random(7)
    bad_cursors = mutations(good, 964, rng) + foreign * 6
    for bad in bad_cursors:
        with pytest.raises(InvalidCursor):
            await repo.query("ByKind", kind="k0", filter=Attr("payload") == "", limit=2, cursor=bad)
    # a cursor of another table (same entity, same query) and of another owner
    other_table_cursor = await cursor_of(repo, feed="f1")
    with pytest.raises(InvalidCursor):
        await other_table.query(feed="f1", limit=2, cursor=other_table_cursor)
    u1_cursor = await cursor_of(u1, "ByUser")
    with pytest.raises(InvalidCursor):
        await u2.query("ByUser", limit=2, cursor=u1_cursor)
    assert len((await u1.query("ByUser", limit=2, cursor=u1_cursor)).items) == 2
    # and an expired one: valid an hour, refused after
    clock.now += timedelta(hours=1, seconds=1)
    with pytest.raises(InvalidCursor, match="expired"):
        await repo.query("ByKind", kind="k0", filter=Attr("payload") == "", limit=2, cursor=good)
    assert len(bad_cursors) == 1000  # plus the three above


def test_the_cursor_key_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from dynastack.repository.cursors import CursorSealer

    monkeypatch.setenv("DYNASTACK_CURSOR_KEY", CURSOR_KEY.hex())
    from_env = CursorSealer()
    explicit = CursorSealer(base64.b64encode(CURSOR_KEY).decode())
    token = from_env.seal({"PK": "a"}, b"x", now=0)
    assert explicit.open(token, b"x", now=1) == {"PK": "a"}
