"""The front door's ``__all__`` is curated and lazy: importable, changed only on purpose, and
``import dynastack`` (and the pytest plugin) load nothing heavy until a name is used."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import dynastack
from dynastack.errors import ConfigurationError

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


# --- the front door is lazy (issue 7 item 20) ---------------------------------------------

#: third-party packages a bare ``import dynastack`` must not load (they cost cold-start time)
HEAVY = ("pydantic", "prometheus_client", "botocore", "cryptography", "orjson", "rich", "typer")


def _loaded_after(code: str) -> set[str]:
    """The top-level packages and dynastack modules in ``sys.modules`` after ``code``, in a
    fresh interpreter (this one has imported everything long ago)."""
    script = f"{code}\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_a_bare_import_loads_only_the_error_tree() -> None:
    loaded = _loaded_after("import dynastack")
    ours = {m for m in loaded if m.startswith("dynastack")}
    assert ours == {"dynastack", "dynastack.errors"}
    assert not {m for m in loaded if m.split(".")[0] in HEAVY}


def test_the_blocking_client_loads_neither_the_async_client_nor_prometheus() -> None:
    loaded = _loaded_after("import dynastack\ndynastack.Client")
    assert "dynastack.client.client" in loaded
    assert "dynastack.client.async_client" not in loaded
    assert "prometheus_client" not in loaded
    assert "pydantic" not in loaded  # the client knows nothing about entities


def test_a_repository_loads_pydantic_but_not_the_asyncio_twin() -> None:
    loaded = _loaded_after("from dynastack import Repository")
    assert "pydantic" in loaded
    assert not {"dynastack.repository.async_repository", "dynastack.client.async_client"} & loaded


def test_the_pytest_plugin_imports_nothing_until_a_fixture_runs() -> None:
    loaded = _loaded_after("import dynastack.testing.plugin")
    ours = {m for m in loaded if m.startswith("dynastack")}
    assert ours == {
        "dynastack",
        "dynastack.errors",
        "dynastack.testing",
        "dynastack.testing.plugin",
    }


def test_an_unknown_name_is_an_attribute_error_naming_it() -> None:
    with pytest.raises(AttributeError, match="'Nope'"):
        _ = dynastack.Nope


def test_dir_lists_the_lazy_names() -> None:
    assert set(dynastack.__all__) <= set(dir(dynastack))


def test_metrics_without_prometheus_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    # prometheus-client is installed here; a None entry in sys.modules makes its import fail
    # exactly as it would where the extra is not installed (the one way to simulate that)
    from dynastack.client.telemetry import Metrics

    monkeypatch.setitem(sys.modules, "prometheus_client", None)
    with pytest.raises(ConfigurationError, match=r"dynastack\[prometheus\]"):
        Metrics()


def test_no_exported_name_is_shadowed_by_a_submodule() -> None:
    # A lazy package's exported name that is also a submodule's name becomes the module as soon
    # as anything imports that submodule (``backfill`` once did): import every submodule first.
    import importlib
    import pkgutil
    import types

    for package_name in ("dynastack", "dynastack.repository", "dynastack.app", "dynastack.model"):
        package = importlib.import_module(package_name)
        for info in pkgutil.walk_packages(package.__path__, package_name + "."):
            if not info.name.startswith(("dynastack.cli", "dynastack.testing")):
                importlib.import_module(info.name)
        for name in package.__all__:
            value = getattr(package, name)
            if f"{package_name}.{name}" in {"dynastack.errors"}:
                continue  # exported as the module it is, on purpose
            assert not isinstance(value, types.ModuleType), f"{package_name}.{name} is a module"
