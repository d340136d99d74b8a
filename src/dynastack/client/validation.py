"""boto3-style parameters checked against botocore's DynamoDB model before anything is sent.

Why: a request DynamoDB cannot parse is not always refused with a 400. DynamoDB Local answers
``Key={"pk": "a"}`` (a plain value where an AttributeValue belongs) with a 500, which the
client would retry as a ``ServerError`` and count against the endpoint's health: one caller's
typo, repeated, looked like an outage. So every boto3-style call is checked here first, and a
wrong parameter raises ``InvalidParameter`` naming its path in boto3's notation
(``Key.pk``, ``Item.tags.L[2]``), with nothing sent. The same pass enforces DynamoDB's
client-side limits (400 KB items, 25 / 100 entries per batch or transaction, 4 KB
expressions), so that ``put_item`` is held to exactly what ``send(PutItem(...))`` is (R10).

Why not ``botocore.validate.ParamValidator``: measured here, it costs ~8 µs for a two-key
GetItem and ~43 µs for a 15-attribute PutItem, half of the client's whole budget per call.
The checks below are compiled once per shape from the same model into small closures (the
model is loaded lazily, once per process) and cost ~1 µs and ~4 µs for those calls. They
check what botocore checks (names, required members, types, minimum lengths and values) and,
for ``AttributeValue``, that exactly one type is set (botocore leaves that to the server).
Error messages name the path and the type given, never a value: values may be user data.

Example:
    >>> check = validator("dynamodb", "GetItemInput")
    >>> check({"TableName": "t", "Key": {"pk": {"S": "a"}}})
    >>> try:
    ...     check({"TableName": "t", "Key": {"pk": "a"}})
    ... except InvalidParameter as error:
    ...     print(error.path, "|", error)
    Key.pk | Key.pk must be an AttributeValue (a dict with one type key such as {"S": ...}), got str
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

from dynastack.client.shapes import service_model
from dynastack.core.limits import (
    BATCH_GET_MAX,
    BATCH_WRITE_MAX,
    TRANSACT_MAX_ACTIONS,
    check_count,
    check_expression_size,
    check_item_size,
)
from dynastack.core.operations.base import Service
from dynastack.errors import InvalidParameter

__all__ = ["check_limits", "validator"]

Check = Callable[[Any], None]


class _Bad(Exception):
    """Raised by a check; each enclosing level prepends its path segment on the way out."""

    def __init__(self, what: str, segments: list[str] | None = None) -> None:
        super().__init__(what)
        self.what = what
        self.segments = segments if segments is not None else []


def _kind(value: object) -> str:
    return type(value).__name__


# ---------------------------------------------------------------------- AttributeValue by hand


def _is_str_list(value: object) -> bool:
    return isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)


def _is_blob(value: object) -> bool:
    return isinstance(value, bytes | bytearray | memoryview | str)


def _is_blob_list(value: object) -> bool:
    return isinstance(value, list | tuple) and all(map(_is_blob, value))


def _check_map_of_values(value: object) -> None:
    if not isinstance(value, dict):
        raise _Bad(f"must be a map of AttributeValues, got {_kind(value)}")
    for name, av in value.items():
        if not isinstance(name, str):
            raise _Bad(f"has a key of type {_kind(name)}; attribute names are strings")
        try:
            _check_value(av)
        except _Bad as bad:
            bad.segments.append(name)
            raise


def _check_list_of_values(value: object) -> None:
    if not isinstance(value, list | tuple):
        raise _Bad(f"must be a list of AttributeValues, got {_kind(value)}")
    for index, av in enumerate(value):
        try:
            _check_value(av)
        except _Bad as bad:
            bad.segments.append(f"[{index}]")
            raise


#: AttributeValue tag → (a check of its value, what the value must be)
_VALUE_TYPES: Final[dict[str, tuple[Callable[[Any], bool], str]]] = {
    "S": (lambda v: isinstance(v, str), "a str"),
    "N": (lambda v: isinstance(v, str), "a str holding a number"),
    "B": (_is_blob, "bytes"),
    "SS": (_is_str_list, "a list of str"),
    "NS": (_is_str_list, "a list of str holding numbers"),
    "BS": (_is_blob_list, "a list of bytes"),
    "BOOL": (lambda v: isinstance(v, bool), "a bool"),
    "NULL": (lambda v: v is True, "True"),
}


#: the tags whose value is one plain type: checked inline, the hot case (every S of every item)
_PLAIN: Final[dict[str, type]] = {"S": str, "N": str, "BOOL": bool}


def _check_value(av: object) -> None:
    if type(av) is dict and len(av) == 1:
        for tag, value in av.items():
            if type(value) is _PLAIN.get(tag):
                return
    _check_value_slowly(av)


def _check_value_slowly(av: object) -> None:
    if type(av) is not dict or len(av) != 1:
        if isinstance(av, dict):
            tags = ", ".join(sorted(map(str, av))) or "none"
            raise _Bad(f"must be an AttributeValue with exactly one type key, got {tags}")
        raise _Bad(
            'must be an AttributeValue (a dict with one type key such as {"S": ...}), '
            f"got {_kind(av)}"
        )
    for tag, value in av.items():
        found = _VALUE_TYPES.get(tag)
        if found is not None:
            if not found[0](value):
                raise _Bad(f"must be {found[1]}, got {_kind(value)}", [tag])
        elif tag == "M":
            try:
                _check_map_of_values(value)
            except _Bad as bad:
                bad.segments.append("M")
                raise
        elif tag == "L":
            try:
                _check_list_of_values(value)
            except _Bad as bad:
                bad.segments.append("L")
                raise
        else:
            raise _Bad(
                f"has an unknown AttributeValue type {tag!r}; "
                "valid types: B, BOOL, BS, L, M, N, NS, NULL, S, SS"
            )


def _check_attribute_map(value: Any) -> None:
    """An item, key or expression-values map: the hottest check, so its common case is inline."""
    if type(value) is dict:
        plain = _PLAIN
        for name, av in value.items():
            if type(av) is dict and len(av) == 1 and type(name) is str:
                ((tag, inner),) = av.items()
                if type(inner) is plain.get(tag):
                    continue
            break  # not a plain value: the full walk below judges (and names) it
        else:
            return
    _check_map_of_values(value)


# ------------------------------------------------------------------------ compiled from the model


def _string(low: int | None) -> Check:
    def check_string(value: Any) -> None:
        if type(value) is not str:
            raise _Bad(f"must be a str, got {_kind(value)}")
        if low is not None and len(value) < low:
            raise _Bad(f"must be at least {low} characters long, got {len(value)}")

    return check_string


def _integer(low: int | None) -> Check:
    def check_int(value: Any) -> None:
        if type(value) is not int:
            raise _Bad(f"must be an int, got {_kind(value)}")
        if low is not None and value < low:
            raise _Bad(f"must be at least {low}")

    return check_int


def _boolean(low: int | None) -> Check:
    def check_bool(value: Any) -> None:
        if type(value) is not bool:
            raise _Bad(f"must be a bool, got {_kind(value)}")

    return check_bool


def _double(low: int | None) -> Check:
    def check_number(value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            raise _Bad(f"must be a number, got {_kind(value)}")

    return check_number


def _blob(low: int | None) -> Check:
    def check_blob(value: Any) -> None:
        if not _is_blob(value):
            raise _Bad(f"must be bytes, got {_kind(value)}")

    return check_blob


def _timestamp(low: int | None) -> Check:
    def check_timestamp(value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, datetime | str | int | float):
            raise _Bad(f"must be a datetime, got {_kind(value)}")

    return check_timestamp


def _anything(low: int | None) -> Check:
    return lambda value: None  # a type this model does not use: the server judges


#: the model's scalar types → a check builder taking the shape's ``min``
_SCALARS: Final[Mapping[str, Callable[[int | None], Check]]] = {
    "string": _string,
    "integer": _integer,
    "long": _integer,
    "boolean": _boolean,
    "double": _double,
    "float": _double,
    "blob": _blob,
    "timestamp": _timestamp,
}


class _Compiler:
    """Compiles one check per shape; shapes that reach themselves are resolved late."""

    def __init__(self, shapes: Mapping[str, Any]) -> None:
        self.shapes = shapes
        self.done: dict[str, Check] = {}

    def check(self, name: str) -> Check:
        found = self.done.get(name)
        if found is not None:
            return found
        if name == "AttributeValue":
            self.done[name] = _check_value
            return _check_value
        # a placeholder first, so that a recursive shape finds itself while being compiled
        cell: list[Check] = []

        def late(value: Any) -> None:
            cell[0](value)

        self.done[name] = late
        compiled = self._compile(self.shapes[name])
        cell.append(compiled)
        self.done[name] = compiled
        return compiled

    def _compile(self, shape: Mapping[str, Any]) -> Check:
        kind = shape["type"]
        if kind == "structure":
            return self._structure(shape)
        if kind == "list":
            return self._list(shape)
        if kind == "map":
            return self._map(shape)
        return _SCALARS.get(kind, _anything)(shape.get("min"))

    def _structure(self, shape: Mapping[str, Any]) -> Check:
        members = {name: self.check(ref["shape"]) for name, ref in shape["members"].items()}
        required = tuple(shape.get("required", ()))
        valid = ", ".join(sorted(members))

        def check_structure(value: Any) -> None:
            if not isinstance(value, dict):
                raise _Bad(f"must be a dict, got {_kind(value)}")
            for name, member in value.items():
                check = members.get(name)
                if check is None:
                    raise _Bad(f"is an unknown parameter; valid parameters: {valid}", [name])
                try:
                    check(member)
                except _Bad as bad:
                    bad.segments.append(name)
                    raise
            for name in required:
                if name not in value:
                    raise _Bad("is a required parameter and is missing", [name])

        return check_structure

    def _list(self, shape: Mapping[str, Any]) -> Check:
        item = self.check(shape["member"]["shape"])
        low = shape.get("min")

        def check_list(value: Any) -> None:
            if not isinstance(value, list | tuple):
                raise _Bad(f"must be a list, got {_kind(value)}")
            if low is not None and len(value) < low:
                raise _Bad(f"must have at least {low} entries, got {len(value)}")
            for index, entry in enumerate(value):
                try:
                    item(entry)
                except _Bad as bad:
                    bad.segments.append(f"[{index}]")
                    raise

        return check_list

    def _map(self, shape: Mapping[str, Any]) -> Check:
        entry_check = self.check(shape["value"]["shape"])
        low = shape.get("min")
        if entry_check is _check_value and low is None:
            return _check_attribute_map

        def check_map(value: Any) -> None:
            if not isinstance(value, dict):
                raise _Bad(f"must be a dict, got {_kind(value)}")
            if low is not None and len(value) < low:
                raise _Bad(f"must have at least {low} entries, got {len(value)}")
            for key, entry in value.items():
                if not isinstance(key, str):
                    raise _Bad(f"has a key of type {_kind(key)}; keys are strings")
                try:
                    entry_check(entry)
                except _Bad as bad:
                    bad.segments.append(key)
                    raise

        return check_map


@functools.cache
def _compiler(service: Service) -> _Compiler:
    return _Compiler(service_model(service)["shapes"])


def _path(segments: list[str]) -> str:
    path = ""
    for segment in reversed(segments):
        path += segment if segment.startswith("[") or not path else "." + segment
    return path


@functools.cache
def validator(
    service: Service, input_shape: str, method: str = ""
) -> Callable[[Mapping[str, Any]], None]:
    """The check of one operation's input shape; raises ``InvalidParameter`` naming the path.

    ``method`` (boto3's method name) starts the message when given.
    """
    check = _compiler(service).check(input_shape)
    prefix = f"{method}(): " if method else ""

    def validate(params: Mapping[str, Any]) -> None:
        try:
            check(params)
        except _Bad as bad:
            path = _path(bad.segments)
            message = f"{prefix}{path or 'the request'} {bad.what}"
            raise InvalidParameter(message, path=path) from None

    return validate


# ------------------------------------------------------------------------------------- limits

_EXPRESSIONS: Final = (
    "ConditionExpression",
    "FilterExpression",
    "KeyConditionExpression",
    "ProjectionExpression",
    "UpdateExpression",
)


def _check_expressions(where: str, params: Mapping[str, Any]) -> None:
    for name in _EXPRESSIONS:
        expression = params.get(name)
        if expression is not None:
            check_expression_size(f"{where}{name}", expression)


def _put_item(params: Mapping[str, Any]) -> None:
    check_item_size(params["Item"])
    _check_expressions("", params)


def _batch_write(params: Mapping[str, Any]) -> None:
    requests = params["RequestItems"]
    check_count(
        "BatchWriteItem requests",
        sum(len(entries) for entries in requests.values()),
        BATCH_WRITE_MAX,
    )
    for entries in requests.values():
        for entry in entries:
            put = entry.get("PutRequest")
            if put is not None:
                check_item_size(put["Item"])


def _batch_get(params: Mapping[str, Any]) -> None:
    requests = params["RequestItems"]
    check_count(
        "BatchGetItem keys", sum(len(entry["Keys"]) for entry in requests.values()), BATCH_GET_MAX
    )
    for table, entry in requests.items():
        _check_expressions(f"RequestItems.{table}.", entry)


def _transact_write(params: Mapping[str, Any]) -> None:
    actions = params["TransactItems"]
    check_count("TransactWriteItems actions", len(actions), TRANSACT_MAX_ACTIONS)
    for index, action in enumerate(actions):
        for kind, body in action.items():
            if kind == "Put":
                check_item_size(body["Item"])
            _check_expressions(f"TransactItems[{index}].{kind}.", body)


def _transact_get(params: Mapping[str, Any]) -> None:
    actions = params["TransactItems"]
    check_count("TransactGetItems actions", len(actions), TRANSACT_MAX_ACTIONS)


#: per action, the limits DynamoDB enforces that can be judged from the request alone
_LIMITS: Final[Mapping[str, Callable[[Mapping[str, Any]], None]]] = {
    "PutItem": _put_item,
    "UpdateItem": lambda params: _check_expressions("", params),
    "DeleteItem": lambda params: _check_expressions("", params),
    "GetItem": lambda params: _check_expressions("", params),
    "Query": lambda params: _check_expressions("", params),
    "Scan": lambda params: _check_expressions("", params),
    "BatchWriteItem": _batch_write,
    "BatchGetItem": _batch_get,
    "TransactWriteItems": _transact_write,
    "TransactGetItems": _transact_get,
}


def check_limits(action: str, params: Mapping[str, Any]) -> None:
    """DynamoDB's limits for a wire-format request: ``ItemTooLarge`` / ``LimitExceeded``.

    Example:
        >>> from dynastack.errors import ItemTooLarge
        >>> try:
        ...     check_limits("PutItem", {"TableName": "t", "Item": {"pk": {"S": "x" * 409_600}}})
        ... except ItemTooLarge as error:
        ...     print(error.size, error.limit)
        409602 409600
    """
    limits = _LIMITS.get(action)
    if limits is not None:
        limits(params)
