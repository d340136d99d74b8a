"""API keys for services: stored hashed in DynamoDB Local; create, verify, revoke."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from dynastack.auth import (
    API_KEYS_TABLE,
    ApiKeyAuthenticator,
    ApiKeyStore,
    AuthenticationFailed,
    BearerAuthenticator,
    DevIssuer,
    FirstPresent,
    TokenVerifier,
)
from dynastack.client.async_client import AsyncClient
from dynastack.model import TableSpec
from dynastack.provisioning import aensure_table

pytestmark = pytest.mark.integration


@pytest.fixture
async def store(dynamodb_endpoint: str) -> AsyncIterator[tuple[ApiKeyStore, AsyncClient, str]]:
    env = "t" + uuid.uuid4().hex[:8]
    async with AsyncClient.local(dynamodb_endpoint) as client:
        spec = TableSpec.compile(API_KEYS_TABLE, env=env)
        await aensure_table(spec, client)
        yield ApiKeyStore(client, env=env), client, spec.name
        await client.delete_table(TableName=spec.name)


async def test_create_verify_revoke(store: tuple[ApiKeyStore, AsyncClient, str]) -> None:
    keys, _, _ = store
    issued = await keys.create("billing", groups={"Services", "ReadOnly"})
    principal = await keys.verify(issued.key)
    assert (principal.subject, principal.kind) == ("billing", "service")
    assert principal.groups == frozenset({"Services", "ReadOnly"})
    assert principal.claims == {"key_id": issued.key_id}
    assert await keys.revoke(issued.key_id) is True
    with pytest.raises(AuthenticationFailed) as refused:
        await keys.verify(issued.key)
    assert refused.value.reason == "api_key"
    assert await keys.revoke(issued.key_id) is False


async def test_keys_are_long_random_and_stored_hashed(
    store: tuple[ApiKeyStore, AsyncClient, str],
) -> None:
    keys, client, table = store
    issued = [await keys.create("svc") for _ in range(3)]
    prefix, key_id, secret = issued[0].key.split(".")
    assert prefix == "k"
    assert len(bytes.fromhex(key_id)) * 8 >= 128
    assert len(secret) * 6 >= 256  # base64url: 6 bits a character
    assert len({i.key for i in issued}) == 3
    raw = str((await client.scan(TableName=table))["Items"])
    assert all(i.key.split(".")[2] not in raw for i in issued)  # no secret in the table
    assert "secret_hash" in raw
    assert repr(issued[0]).count(secret) == 0  # nor in a repr


@pytest.mark.parametrize(
    "text",
    ["", "k", "k..", "k.zz.yy", "x.00000000000000000000000000000000.aaaa", "k.\x00.\x00", "é" * 50],
)
async def test_malformed_keys_are_refused(
    store: tuple[ApiKeyStore, AsyncClient, str], text: str
) -> None:
    with pytest.raises(AuthenticationFailed) as refused:
        await store[0].verify(text)
    assert refused.value.reason == "api_key"


async def test_a_wrong_secret_for_a_real_key_id_is_refused(
    store: tuple[ApiKeyStore, AsyncClient, str],
) -> None:
    keys, _, _ = store
    issued = await keys.create("svc")
    forged = f"k.{issued.key_id}.{'A' * 43}"
    with pytest.raises(AuthenticationFailed):
        await keys.verify(forged)
    assert (await keys.verify(issued.key)).subject == "svc"  # the real one still works


async def test_the_first_present_credential_decides(
    store: tuple[ApiKeyStore, AsyncClient, str], tmp_path: object
) -> None:
    keys, _, _ = store
    issued = await keys.create("svc")
    dev = DevIssuer(str(tmp_path))
    auth = FirstPresent(
        BearerAuthenticator(TokenVerifier([dev.trusted_issuer()], env="dev")),
        ApiKeyAuthenticator(keys),
    )
    assert (await auth.authenticate({"x-api-key": issued.key})).kind == "service"
    assert (await auth.authenticate({"authorization": dev.issue("al")})).subject == "al"
    # a forged bearer token is refused even next to a valid API key: no falling through
    with pytest.raises(AuthenticationFailed) as refused:
        await auth.authenticate({"authorization": "Bearer x.y.z", "x-api-key": issued.key})
    assert refused.value.reason == "malformed"
    assert len(await keys.list_keys("svc")) == 1
