"""The shop's repository interfaces on DynamoDB, and ``Shop``, the operations across them.

Seed 003 asks for the stage-03 interfaces (users, products, categories, carts, orders) to be
implemented on the tables of ``migrationContract.json`` without changing the interfaces. Each
aggregate has one thin class built on dynastack's ``Repository`` (modules ``users``,
``categories``, ``products``, ``orders``), each built on the bound App
(``app.bind(client, env=…)``; one that needs another asks ``bound.service(Other)``), and
``Shop`` holds the operations that span aggregates: a seller's dashboard (AP47), adding a
product as a seller (AP12) and renaming a category with its products' breadcrumbs (AP27).

What the seed's design asked for and where it is now: retries with backoff and jitter, the
circuit breaker, error classification and operation logs with correlation ids are the
``Client``'s (dynastack.client: telemetry events carry the request id); the production
configuration is ``Client.from_env()`` (the standard AWS chain, no DynamoDB Local endpoint
unless ``DYNASTACK_ENDPOINT`` says so). None of it is re-implemented here.

Example (against DynamoDB Local; the tables must exist, see ``examples.migration_dal``):
    >>> from dynastack import Client
    >>> from examples.migration_dal import app
    >>> client = Client.local(os.environ["DYNASTACK_ENDPOINT"])
    >>> _ = app.create_tables(client, env="doc-shop")
    >>> shop = app.bind(client, env="doc-shop").service(Shop)
    >>> _ = shop.users.create_user(User(email="sam@example.com", username="sam", user_id="9",
    ...                                 password_hash="x", is_seller=True))
    >>> shop.seller_dashboard("sam@example.com").stats.products
    0
    >>> _ = app.drop_tables(client, env="doc-shop"); client.close()
"""

from __future__ import annotations

from dataclasses import dataclass

from dynastack.app import BoundApp
from dynastack.errors import InvalidRequest
from examples.migration_dal.categories import CategoryRepository
from examples.migration_dal.models import Category, Product, User
from examples.migration_dal.orders import CartRepository, OrderRepository
from examples.migration_dal.products import ProductRepository, SellerStats
from examples.migration_dal.users import UserRepository

__all__ = ["SellerDashboard", "Shop"]


@dataclass(frozen=True)
class SellerDashboard:
    """AP47: the seller, their products by name and the numbers over them."""

    seller: User
    products: list[Product]
    stats: SellerStats


class Shop:
    """Every repository of the shop on one client and environment."""

    def __init__(self, bound: BoundApp) -> None:
        # the aggregates these operations span, each the binding's one instance
        self.users = bound.service(UserRepository)
        self.categories = bound.service(CategoryRepository)
        self.products = bound.service(ProductRepository)
        self.carts = bound.service(CartRepository)
        self.orders = bound.service(OrderRepository)

    def seller_dashboard(self, email: str) -> SellerDashboard:
        """AP47: the seller's profile, products and stats (one GetItem, one GSI2 query)."""
        seller = self.users.seller_profile(email)
        products = self.products.by_seller(seller.user_id)
        return SellerDashboard(seller, products, ProductRepository.stats_of(products))

    def add_product(self, email: str, product: Product) -> Product:
        """AP12 as the workshop's API does it: only a seller adds products, as themselves."""
        seller = self.users.seller_profile(email)
        if product.seller_id != seller.user_id:
            raise InvalidRequest(f"{email} sells as {seller.user_id}, not {product.seller_id}")
        return self.products.create(product)

    def rename_category(self, category_id: str, new_name: str) -> list[Category]:
        """AP27: rename a category (one transaction), then rewrite the breadcrumbs of the
        products under it and its descendants (idempotent: a rerun finishes the job)."""
        changed = self.categories.rename(category_id, new_name)
        for category in changed:
            self.products.refresh_category_path(category.category_id, category.category_path)
        return changed
