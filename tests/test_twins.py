"""The sync and async twins do not drift: same public methods, same parameters, same bodies.

Every async twin is written by mirroring its sync one (ARCHITECTURE principle 3). These tests
keep the mirror honest. The surface: a method or a parameter added to one ``Client`` and not
the other fails here (tests/repository/test_twins.py does the same for repositories). The
bodies: every pair (clients, transports, repositories, backfill, a unit of work's commit, the
provisioning drivers) is compared as code, AST-normalised (``async``/``await`` stripped,
``Async*`` names read as ``*``, ``aclose``/``acommit``/``arun``/... as their sync names,
``asyncio.sleep`` as ``time.sleep``, ``Awaitable[T]`` as ``T``, ``async for x in xs: yield x``
as ``yield from xs``, docstrings dropped). Where a pair differs on purpose, the difference is
listed in ``DIFFERENT`` with its reason, and a listed difference that is gone fails too, so the
list stays true. The async side renames ``close`` to ``aclose`` and ``__enter__``/``__exit__``
to ``__aenter__``/``__aexit__``, as httpx does; everything that does I/O must be a coroutine.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import textwrap
from collections.abc import Callable
from typing import Any

import pytest

from dynastack.client import async_transport, transport
from dynastack.client.async_client import AsyncClient
from dynastack.client.client import Client
from dynastack.client.compat import METHODS, Boto3Calls
from dynastack.provisioning import drivers
from dynastack.repository import AsyncRepository, Repository, UnitOfWork

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


# ------------------------------------------------------------------------ bodies, as code

#: async names → the sync names they mirror (``Async*`` → ``*`` is applied to every name)
TWIN_NAMES = {
    "aclose": "close",
    "acommit": "commit",
    "arun": "run",
    "_arun": "_run",
    "_acall": "_call",
    "aget": "get",
    "abackfill": "backfill",
    "aapply": "apply",
    "aplan_table": "plan_table",
    "aensure_table": "ensure_table",
    "_aeach_segment": "_each_segment",
    "__aenter__": "__enter__",
    "__aexit__": "__exit__",
}

_backfill = importlib.import_module("dynastack.repository.backfilling")

#: (label, sync, async): classes are compared member by member, functions whole
PAIRS: list[tuple[str, Any, Any]] = [
    ("Client", Client, AsyncClient),
    ("HttpTransport", transport.HttpTransport, async_transport.AsyncHttpTransport),
    ("transport._Pool", transport._Pool, async_transport._Pool),
    ("transport._Connection", transport._Connection, async_transport._Connection),
    ("Repository", Repository, AsyncRepository),
    ("backfill", _backfill.backfill, _backfill.abackfill),
    ("backfill._each_segment", _backfill._each_segment, _backfill._aeach_segment),
    ("UnitOfWork.commit", UnitOfWork.commit, UnitOfWork.acommit),
    ("drivers._run", drivers._run, drivers._arun),
    ("drivers.plan_table", drivers.plan_table, drivers.aplan_table),
    ("drivers.apply", drivers.apply, drivers.aapply),
    ("drivers.ensure_table", drivers.ensure_table, drivers.aensure_table),
]

_SOCKETS_VS_LOOP = (
    "blocking sockets shared by threads under a lock and a condition variable, against an "
    "asyncio Protocol with futures on one loop; their behaviour is what must match, and the "
    "transport tests run the same cases against both"
)
#: what differs on purpose, and why; a member only one twin has is listed with "only:" first
DIFFERENT: dict[str, str] = {
    "HttpTransport.__init__": _SOCKETS_VS_LOOP,
    "HttpTransport.send": _SOCKETS_VS_LOOP,
    "HttpTransport.connect": _SOCKETS_VS_LOOP,
    "HttpTransport.close": _SOCKETS_VS_LOOP,
    "HttpTransport._route": _SOCKETS_VS_LOOP,
    "only:HttpTransport._sweep": "the loop's read deadlines are swept by a timer",
    "transport._Pool": _SOCKETS_VS_LOOP,
    "transport._Connection": _SOCKETS_VS_LOOP,
    "Repository.scan": "segments in parallel: threads and a queue, against tasks",
    "Repository._segment": "a thread's segment stops at an event; a task is cancelled",
    "backfill._each_segment": "segments in parallel: a thread pool, against gathered tasks",
    "Repository.batch_write": "the async twin also streams async iterables (async for)",
}


def _twin_name(name: str) -> str:
    name = TWIN_NAMES.get(name, name)
    return name[5:] if name.startswith("Async") and name[5:6].isupper() else name


class _Mirror(ast.NodeTransformer):
    """Rewrites an async body into the sync body it mirrors (see the module docstring)."""

    @staticmethod
    def _as(node: ast.AST, like: type[ast.AST]) -> ast.AST:
        fields = {name: getattr(node, name) for name in like._fields if hasattr(node, name)}
        return ast.copy_location(like(**fields), node)

    def _same(self, node: ast.AST, like: type[ast.AST]) -> ast.AST:
        return self.generic_visit(self._as(node, like))

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> ast.AST:
        return self._same(node, ast.FunctionDef)

    def visit_AsyncFor(self, node: ast.AsyncFor) -> ast.AST:
        loop = self._as(node, ast.For)
        assert isinstance(loop, ast.For)
        return self.visit_For(loop)

    def visit_AsyncWith(self, node: ast.AsyncWith) -> ast.AST:
        return self._same(node, ast.With)

    def visit_Await(self, node: ast.Await) -> ast.AST:
        inner: ast.AST = self.visit(node.value)
        return inner

    def visit_comprehension(self, node: ast.comprehension) -> ast.AST:
        node.is_async = 0
        return self.generic_visit(node)

    def visit_For(self, node: ast.For) -> ast.AST:
        self.generic_visit(node)
        body = node.body[0] if len(node.body) == 1 else None
        if (
            not node.orelse
            and isinstance(node.target, ast.Name)
            and isinstance(body, ast.Expr)
            and isinstance(body.value, ast.Yield)
            and isinstance(body.value.value, ast.Name)
            and body.value.value.id == node.target.id
        ):
            return ast.copy_location(ast.Expr(ast.YieldFrom(node.iter)), node)
        return node

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        if isinstance(node.value, ast.Name) and node.value.id == "Awaitable":
            inner: ast.AST = self.visit(node.slice)
            return inner
        return self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        if isinstance(node.value, ast.Name) and (node.value.id, node.attr) == ("asyncio", "sleep"):
            node.value.id = "time"
        node.attr = _twin_name(node.attr)
        return self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> ast.AST:
        node.id = _twin_name(node.id)
        return node

    def visit_arg(self, node: ast.arg) -> ast.AST:
        node.arg = _twin_name(node.arg)
        return self.generic_visit(node)

    def visit_alias(self, node: ast.alias) -> ast.AST:
        node.name = _twin_name(node.name)
        return node

    def visit_ImportFrom(self, node: ast.ImportFrom) -> ast.AST:
        node.module = re.sub(r"\basync_", "", node.module or "")
        return self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if isinstance(node.value, str):
            node.value = re.sub(r"\bAsync(?=[A-Z])", "", node.value)
        return node


def _code(member: Any) -> str:
    """``member``'s source as normalised code: mirrored, without its docstring."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(member)))
    definition = tree.body[0]
    assert isinstance(definition, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    first = definition.body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
        definition.body = definition.body[1:] or [ast.Pass()]
    definition.name = _twin_name(definition.name)
    return ast.unparse(ast.fix_missing_locations(_Mirror().visit(tree)))


def _members(cls: type) -> dict[str, Any]:
    """A class's own functions (properties by their getter), under their sync names."""
    found: dict[str, Any] = {}
    for name, member in vars(cls).items():
        value = member.__func__ if isinstance(member, classmethod | staticmethod) else member
        if isinstance(value, property):
            value = value.fget
        if inspect.isfunction(value):
            found[_twin_name(name)] = value
    return found


def _bodies() -> list[tuple[str, Any, Any]]:
    """Every compared body: ``(label, sync, async)``, ``None`` where a twin lacks it."""
    bodies: list[tuple[str, Any, Any]] = []
    for label, sync, asynchronous in PAIRS:
        if not inspect.isclass(sync) or label in DIFFERENT:
            bodies.append((label, sync, asynchronous))
            continue
        ours, theirs = _members(sync), _members(asynchronous)
        for name in sorted(ours.keys() | theirs.keys()):
            bodies.append((f"{label}.{name}", ours.get(name), theirs.get(name)))
    return bodies


BODIES = _bodies()


@pytest.mark.parametrize(("label", "sync", "asynchronous"), BODIES, ids=[b[0] for b in BODIES])
def test_each_async_body_is_its_sync_body_with_await(
    label: str, sync: Any, asynchronous: Any
) -> None:
    if sync is None or asynchronous is None:
        assert f"only:{label}" in DIFFERENT, f"{label} exists on one twin only; mirror it"
        return
    if label in DIFFERENT:
        assert _code(sync) != _code(asynchronous), f"{label} no longer differs: unlist it"
        return
    assert _code(asynchronous) == _code(sync), f"{label} drifted between the twins"


def test_every_listed_difference_names_a_compared_body() -> None:
    labels = {label for label, _, _ in BODIES}
    assert {name.removeprefix("only:") for name in DIFFERENT} <= labels


def test_the_mirror_sees_a_drift() -> None:
    """The normalisation is not so loose that it equates different code."""

    def sync(x: int) -> int:
        return x + 1

    async def asynchronous(x: int) -> int:
        return x + 2

    def same(x: int) -> int:
        return x + 2

    assert _code(asynchronous) != _code(sync)
    assert _code(asynchronous).replace("asynchronous", "same") == _code(same)
