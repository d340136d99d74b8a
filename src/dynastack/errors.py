"""The one exception tree of dynastack: every failure is named by its cause.

Callers catch what they can act on (a conflict, a throttle, a missing table) without
knowing which operation or which layer raised it. ``retryable`` is a class attribute, so
the retry policy is a table lookup, not a chain of ``isinstance`` checks.

::

    DynastackError
    ├── ConfigurationError              settings, environment, endpoint, credentials missing
    │   ├── LocalServerError            DynamoDB Local cannot be installed / started / reached
    │   └── EnvironmentRequired         a table is named per environment and none was given
    ├── DefinitionError(code)           a mistake in a declaration, raised at import
    ├── InvalidRequest                  rejected client-side: nothing was sent
    │   ├── InvalidParameter(path)      a boto3-style parameter of the wrong name / type
    │   ├── EncodingError               a value has no lossless AttributeValue form
    │   ├── ItemTooLarge                an item over 400 KB
    │   └── LimitExceeded               batch / transaction / expression limits
    ├── InvalidCursor                   a tampered, foreign or expired pagination cursor
    ├── TransportError                  the request may or may not have arrived   [retryable]
    │   ├── ConnectError                nothing was sent                          [retryable]
    │   └── RequestTimeout              no reply in time                          [retryable]
    ├── CircuitOpen                     the endpoint's breaker is open: fail fast
    └── ServiceError(code, message)     DynamoDB answered with an error
        ├── ConditionalCheckFailed      a condition was false (``current``: the stored entity)
        │   ├── VersionConflict         optimistic locking lost (``current``: the stored item)
        │   ├── ItemNotFound            the item to change is missing (or outside the owner scope)
        │   └── ItemAlreadyExists       create found the key taken
        ├── TransactionCanceled         ``reasons``: one per action
        ├── TransactionConflict         another transaction holds the item        [retryable]
        ├── TransactionInProgress       same token still running                  [retryable]
        ├── IdempotentParameterMismatch a client token reused with another payload
        ├── Throttled                   throughput / request-rate limits          [retryable]
        ├── ServerError                 500-class answers                         [retryable]
        ├── ValidationFailed            DynamoDB rejected the request's shape
        ├── ResourceNotFound            no such table / index / stream
        ├── ResourceInUse               table busy (creating, updating, exists)
        ├── ItemCollectionSizeLimitExceeded  an LSI item collection is over 10 GB
        ├── ServiceLimitExceeded        account-level limits (e.g. concurrent table ops)
        ├── AccessDenied                credentials refused or not allowed
        ├── ExpiredIterator             a stream shard iterator is too old
        └── TrimmedData                 stream records were trimmed away

Example:
    >>> from dynastack.errors import from_wire, Throttled
    >>> err = from_wire("com.amazonaws.dynamodb.v20120810#ThrottlingException", "slow down")
    >>> isinstance(err, Throttled), err.retryable, err.code
    (True, True, 'ThrottlingException')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

__all__ = [
    "WIRE_ERRORS",
    "AccessDenied",
    "CancellationReason",
    "CircuitOpen",
    "ConditionalCheckFailed",
    "ConfigurationError",
    "ConnectError",
    "DefinitionError",
    "DynastackError",
    "EncodingError",
    "EnvironmentRequired",
    "ExpiredIterator",
    "IdempotentParameterMismatch",
    "InvalidCursor",
    "InvalidParameter",
    "InvalidRequest",
    "ItemAlreadyExists",
    "ItemCollectionSizeLimitExceeded",
    "ItemNotFound",
    "ItemTooLarge",
    "LimitExceeded",
    "LocalServerError",
    "RequestTimeout",
    "ResourceInUse",
    "ResourceNotFound",
    "ServerError",
    "ServiceError",
    "ServiceLimitExceeded",
    "Throttled",
    "TransactionCanceled",
    "TransactionConflict",
    "TransactionInProgress",
    "TransportError",
    "TrimmedData",
    "ValidationFailed",
    "VersionConflict",
    "from_wire",
]


class DynastackError(Exception):
    """Root of every error dynastack raises on purpose."""

    retryable: ClassVar[bool] = False


class ConfigurationError(DynastackError):
    """Settings, environment variables, endpoint or credentials are missing or wrong."""


class LocalServerError(ConfigurationError):
    """DynamoDB Local cannot be installed, started or reached (Java missing, port taken …)."""


class EnvironmentRequired(ConfigurationError):
    """A table's name depends on the environment (``{env}`` in its pattern) and none was given.

    ``table`` is the logical name and ``pattern`` its naming rule, so that a front end can say
    how to give one in its own terms (the CLI names ``--env``).
    """

    def __init__(self, message: str, *, table: str = "", pattern: str = "") -> None:
        super().__init__(message)
        self.table = table
        self.pattern = pattern


class DefinitionError(DynastackError):
    """A mistake in a declaration; ``code`` is stable so that tools can match on it."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"[{code}] {message}")
        self.code = code
        self.detail = message


class InvalidRequest(DynastackError):
    """The request was rejected before anything was sent to DynamoDB."""


class InvalidParameter(InvalidRequest):
    """A boto3-style parameter has the wrong name, type or shape; ``path`` names it.

    ``path`` is boto3's notation (``Key.pk``, ``Item.tags.L[2]``); the message says what was
    expected and which type was given, never the value itself (it may be user data).
    """

    def __init__(self, message: str, *, path: str = "") -> None:
        super().__init__(message)
        self.path = path


class EncodingError(InvalidRequest):
    """A value has no lossless AttributeValue form (type, digits, nesting, empty key …)."""


class ItemTooLarge(InvalidRequest):
    """An item is over DynamoDB's 400 KB limit; ``size`` is its encoded size in bytes."""

    def __init__(self, message: str, size: int, limit: int) -> None:
        super().__init__(message)
        self.size = size
        self.limit = limit


class LimitExceeded(InvalidRequest):
    """A batch, transaction or expression is over one of DynamoDB's limits."""


class InvalidCursor(DynastackError):
    """A pagination cursor was tampered with, belongs to another query or caller, or expired."""


class TransportError(DynastackError):
    """The connection failed after the request may have been sent: the outcome is unknown."""

    retryable = True


class ConnectError(TransportError):
    """No connection could be made: the request was certainly not sent."""


class RequestTimeout(TransportError):
    """No complete reply arrived within the read timeout."""


class CircuitOpen(DynastackError):
    """The endpoint's circuit breaker is open; calls fail fast until ``retry_after`` seconds.

    ``cause`` is the failure that opened the circuit (a ``ConnectError``, a timeout, a 5xx),
    also named in the message: "circuit open" alone would hide that the port is closed.

    Example:
        >>> print(CircuitOpen("http://db/", 9.8, cause=ConnectError("refused")))
        ConnectError: refused (circuit open for http://db/: 9.8s until the next trial call)
    """

    def __init__(
        self, endpoint: str, retry_after: float, cause: BaseException | None = None
    ) -> None:
        circuit = f"circuit open for {endpoint}: {retry_after:.1f}s until the next trial call"
        if cause is not None:
            circuit = f"{type(cause).__name__}: {cause} ({circuit})"
        super().__init__(circuit)
        self.endpoint = endpoint
        self.retry_after = retry_after
        self.cause = cause


class ServiceError(DynastackError):
    """DynamoDB answered with an error. ``code`` is its ``__type`` without the namespace."""

    code: str = "ServiceError"

    def __init__(
        self,
        message: str = "",
        *,
        code: str | None = None,
        status: int = 400,
        request_id: str | None = None,
        operation: str | None = None,
        item: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message or (code or type(self).code))
        if code is not None:
            self.code = code
        self.message = message
        self.status = status
        self.request_id = request_id
        self.operation = operation
        #: the wire-format item returned with the error (ReturnValuesOnConditionCheckFailure)
        self.raw_item = item


class ConditionalCheckFailed(ServiceError):
    """A condition expression was false. ``raw_item`` holds the old item when asked for.

    Raised by a repository, ``current`` is the stored entity, decoded and validated, whenever
    the caller may read it (``None`` when the item is missing, expired, of another type,
    outside the caller's owner scope, or no longer valid); from the plain client, ``None``.
    """

    code = "ConditionalCheckFailedException"

    def __init__(self, message: str = "", *, current: Any = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.current = current


class VersionConflict(ConditionalCheckFailed):
    """Optimistic locking lost: somebody else wrote first. ``current`` is the stored item."""


class ItemNotFound(ConditionalCheckFailed):
    """The item to update or delete does not exist, has expired, or is another owner's.

    The three cases are deliberately indistinguishable (an owner scope must not reveal that
    someone else's item exists); an API maps this to 404.
    """


class ItemAlreadyExists(ConditionalCheckFailed):
    """``create`` found an item with the same key; an API maps this to 409."""


@dataclass(frozen=True, slots=True)
class CancellationReason:
    """Why one action of a canceled transaction failed (``code`` is ``None`` if it did not)."""

    code: str | None
    message: str | None = None
    item: Mapping[str, Any] | None = None


class TransactionCanceled(ServiceError):
    """A transaction was canceled; ``reasons`` has one entry per action, in order."""

    code = "TransactionCanceledException"

    def __init__(
        self, message: str = "", *, reasons: Sequence[CancellationReason] = (), **kwargs: Any
    ) -> None:
        super().__init__(message, **kwargs)
        self.reasons = tuple(reasons)


class TransactionConflict(ServiceError):
    """Another transaction is working on one of the items."""

    code = "TransactionConflictException"
    retryable = True


class TransactionInProgress(ServiceError):
    """A transaction with the same client request token is still being processed."""

    code = "TransactionInProgressException"
    retryable = True


class IdempotentParameterMismatch(ServiceError):
    """A client request token was reused with a different payload."""

    code = "IdempotentParameterMismatchException"


class Throttled(ServiceError):
    """Throughput, request-rate or partition limits: slow down and retry."""

    code = "ThrottlingException"
    retryable = True


class ServerError(ServiceError):
    """DynamoDB had an internal error or was unavailable (HTTP 5xx)."""

    code = "InternalServerError"
    retryable = True


class ValidationFailed(ServiceError):
    """DynamoDB rejected the request's shape or values."""

    code = "ValidationException"


class ResourceNotFound(ServiceError):
    """The table, index or stream does not exist (or is not active yet)."""

    code = "ResourceNotFoundException"


class ResourceInUse(ServiceError):
    """The table is being created, updated or deleted, or already exists."""

    code = "ResourceInUseException"


class ItemCollectionSizeLimitExceeded(ServiceError):
    """An item collection of a table with local secondary indexes is over 10 GB."""

    code = "ItemCollectionSizeLimitExceededException"


class ServiceLimitExceeded(ServiceError):
    """An account-level limit, such as too many concurrent table operations."""

    code = "LimitExceededException"


class AccessDenied(ServiceError):
    """The credentials were refused or lack permission."""

    code = "AccessDeniedException"


class ExpiredIterator(ServiceError):
    """A stream shard iterator expired (after 15 minutes)."""

    code = "ExpiredIteratorException"


class TrimmedData(ServiceError):
    """Stream records past the 24 h retention were trimmed."""

    code = "TrimmedDataAccessException"


#: DynamoDB's ``__type`` codes (without the namespace) → the class raised for them.
WIRE_ERRORS: Mapping[str, type[ServiceError]] = {
    "ConditionalCheckFailedException": ConditionalCheckFailed,
    "TransactionCanceledException": TransactionCanceled,
    "TransactionConflictException": TransactionConflict,
    "TransactionInProgressException": TransactionInProgress,
    "IdempotentParameterMismatchException": IdempotentParameterMismatch,
    "ProvisionedThroughputExceededException": Throttled,
    "ThrottlingException": Throttled,
    "RequestLimitExceeded": Throttled,
    "ReplicatedWriteConflictException": TransactionConflict,
    "InternalServerError": ServerError,
    "InternalFailure": ServerError,
    "ServiceUnavailable": ServerError,
    "ServiceUnavailableException": ServerError,
    "ValidationException": ValidationFailed,
    "SerializationException": ValidationFailed,
    "ResourceNotFoundException": ResourceNotFound,
    "TableNotFoundException": ResourceNotFound,
    "ResourceInUseException": ResourceInUse,
    "TableInUseException": ResourceInUse,
    "ItemCollectionSizeLimitExceededException": ItemCollectionSizeLimitExceeded,
    "LimitExceededException": ServiceLimitExceeded,
    "AccessDeniedException": AccessDenied,
    "UnrecognizedClientException": AccessDenied,
    "InvalidSignatureException": AccessDenied,
    "MissingAuthenticationTokenException": AccessDenied,
    "IncompleteSignatureException": AccessDenied,
    "ExpiredTokenException": AccessDenied,
    "ExpiredIteratorException": ExpiredIterator,
    "TrimmedDataAccessException": TrimmedData,
}


def from_wire(
    wire_type: str,
    message: str = "",
    *,
    status: int = 400,
    request_id: str | None = None,
    operation: str | None = None,
    item: Mapping[str, Any] | None = None,
    reasons: Sequence[CancellationReason] = (),
) -> ServiceError:
    """Build the typed error for a DynamoDB ``__type`` (namespaced or not).

    Unknown codes map by HTTP status: 5xx is a retryable ``ServerError``, anything else a
    plain ``ServiceError`` that keeps the code.
    """
    code = wire_type.rpartition("#")[2] or wire_type
    cls = WIRE_ERRORS.get(code)
    if cls is None:
        cls = ServerError if status >= 500 else ServiceError
    kwargs: dict[str, Any] = {
        "code": code,
        "status": status,
        "request_id": request_id,
        "operation": operation,
        "item": item,
    }
    if cls is TransactionCanceled:
        return TransactionCanceled(message, reasons=reasons, **kwargs)
    return cls(message, **kwargs)
