"""Test helpers: RSA keys, JWKS documents and hand-built tokens (raw JSON, any header).

Tokens are assembled byte by byte (not with ``jwt.encode``) so a test can send what a forger
would: duplicate JSON members, a float ``exp``, ``alg: none``, a ``crit`` header.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from jwt.algorithms import RSAAlgorithm

ISSUER = "https://issuer.test/pool-1"
CLIENT = "client-app"


@functools.cache
def rsa_key(name: str, bits: int = 2048) -> rsa.RSAPrivateKey:
    """One key per name for the whole test run (RSA generation is slow)."""
    del name
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    entry: dict[str, Any] = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    entry.update(kid=kid, alg="RS256", use="sig")
    return entry


def jwks(*pairs: tuple[rsa.RSAPrivateKey, str]) -> dict[str, Any]:
    return {"keys": [jwk(key, kid) for key, kid in pairs]}


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def raw_token(
    header: bytes | dict[str, Any],
    payload: bytes | dict[str, Any],
    key: rsa.RSAPrivateKey | None,
    *,
    hash_alg: hashes.HashAlgorithm | None = None,
) -> str:
    """``header.payload.signature``; JSON given as bytes is sent exactly as written."""
    h = header if isinstance(header, bytes) else json.dumps(header).encode()
    p = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    signing_input = f"{b64(h)}.{b64(p)}".encode()
    signature = (
        b""
        if key is None
        else key.sign(signing_input, padding.PKCS1v15(), hash_alg or hashes.SHA256())
    )
    return f"{signing_input.decode()}.{b64(signature)}"


def hmac_token(header: dict[str, Any], payload: dict[str, Any], secret: bytes) -> str:
    """An HS256 token whose secret is, typically, the public key (the alg confusion attack)."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(mac)}"


def public_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def claims(now: int, **changes: Any) -> dict[str, Any]:
    """A valid ID token's claims at ``now``; ``changes`` with value ``...`` removes a claim."""
    base: dict[str, Any] = {
        "iss": ISSUER,
        "sub": "user-1",
        "aud": CLIENT,
        "token_use": "id",
        "iat": now,
        "exp": now + 3600,
        "cognito:username": "alice",
        "cognito:groups": ["Developers"],
    }
    for given, value in changes.items():
        name = given.replace("__", ":")
        if value is ...:
            base.pop(name, None)
        else:
            base[name] = value
    return base


def token(key: rsa.RSAPrivateKey, kid: str, payload: dict[str, Any], **header: Any) -> str:
    return raw_token({"alg": "RS256", "kid": kid, **header}, payload, key)
