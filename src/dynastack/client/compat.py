"""boto3's DynamoDB client calls on dynastack's clients: same names, arguments and replies.

Code written against ``boto3.client("dynamodb")`` moves over by changing the constructor:
``client.get_item(TableName=..., Key={"id": {"S": "a"}})`` takes and returns the same
wire-format values, raw ``bytes`` in ``B``/``BS`` (base64 only on the wire), ``datetime``
objects where botocore's model declares timestamps, and a ``ResponseMetadata`` entry. Failures
raise dynastack's typed errors that are also botocore's ``ClientError`` (client/exceptions.py),
so ``except ClientError as e: e.response["Error"]["Code"]`` and
``except client.exceptions.ConditionalCheckFailedException`` work unchanged, and
``get_paginator("query" / "scan" / "list_tables")`` pages as boto3's (client/paginators.py).

Every call is checked before it is sent (client/validation.py): a parameter of the wrong type
or shape raises ``InvalidParameter`` naming its path, and the same size and count limits as
the typed operations apply (an over-limit ``put_item`` raises ``ItemTooLarge``); nothing is
sent for either, so one caller's bad input never reaches DynamoDB or the circuit breaker.

Why it is built this way:

* One table of methods (``Boto3Calls``): each method is a one-line call of ``_call`` that a
  type checker can see; ``Client`` and ``AsyncClient`` inherit the same table, so the two
  cannot list different methods.
* botocore's service model (``botocore/data``) is the source of truth for argument names and
  for where blobs and timestamps sit. It is read lazily, once per process, and compiled once
  per operation into a ``CallSpec``: the accepted names plus the converters of
  ``client/shapes.py``.
* The call itself goes through the client's one ``send`` path as a ``RawCall`` operation
  (which also judges, from the payload, whether a lost reply may be resent).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from dynastack.client.exceptions import ClientExceptions
from dynastack.client.shapes import Converter, converter, service_model
from dynastack.client.validation import check_limits, validator
from dynastack.core.operations.base import Service
from dynastack.core.operations.raw import RawCall
from dynastack.core.wire import HttpResponse
from dynastack.errors import InvalidParameter, InvalidRequest

__all__ = ["METHODS", "Boto3Calls", "CallSpec", "call_spec", "response_metadata"]

T = TypeVar("T")

#: boto3 method name → DynamoDB action; the streams actions go to the streams endpoint.
METHODS: Mapping[str, str] = {
    "batch_get_item": "BatchGetItem",
    "batch_write_item": "BatchWriteItem",
    "create_table": "CreateTable",
    "delete_item": "DeleteItem",
    "delete_table": "DeleteTable",
    "describe_stream": "DescribeStream",
    "describe_table": "DescribeTable",
    "describe_time_to_live": "DescribeTimeToLive",
    "get_item": "GetItem",
    "get_records": "GetRecords",
    "get_shard_iterator": "GetShardIterator",
    "list_streams": "ListStreams",
    "list_tables": "ListTables",
    "put_item": "PutItem",
    "query": "Query",
    "scan": "Scan",
    "transact_get_items": "TransactGetItems",
    "transact_write_items": "TransactWriteItems",
    "update_item": "UpdateItem",
    "update_table": "UpdateTable",
    "update_time_to_live": "UpdateTimeToLive",
}
_EXCEPTIONS = ClientExceptions()
_STREAMS_ACTIONS = frozenset({"DescribeStream", "GetShardIterator", "GetRecords", "ListStreams"})
# ------------------------------------------------------------------------------ the operation


def response_metadata(response: HttpResponse, attempts: int) -> dict[str, Any]:
    """boto3's ``ResponseMetadata`` for a reply that took ``attempts`` attempts.

    Example:
        >>> meta = response_metadata(HttpResponse(200, {"x-amzn-requestid": "R1"}, b"{}"), 2)
        >>> meta["RequestId"], meta["HTTPStatusCode"], meta["HTTPHeaders"], meta["RetryAttempts"]
        ('R1', 200, {'x-amzn-requestid': 'R1'}, 1)
    """
    return {
        "RequestId": response.headers.get("x-amzn-requestid", ""),
        "HTTPStatusCode": response.status,
        "HTTPHeaders": dict(response.headers),
        "RetryAttempts": attempts - 1,
    }


@dataclass(frozen=True, slots=True)
class CallSpec:
    """One action compiled from botocore's model: accepted names and value converters."""

    method: str
    action: str
    service: Service
    members: frozenset[str]
    required: tuple[str, ...]
    tokens: tuple[str, ...]
    inbound: Converter | None = field(repr=False)
    outbound: Converter | None = field(repr=False)
    validate: Callable[[Mapping[str, Any]], None] = field(repr=False)

    def operation(self, kwargs: dict[str, Any]) -> RawCall:
        """Check ``kwargs`` against the model and build the call; ``kwargs`` becomes its payload.

        Raises ``InvalidParameter`` for an unknown, missing or mistyped parameter and
        ``ItemTooLarge`` / ``LimitExceeded`` past DynamoDB's limits, before anything is sent.
        """
        members = self.members
        for name in kwargs:
            if name not in members:
                raise InvalidParameter(
                    f"{self.method}() got an unknown parameter {name!r}; "
                    f"valid parameters: {', '.join(sorted(members))}",
                    path=name,
                )
        for name in self.required:
            if name not in kwargs:
                raise InvalidParameter(
                    f"{self.method}() is missing the required parameter {name!r}", path=name
                )
        self.validate(kwargs)
        inbound = self.inbound
        payload: dict[str, Any] = kwargs if inbound is None else inbound(kwargs)
        check_limits(self.action, payload)  # on the wire form: blobs as base64, as DynamoDB counts
        for token in self.tokens:
            if not payload.get(token):
                # one token per call, kept by every retry: a replay is a no-op (RELIABILITY R9)
                payload[token] = str(uuid.uuid4())
        return RawCall.of(self.action, payload, self.service)

    def result(self, data: dict[str, Any], response: HttpResponse, attempts: int) -> dict[str, Any]:
        """boto3's reply: bytes and datetimes restored, ``ResponseMetadata`` added."""
        outbound = self.outbound
        if outbound is not None:
            outbound(data)
        data["ResponseMetadata"] = response_metadata(response, attempts)
        return data


@functools.cache
def call_spec(action: str) -> CallSpec:
    """The compiled spec of one action (botocore's model is read on the first call).

    Example:
        >>> spec = call_spec("GetItem")
        >>> spec.method, spec.service, "Key" in spec.required
        ('get_item', 'dynamodb', True)
    """
    service: Service = "streams" if action in _STREAMS_ACTIONS else "dynamodb"
    methods = {value: key for key, value in METHODS.items()}
    if action not in methods:
        raise InvalidRequest(f"{action!r} is not an operation dynastack's clients offer")
    operation = service_model(service)["operations"][action]
    shapes = service_model(service)["shapes"]
    input_name = operation["input"]["shape"]
    input_shape = shapes[input_name]
    output_name = operation.get("output", {}).get("shape")
    return CallSpec(
        method=methods[action],
        action=action,
        service=service,
        members=frozenset(input_shape["members"]),
        required=tuple(input_shape.get("required", ())),
        tokens=tuple(
            name for name, ref in input_shape["members"].items() if ref.get("idempotencyToken")
        ),
        inbound=converter(service, input_name, inbound=True),
        outbound=converter(service, output_name, inbound=False) if output_name else None,
        validate=validator(service, input_name, methods[action]),
    )


# ---------------------------------------------------------------------------------- the table


class Boto3Calls(Generic[T]):
    """boto3's DynamoDB client methods, each a one-line ``_call``; ``T`` is what a call returns.

    ``Client`` returns the reply (``T = dict``), ``AsyncClient`` an awaitable of it. Every
    method takes boto3's keyword arguments and returns boto3's reply shape.

    Example:
        >>> from dynastack.client.compat import METHODS
        >>> sorted(name for name in METHODS if name.startswith("get_"))
        ['get_item', 'get_records', 'get_shard_iterator']
    """

    __slots__ = ()

    def _call(self, action: str, kwargs: dict[str, Any]) -> T:
        raise NotImplementedError

    @property
    def exceptions(self) -> ClientExceptions:
        """boto3's ``client.exceptions``: ``ConditionalCheckFailedException`` and the others."""
        return _EXCEPTIONS

    def can_paginate(self, operation_name: str) -> bool:
        """Whether ``get_paginator(operation_name)`` has a paginator (boto3's method)."""
        from dynastack.client.paginators import can_paginate

        return can_paginate(operation_name)

    def batch_get_item(self, **kwargs: Any) -> T:
        """boto3's ``batch_get_item``."""
        return self._call("BatchGetItem", kwargs)

    def batch_write_item(self, **kwargs: Any) -> T:
        """boto3's ``batch_write_item``."""
        return self._call("BatchWriteItem", kwargs)

    def create_table(self, **kwargs: Any) -> T:
        """boto3's ``create_table``."""
        return self._call("CreateTable", kwargs)

    def delete_item(self, **kwargs: Any) -> T:
        """boto3's ``delete_item``."""
        return self._call("DeleteItem", kwargs)

    def delete_table(self, **kwargs: Any) -> T:
        """boto3's ``delete_table``."""
        return self._call("DeleteTable", kwargs)

    def describe_stream(self, **kwargs: Any) -> T:
        """boto3's ``dynamodbstreams`` ``describe_stream``, sent to the streams endpoint."""
        return self._call("DescribeStream", kwargs)

    def describe_table(self, **kwargs: Any) -> T:
        """boto3's ``describe_table`` (timestamps as ``datetime``)."""
        return self._call("DescribeTable", kwargs)

    def describe_time_to_live(self, **kwargs: Any) -> T:
        """boto3's ``describe_time_to_live``."""
        return self._call("DescribeTimeToLive", kwargs)

    def get_item(self, **kwargs: Any) -> T:
        """boto3's ``get_item``."""
        return self._call("GetItem", kwargs)

    def get_records(self, **kwargs: Any) -> T:
        """boto3's ``dynamodbstreams`` ``get_records``, sent to the streams endpoint."""
        return self._call("GetRecords", kwargs)

    def get_shard_iterator(self, **kwargs: Any) -> T:
        """boto3's ``dynamodbstreams`` ``get_shard_iterator``, sent to the streams endpoint."""
        return self._call("GetShardIterator", kwargs)

    def list_streams(self, **kwargs: Any) -> T:
        """boto3's ``dynamodbstreams`` ``list_streams``, sent to the streams endpoint."""
        return self._call("ListStreams", kwargs)

    def list_tables(self, **kwargs: Any) -> T:
        """boto3's ``list_tables``."""
        return self._call("ListTables", kwargs)

    def put_item(self, **kwargs: Any) -> T:
        """boto3's ``put_item``."""
        return self._call("PutItem", kwargs)

    def query(self, **kwargs: Any) -> T:
        """boto3's ``query``."""
        return self._call("Query", kwargs)

    def scan(self, **kwargs: Any) -> T:
        """boto3's ``scan``."""
        return self._call("Scan", kwargs)

    def transact_get_items(self, **kwargs: Any) -> T:
        """boto3's ``transact_get_items``."""
        return self._call("TransactGetItems", kwargs)

    def transact_write_items(self, **kwargs: Any) -> T:
        """boto3's ``transact_write_items``; a ``ClientRequestToken`` is made when not given."""
        return self._call("TransactWriteItems", kwargs)

    def update_item(self, **kwargs: Any) -> T:
        """boto3's ``update_item``."""
        return self._call("UpdateItem", kwargs)

    def update_table(self, **kwargs: Any) -> T:
        """boto3's ``update_table``."""
        return self._call("UpdateTable", kwargs)

    def update_time_to_live(self, **kwargs: Any) -> T:
        """boto3's ``update_time_to_live``."""
        return self._call("UpdateTimeToLive", kwargs)
