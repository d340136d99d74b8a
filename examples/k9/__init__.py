"""K9 (seed 001): users, user-scoped reports and product embeddings, on dynastack.

``app`` is what the command line takes: ``dynastack tables apply examples.k9:app --env dev``,
``dynastack seed examples.k9:app --env dev``, ``dynastack doctor examples.k9:app --env dev``.
``app.create_tables``/``drop_tables`` do the same for tests and notebooks.

Example:
    >>> [spec.name for spec in app.table_specs(env="dev", environ={})]
    ['k9-users-dev', 'k9-reports-dev', 'k9-embeddings-dev']
"""

from __future__ import annotations

from dynastack import App
from examples.k9.models import ENTITIES, Embedding, Preferences, Report, User
from examples.k9.repositories import EmbeddingRepository, ReportRepository, UserRepository
from examples.k9.seed import seed

__all__ = [
    "Embedding",
    "EmbeddingRepository",
    "Preferences",
    "Report",
    "ReportRepository",
    "User",
    "UserRepository",
    "app",
]

app = App("k9", ENTITIES, seed=seed)
