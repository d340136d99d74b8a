"""Every DynamoDB error code maps to one class of the tree, named by cause (RELIABILITY R4)."""

from __future__ import annotations

import pytest

from dynastack import errors
from dynastack.errors import (
    WIRE_ERRORS,
    CancellationReason,
    ConditionalCheckFailed,
    ServerError,
    ServiceError,
    Throttled,
    TransactionCanceled,
    VersionConflict,
    from_wire,
)

RETRYABLE_CODES = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "TransactionConflictException",
    "ReplicatedWriteConflictException",
    "TransactionInProgressException",
    "InternalServerError",
    "InternalFailure",
    "ServiceUnavailable",
    "ServiceUnavailableException",
}


@pytest.mark.parametrize("code", sorted(WIRE_ERRORS))
def test_every_code_maps_to_its_class_namespaced_or_not(code: str) -> None:
    for wire in (code, f"com.amazonaws.dynamodb.v20120810#{code}"):
        error = from_wire(wire, "msg", status=400, request_id="rid", operation="GetItem")
        assert type(error) is WIRE_ERRORS[code]
        assert error.code == code
        assert error.request_id == "rid"
        assert error.operation == "GetItem"
        assert error.retryable is (code in RETRYABLE_CODES)


def test_unknown_codes_fall_back_by_status() -> None:
    five = from_wire("SomethingNew", status=503)
    four = from_wire("SomethingNew", status=400)
    assert type(five) is ServerError and five.retryable and five.code == "SomethingNew"
    assert type(four) is ServiceError and not four.retryable and four.code == "SomethingNew"


def test_cancellation_reasons_are_kept_in_order() -> None:
    reasons = [CancellationReason("None"), CancellationReason("ConditionalCheckFailed", "no")]
    error = from_wire("TransactionCanceledException", "canceled", reasons=reasons)
    assert isinstance(error, TransactionCanceled)
    assert error.reasons == tuple(reasons)


def test_version_conflict_is_a_conditional_failure_carrying_the_current_item() -> None:
    error = VersionConflict("lost", current={"version": 3})
    assert isinstance(error, ConditionalCheckFailed)
    assert error.current == {"version": 3}
    assert not error.retryable


def test_every_public_error_is_a_dynastack_error() -> None:
    for name in errors.__all__:
        value = getattr(errors, name)
        if isinstance(value, type) and issubclass(value, BaseException):
            assert issubclass(value, errors.DynastackError), name
    assert issubclass(Throttled, ServiceError)


def test_definition_error_keeps_a_stable_code() -> None:
    error = errors.DefinitionError("KEY_UNKNOWN_FIELD", "template names 'x'")
    assert error.code == "KEY_UNKNOWN_FIELD"
    assert str(error) == "[KEY_UNKNOWN_FIELD] template names 'x'"


def test_repository_outcomes_are_typed_conditional_failures() -> None:
    assert issubclass(errors.ItemNotFound, ConditionalCheckFailed)
    assert issubclass(errors.ItemAlreadyExists, ConditionalCheckFailed)
    assert not issubclass(errors.ItemNotFound, errors.ItemAlreadyExists)
