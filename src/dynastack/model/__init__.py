"""Declarations: entities, keys, indexes, tables and the field roles the framework owns."""

from dynastack.model.declarations import Index, Key, Projection, Table
from dynastack.model.entity import Entity
from dynastack.model.items import from_item, key_of, to_item
from dynastack.model.markers import TTL, CreatedAt, Owner, Role, UpdatedAt, Version, auto_now
from dynastack.model.meta import EntityMeta, IndexMeta, KeyPart
from dynastack.model.partial import Partial
from dynastack.model.tablespec import AttributeSpec, IndexSpec, TableSpec

__all__ = [
    "TTL",
    "AttributeSpec",
    "CreatedAt",
    "Entity",
    "EntityMeta",
    "Index",
    "IndexMeta",
    "IndexSpec",
    "Key",
    "KeyPart",
    "Owner",
    "Partial",
    "Projection",
    "Role",
    "Table",
    "TableSpec",
    "UpdatedAt",
    "Version",
    "auto_now",
    "from_item",
    "key_of",
    "to_item",
]
