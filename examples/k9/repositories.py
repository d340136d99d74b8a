"""The K9 API's repositories: seed 001's operations, one thin class per aggregate.

Each class wraps a dynastack ``Repository`` and adds nothing but names and scope. In particular
``ReportRepository`` never checks ownership in Python: every report operation runs on
``repository.for_owner(user_id)``, so the owner is part of each write's *condition* and each
query's *key* (seed 001's "conditional update (user check)"), and another user's report looks
exactly like a missing one (no probing for ids).

The seed's ``DatabaseManager.get_*_table()`` and ``convert_decimals``/``prepare_for_dynamodb`` have
no counterpart: table names come from the ``Table`` declarations and ``env``, and the typed
entities plus dynastack's codec convert values both ways.

Example (against DynamoDB Local; the tables must exist, see ``app.create_tables``):
    >>> import os
    >>> from dynastack import Client
    >>> from examples.k9 import app
    >>> client = Client.local(os.environ["DYNASTACK_ENDPOINT"])
    >>> _ = app.create_tables(client, env="doc")
    >>> reports = ReportRepository(app.bind(client, env="doc"))
    >>> mine = reports.create_report("u1", Report(user_id="u1", title="Gait study"))
    >>> [r.title for r in reports.list_reports("u1")]
    ['Gait study']
    >>> reports.get_report("u2", mine.report_id) is None  # another user sees nothing
    True
    >>> _ = app.drop_tables(client, env="doc"); client.close()
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from dynastack.app import BoundApp
from dynastack.repository import Page, Repository
from examples.k9.models import Embedding, Report, User

__all__ = ["EmbeddingRepository", "ReportRepository", "UserRepository"]

Clock = Callable[[], datetime]


class UserRepository:
    """Users by ``user_id``: create, read, partial update (seed: ``UserRepository``)."""

    def __init__(self, bound: BoundApp) -> None:
        self.users = bound[User]

    def create_user(self, user: User) -> User:
        """Store a new user; ``ConditionalCheckFailed`` if the ``user_id`` is taken."""
        return self.users.create(user)

    def get_user(self, user_id: str) -> User | None:
        """The user, or ``None``."""
        return self.users.get(user_id=user_id)

    def update_user(self, user_id: str, **changes: Any) -> User:
        """Change only the given fields (``name=``, ``preferences=`` …); the user after it."""
        return self.users.update({"user_id": user_id}, **changes)


class ReportRepository:
    """Reports, always within one user's scope (seed: ``ReportRepository``)."""

    def __init__(self, bound: BoundApp) -> None:
        self.reports = bound[Report]

    def _of(self, user_id: str) -> Repository[Report]:
        return self.reports.for_owner(user_id)

    def create_report(self, user_id: str, report: Report) -> Report:
        """Store a new report owned by ``user_id`` (whatever ``report.user_id`` said)."""
        return self._of(user_id).create(report)

    def get_report(self, user_id: str, report_id: str) -> Report | None:
        """The report if it exists *and* is ``user_id``'s, else ``None``."""
        return self._of(user_id).get(report_id=report_id)

    def list_reports(
        self, user_id: str, *, limit: int = 20, cursor: str | None = None
    ) -> Page[Report]:
        """One page of ``user_id``'s reports, newest first (``UserReportsIndex``); the cursor
        is sealed and opens only for this user's next page."""
        return self._of(user_id).query(
            "UserReportsIndex", newest_first=True, limit=limit, cursor=cursor
        )

    def update_report(self, user_id: str, report: Report | str, **changes: Any) -> Report:
        """Change fields of ``user_id``'s report. Given a ``Report``, the write also checks its
        version (``VersionConflict`` if someone wrote since); given an id, it does not.
        Another user's report fails exactly like a missing one: ``ConditionalCheckFailed``."""
        target = report if isinstance(report, Report) else {"report_id": report}
        return self._of(user_id).update(target, **changes)

    def delete_report(self, report_id: str, user_id: str) -> None:
        """Delete ``user_id``'s report (argument order as the seed's ``delete_report(id,
        uid)``); ``ConditionalCheckFailed`` when it is missing or someone else's."""
        self._of(user_id).delete({"report_id": report_id})


class EmbeddingRepository:
    """Product embeddings, one per product, listed by model version (seed:
    ``EmbeddingRepository``)."""

    def __init__(self, bound: BoundApp) -> None:
        self.embeddings = bound[Embedding]

    def store_embedding(self, embedding: Embedding) -> Embedding:
        """Store (or replace) the product's embedding."""
        return self.embeddings.put(embedding)

    def get_embedding(self, product_id: str) -> Embedding | None:
        """The product's embedding, or ``None``."""
        return self.embeddings.get(product_id=product_id)

    def get_embeddings_by_model(
        self, model_version: str, *, limit: int = 100, cursor: str | None = None
    ) -> Page[Embedding]:
        """One page of the embeddings made by ``model_version``, oldest first
        (``ModelVersionIndex``)."""
        return self.embeddings.query(
            "ModelVersionIndex", model_version=model_version, limit=limit, cursor=cursor
        )

    def iter_embeddings_by_model(self, model_version: str) -> Iterator[Embedding]:
        """Every embedding of ``model_version``, fetched page by page as the loop goes."""
        return self.embeddings.query_all("ModelVersionIndex", model_version=model_version)
