"""The front door's ``__all__`` is curated: importable, and changed only on purpose."""

from __future__ import annotations

import dynastack

PINNED = {
    "TTL", "App", "AsyncClient", "Attr", "Client", "CreatedAt", "DynastackError", "Entity",
    "Index", "Key", "Owner", "Path", "Table", "TableSpec", "Update", "UpdatedAt", "Version",
    "__version__", "auto_now", "errors", "AsyncRepository", "Page", "Repository", "UnitOfWork",
    "begins_with", "between", "ge", "gt", "le", "lt",
}  # fmt: skip


def test_all_is_pinned_without_duplicates() -> None:
    # ruff's RUF022 keeps the order sorted; this pins the contents
    names = list(dynastack.__all__)
    assert len(names) == len(set(names))
    assert set(names) == PINNED


def test_every_name_resolves() -> None:
    for name in dynastack.__all__:
        assert getattr(dynastack, name) is not None, name
