"""The compiled form of an entity declaration: what the repository and provisioning read.

``EntityMeta`` is built once per class (``Entity.__dynastack__``) from the class's fields and
its ``__key__``/``__indexes__`` declarations. Everything that would otherwise be looked up or
re-parsed per request (templates, attribute names, roles) is resolved here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from dynastack.core.keys import KeyTemplate
from dynastack.model.declarations import Projection, Table

__all__ = ["TYPE_ATTR", "VERSION_ATTR", "WRITE_TOKEN_ATTR", "EntityMeta", "IndexMeta", "KeyPart"]

ScalarType = Literal["S", "N", "B"]

#: the entity-type marker stored on every item (single-table design)
TYPE_ATTR = "_type"
#: the item schema version marker (lazy migration)
VERSION_ATTR = "_sv"
#: the per-write token that tells our own lost-reply writes apart (RELIABILITY fact 1)
WRITE_TOKEN_ATTR = "_wt"  # noqa: S105 - an attribute name, not a secret

Upgrade = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class KeyPart:
    """One key attribute: where it is stored, how it is rendered, and its scalar type."""

    attr: str
    template: KeyTemplate
    type: ScalarType
    #: the field whose own attribute holds the key (a bare template), else None
    field: str | None

    @property
    def computed(self) -> bool:
        """True when the attribute is derived from a template rather than a field itself."""
        return self.field is None


@dataclass(frozen=True, slots=True)
class IndexMeta:
    """A compiled secondary index."""

    name: str
    pk: KeyPart
    sk: KeyPart | None
    local: bool
    projection: Projection


@dataclass(frozen=True, slots=True)
class EntityMeta:
    """Everything the framework knows about one entity class."""

    entity_type: str
    table: Table
    pk: KeyPart
    sk: KeyPart | None
    indexes: Mapping[str, IndexMeta]
    #: field name → attribute name (aliases applied)
    attributes: Mapping[str, str]
    version_field: str | None
    owner_field: str | None
    ttl_field: str | None
    created_field: str | None
    updated_field: str | None
    schema_version: int
    upgrades: Mapping[int, Upgrade]

    @property
    def key_parts(self) -> tuple[KeyPart, ...]:
        return (self.pk,) if self.sk is None else (self.pk, self.sk)

    @property
    def key_fields(self) -> frozenset[str]:
        """Fields that feed the primary key: they cannot change in an update."""
        return frozenset(f for part in self.key_parts for f in part.template.fields)

    @property
    def server_fields(self) -> frozenset[str]:
        """Fields the repository writes itself (version, timestamps)."""
        return frozenset(
            f for f in (self.version_field, self.created_field, self.updated_field) if f
        )

    def computed_attrs(self) -> frozenset[str]:
        """Attribute names that do not map back to a field (keys, markers)."""
        names = {TYPE_ATTR, VERSION_ATTR, WRITE_TOKEN_ATTR}
        for part in self.key_parts:
            if part.computed:
                names.add(part.attr)
        for index in self.indexes.values():
            for ipart in (index.pk, index.sk):
                if ipart is not None and ipart.computed:
                    names.add(ipart.attr)
        return frozenset(names)
