"""Field roles that the framework owns: version, owner, TTL, created/updated timestamps.

A role is an ``Annotated`` marker, so a field keeps its plain Python type for users and type
checkers (``version: Version`` is an ``int``) while the entity compiler finds the role in the
field's metadata. The repository, not the caller, writes these fields (mass-assignment safety).

Example:
    >>> from datetime import datetime
    >>> from dynastack.model.markers import Role, role_of, Version
    >>> from typing import get_args
    >>> role_of(get_args(Version)[1:])
    <Role.VERSION: 'version'>
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, Field

__all__ = ["TTL", "CreatedAt", "Owner", "Role", "UpdatedAt", "Version", "auto_now", "role_of"]

T = TypeVar("T")


class Role(enum.Enum):
    """What the framework does with a field."""

    VERSION = "version"  # optimistic locking: checked and bumped on every write
    OWNER = "owner"  # user scope: reads and writes are conditioned on it
    TTL = "ttl"  # expiry: stored as epoch seconds, hidden on read once passed
    CREATED = "created"  # set once on create
    UPDATED = "updated"  # set on every write


#: optimistic-locking counter, starts at 1; declare as ``version: Version = 1``
Version = Annotated[int, Role.VERSION]
#: the owning principal; declare as ``created_by: Owner[str]``
Owner = Annotated[T, Role.OWNER]


def _whole_seconds(value: Any) -> Any:
    # DynamoDB's TTL is whole epoch seconds: an entity must equal what reads back
    if isinstance(value, datetime) and value.microsecond:
        return value.replace(microsecond=0)
    return value


#: expiry time; ``datetime`` (aware) or ``int`` epoch seconds: ``expires_at: TTL[datetime]``.
#: Datetimes are truncated to whole seconds, as DynamoDB stores them.
TTL = Annotated[T, Role.TTL, AfterValidator(_whole_seconds)]
#: creation time, set by the repository; declare as ``created_at: CreatedAt = auto_now()``
CreatedAt = Annotated[datetime, Role.CREATED]
#: last write time, set by the repository; declare as ``updated_at: UpdatedAt = auto_now()``
UpdatedAt = Annotated[datetime, Role.UPDATED]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def auto_now() -> Any:
    """A field default of "now, in UTC" (typed ``Any`` so that it fits any annotation).

    Example:
        >>> from pydantic import BaseModel
        >>> class Event(BaseModel):
        ...     at: CreatedAt = auto_now()
        >>> Event().at.tzinfo is not None
        True
    """
    return Field(default_factory=_utcnow)


def role_of(metadata: Iterable[object]) -> Role | None:
    """The role among a field's metadata, if any."""
    for item in metadata:
        if isinstance(item, Role):
            return item
    return None
