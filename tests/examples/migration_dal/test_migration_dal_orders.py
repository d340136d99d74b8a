"""Carts, checkout and orders (AP29-AP44), the seller dashboard (AP47) on DynamoDB Local."""

from __future__ import annotations

from decimal import Decimal
from uuid import uuid4

import pytest
from examples.migration_dal.orders import CartProblem, CartSummary

from dynastack import Client
from dynastack.client.transport import HttpTransport
from dynastack.core.wire import HttpRequest
from dynastack.errors import ConditionalCheckFailed, InvalidRequest
from dynastack.testing.faults import FaultTransport, target_of
from examples.migration_dal import Category, OrderLine, OrderStatus, Product, Shop, User, app

from .migration_dal_support import TickingClock

pytestmark = pytest.mark.integration

CURSOR_KEY = bytes(range(32))


@pytest.fixture
def shop(client: Client, env: str, clock: TickingClock) -> Shop:
    return app.bind(client, env=env, clock=clock, cursor_key=CURSOR_KEY).service(Shop)


@pytest.fixture
def category(shop: Shop) -> Category:
    return shop.categories.create(f"Cat-{uuid4().hex[:8]}")


def stock(shop: Shop, category: Category, name: str, units: int, price: str = "10.00") -> Product:
    return shop.products.create(
        Product(
            seller_id="seller-1",
            category_id=category.category_id,
            product_name=name,
            price=Decimal(price),
            inventory_quantity=units,
        )
    )


def test_ap38_to_ap43_cart_add_change_remove_summarise_clear(
    shop: Shop, category: Category, email: str
) -> None:
    pen = stock(shop, category, "Pen", 10, "1.50")
    ink = stock(shop, category, "Ink", 10, "4.00")
    shop.carts.add_item(email, pen.product_id, 2)
    shop.carts.add_item(email, pen.product_id, 1)  # adds to the line
    line = shop.carts.add_item(email, ink.product_id)
    assert (line.price, line.product_name) == (Decimal("4.00"), "Ink")  # denormalised
    cart = shop.carts.get_cart(email)
    assert {(i.product_id, i.quantity) for i in cart} == {(pen.product_id, 3), (ink.product_id, 1)}
    assert shop.carts.summary(email) == CartSummary(lines=2, units=4, total=Decimal("8.50"))
    updated = shop.carts.update_quantity(email, ink.product_id, 5)
    assert updated is not None and updated.quantity == 5
    assert shop.carts.update_quantity(email, ink.product_id, 0) is None
    shop.carts.add_item(email, ink.product_id)
    shop.carts.remove_item(email, ink.product_id)
    with pytest.raises(ConditionalCheckFailed):
        shop.carts.remove_item(email, ink.product_id)
    assert [i.product_id for i in shop.carts.get_cart(email)] == [pen.product_id]
    assert shop.carts.clear(email) == 1
    assert shop.carts.get_cart(email) == []
    with pytest.raises(InvalidRequest, match="no product"):
        shop.carts.add_item(email, "missing")


def test_ap44_ap37_validation_names_missing_and_short_products(
    shop: Shop, category: Category, email: str
) -> None:
    few = stock(shop, category, "Few", 1)
    gone = stock(shop, category, "Gone", 5)
    shop.carts.add_item(email, few.product_id, 2)
    shop.carts.add_item(email, gone.product_id, 1)
    shop.products.delete(gone.product_id)
    problems = shop.carts.validate(email)
    assert sorted(problems, key=lambda p: p.reason) == [
        CartProblem(few.product_id, "insufficient", 2, 1),
        CartProblem(gone.product_id, "missing", 1, 0),
    ]
    with pytest.raises(InvalidRequest, match="cannot check out"):
        shop.orders.checkout(email, user_id="u1")
    with pytest.raises(InvalidRequest, match="empty"):
        shop.orders.checkout("nobody-" + email, user_id="u2")


def test_ap29_checkout_creates_the_order_takes_stock_and_empties_the_cart(
    shop: Shop, category: Category, email: str
) -> None:
    lamp = stock(shop, category, "Lamp", 5, "20.00")
    bulb = stock(shop, category, "Bulb", 9, "2.25")
    shop.carts.add_item(email, lamp.product_id, 2)
    shop.carts.add_item(email, bulb.product_id, 4)
    order = shop.orders.checkout(email, user_id="u7")
    assert order.total_amount == Decimal("49.00")
    assert set(order.order_items) == {
        OrderLine(product_id=lamp.product_id, quantity=2, price_at_time=Decimal("20.00")),
        OrderLine(product_id=bulb.product_id, quantity=4, price_at_time=Decimal("2.25")),
    }
    assert order.order_status is OrderStatus.PENDING
    assert shop.orders.get_by_id(order.order_id) == order
    assert shop.carts.get_cart(email) == []
    lamp_after, bulb_after = shop.products.get(lamp.product_id), shop.products.get(bulb.product_id)
    assert lamp_after is not None and lamp_after.inventory_quantity == 3
    assert bulb_after is not None and bulb_after.inventory_quantity == 5


def test_ap29_a_buyer_who_takes_the_stock_first_cancels_the_whole_checkout(
    dynamodb_endpoint: str, client: Client, env: str, shop: Shop, category: Category, email: str
) -> None:
    last = stock(shop, category, "Last one", 1)
    other = stock(shop, category, "Plenty", 50)
    shop.carts.add_item(email, last.product_id)
    shop.carts.add_item(email, other.product_id, 3)

    # Injected race: the moment our TransactWriteItems leaves, another buyer takes the last
    # unit. DynamoDB Local cannot be made to interleave two clients on demand; the fault
    # transport runs the other buyer's write just before forwarding our request.
    def rival(request: HttpRequest, index: int) -> None:
        if target_of(request) == "TransactWriteItems":
            shop.products.adjust_inventory(last.product_id, -1)

    racing = Client.local(dynamodb_endpoint, transport=FaultTransport(HttpTransport(), rival))
    try:
        with pytest.raises(ConditionalCheckFailed):
            app.bind(racing, env=env, cursor_key=CURSOR_KEY).service(Shop).orders.checkout(
                email, user_id="u8"
            )
    finally:
        racing.close()
    assert len(shop.carts.get_cart(email)) == 2  # nothing deleted
    plenty = shop.products.get(other.product_id)
    assert plenty is not None and plenty.inventory_quantity == 50  # nothing taken
    assert shop.orders.recent(email) == []  # no order


@pytest.fixture
def orders_of(shop: Shop, category: Category, email: str) -> list[str]:
    """Five checked-out orders of ``email`` (ids, oldest first), one unit of "Widget" each."""
    widget = stock(shop, category, "Widget", 100, "3.00")
    made = []
    for _ in range(5):
        shop.carts.add_item(email, widget.product_id)
        made.append(shop.orders.checkout(email, user_id="u9").order_id)
    return made


def test_ap30_ap35_history_pages_newest_first(shop: Shop, email: str, orders_of: list[str]) -> None:
    first = shop.orders.history(email, limit=2)
    assert [o.order_id for o in first] == orders_of[::-1][:2]
    assert first.cursor is not None
    rest = shop.orders.history(email, limit=10, cursor=first.cursor)
    assert [o.order_id for o in rest] == orders_of[::-1][2:]
    assert rest.cursor is None
    assert [o.order_id for o in shop.orders.recent(email, 3)] == orders_of[::-1][:3]


def test_ap31_ap32_ap34_status_changes_follow_the_rules(
    shop: Shop, email: str, orders_of: list[str]
) -> None:
    done = shop.orders.update_status(orders_of[0], OrderStatus.COMPLETED)
    assert done.order_status is OrderStatus.COMPLETED
    with pytest.raises(InvalidRequest, match="cannot become"):
        shop.orders.update_status(orders_of[0], OrderStatus.CANCELLED)
    pending = shop.orders.get_by_id(orders_of[1])
    assert pending is not None
    before = shop.products.get(pending.order_items[0].product_id)
    assert before is not None
    cancelled = shop.orders.update_status(orders_of[1], OrderStatus.CANCELLED)
    assert cancelled.order_status is OrderStatus.CANCELLED
    after = shop.products.get(before.product_id)
    assert after is not None and after.inventory_quantity == before.inventory_quantity + 1
    with pytest.raises(InvalidRequest, match="not pending"):
        shop.orders.cancel(orders_of[1])
    assert shop.orders.get_by_id("missing") is None


def test_ap33_ap36_summary_and_search(shop: Shop, email: str, orders_of: list[str]) -> None:
    shop.orders.update_status(orders_of[0], OrderStatus.COMPLETED)
    shop.orders.update_status(orders_of[1], OrderStatus.COMPLETED)
    shop.orders.cancel(orders_of[2])
    summary = shop.orders.summary(email)
    assert summary.orders == 5
    assert summary.by_status == {
        OrderStatus.PENDING: 2,
        OrderStatus.COMPLETED: 2,
        OrderStatus.CANCELLED: 1,
    }
    assert summary.spent == Decimal("6.00")
    assert [o.order_id for o in shop.orders.search(email, "cancel")] == [orders_of[2]]
    assert [o.order_id for o in shop.orders.search(email, orders_of[3][:12])] == [orders_of[3]]
    product_id = shop.orders.search(email, "pending")[0].order_items[0].product_id
    assert len(shop.orders.search(email, product_id)) == 5


def test_ap47_ap12_seller_dashboard_and_adding_products_as_a_seller(
    shop: Shop, category: Category, email: str
) -> None:
    seller_id = uuid4().hex
    shop.users.create_user(
        User(email=email, username=f"s{seller_id[:10]}", user_id=seller_id, password_hash="x")
    )
    product = Product(
        seller_id=seller_id, category_id=category.category_id, product_name="Vase", price=9
    )
    with pytest.raises(InvalidRequest, match="not a seller"):
        shop.add_product(email, product)
    shop.users.upgrade_to_seller(email)
    with pytest.raises(InvalidRequest, match="sells as"):
        shop.add_product(email, product.model_copy(update={"seller_id": "someone"}))
    shop.add_product(email, product.model_copy(update={"inventory_quantity": 4}))
    dashboard = shop.seller_dashboard(email)
    assert dashboard.seller.email == email
    assert [p.product_name for p in dashboard.products] == ["Vase"]
    assert (dashboard.stats.products, dashboard.stats.inventory_value) == (1, Decimal(36))
