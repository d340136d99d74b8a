"""``AppTables``: an App's tables in a fresh environment per test module, dropped afterwards.

Why: every example and its tests used to copy the same set-up (a client, a random env name,
``ensure_table`` per spec, ``delete_table`` per spec at the end). The pytest plugin's
``dynastack_tables`` fixture hands out one ``AppTables`` per session; ``environment(app)``
makes the App's tables in a new environment named ``t<hex>`` (or the one given), yields that
name and drops them on exit. ``create(app)`` does the first half, and whatever it made is
dropped when the session ends. Prefer dropping per module: DynamoDB Local holds every table in
memory, and with many of them its index builds slow down (a new global index then takes
minutes to become ACTIVE).

Example (in a conftest.py)::

    @pytest.fixture(scope="module")
    def env(dynastack_tables: AppTables) -> Iterator[str]:
        with dynastack_tables.environment(app) as name:
            yield name
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from uuid import uuid4

from dynastack.app import App
from dynastack.client.client import Client

__all__ = ["AppTables"]


class AppTables:
    """Creates Apps' tables on one endpoint and remembers them until ``drop_all``."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self._made: list[tuple[App, str]] = []

    def create(self, app: App, *, env: str | None = None) -> str:
        """Create every table of ``app`` in ``env`` (default: a new ``t<hex>``); the env."""
        name = env or f"t{uuid4().hex[:8]}"
        self._made.append((app, name))
        app.create_tables(self.client, env=name)
        return name

    def drop(self, app: App, env: str) -> None:
        """Drop the tables of ``app`` in ``env`` now (missing ones are skipped)."""
        app.drop_tables(self.client, env=env)
        if (app, env) in self._made:
            self._made.remove((app, env))

    @contextmanager
    def environment(self, app: App, *, env: str | None = None) -> Iterator[str]:
        """``create`` on entry, ``drop`` on exit."""
        name = self.create(app, env=env)
        try:
            yield name
        finally:
            self.drop(app, name)

    def drop_all(self) -> None:
        """Drop every environment still recorded (the end of the session)."""
        while self._made:
            app, env = self._made.pop()
            app.drop_tables(self.client, env=env)
