"""The sync and async twins do not drift: same public methods, same parameters.

``AsyncClient`` is written by mirroring ``Client`` (ARCHITECTURE principle 3). This test is
what keeps the mirror honest: a method or a parameter added to one and not the other fails
here. The async side renames ``close`` to ``aclose`` and ``__enter__``/``__exit__`` to
``__aenter__``/``__aexit__``, as httpx does; everything that does I/O must be a coroutine.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest

from dynastack.client.async_client import AsyncClient
from dynastack.client.client import Client
from dynastack.client.compat import METHODS, Boto3Calls

#: sync name → async name, where they differ
RENAMED = {"close": "aclose", "__enter__": "__aenter__", "__exit__": "__aexit__"}
#: methods that do I/O (or wait for it) and so must be ``async def`` on AsyncClient
AWAITED = {"send", "aclose", "__aenter__", "__aexit__"}


def _public(cls: type) -> dict[str, Callable[..., Any]]:
    members: dict[str, Callable[..., Any]] = {}
    for name in dir(cls):
        if name.startswith("_") and name not in RENAMED and name not in RENAMED.values():
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
    return [
        (p.name, p.kind, p.default)
        for p in inspect.signature(member, eval_str=False).parameters.values()
    ]


def test_the_twins_have_the_same_public_methods() -> None:
    sync = {RENAMED.get(name, name) for name in _public(Client)}
    asynchronous = set(_public(AsyncClient))
    assert sync == asynchronous, (
        f"only on Client: {sorted(sync - asynchronous)}; "
        f"only on AsyncClient: {sorted(asynchronous - sync)}"
    )


@pytest.mark.parametrize("name", sorted(_public(Client)))
def test_each_twin_method_takes_the_same_parameters(name: str) -> None:
    sync = _public(Client)[name]
    asynchronous = _public(AsyncClient)[RENAMED.get(name, name)]
    assert _parameters(sync) == _parameters(asynchronous)


@pytest.mark.parametrize("name", sorted(AWAITED))
def test_async_io_methods_are_coroutines(name: str) -> None:
    assert inspect.iscoroutinefunction(getattr(AsyncClient, name))
    sync_name = {v: k for k, v in RENAMED.items()}.get(name, name)
    assert not inspect.iscoroutinefunction(getattr(Client, sync_name))


def test_boto3_methods_come_from_the_one_table_on_both_twins() -> None:
    table_methods = {
        name for name in vars(Boto3Calls) if not name.startswith("_") and name != "mro"
    }
    helpers = {"exceptions", "can_paginate"}  # boto3's client helpers, shared the same way
    assert table_methods == set(METHODS) | helpers
    for name in [*METHODS, *helpers]:
        assert getattr(Client, name) is getattr(Boto3Calls, name)
        assert getattr(AsyncClient, name) is getattr(Boto3Calls, name)


def _body(cls: type, name: str) -> str:
    source = inspect.getsource(getattr(cls, name))
    for word in ("await ", "async "):
        source = source.replace(word, "")
    return source.replace(".aget()", ".get()")


@pytest.mark.parametrize("name", ["_exchange", "send", "__init__"])
def test_the_async_loop_is_the_sync_loop_with_await(name: str) -> None:
    sync = _body(Client, name)
    asynchronous = _body(AsyncClient, name)
    for sync_word, async_word in (
        ("AsyncHttpTransport", "HttpTransport"),
        ("AsyncTransport", "Transport"),
        ("asyncio.sleep", "time.sleep"),
        ("Awaitable[object]", "object"),
        ("(self._exchange(operation))[0]", "self._exchange(operation)[0]"),
    ):
        asynchronous = asynchronous.replace(sync_word, async_word)
    assert asynchronous == sync
