"""The step protocol: logic written once as generators, driven by a blocking or an async shell.

Why: every sync/async pair in dynastack (``Repository``/``AsyncRepository``, ``backfill``/
``abackfill``, ``commit``/``acommit``, ``apply``/``aapply`` …) must behave identically
(ARCHITECTURE principle 3), and the interesting part of each is a loop: resending a write
whose reply was lost, filling a page across several Query calls, waiting for a table to be
ACTIVE. Each loop is written ONCE as a generator that yields ``Send(op)`` (and receives the
parsed result, or has the client's ``DynastackError`` thrown in at the ``yield``) or
``Sleep(seconds)``, and returns its value. The shells only drive it: ``run`` with
``client.send`` and ``time.sleep``, ``arun`` with ``await client.send`` and ``asyncio.sleep``.
This is the one step protocol: the repository and provisioning both use it, and it lives in
``core`` because it needs no socket, no event loop and nothing above ``errors``.

Example:
    >>> def double() -> Script[int]:
    ...     reply = yield Send("ping")  # an operation, in real scripts
    ...     yield Sleep(0.0)
    ...     return reply * 2
    >>> run(double(), send=lambda op: 21, sleep=lambda s: None)
    42
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass
from typing import Any, TypeVar

from dynastack.errors import DynastackError

__all__ = ["Script", "Send", "Sleep", "Step", "arun", "run"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Send:
    """Send ``op`` through the client; the script receives its parsed result or its error."""

    op: Any


@dataclass(frozen=True, slots=True)
class Sleep:
    """Wait ``seconds`` before the next step (a backoff, or a poll's interval)."""

    seconds: float


#: what a script yields
Step = Send | Sleep
#: logic as a pure generator of steps, returning ``T``
Script = Generator[Step, Any, T]


def run(script: Script[T], *, send: Callable[[Any], Any], sleep: Callable[[float], object]) -> T:
    """Drive ``script`` to its end with a blocking ``send`` and ``sleep``."""
    try:
        step = next(script)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]
    while True:
        if isinstance(step, Sleep):
            sleep(step.seconds)
            reply, error = None, None
        else:
            try:
                reply, error = send(step.op), None
            except DynastackError as failed:
                reply, error = None, failed
        try:
            step = script.send(reply) if error is None else script.throw(error)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]


async def arun(
    script: Script[T],
    *,
    send: Callable[[Any], Awaitable[Any]],
    sleep: Callable[[float], Awaitable[object]],
) -> T:
    """``run`` with an awaitable ``send`` and ``sleep``: the same steps, the same results."""
    try:
        step = next(script)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]
    while True:
        if isinstance(step, Sleep):
            await sleep(step.seconds)
            reply, error = None, None
        else:
            try:
                reply, error = await send(step.op), None
            except DynastackError as failed:
                reply, error = None, failed
        try:
            step = script.send(reply) if error is None else script.throw(error)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
