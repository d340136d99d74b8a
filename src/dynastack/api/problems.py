"""RFC 9457 problem details: the only shape an error leaves the API in.

Why an allow-list (ARCHITECTURE principle 13): a lower layer's message may hold a key, an item
or a table name the caller may not see, so no body is ever built from ``str(exc)`` of a lower
layer. Each error class maps to a fixed row (status, stable ``type``, title, detail); only
``Problem`` instances raised by the API itself carry a request-specific ``detail``, written
here from values the caller sent or may see (field names, limits), never stored data.

The ``type`` of each row is stable: clients branch on it, so it never changes once published.

Example:
    >>> from dynastack.errors import VersionConflict
    >>> problem = problem_for(VersionConflict("at version 3, not 2", code="c"))
    >>> problem.status, problem.type
    (412, 'urn:dynastack:problem:precondition-failed')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from dynastack import errors
from dynastack.auth.principal import AuthenticationFailed, PermissionDenied

__all__ = ["PROBLEM_TYPES", "Problem", "problem_for"]

_PREFIX = "urn:dynastack:problem:"


@dataclass(frozen=True, slots=True)
class _Row:
    status: int
    slug: str
    title: str
    detail: str


#: every problem ``type`` this API can answer with: slug → (status, title)
PROBLEM_TYPES: dict[str, tuple[int, str]] = {
    "bad-request": (400, "The request is malformed"),
    "validation": (400, "The request does not match the schema"),
    "invalid-cursor": (400, "The cursor is not valid for this query"),
    "unauthenticated": (401, "Authentication is required"),
    "forbidden": (403, "The operation is not allowed"),
    "not-found": (404, "Not found"),
    "method-not-allowed": (405, "Method not allowed"),
    "not-acceptable": (406, "Not acceptable"),
    "conflict": (409, "The resource already exists"),
    "precondition-failed": (412, "The resource has changed"),
    "body-too-large": (413, "The request body is too large"),
    "unsupported-media-type": (415, "Unsupported media type"),
    "precondition-required": (428, "If-Match is required"),
    "rate-limited": (429, "Too many requests"),
    "internal": (500, "Internal error"),
    "unavailable": (503, "The service is temporarily unavailable"),
}


def _row(slug: str, detail: str) -> _Row:
    status, title = PROBLEM_TYPES[slug]
    return _Row(status, slug, title, detail)


#: lower-layer error class → fixed row; looked up along the class's MRO, most specific first
_ROWS: dict[type[BaseException], _Row] = {
    AuthenticationFailed: _row("unauthenticated", "a valid bearer token is required"),
    PermissionDenied: _row("forbidden", "your groups do not allow this operation"),
    errors.ItemNotFound: _row("not-found", "no such item"),
    errors.VersionConflict: _row(
        "precondition-failed", "the item was changed since the version in If-Match; read it again"
    ),
    errors.ItemAlreadyExists: _row("conflict", "an item with this key already exists"),
    errors.ConditionalCheckFailed: _row(
        "precondition-failed", "the item's state does not allow it"
    ),
    errors.InvalidCursor: _row(
        "invalid-cursor",
        "the cursor was altered, expired, or belongs to another query or caller",
    ),
    errors.ItemTooLarge: _row("validation", "the item would exceed DynamoDB's 400 KB item limit"),
    errors.LimitExceeded: _row("validation", "the request exceeds a DynamoDB limit"),
    errors.EncodingError: _row("validation", "a value cannot be stored losslessly"),
    errors.InvalidRequest: _row("validation", "the request cannot be carried out as given"),
    errors.Throttled: _row("unavailable", "the database is busy; retry shortly"),
    errors.TransportError: _row("unavailable", "the database did not answer; retry shortly"),
    errors.CircuitOpen: _row("unavailable", "the database is unavailable; retry shortly"),
    errors.ServerError: _row("unavailable", "the database failed; retry shortly"),
    errors.TransactionConflict: _row("unavailable", "a concurrent change is in progress; retry"),
}


@dataclass(eq=False)
class Problem(Exception):
    """An error response the API decided itself; ``detail`` names the cause precisely."""

    slug: str
    detail: str
    #: per-field validation errors: ``{"loc": [...], "msg": ..., "type": ...}`` only
    errors: Sequence[Mapping[str, Any]] = ()
    headers: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.detail)
        if self.slug not in PROBLEM_TYPES:
            raise ValueError(f"unknown problem type {self.slug!r}")

    @property
    def status(self) -> int:
        return PROBLEM_TYPES[self.slug][0]

    @property
    def type(self) -> str:
        return _PREFIX + self.slug

    @property
    def title(self) -> str:
        return PROBLEM_TYPES[self.slug][1]

    def body(self, *, instance: str | None = None, request_id: str | None = None) -> bytes:
        """The problem+json body."""
        doc: dict[str, Any] = {
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance is not None:
            doc["instance"] = instance
        if request_id is not None:
            doc["request_id"] = request_id
        if self.errors:
            doc["errors"] = list(self.errors)
        return orjson.dumps(doc)


def problem_for(error: BaseException, *, debug: bool = False) -> Problem:
    """The problem for any exception: its own for a ``Problem``, else its class's fixed row.

    Unknown exceptions become a bare 500 whose detail says nothing of the error (in ``debug``,
    its class name only: never its message, which may hold data).
    """
    if isinstance(error, Problem):
        return error
    for cls in type(error).__mro__:
        row = _ROWS.get(cls)
        if row is not None:
            headers = {"WWW-Authenticate": "Bearer"} if row.status == 401 else {}
            if row.slug == "unavailable":
                headers["Retry-After"] = "1"
            return Problem(row.slug, row.detail, headers=headers)
    detail = "an unexpected error occurred; the request id identifies it in the server log"
    if debug:
        detail += f" ({type(error).__name__})"
    return Problem("internal", detail)
