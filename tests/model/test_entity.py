"""Entity declarations compile at import, and every mistake is a DefinitionError with a code."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, ClassVar

import pytest
from pydantic import Field

from dynastack.errors import DefinitionError
from dynastack.model import (
    TTL,
    CreatedAt,
    Entity,
    Index,
    Key,
    Owner,
    Table,
    TableSpec,
    UpdatedAt,
    Version,
    auto_now,
    from_item,
    key_of,
    to_item,
)
from dynastack.model.meta import TYPE_ATTR, VERSION_ATTR


class Status(enum.Enum):
    PENDING = "PENDING"
    DEPLOYED = "DEPLOYED"


deployments = Table("deployments", pattern="{env}-deployments", env_var="DEPLOYMENTS_TABLE")


class Deployment(Entity, table=deployments):
    __key__ = Key(pk="DEPLOYMENT#{deployment_id}", sk="METADATA")
    __indexes__ = (
        Index("OrganizationIndex", pk="organization", sk="created_at"),
        Index("StatusIndex", pk="status", sk="updated_at"),
    )
    deployment_id: str = Field(pattern=r"^D[A-Z0-9]{6}$")
    organization: str
    status: Status
    created_by: Owner[str]
    cost: Decimal = Decimal("0")
    version: Version = 1
    created_at: CreatedAt = auto_now()
    updated_at: UpdatedAt = auto_now()


class Stack(Entity, table=deployments):
    __key__ = Key(pk="DEPLOYMENT#{deployment_id}", sk="STACK#{stack_name}#{environment}")
    __indexes__ = (Index("StackNameIndex", pk="stack_name", sk="updated_at"),)
    deployment_id: str
    stack_name: str
    environment: str
    updated_at: UpdatedAt = auto_now()
    expires_at: TTL[datetime] | None = None


def make_deployment(**over: Any) -> Deployment:
    values: dict[str, Any] = {
        "deployment_id": "D1BRV40",
        "organization": "MyOrg",
        "status": Status.PENDING,
        "created_by": "alice",
    }
    values.update(over)
    return Deployment(**values)


def test_meta_is_compiled_from_the_declaration() -> None:
    meta = Deployment.__dynastack__
    assert meta.entity_type == "Deployment"
    assert (meta.pk.attr, meta.sk and meta.sk.attr) == ("PK", "SK")
    assert meta.indexes["OrganizationIndex"].pk.attr == "organization"
    assert meta.indexes["StatusIndex"].pk.type == "S"
    assert meta.version_field == "version"
    assert meta.owner_field == "created_by"
    assert (meta.created_field, meta.updated_field) == ("created_at", "updated_at")
    assert meta.key_fields == {"deployment_id"}
    assert Stack.__dynastack__.ttl_field == "expires_at"


def test_item_renders_keys_verbatim_and_reads_back() -> None:
    deployment = make_deployment(cost=Decimal("12.50"))
    item = to_item(deployment)
    assert item["PK"] == "DEPLOYMENT#D1BRV40"
    assert item["SK"] == "METADATA"
    assert item[TYPE_ATTR] == "Deployment"
    assert VERSION_ATTR not in item
    assert from_item(Deployment, item) == deployment


def test_none_fields_are_not_stored_and_ttl_is_epoch_seconds() -> None:
    when = datetime(2030, 1, 1, tzinfo=UTC)
    stack = Stack(deployment_id="D1", stack_name="Web", environment="dev", expires_at=when)
    item = to_item(stack)
    assert item["SK"] == "STACK#Web#dev"  # no lowercasing (principle 7)
    assert item["expires_at"] == int(when.timestamp())
    assert from_item(Stack, item).expires_at == when
    assert "expires_at" not in to_item(stack.model_copy(update={"expires_at": None}))


def test_key_of_renders_only_the_primary_key() -> None:
    key = key_of(
        Stack.__dynastack__, {"deployment_id": "D1", "stack_name": "a", "environment": "b"}
    )
    assert key == {"PK": "DEPLOYMENT#D1", "SK": "STACK#a#b"}


def test_table_spec_collects_every_entity_of_the_table() -> None:
    spec = TableSpec.compile(deployments, env="dev", environ={})
    assert spec.name == "dev-deployments"
    assert {i.name for i in spec.indexes} == {"OrganizationIndex", "StatusIndex", "StackNameIndex"}
    assert spec.ttl_attribute == "expires_at"
    request = spec.create_request()
    assert request["BillingMode"] == "PAY_PER_REQUEST"
    assert {a["AttributeName"] for a in request["AttributeDefinitions"]} == {
        "PK",
        "SK",
        "organization",
        "created_at",
        "status",
        "updated_at",
        "stack_name",
    }
    named = TableSpec.compile(deployments, env="dev", environ={"DEPLOYMENTS_TABLE": "x-y-z"})
    assert named.name == "x-y-z"


def test_schema_upgrades_apply_on_read() -> None:
    def v1_to_v2(item: dict[str, Any]) -> dict[str, Any]:
        item["full_name"] = item.pop("name")
        return item

    class Person(Entity, table="people-upgrade", schema_version=2):
        __key__ = Key(pk="{person_id}")
        __upgrades__: ClassVar[dict[int, Any]] = {1: v1_to_v2}
        person_id: str
        full_name: str

    old = {"person_id": "p1", "name": "Ada", TYPE_ATTR: "Person"}
    assert from_item(Person, old) == Person(person_id="p1", full_name="Ada")
    assert to_item(Person(person_id="p1", full_name="Ada"))[VERSION_ATTR] == 2


def test_numeric_bare_keys_keep_their_type() -> None:
    class Reading(Entity, table="readings-doc"):
        __key__ = Key(pk="sensor", sk="at")
        sensor: str
        at: int

    meta = Reading.__dynastack__
    assert (meta.pk.type, meta.sk and meta.sk.type) == ("S", "N")
    assert key_of(meta, {"sensor": "s", "at": 5}) == {"sensor": "s", "at": 5}


def _define(code: str, body: dict[str, Any], table: str = "bad") -> None:
    with pytest.raises(DefinitionError) as caught:
        type("Bad", (Entity,), body, table=table)
    assert caught.value.code == code


@pytest.mark.parametrize(
    ("code", "body"),
    [
        ("ENTITY_NO_KEY", {"__annotations__": {"a": str}}),
        ("KEY_UNKNOWN_FIELD", {"__annotations__": {"a": str}, "__key__": Key(pk="A#{b}")}),
        (
            "KEY_OPTIONAL_FIELD",
            {"__annotations__": {"a": "str | None"}, "__key__": Key(pk="A#{a}"), "a": None},
        ),
        (
            "INDEX_DUPLICATE",
            {
                "__annotations__": {"a": str},
                "__key__": Key(pk="{a}"),
                "__indexes__": (Index("I", pk="a"), Index("I", pk="a")),
            },
        ),
        (
            "KEY_TYPE",
            {"__annotations__": {"a": list[str]}, "__key__": Key(pk="a")},
        ),
        (
            "ROLE_DUPLICATE",
            {
                "__annotations__": {"a": str, "v": Version, "w": Version},
                "__key__": Key(pk="a"),
                "v": 1,
                "w": 1,
            },
        ),
        (
            "ENTITY_UPGRADE_MISSING",
            {"__annotations__": {"a": str}, "__key__": Key(pk="a"), "__upgrades__": {}},
        ),
    ],
)
def test_declaration_mistakes_raise_with_a_stable_code(code: str, body: dict[str, Any]) -> None:
    if code == "ENTITY_UPGRADE_MISSING":
        with pytest.raises(DefinitionError) as caught:
            type("Bad", (Entity,), body, table="bad-upgrade", schema_version=3)
        assert caught.value.code == code
        return
    _define(code, body, table=f"bad-{code.lower()}")


def test_entities_sharing_a_table_must_agree_on_key_types() -> None:
    shared = Table("shared-clash")

    class A(Entity, table=shared):
        __key__ = Key(pk="id")
        id: str

    with pytest.raises(DefinitionError) as caught:

        class B(Entity, table=shared):
            __key__ = Key(pk="id")
            id: int

    assert caught.value.code == "TABLE_KEY_CLASH"
    assert shared.entities == [A]


def test_index_attribute_type_clash_between_entities() -> None:
    shared = Table("shared-index-clash")

    class A(Entity, table=shared):
        __key__ = Key(pk="A#{id}")
        __indexes__ = (Index("ByWhen", pk="kind", sk="when"),)
        id: str
        kind: str
        when: str

    with pytest.raises(DefinitionError) as caught:

        class B(Entity, table=shared):
            __key__ = Key(pk="B#{id}")
            __indexes__ = (Index("ByWhen", pk="kind", sk="when"),)
            id: str
            kind: str
            when: int

    assert caught.value.code == "TABLE_KEY_TYPE_CLASH"
    assert A.__dynastack__.table is shared


def test_unresolvable_annotations_are_a_definition_error() -> None:
    with pytest.raises(DefinitionError) as caught:
        type(
            "Unresolved",
            (Entity,),
            {"__annotations__": {"a": "NoSuchType"}, "__key__": Key(pk="a")},
            table="bad-unresolved",
        )
    assert caught.value.code == "ENTITY_UNRESOLVED"


def test_pydantic_aware_datetimes_are_string_keys() -> None:
    from pydantic import AwareDatetime

    class Event(Entity, table="events-aware"):
        __key__ = Key(pk="kind", sk="at")
        kind: str
        at: AwareDatetime

    meta = Event.__dynastack__
    assert meta.sk is not None
    assert meta.sk.type == "S"
    when = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    item = to_item(Event(kind="k", at=when))
    assert from_item(Event, item).at == when


def test_ttl_datetimes_are_whole_seconds_like_the_stored_epoch() -> None:
    when = datetime(2030, 1, 1, 12, 0, 0, 654321, tzinfo=UTC)
    stack = Stack(deployment_id="D1", stack_name="s", environment="e", expires_at=when)
    assert stack.expires_at == when.replace(microsecond=0)
    assert from_item(Stack, to_item(stack)) == stack


def test_an_app_names_the_tables_that_have_no_pattern_of_their_own() -> None:
    from dynastack.app import App
    from dynastack.errors import ConfigurationError

    table = Table("app-named")

    class Thing(Entity, table=table):
        __key__ = Key(pk="id")
        id: str

    App("one", [Thing], naming="one-{table}-{env}")
    assert table.physical_name("dev", environ={}) == "one-app-named-dev"
    with pytest.raises(ConfigurationError):
        App("two", [Thing], naming="two-{table}-{env}")
