"""A small App for the ``dynastack.ops`` tests: an orders table and a blobs table.

Imported by path (``ops_sample_app:app``) exactly as a user's application module would be.
``orders`` has a global index, a local index and a TTL attribute, so that doctor has every
kind of check to make; ``blobs`` is a partition-key-only table. Table names follow the App's
naming, ``ops-{table}-{env}``; each test passes its own env. ``seed`` writes ``count`` orders
with plain wire-format puts (the repository layer is not needed to seed).
"""

from __future__ import annotations

from collections.abc import Mapping

from dynastack.app import App
from dynastack.client.client import Client
from dynastack.model import TTL, Entity, Index, Key, Table
from dynastack.ops.seeding import SeedProgress

orders = Table("orders")
blobs = Table("blobs")


class Order(Entity, table=orders):
    __key__ = Key(pk="CUSTOMER#{customer}", sk="ORDER#{order_id}")
    __indexes__ = (
        Index("ByStatus", pk="status", sk="placed"),
        Index("ByTotal", sk="total", local=True),
    )
    customer: str
    order_id: str
    status: str
    placed: int
    total: int
    expires_at: TTL[int] | None = None


class Blob(Entity, table=blobs):
    __key__ = Key(pk="{blob_id}")
    blob_id: str


def seed(
    client: Client, *, env: str | None, count: int, progress: SeedProgress
) -> Mapping[str, int]:
    """``count`` orders of customer ``C1``, with deterministic ids (seeding twice is harmless)."""
    table = app.table_name(orders, env)
    for number in range(count):
        item = {
            "PK": {"S": "CUSTOMER#C1"},
            "SK": {"S": f"ORDER#{number:04d}"},
            "customer": {"S": "C1"},
            "order_id": {"S": f"{number:04d}"},
            "status": {"S": "NEW"},
            "placed": {"N": str(1_700_000_000 + number)},
            "total": {"N": str(10 * number)},
        }
        client.put_item(TableName=table, Item=item)
        progress("orders", number + 1, count)
    return {"orders": count}


app = App("ops-sample", [Order, Blob], naming="ops-{table}-{env}", seed=seed)
#: the same tables without a seed function
unseeded = App("ops-unseeded", [Order, Blob], naming="ops-{table}-{env}")
