"""The Modernizr online shop's data on the three DynamoDB tables of its migration contract.

``migrationContract.json`` (../shared/fixtures/modernizr/) is the specification: table names
``Users``, ``Products`` and ``Categories``; every table keyed by ``PK``/``SK``; GSIs ``GSI1``…
``GSI3`` keyed by ``GSI<n>PK``/``GSI<n>SK``; every key attribute a string; projections ALL.
``Users`` is a single-table design holding three entities (USER, CART, ORDER); the other two
hold one entity each. tests/examples/migration_dal/test_migration_dal_contract.py loads the
contract and compares it with ``app.table_specs()``, attribute by attribute.

Why some fields are *copies*. The contract stores one column in several attributes: a user's
email is both ``PK`` and ``email``; a product's name is ``product_name``, ``GSI1SK`` and
``GSI2SK``; an order id is ``order_id``, ``GSI3PK`` and ``GSI3SK``. dynastack stores a bare key
field (``"{email}"``) in the field's *own* attribute and cannot, today, also store it under a
key attribute name of our choosing (framework gap, see README). So each key attribute that
copies a column is declared as a field named after it (``pk``, ``gsi1_sk`` …), aliased to the
contract's attribute name, and filled by the entity itself from ``__copies__`` whenever an
entity is built or read: callers never pass them, and ``ContractEntity.copies_for`` gives the
copies an update must write along with the field they copy. Where the contract has no plain
attribute for a column (``products.id`` lives only in ``PK``, ``users.id`` only in the GSI1
keys, a cart's or order's user email only in ``PK``), the domain field itself is aliased to the
key attribute, so no attribute outside the contract is written (besides dynastack's own
``_type`` and ``_wt`` markers).

Interpretations where the contract's letter and its intent differ (CONTRACT-FORMAT.md §8,
pitfall 5) follow the intent and are listed in the README: timestamps are ISO-8601 UTC text
(also inside the ORDER sort key), ``order_items`` is JSON text (contract type ``S``),
``profile_data`` a map, a category's ``level`` its depth and ``category_path`` the full
``Parent/Child`` path.

Example:
    >>> p = Product(product_id="1", seller_id="1", category_id="7", product_name="Laptop",
    ...             price=Decimal("1999.99"), category_path="Electronics/Laptops")
    >>> (p.gsi1_pk, p.gsi1_sk, p.gsi2_pk, p.gsi2_sk)
    ('7', 'Laptop', '1', 'Laptop')
    >>> Category(category_id="1", category_name="Electronics").pk
    'ROOT'
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Annotated, Any, ClassVar
from uuid import uuid4

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    model_validator,
)

from dynastack import CreatedAt, Entity, Index, Key, Table, UpdatedAt, auto_now

__all__ = [
    "ENTITIES",
    "ROOT",
    "CartItem",
    "Category",
    "ContractEntity",
    "Order",
    "OrderLine",
    "OrderStatus",
    "Product",
    "Profile",
    "User",
    "categories_table",
    "new_id",
    "products_table",
    "users_table",
]

# No pattern: with no environment the physical names are exactly the contract's; an
# environment (tests) appends "-<env>" by the default rule.
users_table = Table("Users", stream=None)
products_table = Table("Products", stream=None)
categories_table = Table("Categories", stream=None)

#: the partition of top-level categories (contract: ``'ROOT'`` when ``parent_id IS NULL``)
ROOT = "ROOT"


def new_id() -> str:
    """A fresh id for a record the application creates (migrated rows keep MySQL's ids)."""
    return uuid4().hex


def _copy_field(attribute: str) -> Any:
    """A field that holds a copy the entity fills itself, stored as ``attribute``."""
    return Field(default="", alias=attribute, repr=False)


class ContractEntity(Entity):
    """An entity whose contract key attributes copy other fields (see the module docstring).

    ``__copies__`` maps a copy field to the field it copies; ``derive`` may be overridden for
    copies that are computed rather than copied (a category's ``ROOT`` partition).
    """

    __copies__: ClassVar[Mapping[str, str]] = {}

    @classmethod
    def derive(cls, values: Mapping[str, Any]) -> dict[str, Any]:
        """The copy fields' values from the other fields' values (by field name)."""
        return {
            copy: values[source]
            for copy, source in cls.__copies__.items()
            if values.get(source) is not None
        }

    @classmethod
    def copies_for(cls, current: Entity, changes: Mapping[str, Any]) -> dict[str, Any]:
        """``changes`` plus every copy field whose value they change (for partial updates)."""
        merged = {**current.__dict__, **changes}
        derived = cls.derive(merged)
        out = dict(changes)
        for name, value in derived.items():
            if getattr(current, name) != value:
                out[name] = value
        return out

    @model_validator(mode="before")
    @classmethod
    def _fill_copies(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        values = dict(data)
        sources = set(cls.__copies__.values())
        by_name: dict[str, Any] = {}
        for name, info in cls.model_fields.items():
            alias = info.alias or name
            if alias in values:
                by_name[name] = values[alias]
            elif name in values:
                by_name[name] = values[name]
            elif name in sources and info.default_factory is not None:
                # a generated id must exist before its copies are made from it
                by_name[name] = values[alias] = info.default_factory()  # type: ignore[call-arg]
        for name, value in cls.derive(by_name).items():
            values.pop(name, None)
            values[cls.model_fields[name].alias or name] = value
        return values


# -- Users: USER, CART and ORDER items in one table ---------------------------------------------


class Profile(BaseModel):
    """``profile_data`` (contract type M): the user's names, one map attribute."""

    model_config = ConfigDict(frozen=True)

    first_name: str | None = None
    last_name: str | None = None


class User(ContractEntity, table=users_table, entity_type="USER"):
    """A shop user: ``PK`` = email, ``SK`` = ``#META``; GSI1 = id, GSI2 = username."""

    __key__ = Key(pk="pk", sk="#META")
    __indexes__ = (
        Index("GSI1", pk="user_id", sk="gsi1_sk"),
        Index("GSI2", pk="gsi2_pk", sk="gsi2_sk"),
    )
    __copies__: ClassVar[Mapping[str, str]] = {
        "pk": "email",
        "gsi1_sk": "user_id",
        "gsi2_pk": "username",
        "gsi2_sk": "username",
    }

    email: str = Field(min_length=3, max_length=100)
    username: str = Field(min_length=1, max_length=50)
    #: ``users.id``: the contract keeps it only in the GSI1 keys, so it is stored as GSI1PK
    user_id: str = Field(alias="GSI1PK", min_length=1)
    password_hash: str
    profile_data: Profile = Profile()
    is_seller: bool = False
    created_at: CreatedAt = auto_now()
    updated_at: UpdatedAt = auto_now()

    pk: str = _copy_field("PK")
    gsi1_sk: str = _copy_field("GSI1SK")
    gsi2_pk: str = _copy_field("GSI2PK")
    gsi2_sk: str = _copy_field("GSI2SK")


class CartItem(ContractEntity, table=users_table, entity_type="CART"):
    """One product in a user's cart: ``PK`` = the user's email, ``SK`` = ``CART#<product_id>``.

    ``price`` and ``product_name`` are copied from the product when the item is added
    (contract: denormalised "to avoid a product lookup for cart display").
    """

    __key__ = Key(pk="user_email", sk="CART#{product_id}")

    #: the owner's email (contract: ``users.email`` through ``shopping_carts.user_id``)
    user_email: str = Field(alias="PK", min_length=3)
    product_id: str = Field(min_length=1)
    quantity: int = Field(ge=1)
    price: Decimal = Field(ge=0)
    product_name: str
    created_at: CreatedAt = auto_now()
    updated_at: UpdatedAt = auto_now()


class OrderStatus(enum.StrEnum):
    """``orders.status``: MySQL's ENUM('pending', 'completed', 'cancelled')."""

    PENDING = "pending"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class OrderLine(BaseModel):
    """One element of ``order_items`` (contract: a JSON array built from ``order_items`` rows)."""

    model_config = ConfigDict(frozen=True, coerce_numbers_to_str=True)

    product_id: str
    quantity: int = Field(ge=1)
    price_at_time: Decimal = Field(ge=0)


def _lines_from_text(value: Any) -> Any:
    # JSON numbers read as Decimal: a price never passes through a float
    return json.loads(value, parse_float=Decimal) if isinstance(value, str) else value


def _lines_to_text(lines: Sequence[OrderLine]) -> str:
    # written by hand so that prices stay exact JSON numbers (json.dumps has no Decimal)
    parts = [
        f'{{"product_id":{json.dumps(line.product_id)},"quantity":{line.quantity},'
        f'"price_at_time":{line.price_at_time:f}}}'
        for line in lines
    ]
    return "[" + ",".join(parts) + "]"


#: ``order_items``: a list of lines in Python, JSON text in the table (contract type S)
OrderLines = Annotated[
    tuple[OrderLine, ...],
    BeforeValidator(_lines_from_text),
    PlainSerializer(_lines_to_text, return_type=str),
]


class Order(ContractEntity, table=users_table, entity_type="ORDER"):
    """An order: ``PK`` = the buyer's email, ``SK`` = ``ORDER#<created_at>#<order_id>``;
    GSI3 (``GSI3PK`` = ``GSI3SK`` = order id) finds it by id alone."""

    __key__ = Key(pk="user_email", sk="ORDER#{created_at}#{order_id}")
    __indexes__ = (Index("GSI3", pk="gsi3_pk", sk="gsi3_sk"),)
    __copies__: ClassVar[Mapping[str, str]] = {"gsi3_pk": "order_id", "gsi3_sk": "order_id"}

    user_email: str = Field(alias="PK", min_length=3)
    order_id: str = Field(default_factory=new_id, min_length=1)
    user_id: str
    order_status: OrderStatus = OrderStatus.PENDING
    total_amount: Decimal = Field(ge=0)
    order_items: OrderLines = ()
    created_at: CreatedAt = auto_now()
    updated_at: UpdatedAt = auto_now()

    gsi3_pk: str = _copy_field("GSI3PK")
    gsi3_sk: str = _copy_field("GSI3SK")


# -- Products -------------------------------------------------------------------------------------


class Product(ContractEntity, table=products_table, entity_type="PRODUCT"):
    """A product: ``PK`` = id, ``SK`` = ``#META``; GSI1 = (category, name) and
    GSI2 = (seller, name), so both list products alphabetically."""

    __key__ = Key(pk="product_id", sk="#META")
    __indexes__ = (
        Index("GSI1", pk="gsi1_pk", sk="gsi1_sk"),
        Index("GSI2", pk="gsi2_pk", sk="gsi2_sk"),
    )
    __copies__: ClassVar[Mapping[str, str]] = {
        "gsi1_pk": "category_id",
        "gsi1_sk": "product_name",
        "gsi2_pk": "seller_id",
        "gsi2_sk": "product_name",
    }

    #: ``products.id``: the contract keeps it only in ``PK``
    product_id: str = Field(alias="PK", default_factory=new_id, min_length=1)
    seller_id: str = Field(min_length=1)
    category_id: str = Field(min_length=1)
    #: the category's breadcrumb (``Electronics/Laptops``), copied when the product is stored
    category_path: str | None = None
    product_name: str = Field(min_length=1, max_length=200)
    description: str | None = None
    price: Decimal = Field(ge=0)
    inventory_quantity: int = Field(default=0, ge=0)
    image_url: str | None = None
    created_at: CreatedAt = auto_now()
    updated_at: UpdatedAt = auto_now()

    gsi1_pk: str = _copy_field("GSI1PK")
    gsi1_sk: str = _copy_field("GSI1SK")
    gsi2_pk: str = _copy_field("GSI2PK")
    gsi2_sk: str = _copy_field("GSI2SK")


# -- Categories -----------------------------------------------------------------------------------


class Category(ContractEntity, table=categories_table, entity_type="CATEGORY"):
    """A category: ``PK`` = ``ROOT`` or the parent's name, ``SK`` = its name;
    GSI1 = (``ROOT`` or the parent's id, its id)."""

    __key__ = Key(pk="pk", sk="sk")
    __indexes__ = (Index("GSI1", pk="gsi1_pk", sk="gsi1_sk"),)
    __copies__: ClassVar[Mapping[str, str]] = {"sk": "category_name", "gsi1_sk": "category_id"}

    category_id: str = Field(default_factory=new_id, min_length=1)
    category_name: str = Field(min_length=1, max_length=100)
    parent_id: str | None = None
    parent_name: str | None = None
    #: the full path, own name included (``Electronics/Laptops``): the breadcrumb (AP23)
    category_path: str = ""
    #: depth: 0 for a root category
    level: int = Field(default=0, ge=0)
    children_count: int = Field(default=0, ge=0)
    product_count: int = Field(default=0, ge=0)
    created_at: CreatedAt = auto_now()

    pk: str = _copy_field("PK")
    sk: str = _copy_field("SK")
    gsi1_pk: str = _copy_field("GSI1PK")
    gsi1_sk: str = _copy_field("GSI1SK")

    @classmethod
    def derive(cls, values: Mapping[str, Any]) -> dict[str, Any]:
        """Copies, plus the parent-or-``ROOT`` partitions of the table and of GSI1."""
        derived = super().derive(values)
        parent_id, parent_name = values.get("parent_id"), values.get("parent_name")
        derived["pk"] = ROOT if parent_id is None else (parent_name or "")
        derived["gsi1_pk"] = ROOT if parent_id is None else parent_id
        return derived


ENTITIES: list[type[Entity]] = [User, CartItem, Order, Product, Category]
