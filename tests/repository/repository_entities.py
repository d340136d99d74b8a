"""Entities of the repository tests, declared at module level (annotations must resolve).

``Deployment`` and ``Stack`` share one table (single-table design): the same partition
``DEPLOYMENT#{id}`` holds a deployment's ``METADATA`` item and its ``STACK#…`` items. The other
entities each have a table of their own. Tests give every repository a unique physical table
(``table_name=``), so the logical names here never collide on the server.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from pydantic import Field

from dynastack.model import (
    TTL,
    CreatedAt,
    Entity,
    Index,
    Key,
    Owner,
    Table,
    UpdatedAt,
    Version,
    auto_now,
)


class Status(enum.Enum):
    PENDING = "PENDING"
    DEPLOYED = "DEPLOYED"
    FAILED = "FAILED"


deployments = Table("repo-deployments")


class Deployment(Entity, table=deployments):
    __key__ = Key(pk="DEPLOYMENT#{deployment_id}", sk="METADATA")
    __indexes__ = (
        Index("OrganizationIndex", pk="organization", sk="created_at"),
        Index("StatusIndex", pk="status", sk="updated_at"),
        Index("OwnerIndex", pk="OWNER#{created_by}", sk="DEPLOYMENT#{deployment_id}"),
        Index("OrgStatusIndex", pk="ORG#{organization}#{status}", sk="deployment_id"),
    )
    deployment_id: str = Field(pattern=r"^D[A-Z0-9]{6}$")
    organization: str
    status: Status = Status.PENDING
    created_by: Owner[str]
    cost: Decimal = Decimal("0")
    note: str | None = None
    version: Version = 1
    created_at: CreatedAt = auto_now()
    updated_at: UpdatedAt = auto_now()


class Stack(Entity, table=deployments):
    __key__ = Key(pk="DEPLOYMENT#{deployment_id}", sk="STACK#{stack_name}#{environment}")
    __indexes__ = (Index("StackNameIndex", pk="stack_name", sk="updated_at"),)
    deployment_id: str
    stack_name: str
    environment: str
    size: int = 1
    updated_at: UpdatedAt = auto_now()
    expires_at: TTL[datetime] | None = None


class Counter(Entity, table="repo-counters"):
    __key__ = Key(pk="COUNTER#{name}")
    name: str
    value: int = 0
    tags: list[str] = Field(default_factory=list)


class Account(Entity, table="repo-accounts"):
    __key__ = Key(pk="ACCOUNT#{account_id}")
    account_id: str
    balance: int
    version: Version = 1


class Entry(Entity, table="repo-entries"):
    """Many items in few partitions, for pagination (R11) and batches (R6, R7)."""

    __key__ = Key(pk="FEED#{feed}", sk="seq")
    __indexes__ = (Index("ByKind", pk="kind", sk="rank"),)
    feed: str
    seq: int
    kind: str = "a"
    rank: int = 0
    payload: str = ""


class Session(Entity, table="repo-sessions"):
    __key__ = Key(pk="SESSION#{session_id}")
    __indexes__ = (Index("ByUser", pk="user", sk="session_id"),)
    session_id: str
    user: Owner[str]
    expires_at: TTL[datetime]
    data: str = ""


class Vault(Entity, table="repo-vaults"):
    """An owned item with a secret text and a binary value: what must never leak (item 8) and
    what ``.current`` must decode (item 11)."""

    __key__ = Key(pk="VAULT#{vault_id}")
    __indexes__ = (Index("ByOwner", pk="OWNER#{owner}", sk="vault_id"),)
    vault_id: str
    owner: Owner[str]
    secret: str = ""
    blob: bytes = b""
    version: Version = 1


class Doc(Entity, table="repo-docs"):
    """An owner's key with a field after it: ``OWNER#{owner}#ORG#{org}`` (item 9)."""

    __key__ = Key(pk="DOC#{doc_id}")
    __indexes__ = (Index("ByOwnerOrg", pk="OWNER#{owner}#ORG#{org}", sk="doc_id"),)
    doc_id: str
    owner: Owner[str]
    org: str
