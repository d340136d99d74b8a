"""boto3's error contract on the boto3-style calls: ``ClientError``, ``client.exceptions.X``.

boto3 code catches ``botocore.exceptions.ClientError`` and reads ``e.response["Error"]["Code"]``,
or catches ``client.exceptions.ConditionalCheckFailedException``. For that code to move over
unchanged, what the boto3-style methods raise must *be* a ``ClientError``: an ``except`` clause
matches by real subclassing (``__subclasscheck__`` and ABC registration are not consulted),
so a look-alike ``response`` attribute would not be caught. It must also stay dynastack's
typed error, caught as ``ConditionalCheckFailed`` or ``Throttled`` by code written for
dynastack.

The choice: one class per DynamoDB error code, made on first use, that subclasses both the
typed error and botocore's class: ``ConditionalCheckFailedException(ConditionalCheckFailed,
ClientError)``, ``ProvisionedThroughputExceededException(Throttled, ClientError)``. Only the
boto3-style methods raise them (``Client._call``); ``send(operation)`` keeps raising the plain
typed errors, so the typed path and ``dynastack.errors`` never import botocore (the core stays
pure, and ``import dynastack`` does not pay ~20 ms for ``botocore.exceptions``). The same goes
for ``InvalidParameter`` (also a ``ParamValidationError``) and ``ConnectError`` (also an
``EndpointConnectionError``).

A converted error keeps every attribute of the typed one and adds boto3's ``response``
(``Error.Code``/``Message``, ``ResponseMetadata``, the returned ``Item`` and
``CancellationReasons`` in wire format) and ``operation_name``.

Example:
    >>> from botocore.exceptions import ClientError
    >>> from dynastack.errors import ConditionalCheckFailed, from_wire
    >>> typed = from_wire("ConditionalCheckFailedException", "no", request_id="R1")
    >>> error = as_boto3_error(typed, "PutItem")
    >>> isinstance(error, ConditionalCheckFailed), isinstance(error, ClientError)
    (True, True)
    >>> error.response["Error"], error.operation_name
    ({'Code': 'ConditionalCheckFailedException', 'Message': 'no'}, 'PutItem')
    >>> type(error) is ClientExceptions().ConditionalCheckFailedException
    True
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

from dynastack.client.shapes import converter, service_model
from dynastack.core.values import encode_item
from dynastack.errors import (
    WIRE_ERRORS,
    ConnectError,
    DynastackError,
    InvalidParameter,
    ServiceError,
    TransactionCanceled,
)

__all__ = ["ClientExceptions", "as_boto3_error", "boto3_class"]


def _restore(
    base: type[DynastackError], name: str, args: tuple[Any, ...], state: dict[str, Any]
) -> Any:
    """Unpickle a converted error: the same generated class, the same attributes."""
    cls = boto3_class(base, name)
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


def _reduce(self: Exception) -> tuple[Any, ...]:
    base = type(self).__mro__[1]
    return _restore, (base, type(self).__name__, self.args, dict(self.__dict__))


_CLASSES: dict[tuple[type[DynastackError], str], type[DynastackError]] = {}
_CLASSES_LOCK = threading.Lock()


def boto3_class(base: type[DynastackError], name: str) -> type[DynastackError]:
    """The class named ``name`` that is both ``base`` and botocore's matching exception.

    Service errors become ``ClientError``; ``InvalidParameter`` a ``ParamValidationError``;
    ``ConnectError`` an ``EndpointConnectionError``. Made once per ``(base, name)``: the
    class raised must be the very class ``client.exceptions`` hands out.
    """
    found = _CLASSES.get((base, name))
    if found is not None:
        return found
    with _CLASSES_LOCK:
        return _CLASSES.setdefault((base, name), _make(base, name))


def _make(base: type[DynastackError], name: str) -> type[DynastackError]:
    from botocore import exceptions as botocore_exceptions

    other: type[Exception]
    if issubclass(base, ServiceError):
        other = botocore_exceptions.ClientError
    elif issubclass(base, InvalidParameter):
        other = botocore_exceptions.ParamValidationError
    elif issubclass(base, ConnectError):
        other = botocore_exceptions.EndpointConnectionError
    else:
        raise TypeError(f"{base.__name__} has no botocore counterpart")
    namespace = {
        "__module__": __name__,
        "__qualname__": name,
        "__doc__": f"{base.__name__} that is also botocore's {other.__name__} (boto3 code)",
        "__reduce__": _reduce,
    }
    made: type[DynastackError] = type(name, (base, other), namespace)
    return made


@functools.cache
def _attribute_map() -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Wire item → boto3's form (``B`` as bytes), as the replies of the boto3-style calls."""
    convert = converter("dynamodb", "AttributeMap", inbound=False)

    def to_python(item: dict[str, Any]) -> dict[str, Any]:
        if convert is not None:
            convert(item)  # in place, as on replies
        return item

    return to_python


def _response(error: ServiceError) -> dict[str, Any]:
    response: dict[str, Any] = {
        "Error": {"Code": error.code, "Message": error.message},
        "ResponseMetadata": {"RequestId": error.request_id or "", "HTTPStatusCode": error.status},
        "message": error.message,
    }
    to_python = _attribute_map()
    if error.raw_item is not None:
        response["Item"] = to_python(dict(error.raw_item))
    if isinstance(error, TransactionCanceled):
        reasons = []
        for reason in error.reasons:
            entry: dict[str, Any] = {"Code": reason.code or "None"}
            if reason.message is not None:
                entry["Message"] = reason.message
            if reason.item is not None:
                entry["Item"] = to_python(_wire_item(reason.item))
            reasons.append(entry)
        response["CancellationReasons"] = reasons
    return response


def _wire_item(item: Any) -> dict[str, Any]:
    # the typed error holds the item decoded; boto3 code expects AttributeValues
    try:
        return encode_item(item)
    except DynastackError:
        return dict(item)  # it could not be decoded in the first place: it is wire already


def as_boto3_error(error: DynastackError, operation: str) -> DynastackError:
    """``error`` as boto3 code expects it (see the module docstring); others unchanged."""
    if isinstance(error, ServiceError):
        cls = boto3_class(type(error), error.code)
        extra: dict[str, Any] = {"response": _response(error), "operation_name": operation}
    elif isinstance(error, InvalidParameter):
        cls = boto3_class(type(error), "ParamValidationError")
        extra = {"kwargs": {"report": str(error)}}
    elif isinstance(error, ConnectError):
        cls = boto3_class(type(error), "EndpointConnectionError")
        extra = {"kwargs": {"endpoint_url": "", "error": str(error)}}
    else:
        return error
    converted = cls.__new__(cls)
    converted.args = error.args
    converted.__dict__.update(error.__dict__)
    converted.__dict__.update(extra)
    converted.__traceback__ = error.__traceback__
    return converted


@functools.cache
def _modeled() -> frozenset[str]:
    shapes = service_model("dynamodb")["shapes"]
    return frozenset(name for name, shape in shapes.items() if shape.get("exception"))


class ClientExceptions:
    """boto3's ``client.exceptions``: each modeled DynamoDB exception, plus ``ClientError``.

    ``client.exceptions.ConditionalCheckFailedException`` is the class the boto3-style calls
    raise for that code (also a ``ConditionalCheckFailed``); ``from_code`` finds one by code.

    Example:
        >>> from dynastack.errors import ResourceNotFound
        >>> issubclass(ClientExceptions().ResourceNotFoundException, ResourceNotFound)
        True
    """

    __slots__ = ()

    @property
    def ClientError(self) -> Any:
        """botocore's ``ClientError``, the base of every service error here."""
        from botocore.exceptions import ClientError

        return ClientError

    # typed Any, as boto3's own are to a type checker without stubs: code moved over reads
    # ``e.response`` on what it caught, which the typed errors alone do not declare
    def from_code(self, code: str) -> Any:
        """The class raised for DynamoDB error ``code`` (modeled or not)."""
        return boto3_class(WIRE_ERRORS.get(code, ServiceError), code)

    def __getattr__(self, name: str) -> Any:
        if name in _modeled():
            return self.from_code(name)
        raise AttributeError(f"DynamoDB models no exception named {name!r}")

    def __dir__(self) -> list[str]:
        return sorted({*_modeled(), "ClientError", "from_code"})
