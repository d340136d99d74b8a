"""A key field also stored under a named attribute (issue 7 item 16), on DynamoDB Local.

The migration contract (examples/migration_dal/migrationContract.json) stores ``PK`` = the
user's email *and* ``email``, and GSI keys that copy plain fields (``GSI1PK`` = ``category``).
``Key(pk="email", pk_attr="PK")`` declares that: the key attribute is a typed copy, written on
every put, re-rendered by updates, never settable by hand; the field keeps its own attribute.
"""

from __future__ import annotations

import pytest

from dynastack.core.updates import Update
from dynastack.errors import InvalidRequest
from dynastack.model import Entity, Index, Key, TableSpec
from dynastack.repository import ge

from .repository_support import Kit

pytestmark = pytest.mark.integration


class Buyer(Entity, table="key-copies-buyers"):
    __key__ = Key(pk="email", sk="#META", pk_attr="PK")
    __indexes__ = (Index("GSI1", pk="category", sk="rank", pk_attr="GSI1PK", sk_attr="GSI1SK"),)
    email: str
    category: str
    rank: int
    name: str = ""


def test_the_declaration_names_the_copies_and_their_types() -> None:
    spec = TableSpec.compile(Buyer.__dynastack__.table)
    assert [(a.name, a.type) for a in spec.attributes] == [
        ("PK", "S"), ("SK", "S"), ("GSI1PK", "S"), ("GSI1SK", "N"),
    ]  # fmt: skip

    # the plain form is unchanged: a bare field without pk_attr is its own attribute
    class Plain(Entity, table="key-copies-plain"):
        __key__ = Key(pk="email")
        email: str

    assert Plain.__dynastack__.pk.attr == "email"


async def test_copies_are_stored_queried_and_kept_in_step(kit: Kit) -> None:
    repo = kit.repo(Buyer)
    ada = await repo.create(Buyer(email="ada@x.io", category="tools", rank=3, name="Ada"))
    key = {"PK": {"S": "ada@x.io"}, "SK": {"S": "#META"}}
    raw = kit.client.get_item(TableName=kit.table(Buyer), Key=key)["Item"]
    assert raw["PK"] == raw["email"] == {"S": "ada@x.io"}
    assert raw["GSI1PK"] == {"S": "tools"} and raw["GSI1SK"] == raw["rank"] == {"N": "3"}
    assert await repo.get(email="ada@x.io") == ada
    await repo.create(Buyer(email="bob@x.io", category="tools", rank=7))
    found = await repo.query("GSI1", category="tools", rank=ge(5))
    assert [b.email for b in found.items] == ["bob@x.io"]
    moved = await repo.update(ada, category="books", rank=9)  # the copies follow the fields
    assert [b.email for b in (await repo.query("GSI1", category="books")).items] == ["ada@x.io"]
    assert moved.category == "books"
    with pytest.raises(InvalidRequest, match="GSI1PK"):
        await repo.update(moved, Update().set("GSI1PK", "hacked"))
