"""Products and Categories access patterns (AP8, AP10-AP28) on DynamoDB Local.

Every test builds its own small category tree (names carry a random suffix) in the module's
tables, so tests stay independent although they share the ``ROOT`` partition.
"""

from __future__ import annotations

from decimal import Decimal
from uuid import uuid4

import pytest
from examples.migration_dal.categories import CategoryRepository
from examples.migration_dal.products import ProductRepository, SellerStats

from dynastack import Client
from dynastack.app import BoundApp
from dynastack.errors import ConditionalCheckFailed, InvalidRequest
from examples.migration_dal import Category, Product, app

from .migration_dal_support import TickingClock

pytestmark = pytest.mark.integration


@pytest.fixture
def shop(client: Client, env: str, clock: TickingClock) -> BoundApp:
    return app.bind(client, env=env, clock=clock, cursor_key=bytes(range(32)))


@pytest.fixture
def categories(shop: BoundApp) -> CategoryRepository:
    return shop.service(CategoryRepository)


@pytest.fixture
def products(shop: BoundApp) -> ProductRepository:
    return shop.service(ProductRepository)


@pytest.fixture
def tag() -> str:
    return uuid4().hex[:6]


def product(category: Category, name: str, **over: object) -> Product:
    values: dict[str, object] = {
        "seller_id": "seller-1",
        "category_id": category.category_id,
        "product_name": name,
        "price": Decimal("10.00"),
        "inventory_quantity": 5,
    }
    values.update(over)
    return Product.model_validate(values)


def test_ap26_ap21_ap22_ap23_create_roots_and_children(
    categories: CategoryRepository, tag: str
) -> None:
    top = categories.create(f"Electronics-{tag}")
    laptops = categories.create("Laptops", parent_id=top.category_id)
    gaming = categories.create("Gaming", parent_id=laptops.category_id)
    assert top.pk == "ROOT" and top.level == 0
    assert (laptops.pk, laptops.gsi1_pk, laptops.level) == (top.category_name, top.category_id, 1)
    assert gaming.category_path == f"Electronics-{tag}/Laptops/Gaming"
    assert top.category_id in {c.category_id for c in categories.roots()}
    assert [c.category_name for c in categories.children(top.category_id)] == ["Laptops"]
    assert categories.existing(top.category_id).children_count == 1
    assert categories.breadcrumb(gaming.category_id) == [f"Electronics-{tag}", "Laptops", "Gaming"]


def test_ap26_a_name_is_unique_under_its_parent_and_the_parent_must_exist(
    categories: CategoryRepository, tag: str
) -> None:
    top = categories.create(f"Books-{tag}")
    categories.create("Fiction", parent_id=top.category_id)
    with pytest.raises(ConditionalCheckFailed, match="already exists"):
        categories.create("Fiction", parent_id=top.category_id)
    assert categories.existing(top.category_id).children_count == 1  # the failed one rolled back
    with pytest.raises(ConditionalCheckFailed, match="no category"):
        categories.create("Orphan", parent_id="missing-" + tag)


def test_ap24_category_by_id_with_and_without_its_parent(
    categories: CategoryRepository, tag: str
) -> None:
    top = categories.create(f"Garden-{tag}")
    tools = categories.create("Tools", parent_id=top.category_id)
    assert categories.get_by_id(tools.category_id, parent_id=top.category_id) == tools
    assert categories.get_by_id(top.category_id, parent_id="ROOT") == top.model_copy(
        update={"children_count": 1}
    )
    assert categories.get_by_id(tools.category_id) == tools  # scan path
    assert categories.get_by_id("missing-" + tag) is None


def test_ap19_ap20_ap25_search_flat_list_and_tree(categories: CategoryRepository, tag: str) -> None:
    top = categories.create(f"Sports-{tag}")
    outdoor = categories.create("Outdoor", parent_id=top.category_id)
    categories.create("Camping", parent_id=outdoor.category_id)
    categories.create("Indoor", parent_id=top.category_id)
    found = categories.search(f"SPORTS-{tag}")  # case ignored, like MySQL's LIKE
    assert [c.category_name for c in found] == [f"Sports-{tag}"]
    assert [c.category_path for c in categories.search("camping") if tag in c.category_path] == [
        f"Sports-{tag}/Outdoor/Camping"
    ]
    paths = [c.category_path for c in categories.all() if tag in c.category_path]
    assert paths == sorted(paths) and len(paths) == 4
    tree = next(n for n in categories.tree() if n.category.category_id == top.category_id)
    assert [n.category.category_name for n in tree.children] == ["Indoor", "Outdoor"]
    assert [n.category.category_name for n in tree.children[1].children] == ["Camping"]


def test_ap27_rename_rekeys_the_category_and_its_children(
    categories: CategoryRepository, tag: str
) -> None:
    top = categories.create(f"Home-{tag}")
    kitchen = categories.create("Kitchen", parent_id=top.category_id)
    pans = categories.create("Pans", parent_id=kitchen.category_id)
    changed = categories.rename(top.category_id, f"House-{tag}")
    assert [c.category_path for c in changed] == [
        f"House-{tag}",
        f"House-{tag}/Kitchen",
        f"House-{tag}/Kitchen/Pans",
    ]
    moved = categories.existing(kitchen.category_id)
    assert (moved.pk, moved.parent_name) == (f"House-{tag}", f"House-{tag}")
    assert categories.existing(pans.category_id).category_path == f"House-{tag}/Kitchen/Pans"
    assert categories.existing(top.category_id).children_count == 1
    assert [c.category_name for c in categories.children(top.category_id)] == ["Kitchen"]
    assert not [c for c in categories.all() if c.category_path.startswith(f"Home-{tag}")]


def test_ap28_delete_only_empty_categories(
    categories: CategoryRepository, products: ProductRepository, tag: str
) -> None:
    top = categories.create(f"Toys-{tag}")
    lego = categories.create("Lego", parent_id=top.category_id)
    with pytest.raises(InvalidRequest, match="1 subcategories"):
        categories.delete(top.category_id)
    made = products.create(product(lego, "Brick set"))
    with pytest.raises(InvalidRequest, match="1 products"):
        categories.delete(lego.category_id)
    products.delete(made.product_id)
    categories.delete(lego.category_id)
    assert categories.existing(top.category_id).children_count == 0
    categories.delete(top.category_id)
    assert categories.get_by_id(top.category_id) is None


def test_ap12_ap11_ap14_create_get_delete_keep_product_count(
    categories: CategoryRepository, products: ProductRepository, tag: str
) -> None:
    top = categories.create(f"Music-{tag}")
    made = products.create(product(top, "Guitar", description="six strings"))
    assert made.category_path == f"Music-{tag}"
    assert products.get(made.product_id) == made
    assert categories.existing(top.category_id).product_count == 1
    products.delete(made.product_id)
    assert products.get(made.product_id) is None
    assert categories.existing(top.category_id).product_count == 0
    with pytest.raises(ConditionalCheckFailed, match="no category"):
        products.create(product(top.model_copy(update={"category_id": "gone"}), "Drum"))


def test_ap13_update_renames_and_moves_between_categories(
    categories: CategoryRepository, products: ProductRepository, tag: str
) -> None:
    first = categories.create(f"Film-{tag}")
    second = categories.create(f"Photo-{tag}")
    made = products.create(product(first, "Camera"))
    renamed = products.update(made.product_id, product_name="Camera X", price=Decimal("12.50"))
    assert (renamed.gsi1_sk, renamed.gsi2_sk, renamed.price) == (
        "Camera X",
        "Camera X",
        Decimal("12.50"),
    )
    moved = products.update(made.product_id, category_id=second.category_id)
    assert (moved.gsi1_pk, moved.category_path) == (second.category_id, f"Photo-{tag}")
    assert [p.product_name for p in products.by_category(second.category_id)] == ["Camera X"]
    assert products.by_category(first.category_id) == []
    assert categories.existing(first.category_id).product_count == 0
    assert categories.existing(second.category_id).product_count == 1


def test_ap10_ap15_ap17_by_category_by_seller_and_seller_stats(
    categories: CategoryRepository, products: ProductRepository, tag: str
) -> None:
    top = categories.create(f"Office-{tag}")
    seller = f"seller-{tag}"
    for name, stock in [("Stapler", 2), ("Binder", 0), ("Pen", 10)]:
        products.create(product(top, name, seller_id=seller, inventory_quantity=stock))
    products.create(product(top, "Desk", seller_id="someone-else"))
    names = [p.product_name for p in products.by_category(top.category_id)]
    assert names == ["Binder", "Desk", "Pen", "Stapler"]  # GSI1SK = name
    assert [p.product_name for p in products.by_seller(seller)] == ["Binder", "Pen", "Stapler"]
    assert products.seller_stats(seller) == SellerStats(
        products=3, units_in_stock=12, out_of_stock=1, inventory_value=Decimal("120.00")
    )


def test_ap8_filtered_pages_are_full_and_continue_with_a_cursor(
    categories: CategoryRepository, products: ProductRepository, tag: str
) -> None:
    top = categories.create(f"Books-{tag}")
    for number in range(12):
        products.create(
            product(
                top,
                f"Book {number:02d}",
                price=Decimal(number),
                inventory_quantity=number % 3,
                seller_id=f"s-{tag}-{number % 2}",
            )
        )
    seen: list[str] = []
    cursor = None
    while True:
        page = products.list_products(
            category_id=top.category_id, min_price=Decimal(2), in_stock=True, limit=3, cursor=cursor
        )
        seen.extend(p.product_name for p in page)
        if page.cursor is None:
            break
        assert len(page) == 3  # filled after filtering
        cursor = page.cursor
    expected = [f"Book {n:02d}" for n in range(2, 12) if n % 3]
    assert seen == expected
    prefixed = products.list_products(category_id=top.category_id, name_prefix="Book 1")
    assert [p.product_name for p in prefixed] == ["Book 10", "Book 11"]
    cheap = products.list_products(seller_id=f"s-{tag}-1", max_price=Decimal(5))
    assert [p.product_name for p in cheap] == ["Book 01", "Book 03", "Book 05"]
    both = products.list_products(category_id=top.category_id, seller_id=f"s-{tag}-0", limit=2)
    assert [p.product_name for p in both] == ["Book 00", "Book 02"]
    with pytest.raises(InvalidRequest, match="category_id"):
        products.list_products()


def test_ap16_inventory_changes_atomically_and_never_below_zero(
    categories: CategoryRepository, products: ProductRepository, tag: str
) -> None:
    top = categories.create(f"Food-{tag}")
    made = products.create(product(top, "Rice", inventory_quantity=3))
    assert products.adjust_inventory(made.product_id, -2).inventory_quantity == 1
    with pytest.raises(ConditionalCheckFailed):
        products.adjust_inventory(made.product_id, -2)
    assert products.adjust_inventory(made.product_id, 10).inventory_quantity == 11


def test_ap18_image_url_and_category_rename_reach_the_products(
    categories: CategoryRepository, products: ProductRepository, tag: str
) -> None:
    top = categories.create(f"Art-{tag}")
    made = products.create(product(top, "Easel"))
    url = f"https://images.example.com/{made.product_id}.jpg"
    assert products.set_image_url(made.product_id, url).image_url == url
    for renamed in categories.rename(top.category_id, f"Arts-{tag}"):
        products.refresh_category_path(renamed.category_id, renamed.category_path)
    after = products.get(made.product_id)
    assert after is not None and after.category_path == f"Arts-{tag}"
    assert products.refresh_category_path(top.category_id, f"Arts-{tag}") == 0  # idempotent
