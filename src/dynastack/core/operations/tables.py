"""Table operations: CreateTable, DescribeTable, UpdateTable, DeleteTable and ListTables.

Inputs are typed in Python terms (attribute types, key names, ``SecondaryIndex`` values) so
that the provisioning layer can build them from a compiled TableSpec; ``extra`` carries any
rarer CreateTable/UpdateTable member (WarmThroughput, SSESpecification, ReplicaUpdates …)
verbatim, so new DynamoDB features need no change here. The returned description is
metadata and stays the raw dict, with typed accessors for what callers branch on (status,
keys, index states, stream ARN).

None of the table writes is ``resend_safe``: a second CreateTable answers ResourceInUse, a
second DeleteTable ResourceNotFound or ResourceInUse, a second UpdateTable a
ValidationException (the index exists, the mode is already set). The provisioning layer
recovers from a lost reply by describing the table, which is always safe.

Example:
    >>> op = CreateTable(table="t", attributes={"pk": "S"}, partition_key="pk")
    >>> op.to_request()["KeySchema"]
    [{'AttributeName': 'pk', 'KeyType': 'HASH'}]
    >>> DescribeTable(table="t").parse({"Table": {"TableStatus": "ACTIVE"}}).status
    'ACTIVE'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Literal

from dynastack.core.operations.base import Service
from dynastack.core.operations.fields import check_limit
from dynastack.core.operations.table_description import TableDescription
from dynastack.errors import InvalidRequest

__all__ = [
    "BillingMode",
    "CreateTable",
    "DeleteTable",
    "DescribeTable",
    "ListTables",
    "ListTablesResult",
    "ScalarType",
    "SecondaryIndex",
    "StreamViewType",
    "TableDescription",
    "Throughput",
    "UpdateTable",
]

ScalarType = Literal["S", "N", "B"]
BillingMode = Literal["PAY_PER_REQUEST", "PROVISIONED"]
ProjectionType = Literal["ALL", "KEYS_ONLY", "INCLUDE"]
StreamViewType = Literal["NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY"]


@dataclass(frozen=True, slots=True)
class Throughput:
    """Provisioned read and write capacity units."""

    read: int
    write: int

    def to_wire(self) -> dict[str, int]:
        """The ``ProvisionedThroughput`` member."""
        return {"ReadCapacityUnits": self.read, "WriteCapacityUnits": self.write}


@dataclass(frozen=True, slots=True, kw_only=True)
class SecondaryIndex:
    """A global or local secondary index (``throughput`` only for provisioned GSIs)."""

    name: str
    partition_key: str
    sort_key: str | None = None
    projection: ProjectionType = "ALL"
    non_key_attributes: Sequence[str] = ()
    throughput: Throughput | None = None

    def to_wire(self) -> dict[str, Any]:
        """The index as a ``GlobalSecondaryIndex`` / ``LocalSecondaryIndex`` member."""
        projection: dict[str, Any] = {"ProjectionType": self.projection}
        if self.non_key_attributes:
            projection["NonKeyAttributes"] = list(self.non_key_attributes)
        wire: dict[str, Any] = {
            "IndexName": self.name,
            "KeySchema": _key_schema(self.partition_key, self.sort_key),
            "Projection": projection,
        }
        if self.throughput is not None:
            wire["ProvisionedThroughput"] = self.throughput.to_wire()
        return wire


def _key_schema(partition_key: str, sort_key: str | None) -> list[dict[str, str]]:
    schema = [{"AttributeName": partition_key, "KeyType": "HASH"}]
    if sort_key is not None:
        schema.append({"AttributeName": sort_key, "KeyType": "RANGE"})
    return schema


def _attribute_definitions(attributes: Mapping[str, ScalarType]) -> list[dict[str, str]]:
    return [{"AttributeName": n, "AttributeType": t} for n, t in attributes.items()]


def _stream(enabled: bool, view_type: StreamViewType | None) -> dict[str, Any]:
    spec: dict[str, Any] = {"StreamEnabled": enabled}
    if view_type is not None:
        spec["StreamViewType"] = view_type
    return spec


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateTable:
    """Create a table; ``attributes`` defines exactly the key attributes of table and indexes.

    Example:
        >>> CreateTable(table="t", attributes={"pk": "S", "x": "N"}, partition_key="pk")
        Traceback (most recent call last):
        ...
        dynastack.errors.InvalidRequest: attributes ['x'] are defined but not used in any key
    """

    action: ClassVar[str] = "CreateTable"
    service: ClassVar[Service] = "dynamodb"

    table: str
    attributes: Mapping[str, ScalarType]
    partition_key: str
    sort_key: str | None = None
    global_indexes: Sequence[SecondaryIndex] = ()
    local_indexes: Sequence[SecondaryIndex] = ()
    billing_mode: BillingMode = "PAY_PER_REQUEST"
    throughput: Throughput | None = None
    stream_view_type: StreamViewType | None = None
    tags: Mapping[str, str] | None = None
    table_class: str | None = None
    deletion_protection: bool | None = None
    extra: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        used = {self.partition_key, *([self.sort_key] if self.sort_key else [])}
        for index in (*self.global_indexes, *self.local_indexes):
            used.add(index.partition_key)
            if index.sort_key is not None:
                used.add(index.sort_key)
        missing = sorted(used - set(self.attributes))
        if missing:
            raise InvalidRequest(f"key attributes {missing} have no type in attributes")
        unused = sorted(set(self.attributes) - used)
        if unused:
            raise InvalidRequest(f"attributes {unused} are defined but not used in any key")
        if self.billing_mode == "PROVISIONED" and self.throughput is None:
            raise InvalidRequest("billing_mode PROVISIONED needs a throughput")

    @property
    def resend_safe(self) -> bool:
        """Never: a second CreateTable answers ResourceInUse."""
        return False

    @property
    def table_name(self) -> str:
        """The table created."""
        return self.table

    def to_request(self) -> dict[str, Any]:
        """The CreateTable JSON body; ``extra`` members are added last, verbatim."""
        req: dict[str, Any] = {
            "TableName": self.table,
            "AttributeDefinitions": _attribute_definitions(self.attributes),
            "KeySchema": _key_schema(self.partition_key, self.sort_key),
            "BillingMode": self.billing_mode,
        }
        if self.throughput is not None:
            req["ProvisionedThroughput"] = self.throughput.to_wire()
        if self.global_indexes:
            req["GlobalSecondaryIndexes"] = [ix.to_wire() for ix in self.global_indexes]
        if self.local_indexes:
            req["LocalSecondaryIndexes"] = [ix.to_wire() for ix in self.local_indexes]
        if self.stream_view_type is not None:
            req["StreamSpecification"] = _stream(True, self.stream_view_type)
        if self.tags:
            req["Tags"] = [{"Key": k, "Value": v} for k, v in self.tags.items()]
        if self.table_class is not None:
            req["TableClass"] = self.table_class
        if self.deletion_protection is not None:
            req["DeletionProtectionEnabled"] = self.deletion_protection
        if self.extra:
            req.update(self.extra)
        return req

    def parse(self, response: dict[str, Any]) -> TableDescription:
        """The new table's description (status CREATING on AWS, ACTIVE on DynamoDB Local)."""
        return TableDescription(response.get("TableDescription") or {})


@dataclass(frozen=True, slots=True, kw_only=True)
class DescribeTable:
    """Read a table's description.

    Example:
        >>> DescribeTable(table="t").to_request()
        {'TableName': 't'}
    """

    action: ClassVar[str] = "DescribeTable"
    service: ClassVar[Service] = "dynamodb"

    table: str

    @property
    def resend_safe(self) -> bool:
        """A read: always safe to send again."""
        return True

    @property
    def table_name(self) -> str:
        """The table described."""
        return self.table

    def to_request(self) -> dict[str, Any]:
        """The DescribeTable JSON body."""
        return {"TableName": self.table}

    def parse(self, response: dict[str, Any]) -> TableDescription:
        """The ``Table`` member."""
        return TableDescription(response.get("Table") or {})


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdateTable:
    """Change billing, throughput, streams, protection or global secondary indexes.

    ``stream_enabled=False`` turns the stream off; ``True`` needs a ``stream_view_type``.

    Example:
        >>> UpdateTable(table="t", delete_indexes=["ByDate"]).to_request()
        {'TableName': 't', 'GlobalSecondaryIndexUpdates': [{'Delete': {'IndexName': 'ByDate'}}]}
    """

    action: ClassVar[str] = "UpdateTable"
    service: ClassVar[Service] = "dynamodb"

    table: str
    attributes: Mapping[str, ScalarType] | None = None
    billing_mode: BillingMode | None = None
    throughput: Throughput | None = None
    create_indexes: Sequence[SecondaryIndex] = ()
    update_indexes: Mapping[str, Throughput] | None = None
    delete_indexes: Sequence[str] = ()
    stream_enabled: bool | None = None
    stream_view_type: StreamViewType | None = None
    table_class: str | None = None
    deletion_protection: bool | None = None
    extra: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        if self.stream_enabled and self.stream_view_type is None:
            raise InvalidRequest("stream_enabled=True needs a stream_view_type")
        if self.create_indexes and not self.attributes:
            raise InvalidRequest("creating an index needs the attributes of its keys")

    @property
    def resend_safe(self) -> bool:
        """Never: a second UpdateTable is rejected (the change is already under way)."""
        return False

    @property
    def table_name(self) -> str:
        """The table changed."""
        return self.table

    def to_request(self) -> dict[str, Any]:
        """The UpdateTable JSON body; ``extra`` members are added last, verbatim."""
        req: dict[str, Any] = {"TableName": self.table}
        if self.attributes:
            req["AttributeDefinitions"] = _attribute_definitions(self.attributes)
        if self.billing_mode is not None:
            req["BillingMode"] = self.billing_mode
        if self.throughput is not None:
            req["ProvisionedThroughput"] = self.throughput.to_wire()
        updates: list[dict[str, Any]] = [{"Create": ix.to_wire()} for ix in self.create_indexes]
        for name, throughput in (self.update_indexes or {}).items():
            updates.append(
                {"Update": {"IndexName": name, "ProvisionedThroughput": throughput.to_wire()}}
            )
        updates.extend({"Delete": {"IndexName": name}} for name in self.delete_indexes)
        if updates:
            req["GlobalSecondaryIndexUpdates"] = updates
        if self.stream_enabled is not None:
            req["StreamSpecification"] = _stream(self.stream_enabled, self.stream_view_type)
        if self.table_class is not None:
            req["TableClass"] = self.table_class
        if self.deletion_protection is not None:
            req["DeletionProtectionEnabled"] = self.deletion_protection
        if self.extra:
            req.update(self.extra)
        return req

    def parse(self, response: dict[str, Any]) -> TableDescription:
        """The table's description as the update left it (usually UPDATING)."""
        return TableDescription(response.get("TableDescription") or {})


@dataclass(frozen=True, slots=True, kw_only=True)
class DeleteTable:
    """Delete a table and all its items.

    Example:
        >>> DeleteTable(table="t").resend_safe
        False
    """

    action: ClassVar[str] = "DeleteTable"
    service: ClassVar[Service] = "dynamodb"

    table: str

    @property
    def resend_safe(self) -> bool:
        """Never: a second DeleteTable answers ResourceNotFound or ResourceInUse."""
        return False

    @property
    def table_name(self) -> str:
        """The table deleted."""
        return self.table

    def to_request(self) -> dict[str, Any]:
        """The DeleteTable JSON body."""
        return {"TableName": self.table}

    def parse(self, response: dict[str, Any]) -> TableDescription:
        """The description of the table being deleted."""
        return TableDescription(response.get("TableDescription") or {})


@dataclass(frozen=True, slots=True)
class ListTablesResult:
    """One page of table names; ``last_evaluated_table_name`` is ``None`` on the last."""

    table_names: list[str]
    last_evaluated_table_name: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ListTables:
    """List table names, one page (up to 100) per request.

    Example:
        >>> op = ListTables(limit=2)
        >>> op.next_page(op.parse({"TableNames": ["a", "b"], "LastEvaluatedTableName": "b"}))
        ListTables(start_after='b', limit=2)
    """

    action: ClassVar[str] = "ListTables"
    service: ClassVar[Service] = "dynamodb"

    start_after: str | None = None
    limit: int | None = None

    def __post_init__(self) -> None:
        check_limit("Limit", self.limit, 1, 100)

    @property
    def resend_safe(self) -> bool:
        """A read: always safe to send again."""
        return True

    @property
    def table_name(self) -> None:
        """Not about one table."""
        return None

    def to_request(self) -> dict[str, Any]:
        """The ListTables JSON body."""
        req: dict[str, Any] = {}
        if self.start_after is not None:
            req["ExclusiveStartTableName"] = self.start_after
        if self.limit is not None:
            req["Limit"] = self.limit
        return req

    def parse(self, response: dict[str, Any]) -> ListTablesResult:
        """Names of this page and where the next starts."""
        return ListTablesResult(
            list(response.get("TableNames") or ()), response.get("LastEvaluatedTableName")
        )

    def next_page(self, result: ListTablesResult) -> ListTables | None:
        """The next page's request, or ``None`` after the last."""
        if result.last_evaluated_table_name is None:
            return None
        return replace(self, start_after=result.last_evaluated_table_name)
