"""S3: JWKS rotation, an unknown-kid flood and outages, against a real JWKS server on loopback.

Time is a settable clock (the cache's monotonic clock), so "after the refetch interval" needs no
sleep. The server counts the fetches it answered.
"""

from __future__ import annotations

import asyncio
import secrets

import pytest

from dynastack.auth import (
    AuthenticationFailed,
    JwksCache,
    JwksUnavailable,
    TokenVerifier,
    TrustedIssuer,
)

from .conftest import Clock
from .jwks_server import JwksServer
from .tokens import CLIENT, ISSUER, claims, jwks, rsa_key, token

NOW = 1_800_000_000
A, B = rsa_key("a"), rsa_key("b")
INTERVAL = 30.0


def setup(url: str) -> tuple[TokenVerifier, JwksCache, Clock]:
    clock = Clock(1000.0)
    cache = JwksCache(url, refetch_interval=INTERVAL, max_age=3600, clock=clock)
    issuer = TrustedIssuer(ISSUER, keys=cache, client_ids={CLIENT})
    return TokenVerifier([issuer], env="test", clock=lambda: NOW), cache, clock


def tok(key: object, kid: str, **changes: object) -> str:
    return token(key, kid, claims(NOW, **changes))  # type: ignore[arg-type]


async def test_rotation_costs_one_fetch(jwks_server: JwksServer) -> None:
    verifier, cache, clock = setup(jwks_server.url)
    await verifier.verify(tok(A, "kid-a"))
    assert jwks_server.hits == 1
    jwks_server.document = jwks((A, "kid-a"), (B, "kid-b"))  # the issuer rotates in kid-b
    clock.advance(INTERVAL)
    assert (await verifier.verify(tok(B, "kid-b"))).subject == "user-1"
    assert jwks_server.hits == 2
    assert (await verifier.verify(tok(A, "kid-a", sub="u-2"))).subject == "u-2"
    assert jwks_server.hits == 2  # known kids cost nothing
    assert cache.fetches == 2


async def test_unknown_kid_flood_is_bounded(jwks_server: JwksServer) -> None:
    verifier, _, clock = setup(jwks_server.url)
    await verifier.verify(tok(A, "kid-a"))
    flood = [tok(A, secrets.token_hex(8), sub=f"u{n}") for n in range(300)]
    for _ in range(3):
        clock.advance(INTERVAL)
        results = await asyncio.gather(*(verifier.verify(t) for t in flood), return_exceptions=True)
        assert all(isinstance(r, AuthenticationFailed) for r in results)
        assert {r.reason for r in results if isinstance(r, AuthenticationFailed)} == {"unknown_kid"}
    assert jwks_server.hits == 1 + 3  # one fetch per interval, not one per token
    assert (await verifier.verify(tok(A, "kid-a", sub="still-fine"))).subject == "still-fine"


@pytest.mark.parametrize("mode", ["500", "garbage", "reset", "empty"])
async def test_outage_before_any_key_is_jwks_unavailable(
    jwks_server: JwksServer, mode: str
) -> None:
    jwks_server.mode = mode
    verifier, _, clock = setup(jwks_server.url)
    results = await asyncio.gather(
        *(verifier.verify(tok(A, "kid-a", sub=f"u{n}")) for n in range(50)),
        return_exceptions=True,
    )
    assert all(isinstance(r, JwksUnavailable) for r in results), results[:3]
    assert all(
        isinstance(r, AuthenticationFailed) and r.reason == "jwks_unavailable" for r in results
    )
    assert jwks_server.hits == 1  # bounded: the failure is remembered for the interval
    jwks_server.mode = "ok"
    clock.advance(INTERVAL)
    assert (await verifier.verify(tok(A, "kid-a"))).subject == "user-1"  # recovers by itself


async def test_closed_port_is_jwks_unavailable() -> None:
    server = JwksServer(jwks((A, "kid-a"))).start()
    url = server.url
    server.stop()  # nothing listens there any more
    verifier, _, _ = setup(url)
    with pytest.raises(JwksUnavailable):
        await verifier.verify(tok(A, "kid-a"))


@pytest.mark.parametrize("mode", ["500", "garbage", "reset", "empty"])
async def test_a_bad_answer_never_replaces_a_good_key_set(
    jwks_server: JwksServer, mode: str
) -> None:
    verifier, _, clock = setup(jwks_server.url)
    await verifier.verify(tok(A, "kid-a"))
    jwks_server.mode = mode
    clock.advance(3600)  # the key set is due for a refresh, and the refresh fails
    assert (await verifier.verify(tok(A, "kid-a", sub="u-2"))).subject == "u-2"
    assert jwks_server.hits == 2
    clock.advance(INTERVAL)
    with pytest.raises(AuthenticationFailed) as refused:
        await verifier.verify(tok(B, "kid-b"))  # a really unknown kid during the outage
    assert refused.value.reason == "unknown_kid"


def test_only_usable_keys_are_kept() -> None:
    from dynastack.auth.jwks import usable_keys

    weak = rsa_key("weak", 1024)
    document = jwks((A, "kid-a"), (weak, "weak"))
    document["keys"] += [
        {"kty": "oct", "k": "c2VjcmV0", "kid": "hmac"},
        {**document["keys"][0], "kid": "enc", "use": "enc"},
        {**document["keys"][0], "kid": "rs512", "alg": "RS512"},
        {**document["keys"][0], "kid": ""},
        {"kty": "RSA", "kid": "broken", "n": "!!", "e": "AQAB"},
        "not an object",
    ]
    assert sorted(usable_keys(document)) == ["kid-a"]
    assert usable_keys({"keys": "nope"}) == {}
    assert usable_keys([]) == {}
