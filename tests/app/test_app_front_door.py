"""``App.bind``, ``create_tables``/``drop_tables`` and the plugin's ``dynastack_tables`` (issue 7
item 13), against DynamoDB Local; the bound types are checked by mypy with ``assert_type``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import assert_type

import pytest

from dynastack import App, AsyncClient, AsyncRepository, Client, Entity, Key, Repository
from dynastack.app import AsyncBoundApp, BoundApp
from dynastack.errors import InvalidRequest, ResourceNotFound
from dynastack.model import CreatedAt, auto_now
from dynastack.testing.tables import AppTables


class BoundNote(Entity, table="front-door-notes"):
    __key__ = Key(pk="NOTE#{note_id}")
    note_id: str
    text: str
    created_at: CreatedAt = auto_now()


class BoundTag(Entity, table="front-door-tags"):
    __key__ = Key(pk="TAG#{name}")
    name: str


class Stranger(Entity, table="front-door-strangers"):
    __key__ = Key(pk="{stranger_id}")
    stranger_id: str


APP = App("front-door", [BoundNote, BoundTag])
FIXED = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_bind_gives_typed_repositories_made_once() -> None:
    with Client.local("http://127.0.0.1:9") as client:
        bound = APP.bind(client, env="dev", clock=lambda: FIXED, cursor_key=bytes(32))
        assert_type(bound, BoundApp)
        notes = bound.repository(BoundNote)
        assert_type(notes, Repository[BoundNote])
        assert_type(bound[BoundTag], Repository[BoundTag])
        assert notes is bound[BoundNote]
        assert (notes.table_name, bound[BoundTag].table_name) == (
            "front-door-notes-dev",
            "front-door-tags-dev",
        )
        assert bound.now() == FIXED


def test_bind_refuses_an_entity_of_another_app_by_name() -> None:
    with Client.local("http://127.0.0.1:9") as client:
        bound = APP.bind(client, env="dev")
        with pytest.raises(InvalidRequest, match=r"Stranger is not an entity of App 'front-door'"):
            bound.repository(Stranger)


async def test_bind_on_an_async_client_gives_async_repositories() -> None:
    async with AsyncClient.local("http://127.0.0.1:9") as client:
        bound = APP.bind(client, env="dev")
        assert_type(bound, AsyncBoundApp)
        notes = bound.repository(BoundNote)
        assert_type(notes, AsyncRepository[BoundNote])
        assert isinstance(notes, AsyncRepository)
        assert notes is bound[BoundNote]


@pytest.mark.integration
def test_create_tables_then_bound_repositories_share_the_clock(dynamodb_endpoint: str) -> None:
    with Client.local(dynamodb_endpoint) as client:
        made = APP.create_tables(client, env="bindtest")
        try:
            assert made == ["front-door-notes-bindtest", "front-door-tags-bindtest"]
            assert set(made) <= set(client.list_tables()["TableNames"])
            bound = APP.bind(client, env="bindtest", clock=lambda: FIXED)
            note = bound[BoundNote].create(BoundNote(note_id="n1", text="hello"))
            assert note.created_at == FIXED
            assert bound[BoundNote].get(note_id="n1") == note
        finally:
            dropped = APP.drop_tables(client, env="bindtest")
        assert dropped == made
        assert APP.drop_tables(client, env="bindtest") == []  # already gone: nothing to drop
        with pytest.raises(ResourceNotFound):
            client.describe_table(TableName=made[0])


@pytest.mark.integration
async def test_async_create_and_drop_tables(dynamodb_endpoint: str) -> None:
    async with AsyncClient.local(dynamodb_endpoint) as client:
        made = await APP.acreate_tables(client, env="abindtest")
        bound = APP.bind(client, env="abindtest")
        await bound[BoundTag].put(BoundTag(name="x"))
        assert await bound[BoundTag].get(name="x") == BoundTag(name="x")
        assert await APP.adrop_tables(client, env="abindtest") == made


@pytest.mark.integration
def test_the_plugin_fixture_makes_an_apps_tables(dynastack_tables: AppTables) -> None:
    env = dynastack_tables.create(APP)
    names = set(dynastack_tables.client.list_tables()["TableNames"])
    assert {f"front-door-notes-{env}", f"front-door-tags-{env}"} <= names
    with dynastack_tables.environment(APP) as other:
        assert other != env
        assert f"front-door-tags-{other}" in set(
            dynastack_tables.client.list_tables()["TableNames"]
        )
    assert f"front-door-tags-{other}" not in set(
        dynastack_tables.client.list_tables()["TableNames"]
    )


class NoteBook:
    """A domain class built on the binding, asking it for another one."""

    def __init__(self, bound: BoundApp) -> None:
        self.notes = bound[BoundNote]
        self.tags = bound.service(TagShelf)


class TagShelf:
    def __init__(self, bound: BoundApp) -> None:
        self.tags = bound[BoundTag]


def test_service_makes_each_domain_class_once_per_binding() -> None:
    with Client.local("http://127.0.0.1:9") as client:
        bound = APP.bind(client, env="dev")
        book = bound.service(NoteBook)
        assert_type(book, NoteBook)
        assert book is bound.service(NoteBook)
        assert book.tags is bound.service(TagShelf)  # shared, not a second copy
        assert book.notes is bound[BoundNote]
        other = APP.bind(client, env="dev")
        assert other.service(NoteBook) is not book  # one per binding
