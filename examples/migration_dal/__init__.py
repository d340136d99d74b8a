"""The Modernizr online shop (seed 003) on the DynamoDB tables its migration contract specifies.

``app`` is what the command line takes: ``dynastack tables apply examples.migration_dal:app``
creates ``Users``, ``Products`` and ``Categories`` exactly as ``migrationContract.json`` says
(``--env dev`` appends ``-dev``), ``dynastack seed`` writes the workshop's demo catalogue and
``dynastack doctor`` checks the tables against the declarations.

Example:
    >>> [spec.name for spec in app.table_specs(environ={})]
    ['Users', 'Products', 'Categories']
"""

from __future__ import annotations

from dynastack import App
from examples.migration_dal.models import (
    ENTITIES,
    CartItem,
    Category,
    Order,
    OrderLine,
    OrderStatus,
    Product,
    Profile,
    User,
)
from examples.migration_dal.repositories import SellerDashboard, Shop
from examples.migration_dal.seed import seed

__all__ = [
    "CartItem",
    "Category",
    "Order",
    "OrderLine",
    "OrderStatus",
    "Product",
    "Profile",
    "SellerDashboard",
    "Shop",
    "User",
    "app",
]

app = App("migration_dal", ENTITIES, seed=seed)
