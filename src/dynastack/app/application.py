"""``App``: the entities that make one application, how its tables are named, and its front door.

An App is the composition root: ``app.bind(client, env=…)`` gives every entity's repository on
one client, environment, clock and cursor key (so no application writes its own wiring class),
and ``app.create_tables`` / ``drop_tables`` make or remove its tables (tests, notebooks, local
development; ``dynastack tables plan/apply`` is the reviewed path for shared environments).

Command-line tools (``dynastack tables plan APP``, ``doctor``, ``seed``, ``export``) take an
import path ``module:attribute`` to an ``App`` (``load_app``), so that they see exactly the
tables the code uses.

It lives above the repository and provisioning layers because it uses both; a ``Repository``
built with ``app=`` needs only its naming rule (``dynastack.model.app.TableNaming``).

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

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, overload

from dynastack.app.bound import AsyncBoundApp, BoundApp
from dynastack.errors import ConfigurationError, ResourceNotFound
from dynastack.model.declarations import Table
from dynastack.model.entity import Entity
from dynastack.model.tablespec import TableSpec
from dynastack.provisioning import Polling, aensure_table, ensure_table

if TYPE_CHECKING:
    from dynastack.client.async_client import AsyncClient
    from dynastack.client.client import Client

__all__ = ["App"]

Clock = Callable[[], datetime]


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
        """The physical name of one of the app's tables in ``env``."""
        return table.physical_name(env, default_pattern=self.naming, environ=environ)

    def table_specs(
        self, env: str | None = None, environ: Mapping[str, str] | None = None
    ) -> list[TableSpec]:
        """One ``TableSpec`` per table, named for ``env``."""
        return [
            TableSpec.compile(t, env=env, default_pattern=self.naming, environ=environ)
            for t in self.tables
        ]

    # -- the front door ---------------------------------------------------------------------

    @overload
    def bind(
        self,
        client: AsyncClient,
        *,
        env: str | None,
        clock: Clock | None = None,
        cursor_key: bytes | str | None = None,
    ) -> AsyncBoundApp: ...

    @overload
    def bind(
        self,
        client: Client,
        *,
        env: str | None,
        clock: Clock | None = None,
        cursor_key: bytes | str | None = None,
    ) -> BoundApp: ...

    def bind(
        self,
        client: Client | AsyncClient,
        *,
        env: str | None,
        clock: Clock | None = None,
        cursor_key: bytes | str | None = None,
    ) -> BoundApp | AsyncBoundApp:
        """Every entity's repository on ``client``, in ``env``, with one clock and cursor key.

        A ``Client`` gives a ``BoundApp`` (``Repository``), an ``AsyncClient`` an
        ``AsyncBoundApp`` (``AsyncRepository``); ``bound.repository(Deployment)`` (or
        ``bound[Deployment]``) is typed ``Repository[Deployment]``.
        """
        from dynastack.client.async_client import AsyncClient

        if isinstance(client, AsyncClient):
            return AsyncBoundApp(self, client, env=env, clock=clock, cursor_key=cursor_key)
        return BoundApp(self, client, env=env, clock=clock, cursor_key=cursor_key)

    def create_tables(
        self, client: Client, *, env: str | None, polling: Polling | None = None
    ) -> list[str]:
        """Create (or bring up to date) every table in ``env`` and wait until each is ACTIVE;
        the physical names. For tests and local work: ``dynastack tables apply`` reviews."""
        specs = self.table_specs(env=env)
        for spec in specs:
            ensure_table(spec, client, polling=polling)
        return [spec.name for spec in specs]

    async def acreate_tables(
        self, client: AsyncClient, *, env: str | None, polling: Polling | None = None
    ) -> list[str]:
        """``create_tables`` through an ``AsyncClient``."""
        specs = self.table_specs(env=env)
        for spec in specs:
            await aensure_table(spec, client, polling=polling)
        return [spec.name for spec in specs]

    def drop_tables(self, client: Client, *, env: str | None) -> list[str]:
        """Delete every table of ``env`` that exists (throw-away environments and tests only);
        the names of those deleted."""
        dropped: list[str] = []
        for spec in self.table_specs(env=env):
            try:
                client.delete_table(TableName=spec.name)
            except ResourceNotFound:
                continue
            dropped.append(spec.name)
        return dropped

    async def adrop_tables(self, client: AsyncClient, *, env: str | None) -> list[str]:
        """``drop_tables`` through an ``AsyncClient``."""
        dropped: list[str] = []
        for spec in self.table_specs(env=env):
            try:
                await client.delete_table(TableName=spec.name)
            except ResourceNotFound:
                continue
            dropped.append(spec.name)
        return dropped
