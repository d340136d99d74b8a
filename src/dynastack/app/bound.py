"""An ``App`` bound to one client: every entity's repository on one env, clock and cursor key.

Why: every example used to hold a wiring class that built one ``Repository`` per entity on the
same client, environment, clock and cursor key, and then each domain repository on those.
That is the framework's job: ``app.bind(...)`` makes each repository on first use and then
hands out the same one, so that all of them agree on the table names, the clock and the
cursor key; ``bound.service(JobRepository)`` does the same for a domain class built on the
binding (its constructor takes the bound App), so that domain classes that need each other
ask for them instead of being wired by hand. An entity that is not part of the App is refused
by name (a repository on a table nobody provisions would only fail later, remotely).

Example:
    >>> from dynastack import App, Client, Entity, Key, Repository
    >>> class Note(Entity, table="notes-bound-doc"):
    ...     __key__ = Key(pk="{note_id}")
    ...     note_id: str
    >>> client = Client.local("http://127.0.0.1:8000")
    >>> bound = App("notes", [Note]).bind(client, env="dev")
    >>> notes = bound.repository(Note)
    >>> notes.table_name, notes is bound[Note], isinstance(notes, Repository)
    ('notes-bound-doc-dev', True, True)
    >>> class NoteBook:  # a domain class: its constructor takes the bound App
    ...     def __init__(self, bound: BoundApp) -> None:
    ...         self.notes = bound[Note]
    >>> bound.service(NoteBook) is bound.service(NoteBook), bound.service(NoteBook).notes is notes
    (True, True)
    >>> client.close()
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

from dynastack.client.async_client import AsyncClient
from dynastack.client.client import Client
from dynastack.errors import InvalidRequest
from dynastack.model.entity import Entity
from dynastack.repository.async_repository import AsyncRepository
from dynastack.repository.repository import Repository

if TYPE_CHECKING:
    from dynastack.app.application import App

__all__ = ["AsyncBoundApp", "BoundApp"]

E = TypeVar("E", bound=Entity)
C = TypeVar("C")
R = TypeVar("R")
T = TypeVar("T")

Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


class _Bound(Generic[C, R]):
    """What both twins share: the App, the client, env, clock, cursor key and the cache."""

    __slots__ = ("_repositories", "_services", "app", "client", "clock", "cursor_key", "env")

    def __init__(
        self,
        app: App,
        client: C,
        *,
        env: str | None,
        clock: Clock | None = None,
        cursor_key: bytes | str | None = None,
    ) -> None:
        self.app = app
        self.client = client
        self.env = env
        #: the one clock of every repository (and of domain code built on them)
        self.clock: Clock = clock or _utcnow
        self.cursor_key = cursor_key
        self._repositories: dict[type[Entity], R] = {}
        self._services: dict[object, Any] = {}

    def service(self, factory: Callable[[Self], T]) -> T:
        """The domain object ``factory(self)`` (a class whose constructor takes the bound App),
        made on first use and then the same one: domain classes that need each other call
        ``bound.service(Other)`` in their constructor instead of being wired by hand."""
        if factory in self._services:
            made: T = self._services[factory]
            return made
        built = self._services[factory] = factory(self)
        return built

    def now(self) -> datetime:
        """The clock's reading: the ``now`` every repository of this binding uses."""
        return self.clock()

    def _check(self, entity: type[Entity]) -> None:
        if entity not in self.app.entities:
            names = ", ".join(e.__name__ for e in self.app.entities) or "none"
            raise InvalidRequest(
                f"{entity.__name__} is not an entity of App {self.app.name!r} (its entities: "
                f"{names}); add it to the App's entity list"
            )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.app.name!r}, env={self.env!r})"


class BoundApp(_Bound[Client, Repository[Any]]):
    """The App on a blocking ``Client``: ``repository(E)`` is ``Repository[E]``."""

    __slots__ = ()

    def repository(self, entity: type[E]) -> Repository[E]:
        """The repository of ``entity`` (made on first use, then the same one)."""
        made = self._repositories.get(entity)
        if made is None:
            self._check(entity)
            made = self._repositories[entity] = Repository(
                entity,
                self.client,
                env=self.env,
                app=self.app,
                clock=self.clock,
                cursor_key=self.cursor_key,
            )
        found: Repository[E] = made
        return found

    def __getitem__(self, entity: type[E]) -> Repository[E]:
        return self.repository(entity)


class AsyncBoundApp(_Bound[AsyncClient, AsyncRepository[Any]]):
    """The App on an ``AsyncClient``: ``repository(E)`` is ``AsyncRepository[E]``."""

    __slots__ = ()

    def repository(self, entity: type[E]) -> AsyncRepository[E]:
        """The repository of ``entity`` (made on first use, then the same one)."""
        made = self._repositories.get(entity)
        if made is None:
            self._check(entity)
            made = self._repositories[entity] = AsyncRepository(
                entity,
                self.client,
                env=self.env,
                app=self.app,
                clock=self.clock,
                cursor_key=self.cursor_key,
            )
        found: AsyncRepository[E] = made
        return found

    def __getitem__(self, entity: type[E]) -> AsyncRepository[E]:
        return self.repository(entity)
