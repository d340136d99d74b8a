"""S2: exp / nbf / iat decided at the leeway ± 1 s, on a fixed clock; the claims cache too."""

from __future__ import annotations

import pytest

from dynastack.auth import (
    AuthenticationFailed,
    ClaimsCache,
    JwksCache,
    TokenVerifier,
    TrustedIssuer,
)
from dynastack.errors import ConfigurationError

from .conftest import Clock
from .tokens import CLIENT, ISSUER, claims, jwks, rsa_key, token

T = 1_800_000_000
LEEWAY = 30
KEY = rsa_key("a")


def verifier(clock: Clock, leeway: float = LEEWAY) -> TokenVerifier:
    issuer = TrustedIssuer(ISSUER, keys=JwksCache.static(jwks((KEY, "kid-a"))), client_ids={CLIENT})
    return TokenVerifier([issuer], env="test", leeway=leeway, clock=clock)


def make(**changes: object) -> str:
    return token(KEY, "kid-a", claims(T - 600, **changes))


async def outcome(tok: str, leeway: float = LEEWAY) -> str:
    try:
        await verifier(Clock(T), leeway).verify(tok)
    except AuthenticationFailed as refused:
        return refused.reason
    return "ok"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"exp": T - LEEWAY + 1}, "ok"),  # expired 29 s ago: within the leeway
        ({"exp": T - LEEWAY}, "expired"),  # exactly at the leeway: no longer honoured
        ({"exp": T - LEEWAY - 1}, "expired"),
        ({"nbf": T + LEEWAY - 1}, "ok"),  # valid in 29 s: within the leeway
        ({"nbf": T + LEEWAY}, "ok"),
        ({"nbf": T + LEEWAY + 1}, "not_yet_valid"),
        ({"iat": T + LEEWAY - 1}, "ok"),
        ({"iat": T + LEEWAY}, "ok"),
        ({"iat": T + LEEWAY + 1}, "issued_in_future"),
    ],
)
async def test_times_at_the_leeway_plus_minus_one(changes: dict[str, int], expected: str) -> None:
    assert await outcome(make(**changes)) == expected


@pytest.mark.parametrize(("exp", "expected"), [(T + 1, "ok"), (T, "expired"), (T - 1, "expired")])
async def test_zero_leeway(exp: int, expected: str) -> None:
    assert await outcome(make(exp=exp), leeway=0) == expected


async def test_a_cached_token_expires_with_its_exp() -> None:
    clock = Clock(T)
    v = verifier(clock)
    tok = make(exp=T + 100)
    assert (await v.verify(tok)).subject == "user-1"
    clock.advance(100 + LEEWAY - 1)
    assert (await v.verify(tok)).subject == "user-1"  # cached, still within exp + leeway
    clock.advance(1)
    with pytest.raises(AuthenticationFailed) as refused:
        await v.verify(tok)
    assert refused.value.reason == "expired"


def test_the_claims_cache_is_bounded_lru() -> None:
    from dynastack.auth import Principal

    cache = ClaimsCache(max_entries=3)
    for n in range(5):
        cache.put(f"t{n}", Principal(subject=str(n)), expires_at=T)
    assert len(cache) == 3
    assert cache.get("t0", now=0) is None
    assert cache.get("t4", now=0) is not None


def test_a_negative_leeway_is_refused() -> None:
    with pytest.raises(ConfigurationError):
        verifier(Clock(T), leeway=-1)
