"""The two drivers that run provisioning scripts against a client: blocking and asyncio.

All the logic (what to read, what to send in which order, when to wait, what to retry) is in
``provisioning.script`` as step scripts; these drivers hand them to ``core.steps.run`` /
``arun`` (the step protocol the repository uses too) with the client's ``send`` and a sleep,
so the blocking and asyncio versions cannot drift apart.

A client is anything with ``send(operation)``: ``Client`` / ``AsyncClient``, or a test double.
Table writes are not resent by the client when a reply is lost; running ``apply`` again is the
recovery, because the plan is recomputed from what the table really is.

Example (a stand-in client whose tables are ACTIVE at once; docs/tables.md runs the real one):
    >>> from dynastack.model import AttributeSpec, TableSpec
    >>> from dynastack.provisioning import plan
    >>> spec = TableSpec("doc", "doc-dev", AttributeSpec("PK", "S"), None, (), "exp",
    ...                  "PAY_PER_REQUEST", None, False)
    >>> class Recorder:
    ...     sent = []
    ...     def send(self, operation):
    ...         self.sent.append(operation.action)
    ...         return {"Table": {"TableStatus": "ACTIVE"}}
    >>> done = apply(plan(spec, None), Recorder())
    >>> Recorder.sent
    ['CreateTable', 'DescribeTable', 'UpdateTimeToLive']
    >>> [str(change) for change in done.changes]
    ['create table doc-dev', 'enable TTL on attribute exp']
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from dynastack.core.operations.base import Operation
from dynastack.core.steps import Script, arun, run
from dynastack.model.tablespec import TableSpec
from dynastack.provisioning.plan import Plan
from dynastack.provisioning.script import Applied, Polling, Progress, apply_steps, plan_steps

__all__ = [
    "AsyncSender",
    "Sender",
    "aapply",
    "aensure_table",
    "aplan_table",
    "apply",
    "ensure_table",
    "plan_table",
]

R = TypeVar("R")
T = TypeVar("T")


class Sender(Protocol):
    """What the blocking driver needs of a client (``dynastack.Client`` has it)."""

    def send(self, operation: Operation[R]) -> R: ...


class AsyncSender(Protocol):
    """What the asyncio driver needs of a client (``dynastack.AsyncClient`` has it)."""

    async def send(self, operation: Operation[R]) -> R: ...


def _run(script: Script[T], client: Sender, sleep: Callable[[float], object]) -> T:
    return run(script, send=client.send, sleep=sleep)


async def _arun(
    script: Script[T], client: AsyncSender, sleep: Callable[[float], Awaitable[object]]
) -> T:
    return await arun(script, send=client.send, sleep=sleep)


def plan_table(spec: TableSpec, client: Sender, *, recreate_indexes: bool = False) -> Plan:
    """Read the table's state through ``client`` and plan the changes it needs."""
    return _run(plan_steps(spec, recreate_indexes=recreate_indexes), client, time.sleep)


async def aplan_table(
    spec: TableSpec, client: AsyncSender, *, recreate_indexes: bool = False
) -> Plan:
    """``plan_table`` for an ``AsyncClient``."""
    return await _arun(plan_steps(spec, recreate_indexes=recreate_indexes), client, asyncio.sleep)


def apply(
    plan: Plan,
    client: Sender,
    *,
    wait: bool = True,
    progress: Progress | None = None,
    polling: Polling | None = None,
    sleep: Callable[[float], object] | None = None,
    clock: Callable[[], float] | None = None,
) -> Applied:
    """Make the plan's changes, one at a time, waiting for ACTIVE between them.

    Raises ``DefinitionError`` (code ``TABLE_DRIFT``) without sending anything when the plan
    has drift, and ``ResourceInUse`` when the table is not ready within ``polling.timeout``.
    ``wait=False`` returns right after the last change is sent (earlier changes are still
    waited for: DynamoDB takes one index change at a time). ``progress`` receives one line
    per step; ``sleep`` and ``clock`` replace ``time.sleep`` and ``time.monotonic``.
    """
    steps = apply_steps(
        plan, wait=wait, polling=polling, clock=clock or time.monotonic, progress=progress
    )
    return _run(steps, client, sleep or time.sleep)


async def aapply(
    plan: Plan,
    client: AsyncSender,
    *,
    wait: bool = True,
    progress: Progress | None = None,
    polling: Polling | None = None,
    sleep: Callable[[float], Awaitable[object]] | None = None,
    clock: Callable[[], float] | None = None,
) -> Applied:
    """``apply`` for an ``AsyncClient`` (``sleep`` defaults to ``asyncio.sleep``)."""
    steps = apply_steps(
        plan, wait=wait, polling=polling, clock=clock or time.monotonic, progress=progress
    )
    return await _arun(steps, client, sleep or asyncio.sleep)


def ensure_table(
    spec: TableSpec,
    client: Sender,
    *,
    progress: Progress | None = None,
    polling: Polling | None = None,
) -> Applied:
    """Plan and apply in one go: the table matches ``spec`` when this returns.

    Meant for tests and local development; use ``dynastack tables plan`` to review changes
    before they reach a shared environment.
    """
    planned = plan_table(spec, client)
    return apply(planned, client, progress=progress, polling=polling)


async def aensure_table(
    spec: TableSpec,
    client: AsyncSender,
    *,
    progress: Progress | None = None,
    polling: Polling | None = None,
) -> Applied:
    """``ensure_table`` for an ``AsyncClient``."""
    planned = await aplan_table(spec, client)
    return await aapply(planned, client, progress=progress, polling=polling)
