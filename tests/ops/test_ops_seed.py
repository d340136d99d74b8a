"""``run_seed``: the App's seed function is called with the contract's arguments, after checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dynastack.app import App
from dynastack.client.client import Client
from dynastack.errors import ConfigurationError
from dynastack.model import TableSpec
from dynastack.ops.backup import count_items
from dynastack.ops.seeding import call_seed, run_seed

from .ops_sample_app import Blob, Order, unseeded
from .ops_sample_app import app as sample_app


def test_call_seed_passes_the_contract_arguments() -> None:
    calls: list[dict[str, Any]] = []

    def seed(client: object, *, env: str | None, count: int, progress: object) -> None:
        calls.append({"client": client, "env": env, "count": count})

    app = App("s", [Order, Blob], seed=seed)
    assert call_seed(app, "CLIENT", env="dev", count=3) == {}
    assert calls == [{"client": "CLIENT", "env": "dev", "count": 3}]


def test_no_seed_function_wrong_signature_and_bad_count_are_clear_errors() -> None:
    with pytest.raises(ConfigurationError, match="app 'ops-unseeded' has no seed function"):
        call_seed(unseeded, None, env="dev")

    def positional(client: object, env: str, count: int) -> None:
        raise AssertionError("must not be called")

    with pytest.raises(
        ConfigurationError, match=r"must accept \(client, \*, env, count, progress\)"
    ):
        call_seed(App("bad", [Order], seed=positional), None, env="dev")
    with pytest.raises(ConfigurationError, match="count must be a whole number >= 1"):
        call_seed(sample_app, None, env="dev", count=0)


@pytest.mark.integration
def test_run_seed_refuses_missing_tables(client: Client, env: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        run_seed(sample_app, client, env=env)
    assert str(caught.value) == (
        f"tables ops-orders-{env}, ops-blobs-{env} do not exist: create them first "
        f"(`dynastack tables apply APP --env {env}`)"
    )


@pytest.mark.integration
def test_run_seed_writes_through_the_apps_seed_function(
    client: Client, env: str, make_tables: Callable[..., list[TableSpec]]
) -> None:
    orders = make_tables(sample_app, env)[0]
    reported: list[tuple[str, int, int | None]] = []

    def progress(label: str, done: int, total: int | None = None, /) -> None:
        reported.append((label, done, total))

    written = run_seed(sample_app, client, env=env, count=5, progress=progress)
    assert written == {"orders": 5}
    assert reported[-1] == ("orders", 5, 5) and len(reported) == 5
    assert count_items(client, orders.name) == 5
    run_seed(sample_app, client, env=env, count=5)  # deterministic ids: seeding again is harmless
    assert count_items(client, orders.name) == 5
