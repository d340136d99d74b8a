"""The pure parts, without a server: step drivers, cursors, sort conditions, the resend rule.

The resend tests script the client's answers (a lost reply, then a conditional failure whose
old item does or does not carry our token): exactly the sequences DynamoDB Local cannot be
made to produce on demand, checked here one by one; R3 shows them end to end.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from dynastack.client.async_client import AsyncClient
from dynastack.client.client import Client
from dynastack.core.expressions import Placeholders, compile
from dynastack.core.operations import DeleteItem, PutItem, UpdateItem
from dynastack.core.retry import RetryPolicy
from dynastack.core.steps import Script, Send, Sleep, arun, run
from dynastack.core.values import decode_item, encode_item
from dynastack.errors import (
    ConditionalCheckFailed,
    ConfigurationError,
    ConnectError,
    InvalidCursor,
    InvalidRequest,
    RequestTimeout,
    TransportError,
    VersionConflict,
)
from dynastack.model.meta import WRITE_TOKEN_ATTR
from dynastack.repository import between, cursors, ge, gt, le, lt
from dynastack.repository.binding import EntityBinding
from dynastack.repository.cursors import CursorSealer, parse_key
from dynastack.repository.resends import Resends
from dynastack.repository.writes import (
    create_plan,
    delete_plan,
    perform,
    update_plan,
)

from .repository_entities import Account, Deployment


def scripted(*answers: object) -> tuple[Callable[[Any], Any], list[Any]]:
    """A ``send`` that returns or raises the given answers in turn, recording what it saw."""
    sent: list[Any] = []
    pending: Iterator[object] = iter(answers)

    def send(op: Any) -> Any:
        sent.append(op)
        answer = next(pending)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    return send, sent


def no_sleep(seconds: float) -> None:
    assert 0 <= seconds <= 1.0


ACCOUNTS = EntityBinding(Account, table="accounts")
#: the client's policy as the repository's resends see it (quick pauses, 5 sends per write)
RESENDS = Resends(RetryPolicy(max_attempts=5, base=0.001))


def failed_with(item: dict[str, Any] | None) -> ConditionalCheckFailed:
    wire = None if item is None else encode_item(item)
    return ConditionalCheckFailed("The conditional request failed", item=wire)


def stored_account(version: int, token: str | None, balance: int = 5) -> dict[str, Any]:
    item = {"PK": "ACCOUNT#a", "_type": "Account", "account_id": "a", "balance": balance}
    item["version"] = version
    if token is not None:
        item[WRITE_TOKEN_ATTR] = token
    return item


def test_a_lost_update_reply_whose_resend_finds_our_token_is_a_success() -> None:
    plan = update_plan(ACCOUNTS, Account(account_id="a", balance=1), None, None, {"balance": 5})
    send, sent = scripted(TransportError("lost"), failed_with(stored_account(2, plan.token)))
    result = run(perform(plan, RESENDS), send=send, sleep=no_sleep)
    assert result == Account(account_id="a", balance=5, version=2)
    assert len(sent) == 2 and sent[0] is sent[1]  # the very same operation, same token
    assert isinstance(sent[0], UpdateItem)


def test_a_resend_that_finds_another_writer_is_a_version_conflict() -> None:
    plan = update_plan(ACCOUNTS, Account(account_id="a", balance=1), None, None, {"balance": 5})
    send, _ = scripted(TransportError("lost"), failed_with(stored_account(2, "someone-else")))
    with pytest.raises(VersionConflict) as caught:
        run(perform(plan, RESENDS), send=send, sleep=no_sleep)
    assert caught.value.current == Account(account_id="a", balance=5, version=2)


def test_a_create_resent_after_a_lost_reply_is_not_already_exists() -> None:
    plan = create_plan(ACCOUNTS, Account(account_id="a", balance=5))
    assert plan.item is not None
    # plan.item is the wire item (the codec's output): the old item is what it decodes to
    send, sent = scripted(TransportError("lost"), failed_with(decode_item(plan.item)))
    assert run(perform(plan, RESENDS), send=send, sleep=no_sleep) == plan.stored
    assert isinstance(sent[0], PutItem)
    send, _ = scripted(failed_with(stored_account(1, "other")))
    with pytest.raises(ConditionalCheckFailed, match="already exists"):
        run(perform(create_plan(ACCOUNTS, Account(account_id="a", balance=5)), RESENDS), send=send,
            sleep=no_sleep)  # fmt: skip


def test_a_resent_delete_that_finds_nothing_succeeded_but_a_first_one_did_not() -> None:
    send, sent = scripted(TransportError("lost"), failed_with(None))
    assert run(perform(delete_plan(ACCOUNTS, {"account_id": "a"}, None), RESENDS), send=send,
               sleep=no_sleep) is None  # fmt: skip
    assert isinstance(sent[0], DeleteItem)
    send, _ = scripted(failed_with(None))
    with pytest.raises(ConditionalCheckFailed, match="not found"):
        run(
            perform(delete_plan(ACCOUNTS, {"account_id": "a"}, None), RESENDS),
            send=send,
            sleep=no_sleep,
        )


def test_resends_are_bounded_by_the_clients_max_attempts() -> None:
    plan = update_plan(ACCOUNTS, {"account_id": "a"}, None, None, {"balance": 1})
    send, sent = scripted(*[RequestTimeout("lost")] * 6)
    pauses: list[float] = []
    with pytest.raises(RequestTimeout):
        run(perform(plan, RESENDS), send=send, sleep=pauses.append)
    assert len(sent) == RESENDS.policy.max_attempts == 5  # sends of the write, all told
    # the client's backoff: full jitter under base * 2**n (core/retry.py), one pause per resend
    assert len(pauses) == 4
    assert all(0 <= p <= 0.001 * 2**n for n, p in enumerate(pauses))


def test_a_connect_error_is_never_resent_by_the_repository() -> None:
    """The client retried it already (nothing was sent); a second loop would multiply them."""
    plan = update_plan(ACCOUNTS, {"account_id": "a"}, None, None, {"balance": 1})
    send, sent = scripted(ConnectError("refused"), failed_with(None))
    with pytest.raises(ConnectError):
        run(perform(plan, RESENDS), send=send, sleep=no_sleep)
    assert len(sent) == 1


def test_another_owners_item_explains_as_not_found_without_its_content() -> None:
    alice = EntityBinding(Deployment, table="d").with_owner("alice")
    key = {"deployment_id": "D000001"}
    theirs = {"PK": "DEPLOYMENT#D000001", "SK": "METADATA", "_type": "Deployment",
              "created_by": "bob", "version": 1}  # fmt: skip
    send, _ = scripted(failed_with(theirs))
    with pytest.raises(ConditionalCheckFailed) as foreign:
        run(
            perform(update_plan(alice, key, None, None, {"note": "x"}), RESENDS),
            send=send,
            sleep=no_sleep,
        )
    send, _ = scripted(failed_with(None))
    with pytest.raises(ConditionalCheckFailed) as missing:
        run(
            perform(update_plan(alice, key, None, None, {"note": "x"}), RESENDS),
            send=send,
            sleep=no_sleep,
        )
    assert str(foreign.value) == str(missing.value)
    assert foreign.value.raw_item is None and not isinstance(foreign.value, VersionConflict)


def test_the_drivers_run_the_same_script_alike() -> None:
    def script() -> Script[list[object]]:
        seen: list[object] = []
        seen.append((yield Send("a")))
        yield Sleep(0.0)
        try:
            yield Send("boom")
        except TransportError as error:
            seen.append(str(error))
        return seen

    def send(op: Any) -> Any:
        if op == "boom":
            raise TransportError("thrown in")
        return op.upper()

    async def asend(op: Any) -> Any:
        return send(op)

    async def asleep(seconds: float) -> None:
        return None

    expected = ["A", "thrown in"]
    assert run(script(), send=send, sleep=no_sleep) == expected
    assert asyncio.run(arun(script(), send=asend, sleep=asleep)) == expected

    def nothing() -> Script[int]:
        yield from ()  # a generator that never yields
        return 7

    assert run(nothing(), send=send, sleep=no_sleep) == 7


def test_sort_conditions_compile_to_key_conditions() -> None:
    cases = {
        "#n0 BETWEEN :v0 AND :v1": between(1, 2),
        "#n0 > :v0": gt(1),
        "#n0 >= :v0": ge(1),
        "#n0 < :v0": lt(1),
        "#n0 <= :v0": le(1),
    }
    for text, condition in cases.items():
        assert compile(condition.to_condition("sk"), Placeholders()) == text


def test_a_reversed_between_is_refused_before_sending() -> None:
    # DynamoDB answers BETWEEN with low > high by a ValidationException (an API's 500): the
    # stored ends are compared first. Equal ends and mixed kinds pass through.
    for low, high in (("2026-12-08", "2026-12-07"), (5, 1), (b"b", b"a")):
        with pytest.raises(InvalidRequest, match="low end is above the high end"):
            between(low, high).to_condition("sk")
    for low, high in (("a", "a"), (1, 2), ("a", 1)):
        assert compile(between(low, high).to_condition("sk"), Placeholders())


def test_cursor_keys_parse_from_bytes_hex_and_base64_only() -> None:
    raw = bytes(range(32))
    assert parse_key(raw) == parse_key(raw.hex()) == raw
    assert parse_key(base64.urlsafe_b64encode(raw).decode().rstrip("=")) == raw
    for bad in (b"short", "zz" * 32, "not base64 at all!", base64.b64encode(bytes(16)).decode()):
        with pytest.raises(ConfigurationError, match="32 bytes"):
            parse_key(bad)


def test_cursors_refuse_garbage_and_expire(monkeypatch: pytest.MonkeyPatch) -> None:
    sealer = CursorSealer(bytes(32), ttl=10)
    token = sealer.seal({"PK": "a", "SK": 1}, b"q", now=100)
    assert sealer.open(token, b"q", now=110) == {"PK": "a", "SK": 1}
    with pytest.raises(InvalidCursor, match="expired"):
        sealer.open(token, b"q", now=111)
    flipped = ("B" if token[0] != "B" else "C") + token[1:]
    for bad in ("", "x" * 5000, flipped, token + "=", token[:-1] + "/", "@@@"):
        with pytest.raises(InvalidCursor):
            sealer.open(bad, b"q", now=100)
    with pytest.raises(ConfigurationError):
        CursorSealer(bytes(32), ttl=0)


def test_without_a_key_one_random_key_per_process_and_one_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv(cursors.CURSOR_KEY_ENV, raising=False)
    monkeypatch.setattr(cursors, "_process_key", None)
    with caplog.at_level(logging.WARNING, logger="dynastack.repository"):
        first, second = CursorSealer(environ={}), CursorSealer(environ={})
        # the key is made lazily: building sealers that never page warns nobody
        assert not [r for r in caplog.records if "random per-process key" in r.message]
        token = first.seal({"PK": "a"}, b"q", now=0)
        assert second.open(token, b"q", now=0) == {"PK": "a"}
    assert len([r for r in caplog.records if "random per-process key" in r.message]) == 1


def test_plans_refuse_what_is_not_an_entity_or_scope() -> None:
    with pytest.raises(InvalidRequest, match="not a stored entity"):
        EntityBinding(int, table="t")  # type: ignore[type-var]
    with pytest.raises(InvalidRequest, match="needs an owner"):
        EntityBinding(Deployment, table="t").with_owner(None)
    with pytest.raises(InvalidRequest, match="a mapping of its key fields"):
        ACCOUNTS.target(42)


@pytest.mark.parametrize("make", [Client.local, AsyncClient.local])
def test_resends_use_the_clients_own_policy_and_quota(make: Callable[..., Any]) -> None:
    """One budget per client: the repository's resends spend the quota the client's retries
    spend (reading the client's private ``_plan``: if it moves, this fails, not the budget)."""
    client = make("http://127.0.0.1:8000", retry=RetryPolicy(max_attempts=3))
    resends = Resends.of(client)
    assert resends.policy.max_attempts == 3
    assert resends.quota is client._plan.quota
