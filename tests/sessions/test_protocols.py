"""The stores and authenticators satisfy the protocols the API is written against (mypy checks
the assignments; the test checks the runtime side)."""

from __future__ import annotations

from dynastack.auth import (
    ApiKeyAuthenticator,
    Authenticator,
    BearerAuthenticator,
    CredentialAuthenticator,
    DevIssuer,
    FirstPresent,
    TokenVerifier,
)
from dynastack.auth.api_keys import ApiKeyStore
from dynastack.auth.authenticator import ApiKeyVerifier
from dynastack.client.async_client import AsyncClient
from dynastack.sessions import (
    DynamoDBSessionStore,
    InMemorySessionStore,
    SessionAuthenticator,
    SessionStore,
)


def test_protocols_are_met(tmp_path: object) -> None:
    client = AsyncClient.local("http://127.0.0.1:9")  # never used: nothing is sent
    memory: SessionStore = InMemorySessionStore()
    dynamo: SessionStore = DynamoDBSessionStore(client, env="t")
    keys: ApiKeyVerifier = ApiKeyStore(client, env="t")
    verifier = TokenVerifier([DevIssuer(str(tmp_path)).trusted_issuer()], env="dev")
    kinds: list[CredentialAuthenticator] = [
        BearerAuthenticator(verifier),
        ApiKeyAuthenticator(keys),
        SessionAuthenticator(memory),
        SessionAuthenticator(dynamo),
    ]
    combined: Authenticator = FirstPresent(*kinds)
    assert all(not k.present({}) for k in kinds)
    assert isinstance(combined, FirstPresent)
