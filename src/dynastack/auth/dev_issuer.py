"""``DevIssuer``: RS256 tokens for local development, from a key that never leaves the laptop.

``dynastack dev token --user alice --groups Developers`` prints a token shaped like a Cognito ID
token (``sub``, ``cognito:username``, ``cognito:groups``, ``token_use``, ``aud``), signed by a
2048-bit RSA key kept in ``.dynastack/dev-issuer-key.pem`` (or under ``$DYNASTACK_STATE_DIR``).
The key is created on first use with mode 0600 (its folder 0700), exclusively, so two processes
starting at once cannot end up with two keys. A server trusts it through
``DevIssuer.trusted_issuer()``, marked ``dev``, so ``TokenVerifier`` refuses it when the
environment is production: fail closed.

Example:
    >>> import tempfile, asyncio
    >>> from dynastack.auth.verifier import TokenVerifier
    >>> issuer = DevIssuer(tempfile.mkdtemp())
    >>> token = issuer.issue("alice", groups=["Developers"])
    >>> verifier = TokenVerifier([issuer.trusted_issuer()], env="dev")
    >>> p = asyncio.run(verifier.verify(token))
    >>> p.subject, sorted(p.groups)
    ('alice', ['Developers'])
"""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from dynastack.auth.jwks import JwksCache
from dynastack.auth.verifier import TrustedIssuer
from dynastack.errors import ConfigurationError
from dynastack.local.state import default_state_dir

__all__ = ["DEV_CLIENT_ID", "DEV_ISSUER", "DevIssuer"]

#: the ``iss`` of dev tokens (never a real issuer's URL)
DEV_ISSUER = "urn:dynastack:dev-issuer"
#: the app client of dev tokens (``aud`` / ``client_id``)
DEV_CLIENT_ID = "dynastack-dev"
KEY_FILE = "dev-issuer-key.pem"


class DevIssuer:
    """Issues dev tokens from the key under ``directory``.

    The default is the project's state folder: ``$DYNASTACK_STATE_DIR``, else ``.dynastack``,
    so ``dynastack dev token`` and a server started in the same folder share one key.
    """

    def __init__(self, directory: str | os.PathLike[str] | None = None) -> None:
        self.directory = default_state_dir() if directory is None else Path(directory)
        self._key: rsa.RSAPrivateKey | None = None

    @property
    def key_path(self) -> Path:
        """Where the private key lives."""
        return self.directory / KEY_FILE

    def _private_key(self) -> rsa.RSAPrivateKey:
        if self._key is None:
            self._key = self._load_or_create()
        return self._key

    def _load_or_create(self) -> rsa.RSAPrivateKey:
        path = self.key_path
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not path.exists():
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pem = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass  # another process made it first: use theirs
            else:
                with os.fdopen(fd, "wb") as out:
                    out.write(pem)
                return key
        loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(loaded, rsa.RSAPrivateKey) or loaded.key_size < 2048:
            raise ConfigurationError(f"{path} is not a 2048-bit (or larger) RSA private key")
        return loaded

    @property
    def kid(self) -> str:
        """The key id: a digest of the public key, so a new key gets a new kid."""
        der = (
            self._private_key()
            .public_key()
            .public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        return hashlib.sha256(der).hexdigest()[:16]

    def jwks(self) -> dict[str, Any]:
        """The public key as a JWKS document."""
        jwk: dict[str, Any] = RSAAlgorithm.to_jwk(self._private_key().public_key(), as_dict=True)
        jwk.update(kid=self.kid, alg="RS256", use="sig")
        return {"keys": [jwk]}

    def issue(
        self,
        user: str,
        *,
        groups: Iterable[str] = (),
        ttl: int = 3600,
        token_use: Literal["id", "access"] = "id",  # noqa: S107 - not a password
        now: int | None = None,
    ) -> str:
        """A token for ``user`` (its ``sub`` and username) in ``groups``, valid ``ttl`` seconds."""
        if not user:
            raise ConfigurationError("a dev token needs a user name")
        if ttl <= 0:
            raise ConfigurationError("a dev token's ttl must be positive")
        issued = int(time.time()) if now is None else now
        claims: dict[str, Any] = {
            "iss": DEV_ISSUER,
            "sub": user,
            "token_use": token_use,
            "iat": issued,
            "auth_time": issued,
            "exp": issued + ttl,
            "jti": str(uuid.uuid4()),
            "cognito:groups": sorted(set(groups)),
        }
        if token_use == "id":  # noqa: S105 - not a password
            claims.update({"aud": DEV_CLIENT_ID, "cognito:username": user})
        else:
            claims.update({"client_id": DEV_CLIENT_ID, "username": user})
        return jwt.encode(claims, self._private_key(), algorithm="RS256", headers={"kid": self.kid})

    def trusted_issuer(self) -> TrustedIssuer:
        """This issuer as a ``TokenVerifier`` trusts it (marked dev: refused in production)."""
        return TrustedIssuer(
            DEV_ISSUER, keys=JwksCache.static(self.jwks()), client_ids={DEV_CLIENT_ID}, dev=True
        )
