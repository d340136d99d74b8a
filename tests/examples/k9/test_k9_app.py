"""The K9 app: per-environment table names, the table shapes, demo data, runnable docstrings."""

from __future__ import annotations

import doctest
import importlib

import pytest

from dynastack import Client
from dynastack.ops.seeding import run_seed
from examples.k9 import EmbeddingRepository, ReportRepository, app

MODULES = ["examples.k9", "examples.k9.models", "examples.k9.repositories", "examples.k9.seed",
           "examples.k9.vectors"]  # fmt: skip


def test_table_names_follow_the_seed_per_environment() -> None:
    names = [spec.name for spec in app.table_specs(env="prod", environ={})]
    assert names == ["k9-users-prod", "k9-reports-prod", "k9-embeddings-prod"]


def test_the_override_variables_name_a_table_outright() -> None:
    environ = {"DYNAMODB_REPORTS_TABLE": "legacy-reports"}
    names = [spec.name for spec in app.table_specs(env="prod", environ=environ)]
    assert names == ["k9-users-prod", "legacy-reports", "k9-embeddings-prod"]


def test_tables_have_the_seed_keys_and_indexes() -> None:
    users, reports, embeddings = app.table_specs(env="dev", environ={})
    assert (users.pk.name, users.sk, users.indexes) == ("user_id", None, ())
    assert (reports.pk.name, reports.sk) == ("id", None)
    [by_user] = reports.indexes
    assert (by_user.name, by_user.pk.name, by_user.sk and by_user.sk.name) == (
        "UserReportsIndex", "user_id", "created_at",
    )  # fmt: skip
    [by_model] = embeddings.indexes
    assert (by_model.name, by_model.pk.name) == ("ModelVersionIndex", "model_version")
    assert embeddings.pk.name == "product_id"


@pytest.mark.integration
def test_seed_writes_the_demo_data_and_can_run_twice(client: Client, env: str) -> None:
    progress: list[tuple[str, int, int | None]] = []
    written = run_seed(app, client, env=env, count=3, progress=lambda *a: progress.append(a))
    assert written == {"users": 3, "reports": 9, "embeddings": 3}
    assert ("reports", 9, 9) in progress
    assert run_seed(app, client, env=env, count=3) == written  # idempotent: same ids
    k9 = app.bind(client, env=env)
    assert len(k9.service(ReportRepository).list_reports("demo-user-001", limit=10)) == 3
    embedding = k9.service(EmbeddingRepository).get_embedding("demo-product-0001")
    assert embedding is not None and embedding.vector_dimension == 1536


@pytest.mark.integration
@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(
    name: str, dynamodb_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DYNASTACK_ENDPOINT", dynamodb_endpoint)
    module = importlib.import_module(name)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    tests = doctest.DocTestFinder(exclude_empty=True).find(module, name)
    for test in tests:
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted > 0, f"{name} has no docstring example"
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
