"""Demo data for ``dynastack seed examples.k9:app``: users with reports, and embeddings.

Follows the seeding contract (``dynastack.ops.seeding.SeedFunction``): ``count`` users, three
reports each, and ``count`` product embeddings of 1536 dimensions under two model versions.
Ids are derived from ``count`` and an index, and writes are unconditional batch puts, so
seeding twice leaves the same items (timestamps aside) instead of failing.

Example:
    >>> users, reports, embeddings = demo_data(2)
    >>> [u.user_id for u in users], len(reports), embeddings[0].vector_dimension
    (['demo-user-001', 'demo-user-002'], 6, 1536)
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping
from typing import TypeVar

from dynastack import Client, Entity
from dynastack.ops.seeding import SeedProgress
from dynastack.repository import Repository
from examples.k9.models import Embedding, Preferences, Report, User

__all__ = ["DIMENSIONS", "demo_data", "seed"]

#: the dimension of the demo embeddings (OpenAI's text-embedding-3-small size)
DIMENSIONS = 1536

E = TypeVar("E", bound=Entity)

_NAMES = ("Rex", "Luna", "Max", "Bella", "Rocky", "Daisy", "Zeus", "Nala", "Bruno", "Kira")
_TOPICS = ("Hip dysplasia screening", "Gait analysis", "Nutrition plan", "Vaccination record")
_MODELS = ("text-embedding-3-small@2024-01", "text-embedding-3-small@2024-06")


def _vector(rng: random.Random) -> list[float]:
    return [rng.uniform(-1.0, 1.0) for _ in range(DIMENSIONS)]


def demo_data(count: int) -> tuple[list[User], list[Report], list[Embedding]]:
    """``count`` users with three reports each, and ``count`` embeddings (deterministic)."""
    users: list[User] = []
    reports: list[Report] = []
    for i in range(1, count + 1):
        dog = _NAMES[i % len(_NAMES)]
        user = User(
            user_id=f"demo-user-{i:03d}",
            name=f"{dog}'s owner {i}",
            email=f"owner{i}@example.com",
            preferences=Preferences(theme="dark" if i % 2 else "light", page_size=10 + i % 5),
        )
        users.append(user)
        for j in range(3):
            reports.append(
                Report(
                    report_id=f"demo-report-{i:03d}-{j}",
                    user_id=user.user_id,
                    title=f"{_TOPICS[(i + j) % len(_TOPICS)]}: {dog}",
                    author=f"Dr. Vet {j + 1}",
                    date=dt.date(2025, 1 + j, min(i, 28)),
                    reference=f"K9-{i:03d}-{j}",
                    favorites=(i * 7 + j) % 5,
                )
            )
    rng = random.Random(count)
    embeddings = [
        Embedding(
            product_id=f"demo-product-{i:04d}",
            model_version=_MODELS[i % len(_MODELS)],
            embedding_vector=_vector(rng),
        )
        for i in range(1, count + 1)
    ]
    return users, reports, embeddings


def _write(repository: Repository[E], label: str, items: list[E], progress: SeedProgress) -> int:
    progress(label, 0, len(items))
    done = repository.batch_write(
        items, on_progress=lambda p: progress(label, p.written, len(items))
    )
    return done.written


def seed(
    client: Client, *, env: str | None, count: int, progress: SeedProgress
) -> Mapping[str, int]:
    """Write the demo data (the ``App(seed=...)`` contract); ``{table: items written}``."""
    users, reports, embeddings = demo_data(count)
    return {
        "users": _write(Repository(User, client, env=env), "users", users, progress),
        "reports": _write(Repository(Report, client, env=env), "reports", reports, progress),
        "embeddings": _write(
            Repository(Embedding, client, env=env), "embeddings", embeddings, progress
        ),
    }
