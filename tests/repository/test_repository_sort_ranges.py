"""Ranges on a field inside a template sort key (issue 7 item 12), on DynamoDB Local.

Every operator is checked against every boundary: the items returned must be exactly those
whose field satisfies the range, computed here in Python, in key order, both directions. The
key condition must stay inside the text before the field: in a non-shared table nothing else
would filter out an item of another region (``R#us#…`` next to ``R#eu#…``), so a bound that
leaked past the prefix shows up as a wrong item.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from dynastack.errors import InvalidRequest
from dynastack.model import Entity, Key, Table
from dynastack.repository import SortCondition, begins_with, between, ge, gt, le, lt

from .repository_support import Kit

pytestmark = pytest.mark.integration

shop = Table("ranges-shop")


class Order(Entity, table=shop):
    __key__ = Key(pk="CUSTOMER#{customer}", sk="ORDER#{placed_at}#{order_id}")
    customer: str
    placed_at: datetime
    order_id: str


class Profile(Entity, table=shop):
    """Sorts after ``ORDER#…`` in the same partition (``P`` > ``O``)."""

    __key__ = Key(pk="CUSTOMER#{customer}", sk="PROFILE")
    customer: str


class Alert(Entity, table=shop):
    """Sorts before ``ORDER#…`` in the same partition (``A`` < ``O``)."""

    __key__ = Key(pk="CUSTOMER#{customer}", sk="ALERT#{n}")
    customer: str
    n: int


class Reading(Entity, table="ranges-readings"):
    """The ranged field ends the template, after an equality field; one entity per table."""

    __key__ = Key(pk="SITE#{site}", sk="R#{region}#{day}")
    site: str
    region: str
    day: date


T0 = datetime(2024, 5, 1, tzinfo=UTC)
TIMES = [T0 + timedelta(hours=h) for h in range(6)]
DAYS = [date(2024, 5, d) for d in range(1, 7)]

Op = Callable[[Any, Any], Any]
OPS: list[tuple[str, Callable[..., SortCondition], Op]] = [
    ("lt", lt, operator.lt),
    ("le", le, operator.le),
    ("gt", gt, operator.gt),
    ("ge", ge, operator.ge),
]


async def test_ranges_on_a_middle_field_give_exactly_the_items_in_range(kit: Kit) -> None:
    orders, profiles, alerts = kit.repo(Order), kit.repo(Profile), kit.repo(Alert)
    await profiles.create(Profile(customer="ada"))
    await alerts.create(Alert(customer="ada", n=1))
    stored: list[Order] = []
    for at in TIMES:
        for order_id in ("a", "b"):  # two orders at each time: "whatever follows" the field
            stored.append(
                await orders.create(Order(customer="ada", placed_at=at, order_id=order_id))
            )
    stored.sort(key=lambda o: (o.placed_at, o.order_id))

    async def check(cond: SortCondition, keep: Callable[[datetime], bool]) -> None:
        want = [(o.placed_at, o.order_id) for o in stored if keep(o.placed_at)]
        for newest_first in (False, True):
            page = await orders.query(customer="ada", placed_at=cond, newest_first=newest_first)
            got = [(o.placed_at, o.order_id) for o in page.items]
            assert got == (want[::-1] if newest_first else want), (cond, newest_first)
        assert await orders.count(customer="ada", placed_at=cond) == len(want)

    probes = [TIMES[0] - timedelta(minutes=1), *TIMES, TIMES[2] + timedelta(minutes=30)]
    for probe in probes:
        for _, make, compare in OPS:
            await check(make(probe), lambda at, p=probe, c=compare: c(at, p))  # type: ignore[misc]
    for low in probes:
        for high in probes:
            if low <= high:
                await check(between(low, high), lambda at, a=low, b=high: a <= at <= b)  # type: ignore[misc]
    await check(begins_with("2024-05-01T03"), lambda at: at.hour == 3)
    assert [p.customer for p in (await profiles.query(customer="ada")).items] == ["ada"]


async def test_ranges_on_the_last_field_after_an_equality_field_stay_in_its_prefix(
    kit: Kit,
) -> None:
    readings = kit.repo(Reading)
    for region in ("eu", "us", "e"):  # "R#e#…" and "R#us#…" surround "R#eu#…"
        for day in DAYS:
            await readings.create(Reading(site="s1", region=region, day=day))
    for probe in [date(2024, 4, 30), *DAYS, date(2024, 5, 7)]:
        for name, make, compare in OPS:
            page = await readings.query(site="s1", region="eu", day=make(probe))
            assert [r.day for r in page.items] == [d for d in DAYS if compare(d, probe)], name
            assert {r.region for r in page.items} <= {"eu"}
    window = await readings.query(site="s1", region="eu", day=between(DAYS[1], DAYS[3]))
    assert [r.day for r in window.items] == DAYS[1:4]
    unbounded = await readings.query(site="s1", region="eu", day=ge(DAYS[0]))
    assert len(unbounded.items) == len(DAYS)
    # the plain forms still mean what they meant: equality and a leading prefix
    assert len((await readings.query(site="s1", region="eu")).items) == len(DAYS)
    assert len((await readings.query(site="s1", region="eu", day=DAYS[2])).items) == 1


async def test_bad_ranges_are_refused_before_sending(kit: Kit) -> None:
    orders, readings = kit.repo(Order), kit.repo(Reading)
    with pytest.raises(InvalidRequest, match="low end above its high end"):
        await orders.query(customer="ada", placed_at=between(TIMES[3], TIMES[1]))
    with pytest.raises(InvalidRequest, match="only the last field given may be a range"):
        await readings.query(site="s1", region=ge("eu"), day=DAYS[0])
    with pytest.raises(InvalidRequest, match="from the left"):
        await readings.query(site="s1", day=ge(DAYS[0]))
    with pytest.raises(InvalidRequest, match="placed_at"):
        await orders.query(customer="ada", placed_at=gt("not a time"))
