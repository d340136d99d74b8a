"""The K9 API's data (seed 001): users, their reports, and product embeddings by model version.

Three tables, one entity each, named per environment exactly as the seed names them
(``k9-users-{env}``, ``k9-reports-{env}``, ``k9-embeddings-{env}``); the seed's
``DYNAMODB_*_TABLE`` variables override a name outright (they hold a table *name* here: the
seed put an ARN in them, which no DynamoDB call accepts as ``TableName``).

Keys are the seed's own attributes (bare fields: ``user_id``, ``id``, ``product_id``), so items
look exactly as the seed describes them. What changed from the seed, and why, is in the README:

* a report's owner is an ``Owner`` field: owner-scoped repositories put it into every write's
  condition and every query's key (the seed's "conditional update (user check)");
* user preferences are a typed model, not a free JSON object: the numbers DynamoDB returns as
  ``Decimal`` come back as the declared ``int``/``float`` (the seed's ``convert_decimals``);
* the embedding is packed float32 in one binary attribute (``vectors.Float32Vector``).

Example:
    >>> report = Report(report_id="r1", user_id="u1", title="Hip scores", author="Dr. Vet")
    >>> report.favorites, Report.__dynastack__.pk.attr, Report.__dynastack__.owner_field
    (0, 'id', 'user_id')
    >>> Embedding(product_id="p1", model_version="m1", embedding_vector=[1.0, 2.0])
    ... # doctest: +ELLIPSIS
    Embedding(product_id='p1', model_version='m1', embedding_vector=[1.0, 2.0], \
vector_dimension=2, ...)
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal
from uuid import uuid4

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dynastack import CreatedAt, Entity, Index, Key, Owner, Table, UpdatedAt, Version, auto_now
from examples.k9.vectors import Float32Vector

__all__ = [
    "EMAIL_PATTERN",
    "ENTITIES",
    "Embedding",
    "Preferences",
    "Report",
    "User",
    "embeddings_table",
    "new_id",
    "reports_table",
    "users_table",
]

users_table = Table("users", pattern="k9-users-{env}", env_var="DYNAMODB_USERS_TABLE")
reports_table = Table("reports", pattern="k9-reports-{env}", env_var="DYNAMODB_REPORTS_TABLE")
embeddings_table = Table(
    "embeddings", pattern="k9-embeddings-{env}", env_var="DYNAMODB_EMBEDDINGS_TABLE"
)


#: a deliberately loose address check (one "@", a dot in the domain); mail delivery is the test
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def new_id() -> str:
    """A fresh random identifier (32 hex digits)."""
    return uuid4().hex


class Preferences(BaseModel):
    """A user's settings, stored as one map attribute (the seed's "preferences (JSON object)")."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    theme: Literal["light", "dark"] = "light"
    language: str = "en"
    page_size: int = Field(default=20, ge=1, le=100)
    similarity_threshold: float = Field(default=0.8, ge=0.0, le=1.0)
    email_notifications: bool = True


class User(Entity, table=users_table):
    """A K9 user, keyed by the identity provider's subject (``user_id``)."""

    __key__ = Key(pk="user_id")

    user_id: str = Field(min_length=1, max_length=128)
    name: str = Field(min_length=1, max_length=200)
    email: str = Field(pattern=EMAIL_PATTERN, max_length=320)
    avatar_url: str | None = None
    preferences: Preferences = Field(default_factory=Preferences)
    created_at: CreatedAt = auto_now()
    updated_at: UpdatedAt = auto_now()


class Report(Entity, table=reports_table):
    """A report owned by one user; listed per user, newest first, by ``UserReportsIndex``."""

    __key__ = Key(pk="report_id")
    __indexes__ = (Index("UserReportsIndex", pk="user_id", sk="created_at"),)

    report_id: str = Field(default_factory=new_id, alias="id", min_length=1, max_length=64)
    user_id: Owner[str]
    title: str = Field(min_length=1, max_length=500)
    author: str = ""
    date: dt.date | None = None
    reference: str | None = None
    favorites: int = Field(default=0, ge=0)
    version: Version = 1
    created_at: CreatedAt = auto_now()
    updated_at: UpdatedAt = auto_now()


class Embedding(Entity, table=embeddings_table):
    """A product's embedding under one model version; ``ModelVersionIndex`` lists a version's."""

    __key__ = Key(pk="product_id")
    __indexes__ = (Index("ModelVersionIndex", pk="model_version", sk="created_at"),)

    product_id: str = Field(min_length=1, max_length=256)
    model_version: str = Field(min_length=1, max_length=128)
    embedding_vector: Float32Vector
    #: derived from the vector when not given (the "before" validator fills it in)
    vector_dimension: int = Field(default=0, ge=1)
    created_at: CreatedAt = auto_now()

    @model_validator(mode="before")
    @classmethod
    def _dimension_from_vector(cls, data: Any) -> Any:
        # the seed stores the dimension beside the vector; derive it when it is not given
        if isinstance(data, dict) and data.get("vector_dimension") is None:
            vector = data.get("embedding_vector")
            if isinstance(vector, bytes):
                return {**data, "vector_dimension": len(vector) // 4}
            if isinstance(vector, list | tuple):
                return {**data, "vector_dimension": len(vector)}
        return data

    @model_validator(mode="after")
    def _dimension_matches(self) -> Embedding:
        if len(self.embedding_vector) != self.vector_dimension:
            raise ValueError(
                f"vector_dimension is {self.vector_dimension} but the vector has "
                f"{len(self.embedding_vector)} values"
            )
        return self


#: every entity of the K9 app, in table order
ENTITIES: tuple[type[Entity], ...] = (User, Report, Embedding)
