"""Repository logic as generators of steps, driven by a sync or an async shell.

Why: ``Repository`` and ``AsyncRepository`` must behave identically (ARCHITECTURE principle
3), and the interesting parts of every method are loops: resending a write whose reply was lost,
filling a page across several Query calls, retrying unprocessed batch keys with backoff. Each
such loop is written ONCE as a generator that yields ``Send(op)`` (and receives the parsed
result, or has the client's error thrown in) or ``Sleep(seconds)``, and returns the method's
value. The shells only drive it: ``run`` with ``client.send`` and ``time.sleep``, ``arun`` with
``await client.send`` and ``asyncio.sleep``. Nothing here imports a socket or an event loop.

Example:
    >>> def double() -> Script[int]:
    ...     reply = yield Send("ping")  # an operation, in real scripts
    ...     yield Sleep(0.0)
    ...     return reply * 2
    >>> run(double(), send=lambda op: 21, sleep=lambda s: None)
    42
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass
from typing import Any, TypeVar

from dynastack.errors import DynastackError

__all__ = ["Script", "Send", "Sleep", "arun", "backoff", "run"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Send:
    """Send ``op`` through the client; the script receives its parsed result or its error."""

    op: Any


@dataclass(frozen=True, slots=True)
class Sleep:
    """Wait ``seconds`` before the next step (backoff between retries)."""

    seconds: float


#: a repository method as a pure generator of steps, returning ``T``
Script = Generator[Send | Sleep, Any, T]


def backoff(attempt: int, *, base: float = 0.01, cap: float = 1.0) -> float:
    """Full-jitter delay before retry number ``attempt`` (1-based): ``U(0, min(cap, base·2ⁿ))``.

    >>> 0.0 <= backoff(3) <= 0.08
    True
    """
    return random.uniform(0.0, min(cap, base * 2 ** min(attempt, 32)))


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
