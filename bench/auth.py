"""Token verification benchmark: dynastack's TokenVerifier (cold and cached) against PyJWT alone.

Why: with auth on, every request carries a bearer token, and an RS256 check costs about as much
as the whole GetItem behind it (PERFORMANCE.md). The verifier adds strict parsing (duplicate
members, integer times, canonical base64) to PyJWT's signature check, and caches verified
claims until expiry; this shows what each costs, side by side in one run: PyJWT's
``jwt.decode`` with the key, issuer, audience and required claims (what a hand-written FastAPI
dependency does), the verifier with its cache off, and the verifier answering from its cache.

Run: ``python -m bench.auth`` prints the figures as a dict (µs of CPU per verification).
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from typing import Any

import jwt

from dynastack.auth import ClaimsCache, DevIssuer, TokenVerifier
from dynastack.auth.dev_issuer import DEV_CLIENT_ID, DEV_ISSUER

ROUNDS = 7


def _per_call(fn: Any, n: int) -> float:
    start = time.process_time()
    fn(n)
    return (time.process_time() - start) / n * 1e6


def run(endpoint: str = "", seconds: float = 3.0, *, warmup: float = 0.5) -> dict[str, float]:
    del endpoint, warmup  # no server: pure CPU
    issuer = DevIssuer(tempfile.mkdtemp())
    token = issuer.issue("alice", groups=["Developers"])
    public_key = issuer._private_key().public_key()
    cold = TokenVerifier([issuer.trusted_issuer()], env="dev", cache=ClaimsCache(0))
    warm = TokenVerifier([issuer.trusted_issuer()], env="dev")
    loop = asyncio.new_event_loop()

    def pyjwt(n: int) -> None:
        for _ in range(n):
            jwt.decode(
                token,
                public_key,
                algorithms=["RS256"],
                audience=DEV_CLIENT_ID,
                issuer=DEV_ISSUER,
                options={"require": ["exp", "iat", "iss", "sub"]},
            )

    def verifier(v: TokenVerifier) -> Any:
        async def many(n: int) -> None:
            for _ in range(n):
                await v.verify(token)

        return lambda n: loop.run_until_complete(many(n))

    contenders = {
        "pyjwt_decode": pyjwt,
        "verifier_cold": verifier(cold),
        "verifier_cached": verifier(warm),
    }
    n = max(50, int(seconds * 200 / ROUNDS))
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(ROUNDS):  # alternate contenders, so drift hits all alike
        for name, fn in contenders.items():
            samples[name].append(_per_call(fn, n))
    loop.close()
    figures = {f"auth_{name}_us": statistics.median(v) for name, v in samples.items()}
    figures["auth_ratio_cold_vs_pyjwt"] = (
        figures["auth_verifier_cold_us"] / figures["auth_pyjwt_decode_us"]
    )
    figures["auth_ratio_pyjwt_vs_cached"] = (
        figures["auth_pyjwt_decode_us"] / figures["auth_verifier_cached_us"]
    )
    return figures


if __name__ == "__main__":
    print(run())
