"""Authentication: credentials (bearer JWTs, API keys, session cookies) turned into a ``Principal``.

Example:
    >>> from dynastack.auth import Principal, AuthenticationFailed
    >>> AuthenticationFailed("expired").reason
    'expired'
"""

from dynastack.auth.api_keys import API_KEYS_TABLE, ApiKeyStore, IssuedApiKey
from dynastack.auth.authenticator import (
    ApiKeyAuthenticator,
    Authenticator,
    BearerAuthenticator,
    CredentialAuthenticator,
    FirstPresent,
)
from dynastack.auth.claims_cache import ClaimsCache
from dynastack.auth.dev_issuer import DEV_CLIENT_ID, DEV_ISSUER, DevIssuer
from dynastack.auth.jwks import JwksCache, JwksUnavailable
from dynastack.auth.principal import AuthenticationFailed, PermissionDenied, Principal
from dynastack.auth.verifier import TokenVerifier, TrustedIssuer, is_production

__all__ = [
    "API_KEYS_TABLE",
    "DEV_CLIENT_ID",
    "DEV_ISSUER",
    "ApiKeyAuthenticator",
    "ApiKeyStore",
    "AuthenticationFailed",
    "Authenticator",
    "BearerAuthenticator",
    "ClaimsCache",
    "CredentialAuthenticator",
    "DevIssuer",
    "FirstPresent",
    "IssuedApiKey",
    "JwksCache",
    "JwksUnavailable",
    "PermissionDenied",
    "Principal",
    "TokenVerifier",
    "TrustedIssuer",
    "is_production",
]
