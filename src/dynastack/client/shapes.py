"""Converters between boto3's Python values and wire JSON, compiled from botocore's model.

boto3 takes and returns raw ``bytes`` where the wire has base64 strings (``B``, ``BS``) and
``datetime`` objects where it has epoch seconds (``CreationDateTime`` …). Which members those
are is written down in botocore's service model (``botocore/data``), so that is where we read
it: lazily, once per process, then compiled once per shape into small functions that visit only
the branches of a request or reply that can hold a blob or a timestamp. ``AttributeValue``,
by far the hottest shape (every attribute of every item), is hand-written.

Inbound converters copy only the containers on a changed path, so a caller's arguments are
never modified; outbound converters change the freshly decoded reply in place.

Example:
    >>> to_wire = converter("dynamodb", "PutItemInput", inbound=True)
    >>> to_wire({"TableName": "t", "Item": {"b": {"B": b"hi"}}})
    {'TableName': 't', 'Item': {'b': {'B': 'aGk='}}}
    >>> from_wire = converter("dynamodb", "GetItemOutput", inbound=False)
    >>> from_wire({"Item": {"b": {"B": "aGk="}}})
    {'Item': {'b': {'B': b'hi'}}}
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from dynastack.core.operations.base import Service

__all__ = ["Converter", "converter", "service_model"]

Converter = Callable[[Any], Any]

_MODELS: Mapping[Service, str] = {"dynamodb": "dynamodb", "streams": "dynamodbstreams"}


@functools.cache
def service_model(service: Service) -> Mapping[str, Any]:
    """botocore's service model of ``service`` (DynamoDB, or DynamoDB Streams), read once."""
    from botocore.loaders import Loader

    model: Mapping[str, Any] = Loader().load_service_model(_MODELS[service], "service-2")
    return model


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
    """An AttributeValue from the wire with base64 ``B``/``BS`` (at any depth) made bytes.

    Changes ``value`` in place and returns it. Every item of every reply passes through here,
    and most values hold no blob: string and number members are skipped without a call.
    """
    if "S" in value or "N" in value:
        return value
    if "M" in value:
        for item in value["M"].values():
            if "S" not in item and "N" not in item:
                _value_out(item)
    elif "L" in value:
        for item in value["L"]:
            if "S" not in item and "N" not in item:
                _value_out(item)
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
    return _Compiler(service_model(service)["shapes"], inbound)


def converter(service: Service, shape: str, *, inbound: bool) -> Converter | None:
    """The converter of ``shape`` to the wire (``inbound``) or back; ``None`` if none is needed."""
    return _compiler(service, inbound).build(shape)
