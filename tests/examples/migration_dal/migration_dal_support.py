"""Helpers of the migration_dal tests (a uniquely named module: ``conftest`` is not importable
reliably when several test folders have one)."""

from __future__ import annotations

from datetime import datetime, timedelta

__all__ = ["TickingClock"]


class TickingClock:
    """A clock that moves ``step`` forward on every reading: ordered timestamps, no sleeps."""

    def __init__(self, start: datetime, step: timedelta = timedelta(seconds=1)) -> None:
        self.now = start
        self.step = step

    def __call__(self) -> datetime:
        self.now += self.step
        return self.now
