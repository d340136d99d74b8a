"""Single-item operations: GetItem, PutItem, UpdateItem and DeleteItem as frozen values.

These four are the hot path (one per API request), so ``to_request`` writes each optional
key only when it is set and builds no intermediate dicts. Keys, items and expression values
are Python values, encoded by ``core.values`` when the request is built; results decode back.

Resending after a lost reply (``resend_safe``) is decided per value, from what the write
could do the second time:

* ``GetItem`` reads: always safe.
* ``PutItem`` / ``DeleteItem`` without a condition and without ``ReturnValues`` (other than
  ``NONE``) leave the same state when applied twice: safe. With a condition, the second
  attempt can fail on the first attempt's own effect (RELIABILITY fact 1); with
  ``ReturnValues=ALL_OLD`` the second reply would describe our own write, not the old item.
* ``UpdateItem`` is never safe: ``SET n = n + :one`` or ``ADD`` applies twice, and the value
  cannot tell such an update from an idempotent one without parsing the expression.

Example:
    >>> op = GetItem(table="users", key={"pk": "USER#1"}, consistent=True)
    >>> op.to_request()
    {'TableName': 'users', 'Key': {'pk': {'S': 'USER#1'}}, 'ConsistentRead': True}
    >>> op.parse({"Item": {"pk": {"S": "USER#1"}, "n": {"N": "3"}}}).item
    {'pk': 'USER#1', 'n': 3}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from dynastack.core.limits import check_item_size
from dynastack.core.operations.base import Service
from dynastack.core.operations.fields import (
    ReturnCapacity,
    ReturnMetrics,
    ReturnOnFailure,
    ReturnValues,
    check_expression,
    decode_optional,
    put_expression_args,
    wire_key,
)
from dynastack.core.values import encode_item

__all__ = [
    "DeleteItem",
    "DeleteItemResult",
    "GetItem",
    "GetItemResult",
    "PutItem",
    "PutItemResult",
    "UpdateItem",
    "UpdateItemResult",
]


@dataclass(frozen=True, slots=True)
class GetItemResult:
    """The item (``None`` when absent) and, if asked for, the consumed capacity."""

    item: dict[str, Any] | None
    consumed_capacity: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class PutItemResult:
    """``attributes``: the old item when ``return_values="ALL_OLD"`` and one existed."""

    attributes: dict[str, Any] | None
    consumed_capacity: dict[str, Any] | None = None
    item_collection_metrics: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class UpdateItemResult:
    """``attributes``: the old or new attributes, as ``return_values`` asked."""

    attributes: dict[str, Any] | None
    consumed_capacity: dict[str, Any] | None = None
    item_collection_metrics: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class DeleteItemResult:
    """``attributes``: the deleted item when ``return_values="ALL_OLD"`` and one existed."""

    attributes: dict[str, Any] | None
    consumed_capacity: dict[str, Any] | None = None
    item_collection_metrics: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class GetItem:
    """Read one item by its full primary key.

    Example:
        >>> op = GetItem(table="t", key={"pk": "a"}, projection="#n", names={"#n": "name"})
        >>> list(op.to_request())
        ['TableName', 'Key', 'ProjectionExpression', 'ExpressionAttributeNames']
    """

    action: ClassVar[str] = "GetItem"
    service: ClassVar[Service] = "dynamodb"

    table: str
    key: Mapping[str, object]
    consistent: bool = False
    projection: str | None = None
    names: Mapping[str, str] | None = None
    return_consumed_capacity: ReturnCapacity | None = None

    def __post_init__(self) -> None:
        check_expression("ProjectionExpression", self.projection)

    @property
    def resend_safe(self) -> bool:
        """A read: always safe to send again."""
        return True

    @property
    def table_name(self) -> str:
        """The table read from."""
        return self.table

    def to_request(self) -> dict[str, Any]:
        """The GetItem JSON body."""
        req: dict[str, Any] = {"TableName": self.table, "Key": wire_key(self.key)}
        if self.consistent:
            req["ConsistentRead"] = True
        if self.projection is not None:
            req["ProjectionExpression"] = self.projection
        if self.names:
            req["ExpressionAttributeNames"] = dict(self.names)
        if self.return_consumed_capacity is not None:
            req["ReturnConsumedCapacity"] = self.return_consumed_capacity
        return req

    def parse(self, response: dict[str, Any]) -> GetItemResult:
        """Decode the item; a missing ``Item`` key means no such item."""
        return GetItemResult(
            decode_optional(response.get("Item")), response.get("ConsumedCapacity")
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class PutItem:
    """Create or replace one item, optionally under a condition.

    Example:
        >>> op = PutItem(table="t", item={"pk": "a"}, condition="attribute_not_exists(pk)",
        ...              return_values_on_condition_check_failure="ALL_OLD")
        >>> op.resend_safe
        False
        >>> op.to_request()["ConditionExpression"]
        'attribute_not_exists(pk)'
    """

    action: ClassVar[str] = "PutItem"
    service: ClassVar[Service] = "dynamodb"

    table: str
    item: Mapping[str, object]
    condition: str | None = None
    names: Mapping[str, str] | None = None
    values: Mapping[str, object] | None = None
    return_values: ReturnValues | None = None
    return_values_on_condition_check_failure: ReturnOnFailure | None = None
    return_consumed_capacity: ReturnCapacity | None = None
    return_item_collection_metrics: ReturnMetrics | None = None

    def __post_init__(self) -> None:
        check_expression("ConditionExpression", self.condition)

    @property
    def resend_safe(self) -> bool:
        """Safe only unconditional and without old values (see the module docstring)."""
        return self.condition is None and self.return_values in (None, "NONE")

    @property
    def table_name(self) -> str:
        """The table written to."""
        return self.table

    def to_request(self) -> dict[str, Any]:
        """The PutItem JSON body; raises ``ItemTooLarge`` for an item over 400 KB."""
        item = encode_item(self.item)
        check_item_size(item)
        req: dict[str, Any] = {"TableName": self.table, "Item": item}
        if self.condition is not None:
            req["ConditionExpression"] = self.condition
        put_expression_args(req, self.names, self.values)
        if self.return_values is not None:
            req["ReturnValues"] = self.return_values
        if self.return_values_on_condition_check_failure is not None:
            req["ReturnValuesOnConditionCheckFailure"] = (
                self.return_values_on_condition_check_failure
            )
        if self.return_consumed_capacity is not None:
            req["ReturnConsumedCapacity"] = self.return_consumed_capacity
        if self.return_item_collection_metrics is not None:
            req["ReturnItemCollectionMetrics"] = self.return_item_collection_metrics
        return req

    def parse(self, response: dict[str, Any]) -> PutItemResult:
        """Decode ``Attributes`` (the old item, when asked for)."""
        return PutItemResult(
            decode_optional(response.get("Attributes")),
            response.get("ConsumedCapacity"),
            response.get("ItemCollectionMetrics"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdateItem:
    """Change attributes of one item (creating it if absent), optionally under a condition.

    Example:
        >>> op = UpdateItem(table="t", key={"pk": "a"}, update="ADD n :one", values={":one": 1},
        ...                 return_values="UPDATED_NEW")
        >>> op.to_request()["ExpressionAttributeValues"]
        {':one': {'N': '1'}}
        >>> op.parse({"Attributes": {"n": {"N": "5"}}}).attributes
        {'n': 5}
    """

    action: ClassVar[str] = "UpdateItem"
    service: ClassVar[Service] = "dynamodb"

    table: str
    key: Mapping[str, object]
    update: str | None = None
    condition: str | None = None
    names: Mapping[str, str] | None = None
    values: Mapping[str, object] | None = None
    return_values: ReturnValues | None = None
    return_values_on_condition_check_failure: ReturnOnFailure | None = None
    return_consumed_capacity: ReturnCapacity | None = None
    return_item_collection_metrics: ReturnMetrics | None = None

    def __post_init__(self) -> None:
        check_expression("UpdateExpression", self.update)
        check_expression("ConditionExpression", self.condition)

    @property
    def resend_safe(self) -> bool:
        """Never: an update may be relative (``ADD``, ``n = n + 1``) or conditional."""
        return False

    @property
    def table_name(self) -> str:
        """The table written to."""
        return self.table

    def to_request(self) -> dict[str, Any]:
        """The UpdateItem JSON body."""
        req: dict[str, Any] = {"TableName": self.table, "Key": wire_key(self.key)}
        if self.update is not None:
            req["UpdateExpression"] = self.update
        if self.condition is not None:
            req["ConditionExpression"] = self.condition
        put_expression_args(req, self.names, self.values)
        if self.return_values is not None:
            req["ReturnValues"] = self.return_values
        if self.return_values_on_condition_check_failure is not None:
            req["ReturnValuesOnConditionCheckFailure"] = (
                self.return_values_on_condition_check_failure
            )
        if self.return_consumed_capacity is not None:
            req["ReturnConsumedCapacity"] = self.return_consumed_capacity
        if self.return_item_collection_metrics is not None:
            req["ReturnItemCollectionMetrics"] = self.return_item_collection_metrics
        return req

    def parse(self, response: dict[str, Any]) -> UpdateItemResult:
        """Decode ``Attributes`` (old or new values, as ``return_values`` asked)."""
        return UpdateItemResult(
            decode_optional(response.get("Attributes")),
            response.get("ConsumedCapacity"),
            response.get("ItemCollectionMetrics"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class DeleteItem:
    """Delete one item by its full primary key, optionally under a condition.

    Example:
        >>> DeleteItem(table="t", key={"pk": "a"}).resend_safe
        True
    """

    action: ClassVar[str] = "DeleteItem"
    service: ClassVar[Service] = "dynamodb"

    table: str
    key: Mapping[str, object]
    condition: str | None = None
    names: Mapping[str, str] | None = None
    values: Mapping[str, object] | None = None
    return_values: ReturnValues | None = None
    return_values_on_condition_check_failure: ReturnOnFailure | None = None
    return_consumed_capacity: ReturnCapacity | None = None
    return_item_collection_metrics: ReturnMetrics | None = None

    def __post_init__(self) -> None:
        check_expression("ConditionExpression", self.condition)

    @property
    def resend_safe(self) -> bool:
        """Safe only unconditional and without old values (see the module docstring)."""
        return self.condition is None and self.return_values in (None, "NONE")

    @property
    def table_name(self) -> str:
        """The table written to."""
        return self.table

    def to_request(self) -> dict[str, Any]:
        """The DeleteItem JSON body."""
        req: dict[str, Any] = {"TableName": self.table, "Key": wire_key(self.key)}
        if self.condition is not None:
            req["ConditionExpression"] = self.condition
        put_expression_args(req, self.names, self.values)
        if self.return_values is not None:
            req["ReturnValues"] = self.return_values
        if self.return_values_on_condition_check_failure is not None:
            req["ReturnValuesOnConditionCheckFailure"] = (
                self.return_values_on_condition_check_failure
            )
        if self.return_consumed_capacity is not None:
            req["ReturnConsumedCapacity"] = self.return_consumed_capacity
        if self.return_item_collection_metrics is not None:
            req["ReturnItemCollectionMetrics"] = self.return_item_collection_metrics
        return req

    def parse(self, response: dict[str, Any]) -> DeleteItemResult:
        """Decode ``Attributes`` (the deleted item, when asked for)."""
        return DeleteItemResult(
            decode_optional(response.get("Attributes")),
            response.get("ConsumedCapacity"),
            response.get("ItemCollectionMetrics"),
        )
