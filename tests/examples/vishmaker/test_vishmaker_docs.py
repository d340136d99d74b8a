"""The ``>>>`` examples of every examples.vishmaker module run against DynamoDB Local."""

from __future__ import annotations

import doctest
import importlib
import os
import pkgutil

import pytest

import examples.vishmaker

MODULES = sorted(
    [examples.vishmaker.__name__]
    + [
        info.name
        for info in pkgutil.walk_packages(examples.vishmaker.__path__, prefix="examples.vishmaker.")
    ]
)


@pytest.mark.integration
@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(
    name: str, dynamodb_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DYNASTACK_ENDPOINT", dynamodb_endpoint)
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(module, name, extraglobs={"os": os}):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
    assert result.attempted > 0, f"{name} has no runnable example"
