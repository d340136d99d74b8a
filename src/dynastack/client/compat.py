"""boto3's DynamoDB client calls on dynastack's clients: same names, arguments and replies.

Code written against ``boto3.client("dynamodb")`` moves over by changing the constructor:
``client.get_item(TableName=..., Key={"id": {"S": "a"}})`` takes and returns the same
wire-format values, raw ``bytes`` in ``B``/``BS`` (base64 only on the wire), ``datetime``
objects where botocore's model declares timestamps, and a ``ResponseMetadata`` entry. Failures
raise dynastack's typed errors instead of ``ClientError``.

Why it is built this way:

* One table of methods (``Boto3Calls``): each method is a one-line call of ``_call`` that a
  type checker can see; ``Client`` and ``AsyncClient`` inherit the same table, so the two
  cannot list different methods.
* botocore's service model (``botocore/data``) is the source of truth for argument names and
  for where blobs and timestamps sit. It is read lazily, once per process, and compiled once
  per operation into a ``CallSpec``: the accepted names plus converters that visit only the
  branches of a request or reply that can hold a blob or a timestamp.
* The call itself goes through the client's one ``send`` path as a ``RawCall`` operation
  (which also judges, from the payload, whether a lost reply may be resent).
"""

from __future__ import annotations

import base64
import functools
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from dynastack.core.operations.base import Service
from dynastack.core.operations.raw import RawCall
from dynastack.core.wire import HttpResponse
from dynastack.errors import InvalidRequest

__all__ = ["METHODS", "Boto3Calls", "CallSpec", "call_spec", "response_metadata"]

T = TypeVar("T")
Converter = Callable[[Any], Any]

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
_STREAMS_ACTIONS = frozenset({"DescribeStream", "GetShardIterator", "GetRecords", "ListStreams"})
_MODELS: Mapping[Service, str] = {"dynamodb": "dynamodb", "streams": "dynamodbstreams"}


@functools.cache
def _model(service: Service) -> Mapping[str, Any]:
    from botocore.loaders import Loader

    model: Mapping[str, Any] = Loader().load_service_model(_MODELS[service], "service-2")
    return model


# ---------------------------------------------------------------------------------- converters


def _blob_in(value: Any) -> Any:
    if isinstance(value, str):
        value = value.encode()
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(value).decode("ascii")
    return value  # not a blob: DynamoDB will say what is wrong with it


def _timestamp_in(value: Any) -> Any:
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.timestamp()
    return value


_b64decode = base64.b64decode


def _blob_out(value: Any) -> Any:
    return _b64decode(value) if isinstance(value, str) else value


def _timestamp_out(value: Any) -> Any:
    from botocore.utils import parse_timestamp  # botocore's own rule (local time zone)

    return parse_timestamp(value)


class _Compiler:
    """Compiles converters for one model and direction, visiting only what can change."""

    def __init__(self, shapes: Mapping[str, Any], inbound: bool) -> None:
        self.shapes = shapes
        self.inbound = inbound
        self.memo: dict[str, Converter | None] = {}
        self.live = self._live()

    def _live(self) -> set[str]:
        """Names of shapes that contain, at any depth, a blob or a timestamp."""
        shapes = self.shapes
        live = {name for name, s in shapes.items() if s["type"] in ("blob", "timestamp")}
        changed = True
        while changed:
            changed = False
            for name, shape in shapes.items():
                if name in live:
                    continue
                kind = shape["type"]
                children: list[str] = []
                if kind == "structure":
                    children = [m["shape"] for m in shape["members"].values()]
                elif kind == "list":
                    children = [shape["member"]["shape"]]
                elif kind == "map":
                    children = [shape["value"]["shape"]]
                if any(child in live for child in children):
                    live.add(name)
                    changed = True
        return live

    def build(self, name: str) -> Converter | None:
        if name in self.memo:
            return self.memo[name]
        if name not in self.live:
            self.memo[name] = None
            return None
        if name == "AttributeValue":
            # the hottest shape by far (every attribute of every item): hand-written below
            self.memo[name] = _value_in if self.inbound else _value_out
            return self.memo[name]
        shape = self.shapes[name]
        kind = shape["type"]
        if kind == "blob":
            self.memo[name] = _blob_in if self.inbound else _blob_out
            return self.memo[name]
        if kind == "timestamp":
            self.memo[name] = _timestamp_in if self.inbound else _timestamp_out
            return self.memo[name]
        # a forward reference for recursive shapes (AttributeValue → M → AttributeValue)
        late: list[Converter] = []

        def forward(value: Any) -> Any:
            return late[0](value)

        self.memo[name] = forward
        if kind == "structure":
            members: list[tuple[str, Converter]] = []
            for member, ref in shape["members"].items():
                child = self.build(ref["shape"])
                if child is not None:
                    members.append((member, child))
            built = (
                _structure_in(tuple(members)) if self.inbound else _structure_out(tuple(members))
            )
        elif kind == "list":
            child = self.build(shape["member"]["shape"])
            assert child is not None
            built = _list_in(child) if self.inbound else _list_out(child)
        elif shape["value"]["shape"] == "AttributeValue" and not self.inbound:
            built = _item_out
        else:
            child = self.build(shape["value"]["shape"])
            assert child is not None
            built = _map_in(child) if self.inbound else _map_out(child)
        late.append(built)
        self.memo[name] = built
        return built


# Inbound converters copy only the containers on a changed path: a caller's arguments are
# never modified. Outbound converters change the freshly decoded reply in place.


def _value_in(value: Any) -> Any:
    """An AttributeValue with bytes in ``B``/``BS`` (at any depth) made base64 for the wire."""
    if not isinstance(value, dict) or "S" in value or "N" in value:
        return value
    converted: Any = None
    if "M" in value:
        inner = value["M"]
        if isinstance(inner, dict):
            new_map = {key: _value_in(item) for key, item in inner.items()}
            if any(new_map[key] is not inner[key] for key in inner):
                converted = {**value, "M": new_map}
    elif "L" in value:
        items = value["L"]
        if isinstance(items, list | tuple):
            new_list = [_value_in(item) for item in items]
            if any(a is not b for a, b in zip(new_list, items, strict=True)):
                converted = {**value, "L": new_list}
    elif "B" in value:
        converted = {**value, "B": _blob_in(value["B"])}
    elif "BS" in value and isinstance(value["BS"], list | tuple | set | frozenset):
        converted = {**value, "BS": [_blob_in(item) for item in value["BS"]]}
    return value if converted is None else converted


def _value_out(value: Any) -> Any:
    """An AttributeValue from the wire with base64 ``B``/``BS`` (at any depth) made bytes."""
    if "S" in value or "N" in value:
        return value
    if "M" in value:
        inner = value["M"]
        for key, item in inner.items():
            inner[key] = _value_out(item)
    elif "L" in value:
        items = value["L"]
        for index, item in enumerate(items):
            items[index] = _value_out(item)
    elif "B" in value:
        value["B"] = _b64decode(value["B"])
    elif "BS" in value:
        value["BS"] = [_b64decode(item) for item in value["BS"]]
    return value


def _item_out(item: Any) -> Any:
    """An item (name → AttributeValue) from the wire, bytes restored in place."""
    if isinstance(item, dict):
        for value in item.values():
            if "S" not in value and "N" not in value:
                _value_out(value)
    return item


def _structure_in(members: tuple[tuple[str, Converter], ...]) -> Converter:
    def convert(value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        out: dict[str, Any] | None = None
        for key, child in members:
            if key in value:
                old = value[key]
                new = child(old)
                if new is not old:
                    if out is None:
                        out = dict(value)
                    out[key] = new
        return value if out is None else out

    return convert


def _list_in(child: Converter) -> Converter:
    def convert(value: Any) -> Any:
        if not isinstance(value, list | tuple | set | frozenset):
            return value
        items = list(value)
        changed = False
        for index, old in enumerate(items):
            new = child(old)
            if new is not old:
                items[index] = new
                changed = True
        return items if changed or not isinstance(value, list) else value

    return convert


def _map_in(child: Converter) -> Converter:
    def convert(value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        out: dict[str, Any] | None = None
        for key, old in value.items():
            new = child(old)
            if new is not old:
                if out is None:
                    out = dict(value)
                out[key] = new
        return value if out is None else out

    return convert


def _structure_out(members: tuple[tuple[str, Converter], ...]) -> Converter:
    def convert(value: Any) -> Any:
        if isinstance(value, dict):
            for key, child in members:
                if key in value:
                    value[key] = child(value[key])
        return value

    return convert


def _list_out(child: Converter) -> Converter:
    def convert(value: Any) -> Any:
        if isinstance(value, list):
            for index, item in enumerate(value):
                value[index] = child(item)
        return value

    return convert


def _map_out(child: Converter) -> Converter:
    def convert(value: Any) -> Any:
        if isinstance(value, dict):
            for key, item in value.items():
                value[key] = child(item)
        return value

    return convert


@functools.cache
def _compiler(service: Service, inbound: bool) -> _Compiler:
    return _Compiler(_model(service)["shapes"], inbound)


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

    def operation(self, kwargs: dict[str, Any]) -> RawCall:
        """Check ``kwargs`` against the model and build the call; ``kwargs`` becomes its payload.

        Raises ``InvalidRequest`` for an unknown or missing parameter, before anything is sent.
        """
        members = self.members
        for name in kwargs:
            if name not in members:
                raise InvalidRequest(
                    f"{self.method}() got an unknown parameter {name!r}; "
                    f"valid parameters: {', '.join(sorted(members))}"
                )
        for name in self.required:
            if name not in kwargs:
                raise InvalidRequest(f"{self.method}() is missing the required parameter {name!r}")
        inbound = self.inbound
        payload: dict[str, Any] = kwargs if inbound is None else inbound(kwargs)
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
    operation = _model(service)["operations"][action]
    shapes = _model(service)["shapes"]
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
        inbound=_compiler(service, True).build(input_name),
        outbound=_compiler(service, False).build(output_name) if output_name else None,
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
