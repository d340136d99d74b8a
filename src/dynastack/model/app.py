"""What the layers below an ``App`` need of it: its table-naming rule, as a protocol.

``dynastack.app.App`` binds repositories and provisions tables, so it sits above the
repository and provisioning layers; a ``Repository`` built with ``app=`` only reads the App's
default naming rule. This protocol is that one attribute, so that the repository layer does
not import the layer above it.

Example:
    >>> from types import SimpleNamespace
    >>> naming: TableNaming = SimpleNamespace(naming="demo-{table}-{env}")
    >>> naming.naming
    'demo-{table}-{env}'
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["TableNaming"]


class TableNaming(Protocol):
    """Anything with an App's default naming rule (``{table}``/``{env}`` pattern or ``None``)."""

    @property
    def naming(self) -> str | None:
        """The pattern for tables that have none of their own."""
        ...
