"""The import layers of ARCHITECTURE.md hold: errors ← core ← client/local ← testing ← cli.

import-linter checks the contracts declared in pyproject.toml; this test makes a broken layer a
failing test, not only a failing lint step.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "dynastack"


def test_import_linter_contracts_hold() -> None:
    exe = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(exe), "--no-cache"], capture_output=True, text=True, cwd=SRC.parents[1], check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: " in result.stdout
    assert "0 broken" in result.stdout


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_errors_module_depends_on_nothing_of_ours() -> None:
    assert not {m for m in _imports(SRC / "errors.py") if m.startswith("dynastack")}


def test_core_uses_only_the_standard_library() -> None:
    stdlib = sys.stdlib_module_names
    for path in (SRC / "core").rglob("*.py"):
        for module in _imports(path):
            top = module.split(".")[0]
            assert top in stdlib or top == "dynastack", f"{path.name} imports {module}"
            assert top not in {"socket", "asyncio", "ssl", "selectors"}, f"{path.name}: {module}"
