"""What an entity declares about its storage: its key, its indexes and its table.

These are inert values; ``dynastack.model.entity`` compiles them against the entity's fields
when the class is created, so that a mistake is a ``DefinitionError`` at import, not at the
first request.

A key or index part is a key template (``"DEPLOYMENT#{deployment_id}"``, constant
``"METADATA"``) or, for brevity, a bare field name (``"organization"``, the same as
``"{organization}"``). A bare field is stored in its own attribute with its own type (an ``int``
field gives an ``N`` key); any other template renders a string into a computed attribute
(``PK``/``SK`` for the table key, ``<Index>PK``/``<Index>SK`` for indexes unless named).

Example:
    >>> users = Table("users", pattern="k9-users-{env}", env_var="K9_USERS_TABLE")
    >>> users.physical_name("dev", environ={})
    'k9-users-dev'
    >>> users.physical_name("dev", environ={"K9_USERS_TABLE": "custom"})
    'custom'
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from dynastack.errors import ConfigurationError, DefinitionError, EnvironmentRequired

if TYPE_CHECKING:
    from dynastack.model.entity import Entity

__all__ = ["Index", "Key", "Projection", "Table"]

Projection = Literal["ALL", "KEYS_ONLY"] | tuple[str, ...]

_TABLE_NAME = re.compile(r"^[A-Za-z0-9_.\-]{3,255}$")


@dataclass(frozen=True, slots=True)
class Key:
    """The primary key: a partition-key template and an optional sort-key template.

    A template with text is stored under ``pk_attr``/``sk_attr`` (``PK``/``SK`` unless given).
    A bare field (``pk="email"``) is its own attribute, unless ``pk_attr`` is given: then the
    key attribute is a typed copy of the field (``PK`` = the email, and ``email`` as well),
    written on every put and never set by hand, as a migration contract may require.
    """

    pk: str
    sk: str | None = None
    pk_attr: str | None = None
    sk_attr: str | None = None


@dataclass(frozen=True, slots=True)
class Index:
    """A secondary index, named by its access pattern (``"OrganizationIndex"``).

    ``local=True`` declares an LSI: it shares the table's partition key, so only ``sk`` is
    given. ``projection`` is ``"ALL"``, ``"KEYS_ONLY"`` or a tuple of extra attributes.
    ``pk_attr``/``sk_attr`` name the key attributes; for a bare field they make the index key a
    typed copy of the field under that name (``GSI1PK`` = ``category_id``), as for ``Key``.
    """

    name: str
    pk: str | None = None
    sk: str | None = None
    local: bool = False
    projection: Projection = "ALL"
    pk_attr: str | None = None
    sk_attr: str | None = None


@dataclass(eq=False)
class Table:
    """A table declaration: a logical name, a naming rule per environment, an override variable.

    ``pattern`` may use ``{table}`` and ``{env}``; without one, the application's pattern
    applies (default ``"{table}-{env}"``, or just ``"{table}"`` when no environment is given).
    ``env_var`` names an environment variable that, when set, gives the physical name outright.
    """

    name: str
    pattern: str | None = None
    env_var: str | None = None
    billing_mode: Literal["PAY_PER_REQUEST", "PROVISIONED"] = "PAY_PER_REQUEST"
    stream: Literal["NEW_AND_OLD_IMAGES", "NEW_IMAGE", "OLD_IMAGE", "KEYS_ONLY"] | None = (
        "NEW_AND_OLD_IMAGES"
    )
    point_in_time_recovery: bool = False
    #: the naming rule an App gave this table (its own pattern was unset)
    app_naming: str | None = field(default=None, repr=False)
    entities: list[type[Entity]] = field(default_factory=list, repr=False)

    def physical_name(
        self,
        env: str | None,
        *,
        default_pattern: str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> str:
        """The table's name in ``env``: the override variable, else the naming pattern."""
        environ = os.environ if environ is None else environ
        if self.env_var and environ.get(self.env_var):
            name = environ[self.env_var]
        else:
            pattern = self.pattern or default_pattern or ("{table}-{env}" if env else "{table}")
            if "{env}" in pattern and not env:
                raise EnvironmentRequired(
                    f"table {self.name!r} is named {pattern!r} per environment: pass env=…",
                    table=self.name,
                    pattern=pattern,
                )
            name = pattern.format(table=self.name, env=env or "")
        if not _TABLE_NAME.match(name):
            raise ConfigurationError(
                f"table name {name!r} (for {self.name!r}) is not a valid DynamoDB table name: "
                "3-255 characters of A-Z a-z 0-9 _ . -"
            )
        return name

    def register(self, entity: type[Entity]) -> None:
        """Add an entity class; clashes with the entities already there raise at import."""
        from dynastack.model.tablespec import check_compatible

        for other in self.entities:
            if other.__name__ == entity.__name__ and other.__module__ == entity.__module__:
                self.entities.remove(other)  # a re-declared class (reload, notebook) replaces
                break
        for other in self.entities:
            check_compatible(other, entity)
        self.entities.append(entity)


def ensure_table(value: Table | str) -> Table:
    """``Table`` objects are shared; a plain string names a table of its own (one per name)."""
    if isinstance(value, Table):
        return value
    if not isinstance(value, str) or not value:
        raise DefinitionError("ENTITY_TABLE", f"table must be a Table or a name, not {value!r}")
    table = _NAMED.get(value)
    if table is None:
        table = _NAMED[value] = Table(value)
    return table


_NAMED: dict[str, Table] = {}
