"""The vocabulary of a provisioning plan: the changes ``apply`` makes and the drift it refuses.

Each change is a frozen value that knows the one DynamoDB request it stands for
(``action`` + ``payload()``), whether the table is busy afterwards (``busy``: apply then waits
for ACTIVE before the next step), and how it reads to a human (``str(change)``). Keeping one
request per change is what makes DynamoDB's rule "one index created or deleted per
UpdateTable" hold by construction: two new indexes are two ``AddIndex`` values, applied one at
a time.

``Drift`` is a difference the plan will not fix because DynamoDB cannot change it in place
(a table's key, its local indexes, the type of an attribute an existing index keys on) or
because fixing it would silently rebuild an index. Its ``hint`` says what a person can do.

Example:
    >>> change = EnableTtl(table="users-dev", attribute="expires_at")
    >>> str(change), change.action, change.busy
    ('enable TTL on attribute expires_at', 'UpdateTimeToLive', False)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from dynastack.model.tablespec import AttributeSpec, IndexSpec, TableSpec

__all__ = [
    "DEFAULT_THROUGHPUT",
    "AddIndex",
    "Change",
    "CreateTable",
    "DisableStream",
    "DisableTtl",
    "Drift",
    "DriftKind",
    "DropIndex",
    "EnablePitr",
    "EnableStream",
    "EnableTtl",
    "UpdateBilling",
    "describe_index",
]

#: the capacity TableSpec.create_request gives PROVISIONED tables and their indexes
DEFAULT_THROUGHPUT: dict[str, int] = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}


def describe_index(index: IndexSpec) -> str:
    """One line for an index: ``ByMake (make S, year N; ALL)``."""
    keys = f"{index.pk.name} {index.pk.type}"
    if index.sk is not None:
        keys += f", {index.sk.name} {index.sk.type}"
    projection = index.projection
    shown = projection if isinstance(projection, str) else "INCLUDE " + ", ".join(projection)
    return f"{index.name} ({keys}; {shown})"


def _key(spec: AttributeSpec) -> str:
    return f"{spec.name} {spec.type}"


@dataclass(frozen=True, slots=True)
class CreateTable:
    """Create the table with its key, every index, billing mode and stream."""

    action: ClassVar[str] = "CreateTable"
    symbol: ClassVar[str] = "+"
    busy: ClassVar[bool] = True

    spec: TableSpec

    @property
    def table(self) -> str:
        """The physical table name."""
        return self.spec.name

    def payload(self) -> dict[str, Any]:
        """The CreateTable request."""
        return self.spec.create_request()

    def details(self) -> list[str]:
        """What the new table will hold, one line each (for the plan's rendering)."""
        spec = self.spec
        key = f"key HASH {_key(spec.pk)}" + ("" if spec.sk is None else f", RANGE {_key(spec.sk)}")
        lines = [key, f"billing {spec.billing_mode}"]
        lines.append(f"stream {spec.stream or 'off'}")
        for index in spec.indexes:
            kind = "local index" if index.local else "global index"
            lines.append(f"{kind} {describe_index(index)}")
        return lines

    def __str__(self) -> str:
        return f"create table {self.spec.name}"


@dataclass(frozen=True, slots=True)
class AddIndex:
    """Create one global secondary index (DynamoDB backfills it; apply waits for ACTIVE)."""

    action: ClassVar[str] = "UpdateTable"
    symbol: ClassVar[str] = "+"
    busy: ClassVar[bool] = True

    table: str
    index: IndexSpec
    provisioned: bool = False

    def payload(self) -> dict[str, Any]:
        """UpdateTable with one ``Create`` and the definitions of the index's key attributes."""
        index = self.index
        keys = [index.pk] if index.sk is None else [index.pk, index.sk]
        create = index.to_request()
        if self.provisioned:
            create["ProvisionedThroughput"] = dict(DEFAULT_THROUGHPUT)
        return {
            "TableName": self.table,
            "AttributeDefinitions": [
                {"AttributeName": k.name, "AttributeType": k.type} for k in keys
            ],
            "GlobalSecondaryIndexUpdates": [{"Create": create}],
        }

    def __str__(self) -> str:
        return f"add global index {describe_index(self.index)}"


@dataclass(frozen=True, slots=True)
class DropIndex:
    """Delete one global secondary index that the entities no longer declare."""

    action: ClassVar[str] = "UpdateTable"
    symbol: ClassVar[str] = "-"
    busy: ClassVar[bool] = True

    table: str
    name: str
    reason: str = "not declared by any entity"

    def payload(self) -> dict[str, Any]:
        """UpdateTable with one ``Delete``."""
        return {
            "TableName": self.table,
            "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": self.name}}],
        }

    def __str__(self) -> str:
        return f"drop global index {self.name} ({self.reason})"


@dataclass(frozen=True, slots=True)
class UpdateBilling:
    """Switch the billing mode; PROVISIONED also sets capacity on ``indexes`` (the GSIs kept)."""

    action: ClassVar[str] = "UpdateTable"
    symbol: ClassVar[str] = "~"
    busy: ClassVar[bool] = True

    table: str
    mode: str
    current: str
    indexes: tuple[str, ...] = ()

    def payload(self) -> dict[str, Any]:
        """UpdateTable with ``BillingMode`` (and capacity when PROVISIONED)."""
        request: dict[str, Any] = {"TableName": self.table, "BillingMode": self.mode}
        if self.mode == "PROVISIONED":
            request["ProvisionedThroughput"] = dict(DEFAULT_THROUGHPUT)
            if self.indexes:
                request["GlobalSecondaryIndexUpdates"] = [
                    {"Update": {"IndexName": n, "ProvisionedThroughput": dict(DEFAULT_THROUGHPUT)}}
                    for n in self.indexes
                ]
        return request

    def __str__(self) -> str:
        return f"set billing mode {self.current} -> {self.mode}"


@dataclass(frozen=True, slots=True)
class EnableStream:
    """Turn the table's stream on with the declared view type."""

    action: ClassVar[str] = "UpdateTable"
    symbol: ClassVar[str] = "+"
    busy: ClassVar[bool] = True

    table: str
    view_type: str

    def payload(self) -> dict[str, Any]:
        """UpdateTable with an enabled ``StreamSpecification``."""
        spec = {"StreamEnabled": True, "StreamViewType": self.view_type}
        return {"TableName": self.table, "StreamSpecification": spec}

    def __str__(self) -> str:
        return f"enable stream {self.view_type}"


@dataclass(frozen=True, slots=True)
class DisableStream:
    """Turn the stream off (also the first half of changing its view type)."""

    action: ClassVar[str] = "UpdateTable"
    symbol: ClassVar[str] = "-"
    busy: ClassVar[bool] = True

    table: str
    view_type: str

    def payload(self) -> dict[str, Any]:
        """UpdateTable with ``StreamEnabled: false``."""
        return {"TableName": self.table, "StreamSpecification": {"StreamEnabled": False}}

    def __str__(self) -> str:
        return f"disable stream {self.view_type}"


@dataclass(frozen=True, slots=True)
class EnableTtl:
    """Turn expiry on for the entities' TTL attribute."""

    action: ClassVar[str] = "UpdateTimeToLive"
    symbol: ClassVar[str] = "+"
    busy: ClassVar[bool] = False

    table: str
    attribute: str

    def payload(self) -> dict[str, Any]:
        """UpdateTimeToLive, enabled."""
        spec = {"Enabled": True, "AttributeName": self.attribute}
        return {"TableName": self.table, "TimeToLiveSpecification": spec}

    def __str__(self) -> str:
        return f"enable TTL on attribute {self.attribute}"


@dataclass(frozen=True, slots=True)
class DisableTtl:
    """Turn expiry off (no entity declares a TTL field, or it moved to another attribute)."""

    action: ClassVar[str] = "UpdateTimeToLive"
    symbol: ClassVar[str] = "-"
    busy: ClassVar[bool] = False

    table: str
    attribute: str

    def payload(self) -> dict[str, Any]:
        """UpdateTimeToLive, disabled."""
        spec = {"Enabled": False, "AttributeName": self.attribute}
        return {"TableName": self.table, "TimeToLiveSpecification": spec}

    def __str__(self) -> str:
        return f"disable TTL on attribute {self.attribute}"


@dataclass(frozen=True, slots=True)
class EnablePitr:
    """Turn point-in-time recovery on (never off: losing backups is not a plan's call)."""

    action: ClassVar[str] = "UpdateContinuousBackups"
    symbol: ClassVar[str] = "+"
    busy: ClassVar[bool] = False

    table: str

    def payload(self) -> dict[str, Any]:
        """UpdateContinuousBackups, enabled."""
        spec = {"PointInTimeRecoveryEnabled": True}
        return {"TableName": self.table, "PointInTimeRecoverySpecification": spec}

    def __str__(self) -> str:
        return "enable point-in-time recovery"


Change = (
    CreateTable
    | AddIndex
    | DropIndex
    | UpdateBilling
    | EnableStream
    | DisableStream
    | EnableTtl
    | DisableTtl
    | EnablePitr
)

DriftKind = Literal["key_schema", "local_index", "attribute_type", "index_shape"]


@dataclass(frozen=True, slots=True)
class Drift:
    """A difference the plan refuses to fix; ``expected`` is the spec's, ``actual`` the table's."""

    kind: DriftKind
    table: str
    subject: str
    expected: str
    actual: str
    hint: str

    def __str__(self) -> str:
        return f"{self.subject}: declared {self.expected}, table has {self.actual} ({self.hint})"
