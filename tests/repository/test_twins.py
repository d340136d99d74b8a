"""``Repository`` and ``AsyncRepository`` do not drift: same public methods, same parameters.

The async twin is written by mirroring the sync one (ARCHITECTURE principle 3); both drive
the same step scripts, so what can drift is only the shells' surface. This test fails when a
method or a parameter is added to one and not the other, when an I/O method of the async twin
is not a coroutine (or an async iterator for ``query_all``/``scan``), and likewise for
``backfill``/``abackfill`` and ``UnitOfWork.commit``/``acommit``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest

from dynastack.repository import AsyncRepository, Repository, UnitOfWork, abackfill, backfill

#: methods that do I/O: coroutines on AsyncRepository
AWAITED = {"get", "create", "put", "update", "delete", "query", "count", "batch_get", "batch_write"}
#: methods that stream: async generators on AsyncRepository, generators on Repository
STREAMED = {"query_all", "scan"}


def _public(cls: type) -> dict[str, Any]:
    members: dict[str, Any] = {}
    for name in dir(cls):
        if name.startswith("_") and name != "__init__":
            continue
        value = inspect.getattr_static(cls, name)
        if isinstance(value, classmethod | staticmethod):
            value = value.__func__
        if callable(value) or isinstance(value, property):
            members[name] = value
    return members


def _parameters(member: object) -> list[tuple[str, Any, Any]]:
    if isinstance(member, property):
        return [("<property>", None, None)]
    assert callable(member)
    parameters = inspect.signature(member, eval_str=False).parameters.values()
    # the client parameter differs by type only (Client vs AsyncClient), which is the point
    return [(p.name, p.kind, p.default) for p in parameters]


def test_the_twins_have_the_same_public_methods() -> None:
    sync, asynchronous = set(_public(Repository)), set(_public(AsyncRepository))
    assert sync == asynchronous, (
        f"only on Repository: {sorted(sync - asynchronous)}; "
        f"only on AsyncRepository: {sorted(asynchronous - sync)}"
    )
    assert sync >= AWAITED | STREAMED


@pytest.mark.parametrize("name", sorted(_public(Repository)))
def test_each_twin_method_takes_the_same_parameters(name: str) -> None:
    assert _parameters(_public(Repository)[name]) == _parameters(_public(AsyncRepository)[name])


@pytest.mark.parametrize("name", sorted(AWAITED))
def test_async_io_methods_are_coroutines(name: str) -> None:
    assert inspect.iscoroutinefunction(getattr(AsyncRepository, name))
    assert not inspect.iscoroutinefunction(getattr(Repository, name))


@pytest.mark.parametrize("name", sorted(STREAMED))
def test_streaming_methods_are_generators_on_both_sides(name: str) -> None:
    assert inspect.isasyncgenfunction(getattr(AsyncRepository, name))
    assert inspect.isgeneratorfunction(getattr(Repository, name))


@pytest.mark.parametrize(
    ("sync", "asynchronous"),
    [(backfill, abackfill), (UnitOfWork.commit, UnitOfWork.acommit)],
)
def test_function_twins_take_the_same_parameters(
    sync: Callable[..., Any], asynchronous: Callable[..., Any]
) -> None:
    assert _parameters(sync) == _parameters(asynchronous)
    assert inspect.iscoroutinefunction(asynchronous)
    assert not inspect.iscoroutinefunction(sync)
