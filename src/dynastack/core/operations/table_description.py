"""TableDescription: DescribeTable's metadata kept raw, with typed accessors.

A table description has dozens of optional, version-dependent members (replicas, archival,
warm throughput …) that differ between DynamoDB Local, AWS and Alternator. Modelling them
all would break on every new member, so the dict stays as DynamoDB sent it and only what
callers branch on (status, keys, index states, stream ARN) gets a typed property, each
``None`` when the member is absent.

Example:
    >>> TableDescription({"TableStatus": "ACTIVE", "GlobalSecondaryIndexes": [
    ...     {"IndexName": "ByOrg", "IndexStatus": "CREATING"}]}).is_ready
    False
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["TableDescription"]


@dataclass(frozen=True, slots=True)
class TableDescription:
    """A ``TableDescription`` as DynamoDB sent it (``raw``), with typed accessors.

    Example:
        >>> d = TableDescription({"TableName": "t", "KeySchema": [
        ...     {"AttributeName": "pk", "KeyType": "HASH"}], "ItemCount": 3})
        >>> d.name, d.partition_key, d.sort_key, d.item_count
        ('t', 'pk', None, 3)
    """

    raw: dict[str, Any]

    @property
    def name(self) -> str | None:
        """``TableName``."""
        return self.raw.get("TableName")

    @property
    def status(self) -> str | None:
        """``TableStatus``: CREATING, ACTIVE, UPDATING, DELETING …"""
        return self.raw.get("TableStatus")

    @property
    def item_count(self) -> int | None:
        """``ItemCount`` (refreshed by DynamoDB about every six hours)."""
        return self.raw.get("ItemCount")

    @property
    def size_bytes(self) -> int | None:
        """``TableSizeBytes``."""
        return self.raw.get("TableSizeBytes")

    @property
    def arn(self) -> str | None:
        """``TableArn``."""
        return self.raw.get("TableArn")

    @property
    def partition_key(self) -> str | None:
        """The HASH key attribute name."""
        return self._key("HASH")

    @property
    def sort_key(self) -> str | None:
        """The RANGE key attribute name, or ``None`` for a partition-key-only table."""
        return self._key("RANGE")

    @property
    def billing_mode(self) -> str | None:
        """``BillingModeSummary.BillingMode`` (absent on tables created as PROVISIONED)."""
        summary = self.raw.get("BillingModeSummary") or {}
        mode: str | None = summary.get("BillingMode")
        return mode

    @property
    def stream_arn(self) -> str | None:
        """``LatestStreamArn``, when a stream was ever enabled."""
        return self.raw.get("LatestStreamArn")

    @property
    def index_statuses(self) -> dict[str, str]:
        """Each global secondary index's ``IndexStatus`` (local ones share the table's)."""
        return {
            gsi.get("IndexName", ""): gsi.get("IndexStatus", "ACTIVE")
            for gsi in self.raw.get("GlobalSecondaryIndexes") or ()
        }

    @property
    def is_ready(self) -> bool:
        """The table and all its global secondary indexes are ACTIVE."""
        return self.status == "ACTIVE" and all(s == "ACTIVE" for s in self.index_statuses.values())

    def _key(self, kind: str) -> str | None:
        for element in self.raw.get("KeySchema") or ():
            if element.get("KeyType") == kind:
                name: str | None = element.get("AttributeName")
                return name
        return None
