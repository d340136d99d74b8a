"""``Authenticator``: request headers in, ``Principal`` out, or ``AuthenticationFailed``.

The API calls one object with this protocol per request. Header names are lower-case. Three
credentials are understood, each by its own authenticator:

* ``authorization: Bearer <JWT>`` → ``BearerAuthenticator`` (a ``TokenVerifier``); the bare
  ``authorization: <JWT>`` of AppSync-style clients (seed 000 sends the ID token so) too;
* ``x-api-key: <key>`` → ``ApiKeyAuthenticator`` (an ``ApiKeyStore``, for services);
* the session cookie → ``dynastack.sessions.SessionAuthenticator`` (a ``SessionStore``).

``FirstPresent`` combines them: the first one whose credential is *present* decides, and its
refusal is final. A request with a forged bearer token and a valid cookie is refused: falling
through to the next credential would let a broken credential be papered over, and would make
the outcome depend on which credentials a client happened to send. No credential at all is
``AuthenticationFailed("missing")``.

Example:
    >>> import asyncio
    >>> from dynastack.auth.dev_issuer import DevIssuer
    >>> from dynastack.auth.verifier import TokenVerifier
    >>> import tempfile
    >>> issuer = DevIssuer(tempfile.mkdtemp())
    >>> verifier = TokenVerifier([issuer.trusted_issuer()], env="dev")
    >>> auth = FirstPresent(BearerAuthenticator(verifier))
    >>> headers = {"authorization": "Bearer " + issuer.issue("alice")}
    >>> asyncio.run(auth.authenticate(headers)).subject
    'alice'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from dynastack.auth.principal import AuthenticationFailed, Principal
from dynastack.auth.verifier import TokenVerifier

__all__ = [
    "ApiKeyAuthenticator",
    "ApiKeyVerifier",
    "Authenticator",
    "BearerAuthenticator",
    "CredentialAuthenticator",
    "FirstPresent",
]


class Authenticator(Protocol):
    """What the API calls on every request."""

    async def authenticate(self, headers: Mapping[str, str]) -> Principal:
        """The caller's principal; raises ``AuthenticationFailed``."""
        ...


class CredentialAuthenticator(Authenticator, Protocol):
    """An authenticator of one kind of credential, which can tell whether it is present."""

    def present(self, headers: Mapping[str, str]) -> bool:
        """Whether the request carries this authenticator's kind of credential."""
        ...


class ApiKeyVerifier(Protocol):
    """What ``ApiKeyAuthenticator`` needs (``ApiKeyStore`` provides it)."""

    async def verify(self, key: str) -> Principal:
        """The service principal of ``key``; raises ``AuthenticationFailed``."""
        ...


class BearerAuthenticator:
    """``authorization: Bearer <token>`` verified by a ``TokenVerifier``."""

    def __init__(self, verifier: TokenVerifier) -> None:
        self.verifier = verifier

    def present(self, headers: Mapping[str, str]) -> bool:
        return "authorization" in headers

    async def authenticate(self, headers: Mapping[str, str]) -> Principal:
        value = headers.get("authorization")
        if value is None:
            raise AuthenticationFailed("missing")
        scheme, space, token = value.strip().partition(" ")
        if not space:  # AppSync style: the token alone
            return await self.verifier.verify(scheme)
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationFailed("scheme")
        return await self.verifier.verify(token.strip())


class ApiKeyAuthenticator:
    """``x-api-key: <key>`` checked by an ``ApiKeyVerifier`` (a service principal)."""

    def __init__(self, keys: ApiKeyVerifier) -> None:
        self.keys = keys

    def present(self, headers: Mapping[str, str]) -> bool:
        return "x-api-key" in headers

    async def authenticate(self, headers: Mapping[str, str]) -> Principal:
        value = headers.get("x-api-key")
        if value is None:
            raise AuthenticationFailed("missing")
        return await self.keys.verify(value.strip())


class FirstPresent:
    """The first authenticator whose credential is present decides (see the module docstring)."""

    def __init__(self, *authenticators: CredentialAuthenticator) -> None:
        if not authenticators:
            raise ValueError("FirstPresent needs at least one authenticator")
        self.authenticators = authenticators

    async def authenticate(self, headers: Mapping[str, str]) -> Principal:
        for authenticator in self.authenticators:
            if authenticator.present(headers):
                return await authenticator.authenticate(headers)
        raise AuthenticationFailed("missing")
