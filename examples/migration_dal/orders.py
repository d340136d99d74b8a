"""Carts and orders (CART and ORDER items of the ``Users`` table) and checkout.

Both live in the buyer's partition (``PK`` = email), told apart by their sort-key prefix, so
one Query reads a whole cart (AP38, ``SK`` begins with ``CART#``) or a page of order history
(AP30, ``SK`` begins with ``ORDER#``, newest first because ``SK`` holds the ISO-8601 time).

* AP39-AP42 add / change / remove / clear: an add of a product already in the cart raises its
  quantity atomically (``ADD``); price and name are copied from the product as the contract's
  denormalisation says; clearing is one BatchWriteItem per 25 items.
* AP43 the summary and AP44 / AP37 the inventory checks read the cart, then the products in
  one BatchGetItem.
* AP29 checkout is ONE transaction: the order is created, every product's inventory is taken
  *on condition* that enough is left, and the cart's items are deleted. A concurrent buyer who
  took the last unit cancels the whole transaction: no order without stock, no stock taken
  without an order, no cart emptied for nothing. At most 49 cart lines fit (1 + 2 per line ≤
  DynamoDB's 100 actions); more is refused before anything is written.
* AP31 an order by id (GSI3); AP32 cancel (one transaction: the status moves from
  ``pending`` on condition, and the stock is put back); AP34 status changes follow
  ``TRANSITIONS`` (an illegal one is refused, a lost race is ``ConditionalCheckFailed``);
  AP33 the summary and AP35 recent orders read the history; AP36 searches it with a
  server-side filter (the workshop proposed OpenSearch for real text search).

Example (against DynamoDB Local; the tables must exist, see ``examples.migration_dal``):
    >>> from dynastack import Client
    >>> from examples.migration_dal import Shop, app
    >>> client = Client.local(os.environ["DYNASTACK_ENDPOINT"])
    >>> _ = app.create_tables(client, env="doc-orders")
    >>> shop = app.bind(client, env="doc-orders").service(Shop)
    >>> books = shop.categories.create("Books")
    >>> dune = shop.products.create(Product(seller_id="1", category_id=books.category_id,
    ...                             product_name="Dune", price=Decimal("9.99"),
    ...                             inventory_quantity=3))
    >>> _ = shop.carts.add_item("ann@example.com", dune.product_id, 2)
    >>> order = shop.orders.checkout("ann@example.com", user_id="7")
    >>> order.total_amount, shop.products.get(dune.product_id).inventory_quantity
    (Decimal('19.98'), 1)
    >>> shop.carts.get_cart("ann@example.com")
    []
    >>> _ = app.drop_tables(client, env="doc-orders"); client.close()
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from dynastack import Attr, Update
from dynastack.app import BoundApp
from dynastack.errors import ConditionalCheckFailed, InvalidRequest, LimitExceeded
from dynastack.repository import Page, UnitOfWork
from examples.migration_dal.models import CartItem, Order, OrderLine, OrderStatus, Product
from examples.migration_dal.products import ProductRepository

__all__ = [
    "MAX_CHECKOUT_LINES",
    "TRANSITIONS",
    "CartProblem",
    "CartRepository",
    "CartSummary",
    "OrderRepository",
    "OrderSummary",
]

#: 1 order + (1 inventory update + 1 cart delete) per line within 100 transaction actions
MAX_CHECKOUT_LINES = 49

#: the legal status changes (MySQL's ENUM has no rule; the workshop's service layer had these)
TRANSITIONS: Mapping[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PENDING: frozenset({OrderStatus.COMPLETED, OrderStatus.CANCELLED}),
    OrderStatus.COMPLETED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}


@dataclass(frozen=True)
class CartSummary:
    """AP43: what the cart icon and the cart page's footer show."""

    lines: int
    units: int
    total: Decimal


@dataclass(frozen=True)
class CartProblem:
    """AP44 / AP37: one cart line that cannot be bought as it is."""

    product_id: str
    reason: str  # "missing" or "insufficient"
    wanted: int
    available: int


@dataclass(frozen=True)
class OrderSummary:
    """AP33: a user's orders counted by status, and what they spent (completed orders)."""

    orders: int
    by_status: Mapping[OrderStatus, int]
    spent: Decimal


class CartRepository:
    """A user's cart: read, add, change, remove, clear, summarise, validate."""

    def __init__(self, bound: BoundApp) -> None:
        self.carts = bound[CartItem]
        self.products = bound.service(ProductRepository)

    def get_cart(self, email: str) -> list[CartItem]:
        """AP38: the cart's items, by product id (``SK`` begins with ``CART#``)."""
        return list(self.carts.query_all(user_email=email))

    def add_item(self, email: str, product_id: str, quantity: int = 1) -> CartItem:
        """AP39: put ``quantity`` units in the cart (added to what is there)."""
        product = self.products.get(product_id)
        if product is None:
            raise InvalidRequest(f"no product {product_id!r}")
        item = CartItem(
            user_email=email,
            product_id=product_id,
            quantity=quantity,
            price=product.price,
            product_name=product.product_name,
        )
        try:
            return self.carts.create(item)
        except ConditionalCheckFailed:
            key = {"user_email": email, "product_id": product_id}
            return self.carts.update(key, Update().increment("quantity", quantity))

    def update_quantity(self, email: str, product_id: str, quantity: int) -> CartItem | None:
        """AP40: set the quantity; 0 removes the line (``None``)."""
        if quantity == 0:
            self.remove_item(email, product_id)
            return None
        return self.carts.update({"user_email": email, "product_id": product_id}, quantity=quantity)

    def remove_item(self, email: str, product_id: str) -> None:
        """AP41: take a product out of the cart; ``ConditionalCheckFailed`` if it is not in."""
        self.carts.delete({"user_email": email, "product_id": product_id})

    def clear(self, email: str) -> int:
        """AP42: empty the cart (batch deletes); how many lines there were."""
        items = self.get_cart(email)
        if items:
            self.carts.batch_write(deletes=items)
        return len(items)

    def summary(self, email: str) -> CartSummary:
        """AP43: lines, units and total at the prices copied into the cart."""
        items = self.get_cart(email)
        return CartSummary(
            lines=len(items),
            units=sum(i.quantity for i in items),
            total=sum((i.price * i.quantity for i in items), start=Decimal(0)),
        )

    def validate(self, email: str) -> list[CartProblem]:
        """AP44: the lines whose product is gone or short of stock (one BatchGetItem)."""
        items = self.get_cart(email)
        return _problems(items, self.products_of(items))

    def products_of(self, items: list[CartItem]) -> dict[str, Product]:
        """The products of cart lines that still exist, by id (one BatchGetItem per 100)."""
        if not items:
            return {}
        found = self.products.products.batch_get([{"product_id": i.product_id} for i in items])
        return {p.product_id: p for p in found}


class OrderRepository:
    """A user's orders: checkout, history, lookups by id, status changes, summaries."""

    def __init__(self, bound: BoundApp) -> None:
        self.orders = bound[Order]
        self.carts = bound.service(CartRepository)
        self.products = self.carts.products

    def validate_checkout(self, email: str) -> tuple[list[CartItem], dict[str, Product]]:
        """AP37: the cart and its products; ``InvalidRequest`` naming every problem."""
        items = self.carts.get_cart(email)
        if not items:
            raise InvalidRequest(f"the cart of {email} is empty")
        if len(items) > MAX_CHECKOUT_LINES:
            raise LimitExceeded(
                f"{len(items)} cart lines; one checkout transaction holds {MAX_CHECKOUT_LINES}"
            )
        products = self.carts.products_of(items)
        problems = _problems(items, products)
        if problems:
            raise InvalidRequest(
                "cannot check out: "
                + ", ".join(
                    f"{p.product_id} {p.reason} ({p.available}/{p.wanted})" for p in problems
                )
            )
        return items, products

    def checkout(self, email: str, *, user_id: str) -> Order:
        """AP29: turn the cart into an order, taking the stock, in one transaction."""
        items, products = self.validate_checkout(email)
        lines = tuple(
            OrderLine(
                product_id=i.product_id,
                quantity=i.quantity,
                price_at_time=products[i.product_id].price,
            )
            for i in items
        )
        order = Order(
            user_email=email,
            user_id=user_id,
            order_items=lines,
            total_amount=sum((line.price_at_time * line.quantity for line in lines), Decimal(0)),
        )
        unit = UnitOfWork()
        made = unit.create(self.orders, order)
        for item in items:
            unit.update(
                self.products.products,
                {"product_id": item.product_id},
                Update().decrement("inventory_quantity", item.quantity),
                condition=Attr("inventory_quantity") >= item.quantity,
            )
            unit.delete(self.carts.carts, item)
        unit.commit()
        return made

    def history(self, email: str, *, limit: int = 20, cursor: str | None = None) -> Page[Order]:
        """AP30: one page of the user's orders, newest first (``SK`` begins with ``ORDER#``)."""
        return self.orders.query(user_email=email, newest_first=True, limit=limit, cursor=cursor)

    def recent(self, email: str, count: int = 5) -> list[Order]:
        """AP35: the user's ``count`` latest orders."""
        return self.history(email, limit=count).items

    def get_by_id(self, order_id: str) -> Order | None:
        """AP31: the order with this id, through GSI3, or ``None``."""
        page = self.orders.query("GSI3", gsi3_pk=order_id, limit=1)
        return page.items[0] if page.items else None

    def update_status(self, order_id: str, status: OrderStatus) -> Order:
        """AP34: move an order to ``status`` if ``TRANSITIONS`` allows it (cancelling puts the
        stock back, see ``cancel``); a concurrent change is ``ConditionalCheckFailed``."""
        order = self._existing(order_id)
        if status not in TRANSITIONS[order.order_status]:
            raise InvalidRequest(
                f"order {order_id} is {order.order_status.value}; it cannot become {status.value}"
            )
        if status is OrderStatus.CANCELLED:
            return self.cancel(order_id)
        return self.orders.update(
            order, order_status=status, condition=Attr("order_status") == order.order_status.value
        )

    def cancel(self, order_id: str) -> Order:
        """AP32: cancel a pending order and put its stock back, in one transaction."""
        order = self._existing(order_id)
        if order.order_status is not OrderStatus.PENDING:
            raise InvalidRequest(f"order {order_id} is {order.order_status.value}, not pending")
        unit = UnitOfWork()
        unit.update(
            self.orders,
            order,
            order_status=OrderStatus.CANCELLED,
            condition=Attr("order_status") == OrderStatus.PENDING.value,
        )
        existing = self.products.products.batch_get(
            [{"product_id": pid} for pid in {line.product_id for line in order.order_items}]
        )
        present = {p.product_id for p in existing}
        for line in order.order_items:
            if line.product_id in present:  # a deleted product gets no stock back
                unit.update(
                    self.products.products,
                    {"product_id": line.product_id},
                    Update().increment("inventory_quantity", line.quantity),
                )
        unit.commit()
        return self._existing(order_id)

    def summary(self, email: str) -> OrderSummary:
        """AP33: counts by status and the amount spent on completed orders."""
        orders = list(self.orders.query_all(user_email=email))
        by_status = dict.fromkeys(OrderStatus, 0)
        for order in orders:
            by_status[order.order_status] += 1
        spent = sum(
            (o.total_amount for o in orders if o.order_status is OrderStatus.COMPLETED),
            start=Decimal(0),
        )
        return OrderSummary(orders=len(orders), by_status=by_status, spent=spent)

    def search(self, email: str, text: str) -> list[Order]:
        """AP36: the user's orders whose id, status or items (product ids) contain ``text``,
        newest first; a server-side filter over the user's partition."""
        match = (
            Attr("order_id").contains(text)
            | Attr("order_status").contains(text)
            | Attr("order_items").contains(text)
        )
        return list(self.orders.query_all(user_email=email, filter=match, newest_first=True))

    def _existing(self, order_id: str) -> Order:
        found = self.get_by_id(order_id)
        if found is None:
            raise ConditionalCheckFailed(
                f"no order {order_id!r}", code="ConditionalCheckFailedException"
            )
        return found


def _problems(items: list[CartItem], products: Mapping[str, Product]) -> list[CartProblem]:
    problems = []
    for item in items:
        product = products.get(item.product_id)
        if product is None:
            problems.append(CartProblem(item.product_id, "missing", item.quantity, 0))
        elif product.inventory_quantity < item.quantity:
            problems.append(
                CartProblem(
                    item.product_id, "insufficient", item.quantity, product.inventory_quantity
                )
            )
    return problems
