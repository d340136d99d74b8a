"""``TableSpec``: the table that a set of entities needs, compiled from their declarations.

Several entities may share one table (single-table design) as long as they agree on the key
attribute names and types and on the shape of every index they share; a disagreement raises
``DefinitionError`` when the second class is declared. The spec is plain data, so that
provisioning can diff it against ``DescribeTable`` without I/O.

Example:
    >>> from dynastack.model import Entity, Key, Index
    >>> class Car(Entity, table="cars-doc"):
    ...     __key__ = Key(pk="CAR#{vin}")
    ...     __indexes__ = (Index("ByMake", pk="make", sk="year"),)
    ...     vin: str
    ...     make: str
    ...     year: int
    >>> spec = TableSpec.compile(Car.__dynastack__.table, env="dev")
    >>> spec.name, [(a.name, a.type) for a in spec.attributes]
    ('cars-doc-dev', [('PK', 'S'), ('make', 'S'), ('year', 'N')])
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dynastack.errors import DefinitionError
from dynastack.model.declarations import Projection, Table
from dynastack.model.meta import IndexMeta, KeyPart

if TYPE_CHECKING:
    from dynastack.model.entity import Entity

__all__ = ["AttributeSpec", "IndexSpec", "TableSpec", "check_compatible"]


@dataclass(frozen=True, slots=True)
class AttributeSpec:
    """A key attribute: its name and scalar type (``S``, ``N`` or ``B``)."""

    name: str
    type: str


@dataclass(frozen=True, slots=True)
class IndexSpec:
    """A secondary index as DynamoDB sees it."""

    name: str
    pk: AttributeSpec
    sk: AttributeSpec | None
    local: bool
    projection: Projection

    def to_request(self) -> dict[str, Any]:
        """The index in CreateTable / UpdateTable wire shape."""
        schema = [{"AttributeName": self.pk.name, "KeyType": "HASH"}]
        if self.sk is not None:
            schema.append({"AttributeName": self.sk.name, "KeyType": "RANGE"})
        projection: dict[str, Any]
        if isinstance(self.projection, tuple):
            projection = {"ProjectionType": "INCLUDE", "NonKeyAttributes": list(self.projection)}
        else:
            projection = {"ProjectionType": self.projection}
        return {"IndexName": self.name, "KeySchema": schema, "Projection": projection}


@dataclass(frozen=True, slots=True)
class TableSpec:
    """Everything provisioning needs to create or check one table."""

    logical_name: str
    name: str
    pk: AttributeSpec
    sk: AttributeSpec | None
    indexes: tuple[IndexSpec, ...]
    ttl_attribute: str | None
    billing_mode: str
    stream: str | None
    point_in_time_recovery: bool

    @property
    def attributes(self) -> list[AttributeSpec]:
        """Every key attribute of the table and its indexes, once each, in declaration order."""
        seen: dict[str, AttributeSpec] = {}
        for spec in (self.pk, self.sk):
            if spec is not None:
                seen.setdefault(spec.name, spec)
        for index in self.indexes:
            for spec in (index.pk, index.sk):
                if spec is not None:
                    seen.setdefault(spec.name, spec)
        return list(seen.values())

    def key_schema(self) -> list[dict[str, str]]:
        schema = [{"AttributeName": self.pk.name, "KeyType": "HASH"}]
        if self.sk is not None:
            schema.append({"AttributeName": self.sk.name, "KeyType": "RANGE"})
        return schema

    def create_request(self) -> dict[str, Any]:
        """The CreateTable request (wire/boto3 shape) for this spec."""
        request: dict[str, Any] = {
            "TableName": self.name,
            "KeySchema": self.key_schema(),
            "AttributeDefinitions": [
                {"AttributeName": a.name, "AttributeType": a.type} for a in self.attributes
            ],
            "BillingMode": self.billing_mode,
        }
        if self.billing_mode == "PROVISIONED":
            request["ProvisionedThroughput"] = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
        gsis = [i.to_request() for i in self.indexes if not i.local]
        lsis = [i.to_request() for i in self.indexes if i.local]
        if self.billing_mode == "PROVISIONED":
            for gsi in gsis:
                gsi["ProvisionedThroughput"] = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
        if gsis:
            request["GlobalSecondaryIndexes"] = gsis
        if lsis:
            request["LocalSecondaryIndexes"] = lsis
        if self.stream:
            request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": self.stream}
        return request

    @classmethod
    def compile(
        cls,
        table: Table,
        *,
        env: str | None = None,
        default_pattern: str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> TableSpec:
        """The spec for ``table`` with the entities registered on it."""
        if not table.entities:
            raise DefinitionError("TABLE_EMPTY", f"no entity is declared on table {table.name!r}")
        first = table.entities[0].__dynastack__
        indexes: dict[str, IndexSpec] = {}
        ttl: str | None = None
        for entity in table.entities:
            meta = entity.__dynastack__
            for index in meta.indexes.values():
                indexes.setdefault(index.name, _index_spec(index))
            if meta.ttl_field is not None:
                ttl = meta.attributes[meta.ttl_field]
        return cls(
            logical_name=table.name,
            name=table.physical_name(env, default_pattern=default_pattern, environ=environ),
            pk=_attr(first.pk),
            sk=None if first.sk is None else _attr(first.sk),
            indexes=tuple(indexes.values()),
            ttl_attribute=ttl,
            billing_mode=table.billing_mode,
            stream=table.stream,
            point_in_time_recovery=table.point_in_time_recovery,
        )


def _attr(part: KeyPart) -> AttributeSpec:
    return AttributeSpec(part.attr, part.type)


def _index_spec(index: IndexMeta) -> IndexSpec:
    return IndexSpec(
        index.name,
        _attr(index.pk),
        None if index.sk is None else _attr(index.sk),
        index.local,
        index.projection,
    )


def check_compatible(a: type[Entity], b: type[Entity]) -> None:
    """Raise ``DefinitionError`` when two entities cannot share one table."""
    ma, mb = a.__dynastack__, b.__dynastack__
    where = f"{a.__name__} and {b.__name__} share table {ma.table.name!r} but"
    if ma.entity_type == mb.entity_type:
        raise DefinitionError("ENTITY_TYPE_DUPLICATE", f"{where} both use type {ma.entity_type!r}")
    if _attr(ma.pk) != _attr(mb.pk) or (ma.sk is None) != (mb.sk is None):
        raise DefinitionError("TABLE_KEY_CLASH", f"{where} declare different partition keys")
    if ma.sk is not None and mb.sk is not None and _attr(ma.sk) != _attr(mb.sk):
        raise DefinitionError("TABLE_KEY_CLASH", f"{where} declare different sort keys")
    types: dict[str, str] = {a_.name: a_.type for a_ in _all_attrs(ma.indexes.values())}
    for spec in _all_attrs(mb.indexes.values()):
        if types.get(spec.name, spec.type) != spec.type:
            raise DefinitionError(
                "TABLE_KEY_TYPE_CLASH",
                f"{where} give attribute {spec.name!r} two types: "
                f"{types[spec.name]} and {spec.type}",
            )
    for name in ma.indexes.keys() & mb.indexes.keys():
        if _index_spec(ma.indexes[name]) != _index_spec(mb.indexes[name]):
            raise DefinitionError("INDEX_CLASH", f"{where} declare index {name!r} differently")


def _all_attrs(indexes: Any) -> list[AttributeSpec]:
    found = []
    for index in indexes:
        found.append(_attr(index.pk))
        if index.sk is not None:
            found.append(_attr(index.sk))
    return found
