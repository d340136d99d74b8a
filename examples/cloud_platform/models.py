"""The four tables of seed 000 (Deployments, Stacks, Logs, Metrics) as dynastack entities.

Keys and indexes are the seed's, verbatim: ``DEPLOYMENT#{deployment_id}`` / ``METADATA``,
``STACK#{stack_name}#{environment}``, ``TIMESTAMP#{timestamp}#{log_id}``,
``METRIC#{metric_name}`` / ``TIMESTAMP#{timestamp}``; OrganizationIndex, StatusIndex (on both
Deployments and Stacks), StackNameIndex and LogLevelIndex. Attribute names are the seed's too,
so a stored item carries exactly the seed's attributes plus dynastack's two markers (``_type``,
the entity type, and ``_wt``, the last write's token; see README "what changed").

Two decisions a reader would otherwise have to guess:

* Timestamps are aware ``datetime`` values, stored as dynastack stores every datetime: UTC text
  of fixed width (``2025-10-23T10:05:30.123000Z``). The seed writes ``…T10:00:00Z`` in one place
  and ``…T10:05:30.123Z`` in another; mixed precisions do not sort as time (``…30.5Z`` sorts
  before ``…30Z``), and three of these timestamps are sort keys.
* Logs and metrics expire by DynamoDB TTL (attribute ``ttl``, epoch seconds): 90 and 365 days
  after their own ``timestamp`` unless a ``ttl`` is given (an import keeps the one it has).

Example:
    >>> Deployment.__dynastack__.pk.template, Stack.__dynastack__.sk.template
    (KeyTemplate('DEPLOYMENT#{deployment_id}'), KeyTemplate('STACK#{stack_name}#{environment}'))
    >>> LogLevel("ERROR") is LogLevel.ERROR  # the seed queries "ERROR" but stores "error"
    True
    >>> bool(DEPLOYMENT_ID.match(new_deployment_id()))
    True
"""

from __future__ import annotations

import enum
import re
import secrets
import string
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field

from dynastack import TTL, CreatedAt, Entity, Index, Key, Owner, Table, UpdatedAt, Version, auto_now

__all__ = [
    "DEPLOYMENTS",
    "DEPLOYMENT_ID",
    "LOGS",
    "LOG_RETENTION",
    "METRICS",
    "METRIC_RETENTION",
    "STACKS",
    "Deployment",
    "DeploymentId",
    "DeploymentStatus",
    "EnvironmentConfig",
    "LastDeployment",
    "LogEntry",
    "LogLevel",
    "Metric",
    "Resource",
    "Stack",
    "StackConfig",
    "StackStatus",
    "new_deployment_id",
]

#: the seed's table names (``DEPLOYMENTS_TABLE`` … override them); ``-{env}`` is appended
#: when an environment is given, so ``dev`` and ``prod`` never share a table
DEPLOYMENTS = Table("cloud-deployments", env_var="DEPLOYMENTS_TABLE")
STACKS = Table("cloud-stacks", env_var="STACKS_TABLE")
LOGS = Table("cloud-logs", env_var="LOGS_TABLE")
METRICS = Table("cloud-metrics", env_var="METRICS_TABLE")

#: how long a log line is kept (the seed: "90 days from creation")
LOG_RETENTION = timedelta(days=90)
#: how long a metric sample is kept (the seed: "365 days from creation")
METRIC_RETENTION = timedelta(days=365)

DEPLOYMENT_ID = re.compile(r"^D[A-Z0-9]{6}$")
_ID_ALPHABET = string.ascii_uppercase + string.digits

#: a deployment id as the seed constrains it; the pattern also guards keys given to queries
DeploymentId = Annotated[str, Field(pattern=DEPLOYMENT_ID.pattern)]
#: a name that is part of a ``#``-separated key: it must not contain ``#`` itself
KeyName = Annotated[str, Field(min_length=1, pattern=r"^[^#]+$")]


def new_deployment_id() -> str:
    """A fresh random id ``D`` + 6 of ``A-Z0-9`` (36^6 ≈ 2.2e9 ids, from ``secrets``).

    Random ids can collide, so the repository creates them only if absent and draws again
    on a collision (``DeploymentRepository.create``).
    """
    return "D" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(6))


class DeploymentStatus(enum.StrEnum):
    """A deployment's lifecycle (stored lowercase, as in the seed's items)."""

    INITIALIZED = "initialized"
    DEPLOYING = "deploying"
    DEPLOYED = "deployed"
    FAILED = "failed"
    DESTROYING = "destroying"


class StackStatus(enum.StrEnum):
    """A stack's lifecycle (stored lowercase)."""

    PENDING = "pending"
    DEPLOYING = "deploying"
    DEPLOYED = "deployed"
    FAILED = "failed"
    DESTROYING = "destroying"
    DESTROYED = "destroyed"


class LogLevel(enum.StrEnum):
    """A log line's level, stored lowercase; ``LogLevel("ERROR")`` is accepted too, because
    the seed's access pattern 6 asks for ``"ERROR"`` while its items store ``"error"``."""

    DEBUG = "debug"
    INFO = "info"
    WARN = "warn"
    ERROR = "error"

    @classmethod
    def _missing_(cls, value: object) -> LogLevel | None:
        if isinstance(value, str):
            for member in cls:
                if member.value == value.lower():
                    return member
        return None


class _Json(BaseModel):
    """A nested map: typed where the seed names fields, other keys kept as they come."""

    model_config = ConfigDict(frozen=True, extra="allow")


class EnvironmentConfig(_Json):
    """One entry of ``Deployment.environments``."""

    enabled: bool = True
    region: str
    account_id: str | None = None


class StackConfig(_Json):
    """One entry of ``Deployment.stacks``."""

    enabled: bool = True
    dependencies: list[str] | None = None


class Resource(_Json):
    """One cloud resource of a stack."""

    type: str
    name: str
    urn: str
    status: str


class LastDeployment(_Json):
    """What happened the last time a stack was deployed."""

    started_at: datetime
    completed_at: datetime | None = None
    duration_seconds: int | None = None
    result: str
    error_message: str | None = None


class Deployment(Entity, table=DEPLOYMENTS):
    """Table 1: one item per deployment (``DEPLOYMENT#{deployment_id}`` / ``METADATA``).

    ``deployment_id`` defaults to a fresh random id; ``created_at``, ``updated_at`` and
    ``version`` are written by the repository, never by the caller.
    """

    __key__ = Key(pk="DEPLOYMENT#{deployment_id}", sk="METADATA")
    __indexes__ = (
        Index("OrganizationIndex", pk="organization", sk="created_at"),
        Index("StatusIndex", pk="status", sk="updated_at"),
    )

    deployment_id: DeploymentId = Field(default_factory=new_deployment_id)
    organization: str = Field(min_length=1)
    project: str
    domain: str
    template: str
    status: DeploymentStatus = DeploymentStatus.INITIALIZED
    environments: dict[str, EnvironmentConfig] = Field(default_factory=dict)
    stacks: dict[str, StackConfig] = Field(default_factory=dict)
    manifest: str = "{}"
    created_at: CreatedAt = auto_now()
    updated_at: UpdatedAt = auto_now()
    created_by: Owner[str]
    version: Version = 1


class Stack(Entity, table=STACKS):
    """Table 2: one item per stack and environment of a deployment."""

    __key__ = Key(pk="DEPLOYMENT#{deployment_id}", sk="STACK#{stack_name}#{environment}")
    __indexes__ = (
        Index("StackNameIndex", pk="stack_name", sk="updated_at"),
        Index("StatusIndex", pk="status", sk="updated_at"),
    )

    deployment_id: DeploymentId
    stack_name: KeyName
    environment: KeyName
    status: StackStatus = StackStatus.PENDING
    pulumi_stack_name: str
    layer: int = Field(ge=0)
    dependencies: list[str] = Field(default_factory=list)
    outputs: dict[str, Any] | None = None
    resources: list[Resource] | None = None
    resource_count: int = Field(default=0, ge=0)
    last_deployment: LastDeployment | None = None
    created_at: CreatedAt = auto_now()
    updated_at: UpdatedAt = auto_now()
    version: Version = 1


def _expires_after(retention: timedelta) -> Any:
    """A ``ttl`` default: ``retention`` after the item's own ``timestamp`` (epoch seconds)."""

    def default(data: dict[str, Any]) -> int:
        stamp = data.get("timestamp")
        when = stamp if isinstance(stamp, datetime) else datetime.now(UTC)
        return int((when + retention).timestamp())

    return Field(default_factory=default)


class LogEntry(Entity, table=LOGS):
    """Table 3: one item per log line, newest last in its deployment's partition."""

    __key__ = Key(pk="DEPLOYMENT#{deployment_id}", sk="TIMESTAMP#{timestamp}#{log_id}")
    __indexes__ = (Index("LogLevelIndex", pk="level", sk="timestamp"),)

    log_id: UUID = Field(default_factory=uuid4)
    deployment_id: DeploymentId
    stack_name: str | None = None
    environment: str | None = None
    timestamp: datetime = auto_now()
    level: LogLevel
    message: str
    details: dict[str, Any] | None = None
    user_id: str | None = None
    #: epoch seconds; 90 days after ``timestamp`` unless given
    ttl: TTL[int] = _expires_after(LOG_RETENTION)


class Metric(Entity, table=METRICS):
    """Table 4: one item per sample of a metric (``METRIC#{metric_name}`` / ``TIMESTAMP#…``)."""

    __key__ = Key(pk="METRIC#{metric_name}", sk="TIMESTAMP#{timestamp}")

    metric_name: KeyName
    timestamp: datetime = auto_now()
    value: int | float
    unit: str
    dimensions: dict[str, str] = Field(default_factory=dict)
    #: epoch seconds; 365 days after ``timestamp`` unless given
    ttl: TTL[int] = _expires_after(METRIC_RETENTION)
