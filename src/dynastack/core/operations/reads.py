"""Query and Scan as frozen values, one page per request.

A page is one request: the caller (or the pagination layer) sends the value, reads
``last_evaluated_key`` and sends ``op.next_page(result)`` until it is ``None``. Keys stay
Python values on both sides, so a decoded ``LastEvaluatedKey`` goes back out as the next
``ExclusiveStartKey`` unchanged (the codec round-trips exactly). Sealing cursors is the
pagination layer's job, not this one's (RELIABILITY fact 2).

Parallel scans split the table into ``total_segments`` pieces; ``segment`` picks one. Both
are given or neither, and ``0 <= segment < total_segments <= 1,000,000`` is checked when the
value is built, since DynamoDB would only reject the request after a round trip.

Example:
    >>> op = Query(table="t", key_condition="pk = :p", values={":p": "A"}, limit=2)
    >>> op.to_request()["KeyConditionExpression"], op.to_request()["Limit"]
    ('pk = :p', 2)
    >>> page = op.parse({"Items": [{"pk": {"S": "A"}}], "Count": 1, "ScannedCount": 1,
    ...                  "LastEvaluatedKey": {"pk": {"S": "A"}}})
    >>> page.items, op.next_page(page).exclusive_start_key
    ([{'pk': 'A'}], {'pk': 'A'})
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from dynastack.core.operations.base import Service
from dynastack.core.operations.fields import (
    ReturnCapacity,
    Select,
    check_expression,
    check_limit,
    decode_optional,
    put_expression_args,
    wire_start_key,
)
from dynastack.core.values import decode_item
from dynastack.errors import InvalidRequest

__all__ = ["MAX_SEGMENTS", "Query", "QueryResult", "Scan", "ScanResult"]

#: DynamoDB's upper bound for ``TotalSegments``
MAX_SEGMENTS = 1_000_000


@dataclass(frozen=True, slots=True)
class QueryResult:
    """One page: decoded items, counts, and the key to continue from (``None``: done)."""

    items: list[dict[str, Any]]
    count: int
    scanned_count: int
    last_evaluated_key: dict[str, Any] | None = None
    consumed_capacity: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class ScanResult:
    """One page: decoded items, counts, and the key to continue from (``None``: done)."""

    items: list[dict[str, Any]]
    count: int
    scanned_count: int
    last_evaluated_key: dict[str, Any] | None = None
    consumed_capacity: dict[str, Any] | None = None


def _page_parts(
    response: dict[str, Any],
) -> tuple[list[dict[str, Any]], int, int, dict[str, Any] | None, dict[str, Any] | None]:
    # Select=COUNT replies carry no Items; some engines leave out ScannedCount
    items = [decode_item(item) for item in response.get("Items", ())]
    count = response.get("Count", len(items))
    scanned = response.get("ScannedCount", count)
    last = decode_optional(response.get("LastEvaluatedKey"))
    return items, count, scanned, last, response.get("ConsumedCapacity")


@dataclass(frozen=True, slots=True, kw_only=True)
class Query:
    """Read the items of one partition (of the table or an index), in sort-key order.

    Example:
        >>> Query(table="t", key_condition="pk = :p", values={":p": 1}, forward=False,
        ...       index="ByDate").to_request()["ScanIndexForward"]
        False
    """

    action: ClassVar[str] = "Query"
    service: ClassVar[Service] = "dynamodb"

    table: str
    key_condition: str
    names: Mapping[str, str] | None = None
    values: Mapping[str, object] | None = None
    index: str | None = None
    filter: str | None = None
    projection: str | None = None
    select: Select | None = None
    limit: int | None = None
    consistent: bool = False
    forward: bool = True
    exclusive_start_key: Mapping[str, object] | None = None
    return_consumed_capacity: ReturnCapacity | None = None

    def __post_init__(self) -> None:
        check_expression("KeyConditionExpression", self.key_condition)
        check_expression("FilterExpression", self.filter)
        check_expression("ProjectionExpression", self.projection)
        check_limit("Limit", self.limit, 1)

    @property
    def resend_safe(self) -> bool:
        """A read: always safe to send again."""
        return True

    @property
    def table_name(self) -> str:
        """The table read from."""
        return self.table

    def to_request(self) -> dict[str, Any]:
        """The Query JSON body."""
        req: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": self.key_condition,
        }
        if self.index is not None:
            req["IndexName"] = self.index
        if self.filter is not None:
            req["FilterExpression"] = self.filter
        if self.projection is not None:
            req["ProjectionExpression"] = self.projection
        put_expression_args(req, self.names, self.values)
        if self.select is not None:
            req["Select"] = self.select
        if self.limit is not None:
            req["Limit"] = self.limit
        if self.consistent:
            req["ConsistentRead"] = True
        if not self.forward:
            req["ScanIndexForward"] = False
        if self.exclusive_start_key is not None:
            req["ExclusiveStartKey"] = wire_start_key(self.exclusive_start_key)
        if self.return_consumed_capacity is not None:
            req["ReturnConsumedCapacity"] = self.return_consumed_capacity
        return req

    def parse(self, response: dict[str, Any]) -> QueryResult:
        """Decode one page of results."""
        return QueryResult(*_page_parts(response))

    def next_page(self, result: QueryResult) -> Query | None:
        """The same query continuing after ``result``, or ``None`` after the last page."""
        if result.last_evaluated_key is None:
            return None
        return replace(self, exclusive_start_key=result.last_evaluated_key)


@dataclass(frozen=True, slots=True, kw_only=True)
class Scan:
    """Read every item of a table or index, optionally one segment of a parallel scan.

    Example:
        >>> req = Scan(table="t", segment=0, total_segments=4).to_request()
        >>> req["Segment"], req["TotalSegments"]
        (0, 4)
        >>> Scan(table="t", segment=4, total_segments=4)
        Traceback (most recent call last):
        ...
        dynastack.errors.InvalidRequest: Segment must be >= 0 and < TotalSegments (4), got 4
    """

    action: ClassVar[str] = "Scan"
    service: ClassVar[Service] = "dynamodb"

    table: str
    index: str | None = None
    filter: str | None = None
    projection: str | None = None
    names: Mapping[str, str] | None = None
    values: Mapping[str, object] | None = None
    select: Select | None = None
    limit: int | None = None
    consistent: bool = False
    segment: int | None = None
    total_segments: int | None = None
    exclusive_start_key: Mapping[str, object] | None = None
    return_consumed_capacity: ReturnCapacity | None = None

    def __post_init__(self) -> None:
        check_expression("FilterExpression", self.filter)
        check_expression("ProjectionExpression", self.projection)
        check_limit("Limit", self.limit, 1)
        if (self.segment is None) != (self.total_segments is None):
            raise InvalidRequest("Segment and TotalSegments must be given together")
        if self.total_segments is not None and self.segment is not None:
            check_limit("TotalSegments", self.total_segments, 1, MAX_SEGMENTS)
            if isinstance(self.segment, bool) or not 0 <= self.segment < self.total_segments:
                raise InvalidRequest(
                    f"Segment must be >= 0 and < TotalSegments ({self.total_segments}), "
                    f"got {self.segment}"
                )

    @property
    def resend_safe(self) -> bool:
        """A read: always safe to send again."""
        return True

    @property
    def table_name(self) -> str:
        """The table read from."""
        return self.table

    def to_request(self) -> dict[str, Any]:
        """The Scan JSON body."""
        req: dict[str, Any] = {"TableName": self.table}
        if self.index is not None:
            req["IndexName"] = self.index
        if self.filter is not None:
            req["FilterExpression"] = self.filter
        if self.projection is not None:
            req["ProjectionExpression"] = self.projection
        put_expression_args(req, self.names, self.values)
        if self.select is not None:
            req["Select"] = self.select
        if self.limit is not None:
            req["Limit"] = self.limit
        if self.consistent:
            req["ConsistentRead"] = True
        if self.segment is not None:
            req["Segment"] = self.segment
            req["TotalSegments"] = self.total_segments
        if self.exclusive_start_key is not None:
            req["ExclusiveStartKey"] = wire_start_key(self.exclusive_start_key)
        if self.return_consumed_capacity is not None:
            req["ReturnConsumedCapacity"] = self.return_consumed_capacity
        return req

    def parse(self, response: dict[str, Any]) -> ScanResult:
        """Decode one page of results."""
        return ScanResult(*_page_parts(response))

    def next_page(self, result: ScanResult) -> Scan | None:
        """The same scan (same segment) continuing after ``result``, or ``None`` when done."""
        if result.last_evaluated_key is None:
            return None
        return replace(self, exclusive_start_key=result.last_evaluated_key)
