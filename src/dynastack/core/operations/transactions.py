"""TransactGetItems and TransactWriteItems as frozen values, idempotent by construction.

The ``client_request_token`` is a field with a fresh default, so it is fixed when the value
is built: sending the same value again (a retry after a lost reply, ``dataclasses.replace``
with other options) reuses the token and DynamoDB applies the transaction at most once
within its 10-minute idempotency window (RELIABILITY fact 1, R9). Building a new value makes
a new token, which is what a deliberately different transaction needs.

DynamoDB's rules are checked before sending (R10): 1-100 actions, at most 4 MB of items and
keys in total (the sum of ``core.limits.item_size`` over every put item and every key; the
expression attribute values are not counted), each put item at most 400 KB, valid key
values, and no two actions on one item. As in ``batch``, a put's key is found through
``key_attributes`` or through the key of another action on the same table.

Example:
    >>> op = TransactWriteItems(actions=[
    ...     TransactPut(table="t", item={"pk": "a"}, condition="attribute_not_exists(pk)"),
    ...     ConditionCheck(table="t", key={"pk": "b"}, condition="attribute_exists(pk)"),
    ... ], client_request_token="token-1")
    >>> req = op.to_request()
    >>> [next(iter(action)) for action in req["TransactItems"]], req["ClientRequestToken"]
    (['Put', 'ConditionCheck'], 'token-1')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar
from uuid import uuid4

from dynastack.core.limits import (
    TRANSACT_MAX_ACTIONS,
    TRANSACT_MAX_BYTES,
    check_count,
    check_item_size,
    check_key_values,
    item_size,
)
from dynastack.core.operations.base import Service
from dynastack.core.operations.fields import (
    ItemIdentity,
    ReturnCapacity,
    ReturnMetrics,
    ReturnOnFailure,
    check_expression,
    claim_item,
    declared_sort_key,
    decode_optional,
    put_expression_args,
    wire_key,
)
from dynastack.core.values import encode_item
from dynastack.errors import InvalidRequest, LimitExceeded

__all__ = [
    "ConditionCheck",
    "TransactDelete",
    "TransactGet",
    "TransactGetItems",
    "TransactGetResult",
    "TransactPut",
    "TransactUpdate",
    "TransactWriteAction",
    "TransactWriteItems",
    "TransactWriteResult",
]

#: DynamoDB accepts client request tokens of 1 to 36 characters
TOKEN_MAX_LENGTH = 36


def _new_token() -> str:
    return uuid4().hex


def _remember(seen: set[ItemIdentity], table: str, key: dict[str, Any], what: str) -> None:
    if not claim_item(seen, table, key):
        raise InvalidRequest(f"{what} has two actions on the item {key!r} of table {table!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class TransactGet:
    """One read of a ``TransactGetItems``."""

    table: str
    key: Mapping[str, object]
    projection: str | None = None
    names: Mapping[str, str] | None = None

    def __post_init__(self) -> None:
        check_expression("ProjectionExpression", self.projection)


@dataclass(frozen=True, slots=True)
class TransactGetResult:
    """One entry per get, in order: the decoded item or ``None`` when it does not exist."""

    items: list[dict[str, Any] | None]
    consumed_capacity: list[dict[str, Any]] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TransactGetItems:
    """Read up to 100 items as one serializable snapshot.

    Example:
        >>> op = TransactGetItems(gets=[TransactGet(table="t", key={"pk": "a"})])
        >>> op.parse({"Responses": [{}]}).items
        [None]
    """

    action: ClassVar[str] = "TransactGetItems"
    service: ClassVar[Service] = "dynamodb"

    gets: Sequence[TransactGet]
    return_consumed_capacity: ReturnCapacity | None = None

    def __post_init__(self) -> None:
        if not self.gets:
            raise InvalidRequest("TransactGetItems needs at least one get")
        check_count("TransactGetItems actions", len(self.gets), TRANSACT_MAX_ACTIONS)

    @property
    def resend_safe(self) -> bool:
        """A read: always safe to send again."""
        return True

    @property
    def table_name(self) -> str | None:
        """The table when every get reads from the same one, else ``None``."""
        first = self.gets[0].table
        return first if all(g.table == first for g in self.gets) else None

    def to_request(self) -> dict[str, Any]:
        """The TransactGetItems JSON body; raises ``InvalidRequest`` for an item read twice."""
        seen: set[ItemIdentity] = set()
        gets: list[dict[str, Any]] = []
        for get in self.gets:
            key = wire_key(get.key)
            _remember(seen, get.table, key, "TransactGetItems")
            wire: dict[str, Any] = {"TableName": get.table, "Key": key}
            if get.projection is not None:
                wire["ProjectionExpression"] = get.projection
            if get.names:
                wire["ExpressionAttributeNames"] = dict(get.names)
            gets.append({"Get": wire})
        req: dict[str, Any] = {"TransactItems": gets}
        if self.return_consumed_capacity is not None:
            req["ReturnConsumedCapacity"] = self.return_consumed_capacity
        return req

    def parse(self, response: dict[str, Any]) -> TransactGetResult:
        """Decode each ``ItemResponse``; an empty one means the item does not exist."""
        responses = response.get("Responses")
        if responses is None:
            items: list[dict[str, Any] | None] = [None] * len(self.gets)
        else:
            items = [decode_optional(r.get("Item")) for r in responses]
        return TransactGetResult(items, response.get("ConsumedCapacity"))


@dataclass(frozen=True, slots=True, kw_only=True)
class TransactPut:
    """Put one item as part of a transaction."""

    table: str
    item: Mapping[str, object]
    condition: str | None = None
    names: Mapping[str, str] | None = None
    values: Mapping[str, object] | None = None
    return_values_on_condition_check_failure: ReturnOnFailure | None = None

    def __post_init__(self) -> None:
        check_expression("ConditionExpression", self.condition)


@dataclass(frozen=True, slots=True, kw_only=True)
class TransactUpdate:
    """Update one item as part of a transaction."""

    table: str
    key: Mapping[str, object]
    update: str
    condition: str | None = None
    names: Mapping[str, str] | None = None
    values: Mapping[str, object] | None = None
    return_values_on_condition_check_failure: ReturnOnFailure | None = None

    def __post_init__(self) -> None:
        check_expression("UpdateExpression", self.update)
        check_expression("ConditionExpression", self.condition)


@dataclass(frozen=True, slots=True, kw_only=True)
class TransactDelete:
    """Delete one item as part of a transaction."""

    table: str
    key: Mapping[str, object]
    condition: str | None = None
    names: Mapping[str, str] | None = None
    values: Mapping[str, object] | None = None
    return_values_on_condition_check_failure: ReturnOnFailure | None = None

    def __post_init__(self) -> None:
        check_expression("ConditionExpression", self.condition)


@dataclass(frozen=True, slots=True, kw_only=True)
class ConditionCheck:
    """Require a condition on an item that the transaction does not otherwise change."""

    table: str
    key: Mapping[str, object]
    condition: str
    names: Mapping[str, str] | None = None
    values: Mapping[str, object] | None = None
    return_values_on_condition_check_failure: ReturnOnFailure | None = None

    def __post_init__(self) -> None:
        check_expression("ConditionExpression", self.condition)


TransactWriteAction = TransactPut | TransactUpdate | TransactDelete | ConditionCheck

#: the TransactItems member name of each action type
_WIRE_NAME: Mapping[type[Any], str] = {
    TransactPut: "Put",
    TransactUpdate: "Update",
    TransactDelete: "Delete",
    ConditionCheck: "ConditionCheck",
}


def _action_body(action: TransactWriteAction, body: dict[str, Any]) -> dict[str, Any]:
    if isinstance(action, TransactUpdate):
        body["UpdateExpression"] = action.update
    if action.condition is not None:
        body["ConditionExpression"] = action.condition
    put_expression_args(body, action.names, action.values)
    if action.return_values_on_condition_check_failure is not None:
        body["ReturnValuesOnConditionCheckFailure"] = (
            action.return_values_on_condition_check_failure
        )
    return {_WIRE_NAME[type(action)]: body}


@dataclass(frozen=True, slots=True)
class TransactWriteResult:
    """Capacity and item collection metrics, when asked for; the writes have no output."""

    consumed_capacity: list[dict[str, Any]] | None = None
    item_collection_metrics: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TransactWriteItems:
    """Apply up to 100 writes and checks atomically; resending the value is idempotent.

    ``key_attributes`` maps a table to its key attribute names, ``(partition, sort)``, so
    that two puts of one item are caught before sending (see the module docstring).

    Example:
        >>> op = TransactWriteItems(actions=[TransactDelete(table="t", key={"pk": "a"})])
        >>> op.to_request()["ClientRequestToken"] == op.to_request()["ClientRequestToken"]
        True
        >>> op.resend_safe
        True
    """

    action: ClassVar[str] = "TransactWriteItems"
    service: ClassVar[Service] = "dynamodb"

    actions: Sequence[TransactWriteAction]
    client_request_token: str = field(default_factory=_new_token)
    key_attributes: Mapping[str, Sequence[str]] | None = None
    return_consumed_capacity: ReturnCapacity | None = None
    return_item_collection_metrics: ReturnMetrics | None = None

    def __post_init__(self) -> None:
        if not self.actions:
            raise InvalidRequest("TransactWriteItems needs at least one action")
        check_count("TransactWriteItems actions", len(self.actions), TRANSACT_MAX_ACTIONS)
        if not 1 <= len(self.client_request_token) <= TOKEN_MAX_LENGTH:
            raise InvalidRequest(
                f"ClientRequestToken must be 1 to {TOKEN_MAX_LENGTH} characters long"
            )

    @property
    def resend_safe(self) -> bool:
        """Safe: the token makes DynamoDB apply the same transaction at most once."""
        return True

    @property
    def table_name(self) -> str | None:
        """The table when every action is on the same one, else ``None``."""
        first = self.actions[0].table
        return first if all(a.table == first for a in self.actions) else None

    def _put_key_names(self) -> dict[str, tuple[bool, Sequence[str]]]:
        names: dict[str, tuple[bool, Sequence[str]]] = {}
        for action in self.actions:
            if not isinstance(action, TransactPut) and action.table not in names:
                names[action.table] = (False, tuple(action.key))
        for table, declared in (self.key_attributes or {}).items():
            names[table] = (True, declared)
        return names

    def to_request(self) -> dict[str, Any]:
        """The TransactWriteItems JSON body, after the count, size and duplicate checks."""
        seen: set[ItemIdentity] = set()
        key_names: dict[str, tuple[bool, Sequence[str]]] | None = None
        total = 0
        items: list[dict[str, Any]] = []
        for action in self.actions:
            key: dict[str, Any] | None
            if isinstance(action, TransactPut):
                item = encode_item(action.item)
                total += check_item_size(item)
                body: dict[str, Any] = {"TableName": action.table, "Item": item}
                if key_names is None:
                    key_names = self._put_key_names()
                declared, names = key_names.get(action.table, (False, ()))
                key = {name: item[name] for name in names if name in item} if names else None
                if key is not None and len(key) != len(names):
                    if declared:
                        raise InvalidRequest(
                            f"a TransactPut for table {action.table!r} lacks key attributes "
                            f"{[n for n in names if n not in item]}"
                        )
                    key = None
                if key is not None:
                    check_key_values(key, sort_key=declared_sort_key(declared, names))
            else:
                key = wire_key(action.key)
                total += item_size(key)
                body = {"TableName": action.table, "Key": key}
            if key is not None:
                _remember(seen, action.table, key, "TransactWriteItems")
            items.append(_action_body(action, body))
        if total > TRANSACT_MAX_BYTES:
            raise LimitExceeded(
                f"TransactWriteItems carries {total} bytes of items and keys; "
                f"DynamoDB allows at most {TRANSACT_MAX_BYTES}"
            )
        req: dict[str, Any] = {
            "TransactItems": items,
            "ClientRequestToken": self.client_request_token,
        }
        if self.return_consumed_capacity is not None:
            req["ReturnConsumedCapacity"] = self.return_consumed_capacity
        if self.return_item_collection_metrics is not None:
            req["ReturnItemCollectionMetrics"] = self.return_item_collection_metrics
        return req

    def parse(self, response: dict[str, Any]) -> TransactWriteResult:
        """Keep the optional metadata; a successful transaction returns nothing else."""
        return TransactWriteResult(
            response.get("ConsumedCapacity"), response.get("ItemCollectionMetrics")
        )
