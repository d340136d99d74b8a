"""The application: ``App`` (entities, table naming, seed), bound to a client, and loaded by path.

``App`` is the composition root of a dynastack service: ``app.bind(client, env=…)`` gives each
entity's repository (``BoundApp`` / ``AsyncBoundApp``), ``app.create_tables`` /
``drop_tables`` make its tables, and ``load_app("pkg.module:app")`` is how the command line
and the test kit find it. See docs/tables.md.
"""

from dynastack.app.application import App
from dynastack.app.bound import AsyncBoundApp, BoundApp
from dynastack.app.loading import load_app

__all__ = ["App", "AsyncBoundApp", "BoundApp", "load_app"]
