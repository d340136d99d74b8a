"""The README's and docs/' examples run, and so do the docstrings' ``>>>`` examples.

Each Markdown page's ```python blocks run in order in one namespace, against the session's
DynamoDB Local (``DYNASTACK_ENDPOINT`` is set to it), so a page reads like one script. A block
that must not run is written as ```text or ```pycon instead.
"""

from __future__ import annotations

import doctest
import importlib
import os
import pkgutil
import re
from pathlib import Path

import pytest

import dynastack

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def python_blocks(page: Path) -> list[str]:
    return BLOCK.findall(page.read_text(encoding="utf-8"))


@pytest.mark.integration
@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_page_examples_run(
    page: Path, dynamodb_endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocks = python_blocks(page)
    monkeypatch.setenv("DYNASTACK_ENDPOINT", dynamodb_endpoint)
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem}"}
    for number, block in enumerate(blocks, 1):
        code = compile(block, f"{page.name}[block {number}]", "exec", dont_inherit=True)
        exec(code, namespace)  # the docs are ours and must run as written
    # pages without examples are allowed; the assertion is that every block ran
    assert len(blocks) == sum(1 for _ in BLOCK.finditer(page.read_text(encoding="utf-8")))


def _modules() -> list[str]:
    names = [dynastack.__name__]
    for info in pkgutil.walk_packages(dynastack.__path__, prefix="dynastack."):
        if ".testing.plugin" in info.name:
            continue
        names.append(info.name)
    return sorted(names)


@pytest.mark.integration
@pytest.mark.parametrize("name", _modules())
def test_docstring_examples_run(
    name: str, dynamodb_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # examples that need a server read DYNASTACK_ENDPOINT, like the docs pages
    monkeypatch.setenv("DYNASTACK_ENDPOINT", dynamodb_endpoint)
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(module, name, extraglobs={"os": os}):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
