"""Helpers of the CI/CD example tests (a module with a unique name, importable from tests)."""

from __future__ import annotations

from datetime import datetime, timedelta


class Clock:
    """An injected clock: each reading moves ``step`` on (ordered timestamps without sleeps),
    and ``advance`` jumps (expiry, silence)."""

    def __init__(self, start: datetime, step: timedelta = timedelta(milliseconds=1)) -> None:
        self.now = start
        self.step = step

    def __call__(self) -> datetime:
        self.now += self.step
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta
