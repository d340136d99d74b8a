"""Categories (the ``Categories`` table): the shop's category repository interface.

The contract keys a category by where it sits: ``PK`` = ``ROOT`` or the parent's *name*,
``SK`` = its own name, and GSI1 = (``ROOT`` or the parent's *id*, its id). So the tree reads
well (AP21 roots, AP22 children, AP25 the whole tree), and the rest costs what it costs:

* AP24 a category by id needs its parent's id for a GSI1 query; without it, the table is
  scanned with a filter (the contract puts ``id`` only in GSI1SK; the table has 25 items of
  ~1 KB, one Scan page);
* AP19 search by name and AP20 the flat list are scans of that small table too (the search
  ignores case, as MySQL's ``LIKE`` does under its default collation);
* AP27 a rename changes keys: the category's own (``SK``) and its children's (``PK`` is the
  parent's name). It is one transaction that re-creates the category and its children under
  their new keys, deletes the old items and rewrites every deeper descendant's
  ``category_path`` (refused, before anything is written, above DynamoDB's 100 actions);
* AP26 create and AP28 delete keep the parent's ``children_count`` exact in the same
  transaction; a delete is refused while the category has children or products (MySQL:
  ``ON DELETE RESTRICT`` from products).

``category_path`` is the full breadcrumb (``Electronics/Laptops``), ``level`` the depth
(README: contract letter vs intent).

Example (against DynamoDB Local; the tables must exist, see ``examples.migration_dal``):
    >>> from dynastack import Client
    >>> from examples.migration_dal import app
    >>> client = Client.local(os.environ["DYNASTACK_ENDPOINT"])
    >>> _ = app.create_tables(client, env="doc-categories")
    >>> categories = CategoryRepository(app.bind(client, env="doc-categories"))
    >>> top = categories.create("Electronics")
    >>> laptops = categories.create("Laptops", parent_id=top.category_id)
    >>> laptops.category_path, laptops.level, categories.breadcrumb(laptops.category_id)
    ('Electronics/Laptops', 1, ['Electronics', 'Laptops'])
    >>> _ = app.drop_tables(client, env="doc-categories"); client.close()
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from dynastack import Attr, Update
from dynastack.app import BoundApp
from dynastack.errors import ConditionalCheckFailed, InvalidRequest, LimitExceeded
from dynastack.repository import UnitOfWork
from examples.migration_dal.models import ROOT, Category

__all__ = ["PATH_SEPARATOR", "CategoryRepository", "CategoryTree"]

#: between the names of a breadcrumb (what the workshop's application writes)
PATH_SEPARATOR = "/"
#: DynamoDB's most actions in one TransactWriteItems
_MAX_ACTIONS = 100


@dataclass
class CategoryTree:
    """One node of AP25's tree: a category and its subcategories, by name."""

    category: Category
    children: list[CategoryTree] = field(default_factory=list)


class CategoryRepository:
    """Categories: the tree, lookups, search, and create / rename / delete."""

    def __init__(self, bound: BoundApp) -> None:
        self.categories = bound[Category]

    # -- reads ------------------------------------------------------------------------------

    def get_by_id(self, category_id: str, *, parent_id: str | None = None) -> Category | None:
        """AP24: the category, by GSI1 when the parent's id (or ``ROOT``) is known, else by a
        filtered scan of the (small) table; ``None`` if it does not exist."""
        if parent_id is not None:
            page = self.categories.query("GSI1", gsi1_pk=parent_id, gsi1_sk=category_id)
            return page.items[0] if page.items else None
        return next(self.categories.scan(filter=Attr("category_id") == category_id), None)

    def roots(self) -> list[Category]:
        """AP21: the top-level categories, by name (``PK`` = ``ROOT``)."""
        return list(self.categories.query_all(pk=ROOT))

    def children(self, parent_id: str) -> list[Category]:
        """AP22: the direct subcategories of ``parent_id``, through GSI1, by name (GSI1 sorts
        by id, and ids are text: "10" < "7"; a parent has few children, so they are sorted
        here)."""
        found = self.categories.query_all("GSI1", gsi1_pk=parent_id)
        return sorted(found, key=lambda c: c.category_name)

    def breadcrumb(self, category_id: str) -> list[str]:
        """AP23: the names from the root down to the category (from ``category_path``)."""
        category = self._existing(category_id)
        return category.category_path.split(PATH_SEPARATOR)

    def tree(self) -> list[CategoryTree]:
        """AP25: every category as a tree, one GSI1 query per category that has children."""
        return [self._subtree(root) for root in self.roots()]

    def all(self) -> list[Category]:
        """AP20: every category, flat, in breadcrumb order."""
        return sorted(self.categories.scan(), key=lambda c: c.category_path)

    def search(self, text: str) -> list[Category]:
        """AP19: categories whose name contains ``text``, ignoring case, in breadcrumb order."""
        wanted = text.casefold()
        return [c for c in self.all() if wanted in c.category_name.casefold()]

    # -- writes -----------------------------------------------------------------------------

    def create(
        self, name: str, *, parent_id: str | None = None, category_id: str | None = None
    ) -> Category:
        """AP26: a new category (under ``parent_id``, else at the top); the parent's
        ``children_count`` rises in the same transaction. A name taken under the same parent
        is ``ConditionalCheckFailed`` (it is the key)."""
        values: dict[str, Any] = {"category_name": name, "category_path": name}
        if category_id is not None:
            values["category_id"] = category_id
        unit = UnitOfWork()
        if parent_id is not None:
            parent = self._existing(parent_id)
            values.update(
                parent_id=parent.category_id,
                parent_name=parent.category_name,
                category_path=parent.category_path + PATH_SEPARATOR + name,
                level=parent.level + 1,
            )
            unit.update(self.categories, parent, Update().increment("children_count"))
        made = unit.create(self.categories, Category.model_validate(values))
        unit.commit()
        return made

    def rename(self, category_id: str, new_name: str) -> list[Category]:
        """AP27: rename a category; returns every category whose breadcrumb changed (itself
        first), so that the products under them can be updated (``Shop.rename_category``)."""
        old = self._existing(category_id)
        if new_name == old.category_name:
            return []
        renamed = _moved(old, category_name=new_name, category_path=_path(old, new_name))
        unit = UnitOfWork()
        unit.delete(self.categories, old)
        unit.create(self.categories, renamed)
        changed = [renamed]
        for child in self.children(category_id):
            moved = _moved(
                child,
                parent_name=new_name,
                category_path=renamed.category_path + PATH_SEPARATOR + child.category_name,
            )
            unit.delete(self.categories, child)
            unit.create(self.categories, moved)
            changed.append(moved)
            changed.extend(self._rewrite_paths(unit, moved))
        if len(unit) > _MAX_ACTIONS:
            raise LimitExceeded(
                f"renaming {old.category_name!r} rewrites {len(unit)} items; one transaction "
                f"holds {_MAX_ACTIONS}"
            )
        unit.commit()
        return changed

    def delete(self, category_id: str) -> None:
        """AP28: delete a category that has no subcategories and no products; the parent's
        ``children_count`` falls in the same transaction."""
        category = self._existing(category_id)
        if category.children_count or category.product_count:
            raise InvalidRequest(
                f"category {category.category_name!r} has {category.children_count} "
                f"subcategories and {category.product_count} products; move or delete them first"
            )
        empty = (Attr("children_count") == 0) & (Attr("product_count") == 0)
        unit = UnitOfWork()
        unit.delete(self.categories, category, condition=empty)
        if category.parent_id is not None:
            parent = self._existing(category.parent_id)
            unit.update(self.categories, parent, Update().decrement("children_count"))
        unit.commit()

    def count_product(self, unit: UnitOfWork, category: Category, by: int) -> None:
        """Add to ``unit`` the change of ``category``'s ``product_count`` by ``by`` (products
        are created and deleted in the same transaction as this)."""
        update = Update().increment("product_count", by)
        condition = None if by > 0 else Attr("product_count") >= -by
        unit.update(self.categories, category, update, condition=condition)

    def existing(self, category_id: str) -> Category:
        """The category, or ``ConditionalCheckFailed`` naming the missing id."""
        return self._existing(category_id)

    # -- helpers ----------------------------------------------------------------------------

    def _existing(self, category_id: str) -> Category:
        found = self.get_by_id(category_id)
        if found is None:
            raise ConditionalCheckFailed(
                f"no category {category_id!r}", code="ConditionalCheckFailedException"
            )
        return found

    def _subtree(self, category: Category) -> CategoryTree:
        node = CategoryTree(category)
        if category.children_count:
            node.children = [self._subtree(c) for c in self.children(category.category_id)]
        return node

    def _rewrite_paths(self, unit: UnitOfWork, parent: Category) -> Iterator[Category]:
        """Deeper descendants keep their keys; only their breadcrumbs change."""
        for child in self.children(parent.category_id):
            path = parent.category_path + PATH_SEPARATOR + child.category_name
            unit.update(self.categories, child, category_path=path)
            moved = _moved(child, category_path=path)
            yield moved
            yield from self._rewrite_paths(unit, moved)


def _path(category: Category, new_name: str) -> str:
    parts = category.category_path.split(PATH_SEPARATOR)
    return PATH_SEPARATOR.join([*parts[:-1], new_name])


def _moved(category: Category, **changes: Any) -> Category:
    """A copy with ``changes`` whose key copies are derived again (``model_copy`` would not)."""
    return Category.model_validate({**category.__dict__, **changes})
