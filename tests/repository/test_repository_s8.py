"""S8 at the repository level: names and values never change an expression's text.

Filters, update changes and write conditions are built from whatever names and values the
caller passes (hypothesis draws them); the compiled expressions must be exactly those built
for harmless stand-ins, because names and values only ever reach them as placeholders.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dynastack.core.expressions import Attr, Path
from dynastack.core.updates import Update
from dynastack.errors import InvalidRequest
from dynastack.repository import writes
from dynastack.repository.binding import EntityBinding
from dynastack.repository.cursors import CursorSealer
from dynastack.repository.queries import query_shape

from .repository_entities import Counter, Entry
from .repository_support import Kit

PROTECTED = {"PK", "SK", "_type", "_sv", "_wt", "name", "feed", "seq", "kind", "rank"}
names = st.text(min_size=1, max_size=40).filter(lambda s: s not in PROTECTED)
values = st.one_of(st.text(max_size=40), st.integers(-(10**20), 10**20), st.booleans())

ENTRIES = EntityBinding(Entry, table="entries", sealer=CursorSealer(bytes(32)))
COUNTERS = EntityBinding(Counter, table="counters")


#: the literals filter_text itself uses: a drawn name or value equal to one of them shares its
#: placeholder (by design: one name, one ``#n``; equal scalars of one type, one ``:v``), which
#: changes the numbering, not the meaning, so the stand-in comparison excludes exactly those
FILTER_NAMES = {"x"}
FILTER_VALUES = {"k", "p"}


def filter_text(name: str, value: object) -> tuple[str, str | None]:
    shape = query_shape(
        ENTRIES,
        "ByKind",
        {"kind": "k"},
        filter=(Attr(name) == value) | Attr(name)["x"].begins_with("p"),
        newest_first=False,
        consistent=False,
    )
    return shape.key_condition, shape.filter


@given(name=names, value=values)
@settings(max_examples=300, deadline=None)
def test_filters_compile_to_the_same_text_whatever_the_names_and_values(
    name: str, value: object
) -> None:
    assume(name not in FILTER_NAMES)
    assume(not (type(value) is str and value in FILTER_VALUES))
    assert filter_text(name, value) == filter_text("a", "b")


@pytest.mark.parametrize(
    ("name", "value", "shared"),
    [("x", "b", "(#n1.#n1, :v2)"), ("a", "k", "#n1 = :v0 "), ("a", "p", "#n1 = :v1 ")],
)
def test_a_name_or_value_equal_to_another_shares_its_placeholder(
    name: str, value: object, shared: str
) -> None:
    # the collisions the property above excludes: same meaning, shared placeholders
    _, text = filter_text(name, value)
    assert text is not None and shared in text


@pytest.mark.parametrize("path", [lambda: Attr(""), lambda: Attr("a")[""], lambda: Path("")])
def test_an_empty_attribute_name_is_refused_before_any_expression(
    path: Callable[[], object],
) -> None:
    # DynamoDB refuses an empty name in ExpressionAttributeNames: say so before sending
    with pytest.raises(InvalidRequest, match="non-empty str"):
        path()


def update_text(name: str, value: object) -> tuple[str | None, str | None]:
    plan = writes.update_plan(
        COUNTERS,
        {"name": "c1"},
        Update().set(name, value).append(Attr(name + "!"), [value]),
        Attr(name) != value,
        {},
    )
    return plan.update, plan.condition


@given(name=names, value=values)
@settings(max_examples=300, deadline=None)
def test_updates_compile_to_the_same_text_whatever_the_names_and_values(
    name: str, value: object
) -> None:
    update, condition = update_text(name, value)
    assert update is not None and condition is not None
    assert (update, condition) == update_text("a", "b")


@pytest.mark.integration
@pytest.mark.parametrize(
    "nasty",
    [
        "a) OR attribute_exists(b",
        "#n0",
        ":v0",
        "payload = :v0 OR kind",
        "x.y[0]",
        "size",
        "AND",
    ],
)
async def test_nasty_names_are_data_on_dynamodb_local(kit: Kit, nasty: str) -> None:
    repo = kit.repo(Entry)
    await repo.batch_write(puts=[Entry(feed="f", seq=n, payload="p") for n in range(4)])
    found = await repo.query(feed="f", filter=Attr(nasty) == "p")
    assert found.items == []  # no item has an attribute of that name: nothing matches
    assert len((await repo.query(feed="f", filter=Attr("payload") == "p")).items) == 4
