"""Seed 001's REST API: each user's own reports (owner-scoped), and product embeddings.

Reports are served through the repository's owner scope of the caller: a user lists, reads,
changes and deletes only their own, and another user's report is a 404. Embeddings are read by
any signed-in ``Users`` member and written by ``Administrators``.

Example:
    >>> [(spec.path, spec.owner_scoped) for spec in api.specs]
    [('/reports', True), ('/embeddings', False)]
"""

from __future__ import annotations

from dynastack.api import Api, Operation, Resource
from examples.k9 import app
from examples.k9.models import Embedding, Report

__all__ = ["api"]

OWN: set[Operation] = {"list", "get", "create", "update", "delete"}
READ: set[Operation] = {"list", "get"}

api = Api(
    app,
    [
        Resource(Report, operations=OWN, roles={"Users": OWN, "Administrators": OWN}, owner=True),
        Resource(
            Embedding,
            operations={"list", "get", "create"},
            roles={"Users": READ, "Administrators": {"list", "get", "create"}},
        ),
    ],
    title="K9 API",
)
