"""RawCall: any DynamoDB (or Streams) action with a wire-format payload, sent as is.

The boto3-compatible client methods (``client.put_item(TableName=..., Item={...})``) already
hold wire-format dicts; re-typing them into operation values would cost time and lose
members this package does not model. A ``RawCall`` carries the payload through the same
send path as every typed operation and ``parse`` returns the reply dict unchanged.

The ``Operation`` protocol makes ``action`` and ``service`` class variables, so
``RawCall.of(action, payload)`` returns an instance of a small subclass made (and cached)
per action and service. The action name is checked to be a plain identifier because it
becomes part of the ``X-Amz-Target`` header.

``resend_safe`` follows the same rules as the typed operations, judged from the payload:
reads and describes are safe; ``PutItem``/``DeleteItem`` only without a condition
(``ConditionExpression`` or legacy ``Expected``) and without ``ReturnValues`` other than
NONE; ``BatchWriteItem`` is safe; ``TransactWriteItems``/``ExecuteTransaction`` are safe
because a ``ClientRequestToken`` is added when the value is built if the payload has none,
as botocore does; everything else is not.

Example:
    >>> op = RawCall.of("GetItem", {"TableName": "t", "Key": {"pk": {"S": "a"}}})
    >>> op.action, op.service, op.resend_safe, op.table_name
    ('GetItem', 'dynamodb', True, 't')
    >>> op.parse({"Item": {"pk": {"S": "a"}}})
    {'Item': {'pk': {'S': 'a'}}}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, ClassVar
from uuid import uuid4

from dynastack.core.operations.base import Service
from dynastack.errors import InvalidRequest

__all__ = ["RawCall"]

#: actions that change nothing, or that are harmless when applied twice
_ALWAYS_SAFE = frozenset(
    {
        "BatchGetItem",
        "BatchWriteItem",
        "DescribeBackup",
        "DescribeContinuousBackups",
        "DescribeEndpoints",
        "DescribeGlobalTable",
        "DescribeLimits",
        "DescribeStream",
        "DescribeTable",
        "DescribeTimeToLive",
        "GetItem",
        "GetRecords",
        "GetShardIterator",
        "ListBackups",
        "ListGlobalTables",
        "ListStreams",
        "ListTables",
        "ListTagsOfResource",
        "Query",
        "Scan",
        "TransactGetItems",
    }
)
#: writes that are safe when unconditional and not asking for old values
_SAFE_UNLESS_CONDITIONAL = frozenset({"PutItem", "DeleteItem"})
#: actions made idempotent by a ClientRequestToken
_TOKENED = frozenset({"TransactWriteItems", "ExecuteTransaction"})


@dataclass(frozen=True, slots=True)
class RawCall:
    """A wire-format call; build it with ``RawCall.of(action, payload, service=...)``."""

    action: ClassVar[str] = ""
    service: ClassVar[Service] = "dynamodb"

    payload: Mapping[str, Any]

    def __post_init__(self) -> None:
        if not type(self).action:
            raise InvalidRequest("build a RawCall with RawCall.of(action, payload)")
        if type(self).action in _TOKENED and "ClientRequestToken" not in self.payload:
            # fixed once per value, so that every resend of this value reuses it
            object.__setattr__(self, "payload", {**self.payload, "ClientRequestToken": uuid4().hex})

    @staticmethod
    def of(action: str, payload: Mapping[str, Any], service: Service = "dynamodb") -> RawCall:
        """A call of ``action`` (``"PutItem"``, ``"GetRecords"`` …) with ``payload``.

        Example:
            >>> RawCall.of("Put Item", {})
            Traceback (most recent call last):
            ...
            dynastack.errors.InvalidRequest: action 'Put Item' is not a DynamoDB action name
        """
        return _call_class(action, service)(payload)

    @property
    def resend_safe(self) -> bool:
        """Judged from the action and payload (see the module docstring)."""
        action = type(self).action
        if action in _ALWAYS_SAFE or action in _TOKENED:
            return True
        if action in _SAFE_UNLESS_CONDITIONAL:
            payload = self.payload
            return (
                "ConditionExpression" not in payload
                and "Expected" not in payload
                and payload.get("ReturnValues", "NONE") == "NONE"
            )
        return False

    @property
    def table_name(self) -> str | None:
        """The payload's ``TableName``, if it has one."""
        name = self.payload.get("TableName")
        return name if isinstance(name, str) else None

    def to_request(self) -> dict[str, Any]:
        """A shallow copy of the payload."""
        return dict(self.payload)

    def parse(self, response: dict[str, Any]) -> dict[str, Any]:
        """The reply, unchanged (wire format, as boto3 returns it)."""
        return response


@lru_cache(maxsize=256)
def _call_class(action: str, service: Service) -> type[RawCall]:
    if not (action.isascii() and action.isalnum() and action[:1].isupper()):
        raise InvalidRequest(f"action {action!r} is not a DynamoDB action name")
    if service not in ("dynamodb", "streams"):
        raise InvalidRequest(f"service {service!r} is neither 'dynamodb' nor 'streams'")
    name = f"RawCall[{action}]" if service == "dynamodb" else f"RawCall[{service}:{action}]"
    namespace = {"action": action, "service": service, "__slots__": (), "__qualname__": name}
    return type(name, (RawCall,), namespace)
