"""Logs and metrics: the two append-only tables of seed 000, both expiring by TTL.

Both tables put a timestamp in the sort key, so a time range is a key condition, not a filter:
the sort keys are templates (``TIMESTAMP#{timestamp}#{log_id}``) and the range is given on the
``timestamp`` field itself; the repository keeps it inside ``TIMESTAMP#``.

Ranges are inclusive at both ends, like DynamoDB's ``BETWEEN`` and the seed's GraphQL
``start_time`` / ``end_time``.

Writes never overwrite: a log line has a fresh ``log_id`` in its key, and two samples of one
metric that land on the same microsecond (the metric key has no other part) would collide, so
``record_metric`` creates only if absent and moves a colliding sample one microsecond later.

Example:
    >>> from datetime import UTC, datetime
    >>> window(datetime(2025, 10, 23, 10, tzinfo=UTC), None).op
    '>='
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from dynastack import Attr
from dynastack.app import BoundApp
from dynastack.core.expressions import Condition
from dynastack.errors import ConditionalCheckFailed
from dynastack.repository import Page, SortCondition, between, ge, le
from examples.cloud_platform.models import LogEntry, LogLevel, Metric

__all__ = ["SAMPLE_ATTEMPTS", "LogRepository", "MetricRepository", "window"]

#: how many microseconds ``record_metric`` moves a sample on before it gives up
SAMPLE_ATTEMPTS = 8

_MICROSECOND = timedelta(microseconds=1)

Clock = Callable[[], datetime]


def window(start: datetime | None, end: datetime | None) -> SortCondition | None:
    """The time range from ``start`` to ``end`` (inclusive; either may be open)."""
    if start is not None and end is not None:
        return between(start, end)
    if start is not None:
        return ge(start)
    if end is not None:
        return le(end)
    return None


def _all(conditions: list[Condition]) -> Condition | None:
    if not conditions:
        return None
    combined = conditions[0]
    for condition in conditions[1:]:
        combined = combined & condition
    return combined


class LogRepository:
    """Logs (table 3): a deployment's log lines in time order, and all lines by level."""

    def __init__(self, bound: BoundApp) -> None:
        self.items = bound[LogEntry]
        self._clock = bound.clock

    def write(
        self,
        deployment_id: str,
        level: LogLevel | str,
        message: str,
        *,
        stack_name: str | None = None,
        environment: str | None = None,
        details: Mapping[str, Any] | None = None,
        user_id: str | None = None,
    ) -> LogEntry:
        """Append one log line stamped now (the repository's clock); kept 90 days."""
        values: dict[str, Any] = {
            "deployment_id": deployment_id,
            "level": level,
            "message": message,
            "stack_name": stack_name,
            "environment": environment,
            "details": details,
            "user_id": user_id,
        }
        values["timestamp"] = self._clock()
        return self.items.create(LogEntry.model_validate(values))

    def create(self, entry: LogEntry, /) -> LogEntry:
        """Store a log line exactly as given (an import keeps its own timestamp and ttl)."""
        return self.items.create(entry)

    def get_logs(
        self,
        deployment_id: str,
        *,
        limit: int = 100,
        cursor: str | None = None,
        level: LogLevel | str | None = None,
        stack_name: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> Page[LogEntry]:
        """Pattern 5: a deployment's logs, newest first.

        The time range is a key condition; ``level`` and ``stack_name`` are filters, and the
        page is filled to ``limit`` after filtering.
        """
        filters: list[Condition] = []
        if level is not None:
            filters.append(Attr("level") == LogLevel(level).value)
        if stack_name is not None:
            filters.append(Attr("stack_name") == stack_name)
        key: dict[str, Any] = {"deployment_id": deployment_id}
        if (times := window(start, end)) is not None:
            key["timestamp"] = times
        return self.items.query(
            filter=_all(filters), newest_first=True, limit=limit, cursor=cursor, **key
        )

    def get_logs_by_level(
        self,
        level: LogLevel | str,
        *,
        limit: int = 50,
        cursor: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> Page[LogEntry]:
        """Pattern 6: every deployment's logs of one level, newest first (LogLevelIndex)."""
        key: dict[str, Any] = {"level": LogLevel(level)}
        if (times := window(start, end)) is not None:
            key["timestamp"] = times
        return self.items.query(
            "LogLevelIndex", newest_first=True, limit=limit, cursor=cursor, **key
        )


class MetricRepository:
    """Metrics (table 4): samples of named metrics over time, kept 365 days."""

    def __init__(self, bound: BoundApp) -> None:
        self.items = bound[Metric]
        self._clock = bound.clock

    def create(self, sample: Metric, /) -> Metric:
        """Store a sample exactly as given (an import keeps its own ttl); fails with
        ``ConditionalCheckFailed`` if a sample of that metric has that timestamp already."""
        return self.items.create(sample)

    def record_metric(
        self,
        metric_name: str,
        value: int | float,
        unit: str,
        dimensions: Mapping[str, str] | None = None,
        *,
        timestamp: datetime | None = None,
    ) -> Metric:
        """Pattern 7: store one sample (now, unless ``timestamp`` is given).

        Never overwrites another sample: on a key collision the sample moves one microsecond
        later, up to ``SAMPLE_ATTEMPTS`` times (then ``ConditionalCheckFailed``).
        """
        values: dict[str, Any] = {
            "metric_name": metric_name,
            "value": value,
            "unit": unit,
            "dimensions": dict(dimensions or {}),
        }
        values["timestamp"] = timestamp if timestamp is not None else self._clock()
        sample = Metric.model_validate(values)
        for attempt in range(SAMPLE_ATTEMPTS):
            try:
                return self.items.create(sample)
            except ConditionalCheckFailed:
                if attempt == SAMPLE_ATTEMPTS - 1:
                    raise
                later = sample.timestamp + _MICROSECOND
                sample = sample.model_copy(update={"timestamp": later})
        raise AssertionError("unreachable")  # pragma: no cover

    def get_metrics(
        self,
        metric_name: str,
        start: datetime,
        end: datetime,
        dimensions: Mapping[str, str] | None = None,
    ) -> list[Metric]:
        """A metric's samples from ``start`` to ``end`` (inclusive), oldest first, keeping
        only samples whose dimensions include every given ``dimensions`` entry."""
        filters: list[Condition] = [
            Attr("dimensions")[name] == wanted for name, wanted in (dimensions or {}).items()
        ]
        return list(
            self.items.query_all(
                metric_name=metric_name, timestamp=between(start, end), filter=_all(filters)
            )
        )
