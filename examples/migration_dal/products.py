"""Products (the ``Products`` table): the shop's product repository interface.

``PK`` = the product id, ``SK`` = ``#META``; GSI1 lists a category's products and GSI2 a
seller's, both by name (``GSI1SK`` = ``GSI2SK`` = the product name). Access patterns:

* AP11 by id (GetItem); AP10 by category (GSI1); AP15 by seller (GSI2);
* AP8 a filtered, paginated listing: GSI1 or GSI2 as the contract says ("GSI1/GSI2 +
  filters"), with price, stock and name-prefix filters; pages are filled to the limit after
  filtering and continue with a sealed cursor (there is no key for "every product": that is a
  scan, and the workshop's application never asks for it unkeyed);
* AP12 create / AP14 delete, each one transaction with the category's ``product_count``;
  AP13 update (a new category moves the count between the two categories in the same
  transaction, and a new name rewrites the GSI1/GSI2 copies in the same UpdateItem);
* AP16 inventory: an atomic ADD that cannot go below zero (a condition, not a read);
* AP17 a seller's stats: one GSI2 query, summed here; AP18 the image URL (the upload itself
  goes to S3, outside the database).

``category_path`` is copied from the category when the product is stored or moved, and
rewritten by ``refresh_category_path`` after a category rename (eventually, idempotently).

Example (against DynamoDB Local; the tables must exist, see ``examples.migration_dal``):
    >>> from decimal import Decimal
    >>> from dynastack import Client
    >>> from examples.migration_dal import app
    >>> client = Client.local(os.environ["DYNASTACK_ENDPOINT"])
    >>> _ = app.create_tables(client, env="doc-products")
    >>> bound = app.bind(client, env="doc-products")
    >>> categories, products = bound.service(CategoryRepository), bound.service(ProductRepository)
    >>> books = categories.create("Books")
    >>> made = products.create(Product(seller_id="1", category_id=books.category_id,
    ...                                product_name="Dune", price=Decimal("9.99")))
    >>> [p.product_name for p in products.by_category(books.category_id)]
    ['Dune']
    >>> categories.existing(books.category_id).product_count
    1
    >>> _ = app.drop_tables(client, env="doc-products"); client.close()
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from dynastack import Attr, Update
from dynastack.app import BoundApp
from dynastack.core.expressions import Condition
from dynastack.errors import ConditionalCheckFailed, InvalidRequest
from dynastack.repository import Page, UnitOfWork, begins_with
from examples.migration_dal.categories import CategoryRepository
from examples.migration_dal.models import Product

__all__ = ["ProductRepository", "SellerStats"]


@dataclass(frozen=True)
class SellerStats:
    """AP17: what a seller's dashboard shows about their catalogue."""

    products: int
    units_in_stock: int
    out_of_stock: int
    inventory_value: Decimal


class ProductRepository:
    """Products: reads by id / category / seller, filtered pages, writes, inventory."""

    def __init__(self, bound: BoundApp) -> None:
        self.products = bound[Product]
        self.categories = bound.service(CategoryRepository)

    # -- reads ------------------------------------------------------------------------------

    def get(self, product_id: str) -> Product | None:
        """AP11: the product, or ``None``."""
        return self.products.get(product_id=product_id)

    def by_category(self, category_id: str) -> list[Product]:
        """AP10: every product of a category, by name (GSI1)."""
        return list(self.products.query_all("GSI1", gsi1_pk=category_id))

    def by_seller(self, seller_id: str) -> list[Product]:
        """AP15: every product of a seller, by name (GSI2)."""
        return list(self.products.query_all("GSI2", gsi2_pk=seller_id))

    def list_products(
        self,
        *,
        category_id: str | None = None,
        seller_id: str | None = None,
        min_price: Decimal | None = None,
        max_price: Decimal | None = None,
        in_stock: bool = False,
        name_prefix: str | None = None,
        limit: int = 20,
        cursor: str | None = None,
    ) -> Page[Product]:
        """AP8: one page of a category's (GSI1) or a seller's (GSI2) products, by name,
        filtered by price range and stock; ``name_prefix`` narrows the key condition itself."""
        filters: list[Condition] = []
        if min_price is not None:
            filters.append(Attr("price") >= min_price)
        if max_price is not None:
            filters.append(Attr("price") <= max_price)
        if in_stock:
            filters.append(Attr("inventory_quantity") > 0)
        if category_id is not None:
            index, key_field, sort_field, value = "GSI1", "gsi1_pk", "gsi1_sk", category_id
            if seller_id is not None:  # both given: the category's index, the seller filtered
                filters.append(Attr("seller_id") == seller_id)
        elif seller_id is not None:
            index, key_field, sort_field, value = "GSI2", "gsi2_pk", "gsi2_sk", seller_id
        else:
            raise InvalidRequest("list_products needs category_id (GSI1) or seller_id (GSI2)")
        key: dict[str, Any] = {key_field: value}
        if name_prefix:
            key[sort_field] = begins_with(name_prefix)
        condition = _all(filters)
        return self.products.query(index, filter=condition, limit=limit, cursor=cursor, **key)

    def seller_stats(self, seller_id: str) -> SellerStats:
        """AP17: counts and inventory value over a seller's products (one GSI2 query)."""
        return self.stats_of(self.by_seller(seller_id))

    @staticmethod
    def stats_of(products: list[Product]) -> SellerStats:
        """The numbers of AP17 over ``products``."""
        return SellerStats(
            products=len(products),
            units_in_stock=sum(p.inventory_quantity for p in products),
            out_of_stock=sum(1 for p in products if p.inventory_quantity == 0),
            inventory_value=sum(
                (p.price * p.inventory_quantity for p in products), start=Decimal(0)
            ),
        )

    # -- writes -----------------------------------------------------------------------------

    def create(self, product: Product) -> Product:
        """AP12: store a new product under an existing category, with its breadcrumb; the
        category's ``product_count`` rises in the same transaction."""
        category = self.categories.existing(product.category_id)
        stored = Product.model_validate(
            {**product.__dict__, "category_path": category.category_path}
        )
        unit = UnitOfWork()
        made = unit.create(self.products, stored)
        self.categories.count_product(unit, category, 1)
        unit.commit()
        return made

    def update(self, product_id: str, **changes: Any) -> Product:
        """AP13: change fields (name, description, price, category …); the product after it."""
        product = self._existing(product_id)
        new_category = changes.get("category_id")
        if new_category is None or new_category == product.category_id:
            return self.products.update(product, **Product.copies_for(product, changes))
        old = self.categories.existing(product.category_id)
        new = self.categories.existing(new_category)
        changes["category_path"] = new.category_path
        unit = UnitOfWork()
        unit.update(self.products, product, **Product.copies_for(product, changes))
        self.categories.count_product(unit, old, -1)
        self.categories.count_product(unit, new, 1)
        unit.commit()
        return self._existing(product_id)

    def delete(self, product_id: str) -> None:
        """AP14: delete a product; its category's ``product_count`` falls with it."""
        product = self._existing(product_id)
        unit = UnitOfWork()
        unit.delete(self.products, product)
        self.categories.count_product(unit, self.categories.existing(product.category_id), -1)
        unit.commit()

    def adjust_inventory(self, product_id: str, delta: int) -> Product:
        """AP16: add ``delta`` (negative to take) units atomically; taking more than there
        are is ``ConditionalCheckFailed`` and changes nothing."""
        update = Update().increment("inventory_quantity", delta)
        condition = Attr("inventory_quantity") >= -delta if delta < 0 else None
        return self.products.update({"product_id": product_id}, update, condition=condition)

    def set_image_url(self, product_id: str, url: str) -> Product:
        """AP18: record where the uploaded image is (the upload itself goes to S3)."""
        return self.products.update({"product_id": product_id}, image_url=url)

    def refresh_category_path(self, category_id: str, path: str) -> int:
        """Rewrite the breadcrumb of every product of a category (after a rename); how many
        products changed. Idempotent: products already carrying ``path`` are left alone."""
        changed = 0
        for product in self._by_category_iter(category_id):
            if product.category_path != path:
                self.products.update(product, category_path=path)
                changed += 1
        return changed

    # -- helpers ----------------------------------------------------------------------------

    def _by_category_iter(self, category_id: str) -> Iterator[Product]:
        return self.products.query_all("GSI1", gsi1_pk=category_id)

    def _existing(self, product_id: str) -> Product:
        found = self.get(product_id)
        if found is None:
            raise ConditionalCheckFailed(
                f"no product {product_id!r}", code="ConditionalCheckFailedException"
            )
        return found


def _all(conditions: list[Condition]) -> Condition | None:
    if not conditions:
        return None
    combined = conditions[0]
    for condition in conditions[1:]:
        combined = combined & condition
    return combined
