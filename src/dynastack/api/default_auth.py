"""``default_authenticator``: the credentials an API trusts, built from its ``ApiSettings``.

Why one factory: ``dynastack serve``, the Lambda handler and the FastAPI integration must trust
exactly the same credentials for the same settings, so none of them assembles its own. It
combines, with ``dynastack.auth.FirstPresent`` (the first credential present decides):

* a bearer JWT of the configured issuer (Cognito: ``DYNASTACK_COGNITO_REGION`` /
  ``DYNASTACK_COGNITO_POOL_ID``, or any ``DYNASTACK_AUTH_ISSUER``), its keys fetched from
  ``DYNASTACK_AUTH_JWKS_URL``, for the app clients of ``DYNASTACK_AUTH_CLIENT_IDS``;
* the dev issuer of ``dynastack dev token``, only while ``settings.trust_dev_tokens`` (never in
  production: the settings refuse it and ``TokenVerifier`` refuses it again);
* ``x-api-key`` keys (``DYNASTACK_API_KEYS=true``) and the session cookie
  (``DYNASTACK_SESSIONS=true``), both stored in DynamoDB in the API's table environment.

Fail closed: settings that trust no credential at all are a ``ConfigurationError`` at start-up,
not an API that refuses (or, worse, admits) everyone.

Example:
    >>> import asyncio, tempfile
    >>> from dynastack.auth import DevIssuer
    >>> issuer = DevIssuer(tempfile.mkdtemp())
    >>> auth = default_authenticator(ApiSettings(trust_dev_tokens=True), dev_issuer=issuer)
    >>> headers = {"authorization": "Bearer " + issuer.issue("alice", groups=["Developers"])}
    >>> asyncio.run(auth.authenticate(headers)).subject
    'alice'
    >>> default_authenticator(ApiSettings())
    Traceback (most recent call last):
    ...
    dynastack.errors.ConfigurationError: no credential is trusted: set DYNASTACK_AUTH_ISSUER (or \
DYNASTACK_COGNITO_REGION and DYNASTACK_COGNITO_POOL_ID), DYNASTACK_API_KEYS or DYNASTACK_SESSIONS\
, or DYNASTACK_TRUST_DEV_TOKENS outside production
"""

from __future__ import annotations

from dynastack.api.settings import ApiSettings
from dynastack.auth.api_keys import ApiKeyStore
from dynastack.auth.authenticator import (
    ApiKeyAuthenticator,
    BearerAuthenticator,
    CredentialAuthenticator,
    FirstPresent,
)
from dynastack.auth.dev_issuer import DevIssuer
from dynastack.auth.verifier import TokenVerifier, TrustedIssuer
from dynastack.client.async_client import AsyncClient
from dynastack.errors import ConfigurationError
from dynastack.sessions.authenticator import SessionAuthenticator
from dynastack.sessions.dynamodb import DynamoDBSessionStore

__all__ = ["default_authenticator", "trusted_issuers"]


def trusted_issuers(
    settings: ApiSettings, *, dev_issuer: DevIssuer | None = None
) -> list[TrustedIssuer]:
    """The JWT issuers ``settings`` trust: the configured one, and the dev issuer if allowed."""
    issuers: list[TrustedIssuer] = []
    if settings.auth_issuer is not None:
        url = settings.auth_jwks_url or f"{settings.auth_issuer}/.well-known/jwks.json"
        issuers.append(
            TrustedIssuer.from_jwks_url(
                settings.auth_issuer, url, client_ids=settings.auth_client_ids
            )
        )
    if settings.trust_dev_tokens and settings.env != "production":
        issuers.append((dev_issuer or DevIssuer()).trusted_issuer())
    return issuers


def default_authenticator(
    settings: ApiSettings,
    *,
    client: AsyncClient | None = None,
    env: str | None = None,
    dev_issuer: DevIssuer | None = None,
) -> FirstPresent:
    """The authenticator of ``settings`` (see the module doc); ``client``/``env`` reach the
    API-key and session tables; ``dev_issuer`` overrides the key folder of dev tokens."""
    parts: list[CredentialAuthenticator] = []
    issuers = trusted_issuers(settings, dev_issuer=dev_issuer)
    if issuers:
        parts.append(BearerAuthenticator(TokenVerifier(issuers, env=settings.env)))
    if settings.api_keys or settings.sessions:
        if client is None:
            raise ConfigurationError(
                "DYNASTACK_API_KEYS / DYNASTACK_SESSIONS need a DynamoDB client to check them"
            )
        if settings.api_keys:
            parts.append(ApiKeyAuthenticator(ApiKeyStore(client, env=env)))
        if settings.sessions:
            parts.append(SessionAuthenticator(DynamoDBSessionStore(client, env=env)))
    if not parts:
        raise ConfigurationError(
            "no credential is trusted: set DYNASTACK_AUTH_ISSUER (or DYNASTACK_COGNITO_REGION "
            "and DYNASTACK_COGNITO_POOL_ID), DYNASTACK_API_KEYS or DYNASTACK_SESSIONS, or "
            "DYNASTACK_TRUST_DEV_TOKENS outside production"
        )
    return FirstPresent(*parts)
