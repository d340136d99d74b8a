"""One step protocol (issue 7 item 17): ``core.steps`` is the only one, and both the repository
and provisioning speak it.

There used to be two: ``repository/steps.py`` (``Send``/``Sleep``, ``run``/``arun``) and
``provisioning/script.py`` (``Call``/``Pause`` with drivers of their own). The checks below fail
if a second one appears: a module outside ``core/steps.py`` defining a step class or a driver,
or a script of either layer yielding anything but ``core.steps`` steps.
"""

from __future__ import annotations

import ast
import asyncio
import importlib.util
from pathlib import Path
from typing import Any

from dynastack.core.retry import RetryPolicy
from dynastack.core.steps import Send, Sleep, arun, run
from dynastack.model import AttributeSpec, TableSpec
from dynastack.provisioning import Polling, plan
from dynastack.provisioning.script import apply_steps, wait_ready
from dynastack.repository.binding import EntityBinding
from dynastack.repository.resends import Resends
from dynastack.repository.writes import create_plan, perform
from tests.repository.repository_entities import Counter

SRC = Path(__file__).resolve().parents[2] / "src" / "dynastack"
STEP_NAMES = {"Send", "Sleep", "Call", "Pause", "Step"}


def test_no_module_but_core_steps_defines_steps_or_drives_them() -> None:
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        if path == SRC / "core" / "steps.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.ClassDef) and node.name in STEP_NAMES:
                offenders.append(f"{path.relative_to(SRC)}: class {node.name}")
            calls_throw = any(
                isinstance(n, ast.Attribute) and n.attr == "throw" for n in ast.walk(node)
            )
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and calls_throw:
                offenders.append(f"{path.relative_to(SRC)}: {node.name} drives a generator")
    assert offenders == []
    assert importlib.util.find_spec("dynastack.repository.steps") is None


SPEC = TableSpec("doc", "doc-dev", AttributeSpec("PK", "S"), None, (), "exp",
                 "PAY_PER_REQUEST", None, False)  # fmt: skip


def test_provisioning_scripts_yield_core_steps() -> None:
    waiting = wait_ready("doc-dev", Polling(first=2.0), clock=lambda: 0.0)
    step = next(waiting)
    assert isinstance(step, Send) and step.op.action == "DescribeTable"
    assert waiting.send({"Table": {"TableStatus": "CREATING"}}) == Sleep(2.0)


def test_one_driver_runs_both_layers_scripts_sync_and_async() -> None:
    """The same ``run``/``arun`` drive a provisioning script and a repository script."""
    sent: list[str] = []
    pauses: list[float] = []

    def send(op: Any) -> Any:
        sent.append(op.action)
        return {"Table": {"TableStatus": "ACTIVE"}} if op.action != "PutItem" else None

    async def asend(op: Any) -> Any:
        return send(op)

    async def asleep(seconds: float) -> None:
        pauses.append(seconds)

    applied = run(apply_steps(plan(SPEC, None), clock=lambda: 0.0), send=send, sleep=pauses.append)
    assert [str(c) for c in applied.changes] == [
        "create table doc-dev",
        "enable TTL on attribute exp",
    ]
    again = asyncio.run(arun(apply_steps(plan(SPEC, None), clock=lambda: 0.0), send=asend,
                             sleep=asleep))  # fmt: skip
    assert again.changes == applied.changes
    assert sent == ["CreateTable", "DescribeTable", "UpdateTimeToLive"] * 2
    written = create_plan(EntityBinding(Counter, table="counters"), Counter(name="c"))
    stored = run(perform(written, Resends(RetryPolicy())), send=send, sleep=pauses.append)
    assert stored == written.stored and sent[-1] == "PutItem"
    assert pauses == []
