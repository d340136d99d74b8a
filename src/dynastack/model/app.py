"""``App``: the list of entities that make one application, and how its tables are named.

Command-line tools (``dynastack tables plan APP``, ``doctor``, ``seed``, ``export``) take an
import path ``module:attribute`` to an ``App``, so that they see exactly the tables the code uses.

Example:
    >>> from dynastack.model import Entity, Key
    >>> class Thing(Entity, table="things-app-doc"):
    ...     __key__ = Key(pk="{thing_id}")
    ...     thing_id: str
    >>> app = App("demo", [Thing], naming="demo-{table}-{env}")
    >>> [spec.name for spec in app.table_specs(env="dev", environ={})]
    ['demo-things-app-doc-dev']
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dynastack.errors import ConfigurationError
from dynastack.model.declarations import Table
from dynastack.model.entity import Entity
from dynastack.model.tablespec import TableSpec

__all__ = ["App", "load_app"]


@dataclass
class App:
    """An application: its entities, its table naming rule, and optional demo-data seeding.

    ``naming`` applies to tables that have no pattern of their own; it may use ``{table}``
    and ``{env}``. ``seed`` is an optional callable that writes demo data (``dynastack seed``).
    """

    name: str
    entities: Sequence[type[Entity]]
    naming: str | None = None
    seed: Callable[..., Any] | None = None
    extras: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # the naming rule belongs to the tables themselves, so that a Repository built without
        # this App still finds the right table
        if self.naming is None:
            return
        for table in self.tables:
            if table.pattern is None:
                table.pattern = self.naming
            elif table.pattern != self.naming and table.app_naming is not None:
                raise ConfigurationError(
                    f"table {table.name!r} is named {table.pattern!r} by another App; "
                    f"{self.name!r} would name it {self.naming!r}"
                )
            table.app_naming = table.app_naming or self.naming

    @property
    def tables(self) -> list[Table]:
        """The distinct tables of the app's entities, in declaration order."""
        seen: list[Table] = []
        for entity in self.entities:
            table = entity.__dynastack__.table
            if all(table is not t for t in seen):
                seen.append(table)
        return seen

    def table_name(
        self, table: Table, env: str | None, environ: Mapping[str, str] | None = None
    ) -> str:
        return table.physical_name(env, default_pattern=self.naming, environ=environ)

    def table_specs(
        self, env: str | None = None, environ: Mapping[str, str] | None = None
    ) -> list[TableSpec]:
        """One ``TableSpec`` per table, named for ``env``."""
        return [
            TableSpec.compile(t, env=env, default_pattern=self.naming, environ=environ)
            for t in self.tables
        ]


def load_app(path: str) -> App:
    """Import ``module:attribute`` and return the ``App`` it names, with a precise error."""
    module_name, _, attribute = path.partition(":")
    if not module_name or not attribute:
        raise ConfigurationError(f"APP must look like 'package.module:app', not {path!r}")
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # like uvicorn: APP paths are relative to where you are
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigurationError(f"cannot import {module_name!r}: {exc}") from exc
    app = getattr(module, attribute, None)
    if callable(app) and not isinstance(app, App):
        app = app()
    if not isinstance(app, App):
        raise ConfigurationError(f"{path!r} is {type(app).__name__}, not a dynastack App")
    return app
