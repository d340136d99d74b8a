"""UpdateTimeToLive and DescribeTimeToLive as frozen values.

TTL is configuration, not data: DynamoDB's sweeper deletes expired items eventually (and
DynamoDB Local's may not at all, RELIABILITY fact 3), so readers must still compare expiry
with the clock; these operations only switch the sweeper on and report its state.

``UpdateTimeToLive`` is not ``resend_safe``: AWS rejects a second identical request with a
ValidationException ("TimeToLive is already enabled"), which would misreport a success.

Example:
    >>> UpdateTimeToLive(table="sessions", attribute="expires_at").to_request()
    {'TableName': 'sessions', 'TimeToLiveSpecification': {'Enabled': True, 'AttributeName': \
'expires_at'}}
    >>> DescribeTimeToLive(table="sessions").parse(
    ...     {"TimeToLiveDescription": {"TimeToLiveStatus": "ENABLED",
    ...                                "AttributeName": "expires_at"}}).enabled
    True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from dynastack.core.operations.base import Service

__all__ = [
    "DescribeTimeToLive",
    "TimeToLiveDescription",
    "TimeToLiveSpecification",
    "UpdateTimeToLive",
]


@dataclass(frozen=True, slots=True)
class TimeToLiveSpecification:
    """What UpdateTimeToLive set: the attribute and whether expiry is on."""

    enabled: bool
    attribute_name: str | None


@dataclass(frozen=True, slots=True)
class TimeToLiveDescription:
    """``status`` is ENABLING, ENABLED, DISABLING or DISABLED (``None`` if not reported)."""

    status: str | None
    attribute_name: str | None

    @property
    def enabled(self) -> bool:
        """Expiry is on or being switched on."""
        return self.status in ("ENABLED", "ENABLING")


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdateTimeToLive:
    """Turn expiry on (or off) for a table, using a numeric epoch-seconds attribute."""

    action: ClassVar[str] = "UpdateTimeToLive"
    service: ClassVar[Service] = "dynamodb"

    table: str
    attribute: str
    enabled: bool = True

    @property
    def resend_safe(self) -> bool:
        """Never: the second request is rejected as already enabled/disabled."""
        return False

    @property
    def table_name(self) -> str:
        """The table configured."""
        return self.table

    def to_request(self) -> dict[str, Any]:
        """The UpdateTimeToLive JSON body."""
        return {
            "TableName": self.table,
            "TimeToLiveSpecification": {"Enabled": self.enabled, "AttributeName": self.attribute},
        }

    def parse(self, response: dict[str, Any]) -> TimeToLiveSpecification:
        """The specification DynamoDB accepted (the request's, if it sent none back)."""
        spec = response.get("TimeToLiveSpecification") or {}
        return TimeToLiveSpecification(
            bool(spec.get("Enabled", self.enabled)), spec.get("AttributeName", self.attribute)
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class DescribeTimeToLive:
    """Read a table's expiry setting."""

    action: ClassVar[str] = "DescribeTimeToLive"
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
        """The DescribeTimeToLive JSON body."""
        return {"TableName": self.table}

    def parse(self, response: dict[str, Any]) -> TimeToLiveDescription:
        """The status and attribute; both ``None`` when DynamoDB reports nothing."""
        desc = response.get("TimeToLiveDescription") or {}
        return TimeToLiveDescription(desc.get("TimeToLiveStatus"), desc.get("AttributeName"))
