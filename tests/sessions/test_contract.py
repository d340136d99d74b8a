"""The SessionStore contract (S13, R12), run against the in-memory and the DynamoDB store."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from dynastack.auth import AuthenticationFailed
from dynastack.sessions import SessionAuthenticator

from .conftest import POLICY, T0, Kit


async def reason(awaitable: object) -> str:
    try:
        await awaitable  # type: ignore[misc]
    except AuthenticationFailed as refused:
        return refused.reason
    return "ok"


async def test_create_and_validate(kit: Kit) -> None:
    issued = await kit.store.create("alice", groups=frozenset({"Developers"}), username="al")
    session = await kit.store.validate(issued.session_token)
    assert session == issued.session
    assert (session.user_id, session.username, session.groups) == (
        "alice",
        "al",
        frozenset({"Developers"}),
    )
    assert session.created_at == session.last_seen == int(T0)
    assert session.expires_at == int(T0) + POLICY.idle_ttl


async def test_ids_and_tokens_are_128_bits_or_more_and_stored_hashed(kit: Kit) -> None:
    issued = [await kit.store.create("alice") for _ in range(5)]
    for one in issued:
        for text, prefix in ((one.session_token, "s"), (one.refresh_token, "r")):
            got_prefix, session_id, secret = text.split(".")
            assert got_prefix == prefix
            assert session_id == one.session.session_id
            assert len(bytes.fromhex(session_id)) * 8 >= 128
            assert len(secret) * 6 >= 256
    assert len({one.session_token for one in issued}) == 5
    stored = await kit.raw()
    for one in issued:
        assert one.session_token.split(".")[2] not in stored
        assert one.refresh_token.split(".")[2] not in stored
        assert one.session_token not in repr(one) and one.refresh_token not in repr(one)


@pytest.mark.parametrize(
    "token", ["", "s", "s.x.y", "r.00000000000000000000000000000000." + "A" * 43, "s." * 40]
)
async def test_malformed_session_tokens_are_refused(kit: Kit, token: str) -> None:
    assert await reason(kit.store.validate(token)) == "session_invalid"


async def test_a_wrong_secret_is_refused(kit: Kit) -> None:
    issued = await kit.store.create("alice")
    forged = f"s.{issued.session.session_id}.{'A' * 43}"
    assert await reason(kit.store.validate(forged)) == "session_invalid"
    assert await reason(kit.store.validate(issued.session_token)) == "ok"


async def test_sliding_expiry(kit: Kit) -> None:
    issued = await kit.store.create("alice")
    for _ in range(3):  # each use within idle_ttl pushes expiry back
        kit.clock.advance(POLICY.idle_ttl - 1)
        session = await kit.store.validate(issued.session_token)
        assert session.expires_at == int(kit.clock.now) + POLICY.idle_ttl
    kit.clock.advance(POLICY.idle_ttl)
    assert await reason(kit.store.validate(issued.session_token)) == "session_invalid"


async def test_touches_are_rate_limited(kit: Kit) -> None:
    issued = await kit.store.create("alice")
    kit.clock.advance(POLICY.touch_interval - 1)
    assert (await kit.store.validate(issued.session_token)).last_seen == int(T0)
    kit.clock.advance(1)
    assert (await kit.store.validate(issued.session_token)).last_seen == int(kit.clock.now)


async def test_absolute_expiry_caps_sliding(kit: Kit) -> None:
    issued = await kit.store.create("alice")
    while kit.clock.now + 500 < T0 + POLICY.absolute_ttl:
        kit.clock.advance(500)
        session = await kit.store.validate(issued.session_token)
        assert session.expires_at <= int(T0) + POLICY.absolute_ttl
    kit.clock.now = T0 + POLICY.absolute_ttl
    assert await reason(kit.store.validate(issued.session_token)) == "session_invalid"
    assert await reason(kit.store.refresh(issued.refresh_token)) == "refresh_invalid"


async def test_expired_records_are_never_honoured_even_if_still_stored(kit: Kit) -> None:
    # R12: nothing sweeps here (DynamoDB Local's TTL sweeper may or may not run): the record is
    # still in the store, and still refused, by the clock, on every path
    issued = await kit.store.create("alice")
    kit.clock.advance(POLICY.idle_ttl)
    assert issued.session.session_id in await kit.raw()
    assert await reason(kit.store.validate(issued.session_token)) == "session_invalid"
    assert await reason(kit.store.refresh(issued.refresh_token)) == "refresh_invalid"
    assert await kit.store.list_sessions("alice") == []
    kit.clock.advance(-1)  # one second before expiry it was alive
    assert await reason(kit.store.validate(issued.session_token)) == "ok"


async def test_refresh_rotates_both_tokens(kit: Kit) -> None:
    issued = await kit.store.create("alice")
    kit.clock.advance(100)
    rotated = await kit.store.refresh(issued.refresh_token)
    assert rotated.session.session_id == issued.session.session_id
    assert rotated.session_token != issued.session_token
    assert rotated.refresh_token != issued.refresh_token
    assert rotated.session.expires_at == int(kit.clock.now) + POLICY.idle_ttl
    assert await reason(kit.store.validate(issued.session_token)) == "session_invalid"
    assert await reason(kit.store.validate(rotated.session_token)) == "ok"
    again = await kit.store.refresh(rotated.refresh_token)
    assert await reason(kit.store.validate(again.session_token)) == "ok"


async def test_a_reused_refresh_token_revokes_its_family(kit: Kit) -> None:
    issued = await kit.store.create("alice")
    other = await kit.store.create("alice")
    rotated = await kit.store.refresh(issued.refresh_token)
    assert await reason(kit.store.refresh(issued.refresh_token)) == "refresh_reused"
    # the whole family is gone: the thief's and the user's latest credentials alike
    assert await reason(kit.store.validate(rotated.session_token)) == "session_invalid"
    assert await reason(kit.store.refresh(rotated.refresh_token)) == "refresh_invalid"
    assert await reason(kit.store.validate(other.session_token)) == "ok"  # other devices live


async def test_a_guessed_refresh_secret_revokes_nothing(kit: Kit) -> None:
    issued = await kit.store.create("alice")
    guessed = f"r.{issued.session.session_id}.{'A' * 43}"
    assert await reason(kit.store.refresh(guessed)) == "refresh_invalid"
    assert await reason(kit.store.validate(issued.session_token)) == "ok"
    assert await reason(kit.store.refresh(issued.session_token)) == "refresh_invalid"


async def test_100_concurrent_refreshes_exactly_one_wins(kit: Kit) -> None:
    issued = await kit.store.create("alice")
    results = await asyncio.gather(
        *(kit.store.refresh(issued.refresh_token) for _ in range(100)), return_exceptions=True
    )
    winners = [r for r in results if not isinstance(r, BaseException)]
    losers = [r for r in results if isinstance(r, BaseException)]
    assert len(winners) == 1
    assert all(isinstance(r, AuthenticationFailed) for r in losers), Counter(map(type, losers))
    assert {r.reason for r in losers if isinstance(r, AuthenticationFailed)} <= {
        "refresh_reused",
        "refresh_invalid",
    }
    # 99 replays of a consumed token: the family is revoked, so no credential outlives the race
    assert await reason(kit.store.validate(winners[0].session_token)) == "session_invalid"


async def test_logout(kit: Kit) -> None:
    issued = await kit.store.create("alice")
    auth = SessionAuthenticator(kit.store)
    headers = {"cookie": f"theme=dark; __Host-session={issued.session_token}"}
    principal = await auth.authenticate(headers)
    assert (principal.subject, principal.kind) == ("alice", "user")
    assert await kit.store.logout(issued.session_token) is True
    assert await kit.store.logout(issued.session_token) is False
    with pytest.raises(AuthenticationFailed) as refused:  # 401 after logout
        await auth.authenticate(headers)
    assert refused.value.reason == "session_invalid"
    assert await reason(kit.store.refresh(issued.refresh_token)) == "refresh_invalid"


async def test_revoke_one_only_for_its_user(kit: Kit) -> None:
    mine = await kit.store.create("alice")
    assert await kit.store.revoke(mine.session.session_id, user_id="bob") is False
    assert await reason(kit.store.validate(mine.session_token)) == "ok"
    assert await kit.store.revoke(mine.session.session_id, user_id="alice") is True
    assert await reason(kit.store.validate(mine.session_token)) == "session_invalid"
    assert await kit.store.revoke(mine.session.session_id) is False


async def test_revoke_all_and_list(kit: Kit) -> None:
    laptop = await kit.store.create("alice", label="laptop")
    kit.clock.advance(1)
    phone = await kit.store.create("alice", label="phone")
    bobs = await kit.store.create("bob")
    listed = await kit.store.list_sessions("alice")
    assert [s.label for s in listed] == ["laptop", "phone"]
    assert [s.session_id for s in listed] == [laptop.session.session_id, phone.session.session_id]
    assert await kit.store.revoke_all("alice") == 2
    assert await kit.store.list_sessions("alice") == []
    for gone in (laptop, phone):
        assert await reason(kit.store.validate(gone.session_token)) == "session_invalid"
    assert await reason(kit.store.validate(bobs.session_token)) == "ok"
    assert await kit.store.revoke_all("nobody") == 0
