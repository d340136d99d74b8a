"""Demo data for ``dynastack seed examples.migration_dal:app``: the workshop's shop, plus buyers.

The catalogue is the Modernizr workshop's own seed (25 categories, 4 users, 6 products, values
from ../shared/fixtures/modernizr/seed_data.sql, with MySQL's ids kept as the contract asks),
already shaped as the contract's items: categories keyed by parent name, breadcrumbs, depths
and children/product counts computed here. On top of it, ``count`` synthetic customers, each
with a cart line and an order, so that every entity of the ``Users`` table has items.

Seeding twice does not fail and does not duplicate: everything is written with unconditional
batch puts under deterministic keys (ids, emails and timestamps derive from the index), which
is what the seeding contract (dynastack.ops.seeding) asks. It does not go through the
repositories' transactions on purpose: demo data is a bulk load, and the counts it stores are
computed from the data it writes.

Example:
    >>> categories = catalogue_categories()
    >>> len(categories), categories[6].category_path, categories[0].children_count
    (25, 'Electronics/Laptops', 4)
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from dynastack import Client
from dynastack.ops.seeding import SeedProgress
from dynastack.repository import Repository
from examples.migration_dal.models import (
    CartItem,
    Category,
    Order,
    OrderLine,
    OrderStatus,
    Product,
    Profile,
    User,
)

__all__ = ["catalogue_categories", "catalogue_products", "catalogue_users", "seed"]

_AT = datetime(2025, 8, 20, 16, 0, tzinfo=UTC)

#: (id, name, parent id) in the workshop's insertion order
_CATEGORIES: list[tuple[int, str, int | None]] = [
    (1, "Electronics", None),
    (2, "Garden & Outdoor", None),
    (3, "Home & Kitchen", None),
    (4, "Books", None),
    (5, "Clothing & Accessories", None),
    (6, "Sports & Outdoors", None),
    (7, "Laptops", 1),
    (8, "Smartphones", 1),
    (9, "Tablets", 1),
    (10, "Headphones", 1),
    (11, "Tools", 2),
    (12, "Plants & Seeds", 2),
    (13, "Outdoor Furniture", 2),
    (14, "Kitchen Appliances", 3),
    (15, "Cookware", 3),
    (16, "Home Decor", 3),
    (17, "Fiction", 4),
    (18, "Non-Fiction", 4),
    (19, "Technical", 4),
    (20, "Men's Clothing", 5),
    (21, "Women's Clothing", 5),
    (22, "Shoes", 5),
    (23, "Fitness Equipment", 6),
    (24, "Outdoor Recreation", 6),
    (25, "Team Sports", 6),
]

#: (id, category id, name, description, price, inventory); every product is sold by user 1
_PRODUCTS: list[tuple[int, int, str, str, str, int]] = [
    (1, 7, "Professional Laptop 14-inch", "High-performance laptop, 16GB RAM.", "1999.99", 15),
    (2, 17, "Classic American Novel", "A timeless story about the Jazz Age.", "12.99", 50),
    (3, 14, "YourKitchen Stand Mixer", "Professional 5-quart stand mixer.", "299.99", 8),
    (4, 20, "Classic Blue Jeans", "Classic straight-leg jeans in dark wash.", "89.99", 25),
    (5, 23, "Adjustable Dumbbell Set", "Adjustable dumbbells from 5 to 50 lbs.", "449.99", 12),
    (6, 11, "Cordless Drill Kit", "20V MAX cordless drill with 2 batteries.", "129.99", 20),
]

#: (id, username, first name, last name, is seller)
_USERS: list[tuple[int, str, str, str, bool]] = [
    (1, "admin", "Admin", "User", True),
    (2, "seller1", "John", "Seller", True),
    (3, "customer1", "Jane", "Customer", False),
    (4, "customer2", "Bob", "Smith", False),
]


def catalogue_categories() -> list[Category]:
    """The workshop's 25 categories as contract items, with paths, depths and counts."""
    names = {cid: name for cid, name, _ in _CATEGORIES}
    parents = {cid: parent for cid, _, parent in _CATEGORIES}
    children = Counter(parent for _, _, parent in _CATEGORIES if parent is not None)
    products = Counter(category for _, category, *_ in _PRODUCTS)

    def path(cid: int) -> list[str]:
        parent = parents[cid]
        return [*path(parent), names[cid]] if parent is not None else [names[cid]]

    return [
        Category(
            category_id=str(cid),
            category_name=name,
            parent_id=None if parent is None else str(parent),
            parent_name=None if parent is None else names[parent],
            category_path="/".join(path(cid)),
            level=len(path(cid)) - 1,
            children_count=children[cid],
            product_count=products[cid],
            created_at=_AT,
        )
        for cid, name, parent in _CATEGORIES
    ]


def catalogue_products() -> list[Product]:
    """The workshop's 6 products, with their categories' breadcrumbs."""
    paths = {c.category_id: c.category_path for c in catalogue_categories()}
    return [
        Product(
            product_id=str(pid),
            seller_id="1",
            category_id=str(category),
            category_path=paths[str(category)],
            product_name=name,
            description=description,
            price=Decimal(price),
            inventory_quantity=units,
            created_at=_AT,
            updated_at=_AT,
        )
        for pid, category, name, description, price, units in _PRODUCTS
    ]


def catalogue_users() -> list[User]:
    """The workshop's 4 users (password hashes are placeholders, as in the fixture)."""
    return [
        User(
            email=f"{username}@example.com",
            username=username,
            user_id=str(uid),
            password_hash=f"$2b$12$PLACEHOLDER{username}",
            profile_data=Profile(first_name=first, last_name=last),
            is_seller=seller,
            created_at=_AT,
            updated_at=_AT,
        )
        for uid, username, first, last, seller in _USERS
    ]


def _buyer(index: int, products: list[Product]) -> tuple[User, CartItem, Order]:
    """Customer number ``index``: an account, one cart line and one order, all deterministic."""
    at = _AT + timedelta(days=1, minutes=index)
    email = f"buyer{index:04d}@example.com"
    user = User(
        email=email,
        username=f"buyer{index:04d}",
        user_id=str(1000 + index),
        password_hash=f"$2b$12$PLACEHOLDERbuyer{index:04d}",
        profile_data=Profile(first_name="Buyer", last_name=f"No. {index}"),
        created_at=at,
        updated_at=at,
    )
    wanted = products[index % len(products)]
    bought = products[(index + 1) % len(products)]
    cart = CartItem(
        user_email=email,
        product_id=wanted.product_id,
        quantity=1 + index % 3,
        price=wanted.price,
        product_name=wanted.product_name,
        created_at=at,
        updated_at=at,
    )
    line = OrderLine(product_id=bought.product_id, quantity=1, price_at_time=bought.price)
    order = Order(
        user_email=email,
        order_id=f"seed-{index:04d}",
        user_id=user.user_id,
        order_status=list(OrderStatus)[index % len(OrderStatus)],
        total_amount=bought.price,
        order_items=(line,),
        created_at=at,
        updated_at=at,
    )
    return user, cart, order


def seed(client: Client, *, env: str | None, count: int, progress: SeedProgress) -> dict[str, int]:
    """Write the catalogue and ``count`` buyers (the seeding contract's signature)."""
    categories = catalogue_categories()
    Repository(Category, client, env=env).batch_write(puts=categories)
    progress("categories", len(categories), len(categories))
    products = catalogue_products()
    Repository(Product, client, env=env).batch_write(puts=products)
    progress("products", len(products), len(products))
    users = Repository(User, client, env=env)
    users.batch_write(puts=catalogue_users())
    carts = Repository(CartItem, client, env=env)
    orders = Repository(Order, client, env=env)
    # streamed: each pass makes the (deterministic) buyers again rather than holding them
    users.batch_write(puts=(_buyer(i, products)[0] for i in range(count)))
    carts.batch_write(puts=(_buyer(i, products)[1] for i in range(count)))
    orders.batch_write(
        puts=(_buyer(i, products)[2] for i in range(count)),
        on_progress=lambda p: progress("buyers", p.written, count),
    )
    return {
        "categories": len(categories),
        "products": len(products),
        "users": len(_USERS) + count,
        "cart items": count,
        "orders": count,
    }
