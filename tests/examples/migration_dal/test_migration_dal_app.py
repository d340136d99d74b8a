"""The app as the command line sees it: doctor on fresh tables, demo data seeded twice."""

from __future__ import annotations

import pytest

from dynastack import Client
from dynastack.ops import count_items, diagnose, run_seed
from examples.migration_dal import OrderStatus, Shop, app

pytestmark = pytest.mark.integration


def test_doctor_finds_the_contract_tables_in_order(client: Client, env: str) -> None:
    report = diagnose(app, client, env=env)
    assert report.exit_code == 0, [c.detail for c in report.failures]
    assert set(report.item_counts) >= {f"Users-{env}", f"Products-{env}", f"Categories-{env}"}


def test_seed_writes_the_workshop_catalogue_and_buyers_and_can_run_twice(
    client: Client, env: str
) -> None:
    seen: list[tuple[str, int, int | None]] = []

    def progress(label: str, done: int, total: int | None = None, /) -> None:
        seen.append((label, done, total))

    summary = run_seed(app, client, env=env, count=3, progress=progress)
    again = run_seed(app, client, env=env, count=3)
    assert (
        summary
        == again
        == {
            "categories": 25,
            "products": 6,
            "users": 7,
            "cart items": 3,
            "orders": 3,
        }
    )
    assert ("buyers", 3, 3) in seen
    # the README's expected counts: Users 4 + 3 buyers x (user, cart line, order)
    assert count_items(client, f"Users-{env}") == 4 + 3 * 3
    assert count_items(client, f"Products-{env}") == 6
    assert count_items(client, f"Categories-{env}") == 25
    shop = app.bind(client, env=env).service(Shop)
    electronics = next(n for n in shop.categories.tree() if n.category.category_id == "1")
    assert [n.category.category_name for n in electronics.children] == [
        "Headphones",
        "Laptops",
        "Smartphones",
        "Tablets",
    ]
    assert [p.product_name for p in shop.products.by_category("7")] == [
        "Professional Laptop 14-inch"
    ]
    assert shop.users.get_by_username("customer1") is not None
    order = shop.orders.get_by_id("seed-0001")
    assert order is not None and order.order_status is OrderStatus.COMPLETED
    assert len(shop.carts.get_cart("buyer0002@example.com")) == 1
