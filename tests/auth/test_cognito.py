"""The seed's Cognito client flow, verbatim but for the URL, against moto's user pool.

Seed 000 authenticates with boto3 ``cognito-idp`` ``initiate_auth(AuthFlow="USER_PASSWORD_AUTH")``
and sends the ID token in ``Authorization``. Here the tokens moto issues are verified through
the pool's JWKS URL (configured apart from the issuer), and the ways a genuine token of the
wrong kind, client or pool must still fail are shown with real tokens.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from dynastack.auth import (
    AuthenticationFailed,
    BearerAuthenticator,
    FirstPresent,
    TokenVerifier,
    TrustedIssuer,
)

from .conftest import USERNAME, CognitoPool, admin_client

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("aws_credentials")]


def seed_login(endpoint: str, client_id: str) -> dict[str, Any]:
    """Seed 000's client authentication flow; only ``endpoint_url`` is added."""
    # 1. Authenticate with Cognito
    cognito_client = boto3.client("cognito-idp", region_name="us-east-1", endpoint_url=endpoint)

    auth_response = cognito_client.initiate_auth(
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "user@example.com", "PASSWORD": "SecurePass123!"},
        ClientId=client_id,
    )

    id_token = auth_response["AuthenticationResult"]["IdToken"]
    result: dict[str, Any] = dict(auth_response["AuthenticationResult"])
    assert result["IdToken"] == id_token
    return result


def verifier_for(pool: CognitoPool, **options: Any) -> TokenVerifier:
    issuer = TrustedIssuer.cognito(
        "us-east-1", pool.pool_id, jwks_url=pool.jwks_url, client_ids={pool.client_id}, **options
    )
    assert issuer.issuer == pool.issuer
    return TokenVerifier([issuer], env="test")


async def test_seed_flow_id_token_in_authorization_is_verified(cognito: CognitoPool) -> None:
    tokens = seed_login(cognito.endpoint, cognito.client_id)
    id_token = tokens["IdToken"]
    auth = FirstPresent(BearerAuthenticator(verifier_for(cognito)))

    principal = await auth.authenticate({"authorization": id_token})  # the seed's header
    same = await auth.authenticate({"authorization": f"Bearer {id_token}"})

    assert principal == same
    assert principal.groups == frozenset({"Developers"})
    assert principal.username == USERNAME
    assert principal.kind == "user"
    assert principal.subject == principal.claims["sub"]
    assert principal.claims["token_use"] == "id"


async def test_access_token_is_checked_by_client_id(cognito: CognitoPool) -> None:
    tokens = seed_login(cognito.endpoint, cognito.client_id)
    principal = await verifier_for(cognito).verify(tokens["AccessToken"])
    assert principal.claims["token_use"] == "access"
    assert "aud" not in principal.claims
    assert principal.username == USERNAME
    assert principal.groups == frozenset({"Developers"})


async def test_refreshed_tokens_verify(cognito: CognitoPool) -> None:
    tokens = seed_login(cognito.endpoint, cognito.client_id)
    refreshed = admin_client(cognito.endpoint).initiate_auth(
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]},
        ClientId=cognito.client_id,
    )["AuthenticationResult"]
    principal = await verifier_for(cognito).verify(refreshed["IdToken"])
    assert principal.groups == frozenset({"Developers"})


async def test_only_the_configured_token_use_passes(cognito: CognitoPool) -> None:
    tokens = seed_login(cognito.endpoint, cognito.client_id)
    access_only = verifier_for(cognito, token_uses={"access"})
    with pytest.raises(AuthenticationFailed) as refused:
        await access_only.verify(tokens["IdToken"])
    assert refused.value.reason == "token_use"
    assert (await access_only.verify(tokens["AccessToken"])).claims["token_use"] == "access"


async def test_a_genuine_token_of_another_app_client_is_refused(cognito: CognitoPool) -> None:
    tokens = seed_login(cognito.endpoint, cognito.other_client_id)
    verifier = verifier_for(cognito)
    with pytest.raises(AuthenticationFailed) as id_refused:
        await verifier.verify(tokens["IdToken"])
    with pytest.raises(AuthenticationFailed) as access_refused:
        await verifier.verify(tokens["AccessToken"])
    assert (id_refused.value.reason, access_refused.value.reason) == ("audience", "client_id")


async def test_a_genuine_token_of_another_pool_is_refused_by_issuer(cognito: CognitoPool) -> None:
    # moto signs every pool's tokens with one key and one kid: only `iss` tells them apart
    tokens = seed_login(cognito.endpoint, cognito.other_pool_client_id)
    with pytest.raises(AuthenticationFailed) as refused:
        await verifier_for(cognito).verify(tokens["IdToken"])
    assert refused.value.reason == "issuer"


async def test_verified_tokens_are_cached_until_expiry(cognito: CognitoPool) -> None:
    tokens = seed_login(cognito.endpoint, cognito.client_id)
    verifier = verifier_for(cognito)
    first = await verifier.verify(tokens["IdToken"])
    assert len(verifier.cache) == 1
    assert await verifier.verify(tokens["IdToken"]) is first  # served from the cache
