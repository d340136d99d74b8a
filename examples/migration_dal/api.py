"""Seed 003's shop as a REST API: the catalogue for everyone signed in, the rest for staff.

Products and categories are read by any ``Users`` member; ``Administrators`` add categories.
Products, orders and cart lines are read-only here: their prices are ``Decimal`` and the
entities' copy-filling ``before`` validator makes strict validation see a JSON number as a
plain float, so a create over HTTP would always be refused (to fix in the REST layer).
Orders and cart lines are keyed by the buyer's email, not by an owner field the caller's
token proves, so only ``Administrators`` reach them here. Users are not a
resource at all: their items hold a password hash, which no API answer may carry.

Example:
    >>> sorted(spec.path for spec in api.specs)
    ['/cart-items', '/categories', '/orders', '/products']
"""

from __future__ import annotations

from dynastack.api import Api, Operation, Resource
from examples.migration_dal import app
from examples.migration_dal.models import CartItem, Category, Order, Product

__all__ = ["api"]

#: the seed's tables carry no version attribute, so nothing here takes If-Match: no update
#: or delete over HTTP until the entities declare a ``Version`` (optimistic locking)
ALL: set[Operation] = {"list", "get", "create"}
READ: set[Operation] = {"list", "get"}
#: index keys the entity copies from its own fields: never sent by a client
COPIES = {"gsi1_pk", "gsi1_sk", "gsi2_pk", "gsi2_sk"}

api = Api(
    app,
    [
        Resource(
            Product,
            operations=READ,
            roles={"Users": READ, "Administrators": READ},
            server_fields=COPIES | {"category_path"},
        ),
        Resource(
            Category,
            operations=ALL,
            roles={"Users": READ, "Administrators": ALL},
            server_fields={"gsi1_sk", "children_count", "product_count"},
        ),
        Resource(
            Order,
            operations=READ,
            roles={"Administrators": READ},
            server_fields={"gsi3_pk", "gsi3_sk"},
        ),
        Resource(CartItem, operations=READ, roles={"Administrators": READ}),
    ],
    title="Shop API",
)
