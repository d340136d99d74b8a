"""The entities follow migrationContract.json exactly: tables, keys, GSIs, attributes, templates.

The contract is read from examples/migration_dal/migrationContract.json, a verbatim copy of the
workshop's file (../shared/fixtures/modernizr/, MIT-0), not restated here, so an edit of either
side fails this test; the copy is compared with the fixture wherever the fixture is present.
No DynamoDB needed: the comparison is between the contract and what the declarations compile
to (``app.table_specs()``) and what the entities write (``to_item`` through the wire codec).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from dynastack import Entity
from dynastack.core.keys import KeyTemplate
from dynastack.core.values import encode_item
from dynastack.model import to_item
from examples.migration_dal import (
    CartItem,
    Category,
    Order,
    OrderLine,
    Product,
    Profile,
    User,
    app,
)

REPO = Path(__file__).resolve().parents[3]
CONTRACT_PATH = REPO / "examples" / "migration_dal" / "migrationContract.json"
FIXTURE_PATH = REPO.parent / "shared" / "fixtures" / "modernizr" / "migrationContract.json"
#: attributes dynastack writes on every item besides the contract's (type and write token)
MARKERS = {"_type", "_wt"}
WHEN = datetime(2025, 8, 22, 8, 30, tzinfo=UTC)


def _contract() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(CONTRACT_PATH.read_text())
    return data


CONTRACT = _contract()
TABLES = {entry["table"]: entry for entry in CONTRACT["tables"]}

#: one fully populated instance per contract entity (every optional attribute present)
SAMPLES: dict[tuple[str, str], Entity] = {
    ("Users", "USER"): User(
        email="customer1@example.com",
        username="customer1",
        user_id="3",
        password_hash="$2b$10$placeholder",
        profile_data=Profile(first_name="Jane", last_name="Doe"),
        is_seller=True,
        created_at=WHEN,
        updated_at=WHEN,
    ),
    ("Users", "CART"): CartItem(
        user_email="customer1@example.com",
        product_id="1",
        quantity=2,
        price=Decimal("1999.99"),
        product_name="Professional Laptop 14-inch",
        created_at=WHEN,
        updated_at=WHEN,
    ),
    ("Users", "ORDER"): Order(
        user_email="customer1@example.com",
        order_id="2",
        user_id="3",
        total_amount=Decimal("2010.98"),
        order_items=(OrderLine(product_id="1", quantity=1, price_at_time=Decimal("1999.99")),),
        created_at=WHEN,
        updated_at=WHEN,
    ),
    ("Products", ""): Product(
        product_id="1",
        seller_id="1",
        category_id="7",
        category_path="Electronics/Laptops",
        product_name="Professional Laptop 14-inch",
        description="A laptop",
        price=Decimal("1999.99"),
        inventory_quantity=15,
        image_url="https://example.com/laptop.jpg",
        created_at=WHEN,
        updated_at=WHEN,
    ),
    ("Categories", ""): Category(
        category_id="7",
        category_name="Laptops",
        parent_id="1",
        parent_name="Electronics",
        category_path="Electronics/Laptops",
        level=1,
        created_at=WHEN,
    ),
}


def _contract_attributes(table: str, entity_type: str) -> list[dict[str, Any]]:
    entry = TABLES[table]
    if not entity_type:
        attributes: list[dict[str, Any]] = entry["attributes"]
        return attributes
    entity = next(e for e in entry["entities"] if e["entity_type"] == entity_type)
    found: list[dict[str, Any]] = entity["attributes"]
    return found


def test_the_copy_is_the_workshop_contract_verbatim() -> None:
    # the project's shared/ folder always sits beside the checkout (CI included)
    assert FIXTURE_PATH.exists(), f"no shared/ fixtures beside the repository ({FIXTURE_PATH})"
    assert CONTRACT_PATH.read_bytes() == FIXTURE_PATH.read_bytes()


def test_the_app_has_exactly_the_contracts_tables() -> None:
    names = [spec.name for spec in app.table_specs(environ={})]
    assert sorted(names) == sorted(TABLES)


@pytest.mark.parametrize("table", sorted(TABLES))
def test_table_key_and_gsis_are_the_contracts(table: str) -> None:
    entry = TABLES[table]
    spec = next(s for s in app.table_specs(environ={}) if s.name == table)
    # the contract names key attributes; every reference tool creates them as S (§2.3)
    assert (spec.pk.name, spec.pk.type) == (entry["pk"], "S")
    assert spec.sk is not None
    assert (spec.sk.name, spec.sk.type) == (entry["sk"], "S")
    declared = {
        index.name: (index.pk.name, index.pk.type, index.sk and (index.sk.name, index.sk.type))
        for index in spec.indexes
    }
    expected = {
        gsi["index_name"]: (gsi["pk"], "S", (gsi["sk"], "S")) for gsi in entry.get("gsis", [])
    }
    assert declared == expected
    assert all(not index.local for index in spec.indexes)
    projections = {index.name: index.projection for index in spec.indexes}
    assert projections == {g["index_name"]: g.get("projection", "ALL") for g in entry["gsis"]}
    assert spec.billing_mode == "PAY_PER_REQUEST"  # what the workshop's pipeline creates


def test_the_create_request_defines_only_string_key_attributes() -> None:
    for spec in app.table_specs(environ={}):
        request = spec.create_request()
        types = {a["AttributeName"]: a["AttributeType"] for a in request["AttributeDefinitions"]}
        entry = TABLES[spec.name]
        names = {entry["pk"], entry["sk"]} | {
            name for gsi in entry["gsis"] for name in (gsi["pk"], gsi["sk"])
        }
        assert types == dict.fromkeys(names, "S")


def test_every_contract_entity_has_a_sample() -> None:
    expected = {
        (entry["table"], entity["entity_type"])
        for entry in CONTRACT["tables"]
        for entity in entry.get("entities", [])
    } | {(entry["table"], "") for entry in CONTRACT["tables"] if entry["type"] == "single-entity"}
    assert set(SAMPLES) == expected


@pytest.mark.parametrize(("table", "entity_type"), sorted(SAMPLES))
def test_items_carry_exactly_the_contracts_attributes_and_types(
    table: str, entity_type: str
) -> None:
    wire = encode_item(to_item(SAMPLES[(table, entity_type)]))
    expected = {a["name"]: a["type"] for a in _contract_attributes(table, entity_type)}
    written = {name: next(iter(value)) for name, value in wire.items() if name not in MARKERS}
    assert written == expected


def test_sample_items_show_the_contracts_worked_example_values() -> None:
    user = to_item(SAMPLES[("Users", "USER")])
    assert (user["PK"], user["SK"]) == ("customer1@example.com", "#META")
    assert (user["GSI1PK"], user["GSI1SK"], user["GSI2PK"], user["GSI2SK"]) == (
        "3",
        "3",
        "customer1",
        "customer1",
    )
    assert user["profile_data"] == {"first_name": "Jane", "last_name": "Doe"}
    order = to_item(SAMPLES[("Users", "ORDER")])
    assert order["SK"] == "ORDER#2025-08-22T08:30:00.000000Z#2"
    assert (order["GSI3PK"], order["GSI3SK"], order["order_id"]) == ("2", "2", "2")
    assert order["order_items"] == '[{"product_id":"1","quantity":1,"price_at_time":1999.99}]'
    product = to_item(SAMPLES[("Products", "")])
    assert (product["PK"], product["SK"], product["GSI1PK"], product["GSI2PK"]) == (
        "1",
        "#META",
        "7",
        "1",
    )
    assert product["GSI1SK"] == product["GSI2SK"] == "Professional Laptop 14-inch"
    category = to_item(SAMPLES[("Categories", "")])
    assert (category["PK"], category["SK"], category["GSI1PK"], category["GSI1SK"]) == (
        "Electronics",
        "Laptops",
        "1",
        "7",
    )
    root = to_item(Category(category_id="1", category_name="Electronics"))
    assert (root["PK"], root["GSI1PK"]) == ("ROOT", "ROOT")
    assert "parent_id" not in root and "parent_name" not in root


@pytest.mark.parametrize(
    ("entity_type", "placeholders"),
    [
        ("USER", {"email": "customer1@example.com"}),
        ("CART", {"user_email": "customer1@example.com", "product_id": "1"}),
        (
            "ORDER",
            {
                "user_email": "customer1@example.com",
                "created_at": "2025-08-22T08:30:00.000000Z",
                "order_id": "2",
            },
        ),
    ],
)
def test_keys_render_the_contracts_key_templates(
    entity_type: str, placeholders: dict[str, str]
) -> None:
    entity = next(e for e in TABLES["Users"]["entities"] if e["entity_type"] == entity_type)
    item = to_item(SAMPLES[("Users", entity_type)])
    assert item["PK"] == KeyTemplate(entity["pk_template"]).render(placeholders)
    assert item["SK"] == KeyTemplate(entity["sk_template"]).render(placeholders)


def test_order_items_read_back_what_mysql_json_arrayagg_writes() -> None:
    # the later migration writes MySQL's JSON text, with numeric product ids
    stored = dict(to_item(SAMPLES[("Users", "ORDER")]))
    stored["order_items"] = '[{"product_id": 2, "quantity": 1, "price_at_time": 10.99}]'
    order = Order.model_validate(stored)
    assert order.order_items == (
        OrderLine(product_id="2", quantity=1, price_at_time=Decimal("10.99")),
    )
