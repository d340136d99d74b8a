"""The ``>>>`` examples of examples/cloud_platform run (against DynamoDB Local where needed)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "examples.cloud_platform",
    "examples.cloud_platform.cascade",
    "examples.cloud_platform.models",
    "examples.cloud_platform.records",
    "examples.cloud_platform.repositories",
    "examples.cloud_platform.seed",
]


@pytest.mark.integration
@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(
    name: str, dynamodb_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DYNASTACK_ENDPOINT", dynamodb_endpoint)
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    tests = finder.find(module, name)
    assert tests, f"{name} has no examples"
    for test in tests:
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
