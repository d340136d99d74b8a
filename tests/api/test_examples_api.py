"""vishmaker's and migration_dal's APIs, served by uvicorn on DynamoDB Local.

Projects are owner-scoped (another user's project is a 404); the project tree is read-only and
for Administrators; the waitlist takes sign-ups from any user, its status from nobody; the
shop's catalogue is read by users, written by sellers, and its copied index keys and counters
are never taken from a client.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from dynastack.api import RATE_TABLE
from dynastack.client import Client
from dynastack.model import TableSpec
from dynastack.provisioning import ensure_table
from tests.api.conftest import serve, settings_for
from tests.api.http import Server

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def examples_env(dynamodb_endpoint: str) -> Iterator[str]:
    from examples.migration_dal import app as shop
    from examples.vishmaker import app as vishmaker

    env = "ex" + uuid.uuid4().hex[:6]
    client = Client.local(dynamodb_endpoint)
    specs = [*vishmaker.table_specs(env=env), *shop.table_specs(env=env)]
    specs.append(TableSpec.compile(RATE_TABLE, env=env))
    for spec in specs:
        ensure_table(spec, client)
    try:
        yield env
    finally:  # the session's DynamoDB Local adds indexes slowly for later tests otherwise
        for spec in specs:
            client.delete_table(TableName=spec.name)
        client.close()


@pytest.fixture(scope="module")
def vishmaker(dynamodb_endpoint: str, examples_env: str) -> Iterator[Server]:
    from examples.vishmaker.api import api

    yield from serve(api, dynamodb_endpoint, examples_env, settings_for())


@pytest.fixture(scope="module")
def shop(dynamodb_endpoint: str, examples_env: str) -> Iterator[Server]:
    from examples.migration_dal.api import api

    yield from serve(api, dynamodb_endpoint, examples_env, settings_for())


def test_projects_are_each_users_own(vishmaker: Server) -> None:
    made = vishmaker.call("POST", "/projects", token="alice-token", json={"name": "Shop"})
    assert made.status == 201, made.raw
    assert made.json["user_id"] == "alice"
    assert made.json["child_count"] == 0
    path = made.headers["location"]
    assert vishmaker.call("GET", path, token="alice-token").status == 200
    assert vishmaker.call("GET", path, token="bob-token").status == 404
    mine = vishmaker.call("GET", "/projects/index/user_id-index", token="bob-token")
    assert mine.status == 200
    assert made.json["id"] not in [p["id"] for p in mine.json["items"]]
    forged = vishmaker.call(
        "POST", "/projects", token="alice-token", json={"name": "X", "child_count": 7}
    )
    assert forged.status == 400
    assert "child_count" in forged.raw.decode()


def test_the_project_tree_is_read_only_and_for_administrators(vishmaker: Server) -> None:
    parent = str(uuid.uuid4())
    listed = vishmaker.call(
        "GET", "/user-flows/index/project_id-index", token="admin-token",
        query={"project_id": parent},
    )  # fmt: skip
    assert listed.status == 200, listed.raw
    assert listed.json["items"] == []
    assert vishmaker.call(
        "GET", "/user-flows/index/project_id-index", token="alice-token",
        query={"project_id": parent},
    ).status == 403  # fmt: skip
    made = vishmaker.call("POST", "/user-flows", token="admin-token", json={"name": "x"})
    assert made.status == 405


def test_anyone_signed_in_joins_the_waitlist_but_never_sets_its_status(vishmaker: Server) -> None:
    email = f"{uuid.uuid4().hex[:8]}@example.com"
    joined = vishmaker.call("POST", "/waitlist", token="bob-token", json={"email": email})
    assert joined.status == 201, joined.raw
    assert joined.json["status"] == "pending"
    invited = vishmaker.call(
        "POST", "/waitlist", token="bob-token", json={"email": "x" + email, "status": "invited"}
    )
    assert invited.status == 400
    assert vishmaker.call("GET", f"/waitlist/{email}", token="bob-token").status == 403
    assert vishmaker.call("GET", f"/waitlist/{email}", token="admin-token").status == 200


def test_the_shop_catalogue(shop: Server, dynamodb_endpoint: str, examples_env: str) -> None:
    from decimal import Decimal

    from examples.migration_dal.models import Product

    from dynastack.repository import Repository

    with Client.local(dynamodb_endpoint) as client:
        product = Repository(Product, client, env=examples_env).create(
            Product(seller_id="s1", category_id="c1", product_name="Lamp", price=Decimal("19.90"))
        )
    got = shop.call("GET", f"/products/{product.product_id}", token="alice-token")
    assert got.status == 200, got.raw
    assert (got.json["product_name"], got.json["GSI1PK"]) == ("Lamp", "c1")
    by_category = shop.call(
        "GET", "/products/index/GSI1", token="alice-token", query={"GSI1PK": "c1"}
    )
    assert by_category.status == 200, by_category.raw
    assert product.product_id in [p["PK"] for p in by_category.json["items"]]
    category = {"category_name": "Lamps", "category_id": "c1"}
    assert shop.call("POST", "/categories", token="alice-token", json=category).status == 403
    made = shop.call("POST", "/categories", token="admin-token", json=category)
    assert made.status == 201, made.raw
    counted = shop.call(
        "POST", "/categories", token="admin-token", json={**category, "product_count": 9}
    )
    assert counted.status == 400  # a counter the domain keeps is never sent
    assert shop.call("GET", "/orders", token="alice-token", query={"PK": "a@b.c"}).status == 403


def test_server_fields_must_name_fields() -> None:
    from examples.vishmaker.models import Project

    from dynastack.api import Resource
    from dynastack.errors import DefinitionError

    with pytest.raises(DefinitionError, match="server_fields names no field 'child_counts'"):
        Resource(Project, operations={"get"}, roles={}, server_fields={"child_counts"}).compile()
