"""S1: forged tokens are all refused with ``AuthenticationFailed``, never another exception.

Each variant names the forgery and the stable reason it must be refused with. The verifier
trusts one issuer whose JWKS (served over real HTTP on 127.0.0.1) holds the good key
``kid-a`` and a 1024-bit key ``weak`` (which must never be usable). Every variant also runs
through ``FirstPresent`` the way the API calls it: an ``AuthenticationFailed`` or nothing.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes

from dynastack.auth import (
    AuthenticationFailed,
    BearerAuthenticator,
    FirstPresent,
    JwksCache,
    TokenVerifier,
    TrustedIssuer,
)

from .jwks_server import JwksServer
from .tokens import (
    CLIENT,
    ISSUER,
    b64,
    claims,
    hmac_token,
    jwks,
    public_pem,
    raw_token,
    rsa_key,
    token,
)

NOW = int(time.time())
GOOD = rsa_key("a")
OTHER = rsa_key("attacker")
WEAK = rsa_key("weak", 1024)


def good(**changes: Any) -> str:
    return token(GOOD, "kid-a", claims(NOW, **changes))


def flipped_signature() -> str:
    head, body, sig = good().split(".")
    raw = bytearray(__import__("base64").urlsafe_b64decode(sig + "=="))
    raw[10] ^= 0x01
    return f"{head}.{body}.{b64(bytes(raw))}"


def dup_payload() -> str:
    # a later duplicate `sub` would win in PyJWT (json.loads keeps the last member)
    body = json.dumps(claims(NOW))[:-1] + ', "sub": "admin"}'
    return raw_token({"alg": "RS256", "kid": "kid-a"}, body.encode(), GOOD)


def dup_header() -> str:
    header = b'{"alg": "HS256", "kid": "kid-a", "alg": "RS256"}'
    return raw_token(header, claims(NOW), GOOD)


VARIANTS: dict[str, tuple[Callable[[], str], str]] = {
    "alg none": (
        lambda: raw_token({"alg": "none", "kid": "kid-a"}, claims(NOW), None),
        "algorithm",
    ),
    "alg None": (
        lambda: raw_token({"alg": "None", "kid": "kid-a"}, claims(NOW), None),
        "algorithm",
    ),
    "alg missing": (lambda: raw_token({"kid": "kid-a"}, claims(NOW), GOOD), "algorithm"),
    "HS256 keyed with the public key": (
        lambda: hmac_token({"alg": "HS256", "kid": "kid-a"}, claims(NOW), public_pem(GOOD)),
        "algorithm",
    ),
    "RS256 header, HMAC signature": (
        lambda: hmac_token({"alg": "RS256", "kid": "kid-a"}, claims(NOW), public_pem(GOOD)),
        "signature",
    ),
    "RS384": (
        lambda: raw_token(
            {"alg": "RS384", "kid": "kid-a"}, claims(NOW), GOOD, hash_alg=hashes.SHA384()
        ),
        "algorithm",
    ),
    "PS256 named": (
        lambda: raw_token({"alg": "PS256", "kid": "kid-a"}, claims(NOW), GOOD),
        "algorithm",
    ),
    "ES256 named": (
        lambda: raw_token({"alg": "ES256", "kid": "kid-a"}, claims(NOW), GOOD),
        "algorithm",
    ),
    "unknown kid": (lambda: token(GOOD, "kid-zzz", claims(NOW)), "unknown_kid"),
    "kid missing": (lambda: raw_token({"alg": "RS256"}, claims(NOW), GOOD), "kid"),
    "kid not a string": (lambda: token(GOOD, 7, claims(NOW)), "kid"),  # type: ignore[arg-type]
    "signed by another key": (lambda: token(OTHER, "kid-a", claims(NOW)), "signature"),
    "embedded jwk of the attacker": (
        lambda: token(OTHER, "kid-a", claims(NOW), jwk={"kty": "RSA", "n": "AQAB", "e": "AQAB"}),
        "signature",
    ),
    "weak 1024-bit key in the JWKS": (lambda: token(WEAK, "weak", claims(NOW)), "unknown_kid"),
    "flipped signature bit": (flipped_signature, "signature"),
    "empty signature": (lambda: good().rsplit(".", 1)[0] + ".", "malformed"),
    "crit header": (lambda: token(GOOD, "kid-a", claims(NOW), crit=["exp"]), "crit"),
    "duplicate payload member": (dup_payload, "duplicate_member"),
    "duplicate header member": (dup_header, "duplicate_member"),
    "wrong iss": (lambda: good(iss="https://evil.test/pool-1"), "issuer"),
    "iss missing": (lambda: good(iss=...), "issuer"),
    "iss not a string": (lambda: good(iss=[ISSUER]), "issuer"),
    "wrong aud": (lambda: good(aud="other-app"), "audience"),
    "aud missing": (lambda: good(aud=...), "audience"),
    "aud list without us": (lambda: good(aud=["a", "b"]), "audience"),
    "id token carrying only client_id": (lambda: good(aud=..., client_id=CLIENT), "audience"),
    "access token carrying only aud": (lambda: good(token_use="access"), "client_id"),
    "access token, wrong client_id": (
        lambda: good(token_use="access", aud=..., client_id="other-app"),
        "client_id",
    ),
    "token_use missing": (lambda: good(token_use=...), "token_use"),
    "token_use refresh": (lambda: good(token_use="refresh"), "token_use"),
    "expired": (lambda: good(iat=NOW - 7200, exp=NOW - 3600), "expired"),
    "nbf in the future": (lambda: good(nbf=NOW + 3600), "not_yet_valid"),
    "iat in the future": (lambda: good(iat=NOW + 3600), "issued_in_future"),
    "exp missing": (lambda: good(exp=...), "missing_exp"),
    "iat missing": (lambda: good(iat=...), "missing_iat"),
    "exp as a string": (lambda: good(exp=str(NOW + 3600)), "invalid_exp"),
    "exp as a float": (lambda: good(exp=NOW + 3600.5), "invalid_exp"),
    "exp as a bool": (lambda: good(exp=True), "invalid_exp"),
    "exp beyond range": (lambda: good(exp=10**12), "invalid_exp"),
    "exp negative": (lambda: good(exp=-1), "invalid_exp"),
    "nbf as a string": (lambda: good(nbf="0"), "invalid_nbf"),
    "sub missing": (lambda: good(sub=...), "subject"),
    "sub empty": (lambda: good(sub=""), "subject"),
    "groups not a list": (lambda: good(cognito__groups="Administrators"), "groups"),
    "username not a string": (lambda: good(cognito__username=["admin"]), "username"),
    "payload a JSON array": (
        lambda: raw_token({"alg": "RS256", "kid": "kid-a"}, b"[1, 2]", GOOD),
        "malformed",
    ),
    "header not JSON": (lambda: raw_token(b"{alg: RS256}", claims(NOW), GOOD), "malformed"),
    "NaN in the payload": (
        lambda: raw_token({"alg": "RS256", "kid": "kid-a"}, b'{"exp": NaN}', GOOD),
        "malformed",
    ),
    "two segments": (lambda: ".".join(good().split(".")[:2]), "malformed"),
    "four segments": (lambda: good() + ".abc", "malformed"),
    "padded base64": (lambda: good().replace(".", "=.", 1), "malformed"),
    "non-ascii": (lambda: good()[:-2] + "é", "malformed"),
    "oversized": (lambda: good(junk="x" * 9000), "malformed"),
    "empty": (lambda: "", "malformed"),
}


@pytest.fixture(scope="module")
def server() -> Iterator[JwksServer]:
    served = JwksServer(jwks((GOOD, "kid-a"), (WEAK, "weak"))).start()
    yield served
    served.stop()


@pytest.fixture
def verifier(server: JwksServer) -> TokenVerifier:
    issuer = TrustedIssuer(ISSUER, keys=JwksCache(server.url), client_ids={CLIENT})
    return TokenVerifier([issuer], env="test", leeway=5)


def test_there_are_at_least_30_variants() -> None:
    assert len(VARIANTS) >= 30


async def test_the_genuine_token_passes(verifier: TokenVerifier) -> None:
    principal = await verifier.verify(good())
    assert (principal.subject, principal.username) == ("user-1", "alice")
    assert principal.groups == frozenset({"Developers"})


@pytest.mark.parametrize("name", sorted(VARIANTS))
async def test_forged_token_is_refused(verifier: TokenVerifier, name: str) -> None:
    make, reason = VARIANTS[name]
    forged = make()
    with pytest.raises(AuthenticationFailed) as refused:
        await verifier.verify(forged)
    assert refused.value.reason == reason
    assert forged not in str(refused.value) or not forged  # the credential is never echoed
    # the same through the authenticator the API calls; still nothing but AuthenticationFailed
    auth = FirstPresent(BearerAuthenticator(verifier))
    with pytest.raises(AuthenticationFailed):
        await auth.authenticate({"authorization": f"Bearer {forged}"})
    assert len(verifier.cache) == 0  # nothing forged was remembered


@pytest.mark.parametrize(
    ("header", "reason"),
    [("Basic dXNlcjpwdw==", "scheme"), ("Bearer ", "malformed"), ("Bearer  ", "malformed")],
)
async def test_bad_authorization_headers(verifier: TokenVerifier, header: str, reason: str) -> None:
    with pytest.raises(AuthenticationFailed) as refused:
        await FirstPresent(BearerAuthenticator(verifier)).authenticate({"authorization": header})
    assert refused.value.reason in (reason, "scheme")


async def test_no_credential_is_missing(verifier: TokenVerifier) -> None:
    with pytest.raises(AuthenticationFailed) as refused:
        await FirstPresent(BearerAuthenticator(verifier)).authenticate({})
    assert refused.value.reason == "missing"
