"""``ApiKeyStore``: API keys for services, stored hashed in DynamoDB; create, verify, revoke.

A key is an opaque credential (``auth.credentials``): ``k.<key id>.<secret>``. The key id (128
bits, shown in lists and logs) finds the item with one GetItem; the secret (256 bits from
``secrets``) is kept only as its SHA-256, so the table alone opens nothing, and it is compared in
constant time. The plaintext key exists once, in what ``create`` returns. A verified key gives a
``Principal`` of kind ``service`` whose subject is the service's name.

Every check reads the table (no cache), so a revoked key stops working at once.

Example:
    >>> import asyncio
    >>> from dynastack.client import AsyncClient
    >>> from dynastack.model import TableSpec
    >>> async def main() -> tuple[str, str]:
    ...     async with AsyncClient.local(os.environ["DYNASTACK_ENDPOINT"]) as client:
    ...         spec = TableSpec.compile(API_KEYS_TABLE, env="doc")
    ...         await client.create_table(**spec.create_request())
    ...         keys = ApiKeyStore(client, env="doc")
    ...         issued = await keys.create("billing", groups={"Services"})
    ...         principal = await keys.verify(issued.key)
    ...         await client.delete_table(TableName=spec.name)
    ...         return principal.subject, principal.kind
    >>> asyncio.run(main())
    ('billing', 'service')
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from pydantic import Field

from dynastack.auth.credentials import Credential
from dynastack.auth.principal import AuthenticationFailed, Principal
from dynastack.client.async_client import AsyncClient
from dynastack.errors import ConditionalCheckFailed
from dynastack.model import TTL, CreatedAt, Entity, Key, Table, auto_now
from dynastack.repository import AsyncRepository

__all__ = ["API_KEYS_TABLE", "ApiKeyItem", "ApiKeyStore", "IssuedApiKey"]

KEY_PREFIX = "k"

#: the API keys table (named per environment by the usual rules: ``{table}-{env}``)
API_KEYS_TABLE = Table("dynastack-api-keys")


class ApiKeyItem(Entity, table=API_KEYS_TABLE):
    """A stored API key: the hash of its secret, never the secret."""

    __key__ = Key(pk="APIKEY#{key_id}")
    key_id: str
    service: str
    secret_hash: str
    groups: list[str] = Field(default_factory=list)
    created_at: CreatedAt = auto_now()
    expires_at: TTL[datetime] | None = None


@dataclass(frozen=True, slots=True)
class IssuedApiKey:
    """A new key: ``key`` is shown once and never stored."""

    key_id: str
    service: str
    key: str = field(repr=False)


class ApiKeyStore:
    """API keys in the ``API_KEYS_TABLE`` of ``env`` (or ``table_name``)."""

    def __init__(
        self,
        client: AsyncClient,
        *,
        env: str | None = None,
        table_name: str | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._repo = AsyncRepository(
            ApiKeyItem, client, env=env, table_name=table_name, clock=clock
        )

    async def create(
        self, service: str, *, groups: Iterable[str] = (), expires_at: datetime | None = None
    ) -> IssuedApiKey:
        """A new key for ``service`` (its principal's subject) in ``groups``."""
        if not service:
            raise ValueError("an API key needs a service name")
        credential = Credential.new(KEY_PREFIX)
        await self._repo.create(
            ApiKeyItem(
                key_id=credential.id,
                service=service,
                secret_hash=credential.secret_hash,
                groups=sorted(set(groups)),
                expires_at=expires_at,
            )
        )
        return IssuedApiKey(credential.id, service, credential.text)

    async def verify(self, key: str) -> Principal:
        """The service principal of ``key``; ``AuthenticationFailed("api_key")`` otherwise."""
        credential = Credential.parse(key, KEY_PREFIX)
        if credential is None:
            raise AuthenticationFailed("api_key")
        item = await self._repo.get(key_id=credential.id, consistent=True)
        if item is None or not credential.matches(item.secret_hash):
            raise AuthenticationFailed("api_key")
        return Principal(
            subject=item.service,
            groups=frozenset(item.groups),
            username=item.service,
            kind="service",
            claims=MappingProxyType({"key_id": item.key_id}),
        )

    async def revoke(self, key_id: str) -> bool:
        """Delete the key named ``key_id``; whether it existed."""
        try:
            await self._repo.delete({"key_id": key_id})
        except ConditionalCheckFailed:
            return False
        return True

    async def list_keys(self, service: str | None = None) -> list[ApiKeyItem]:
        """Every stored key (a maintenance scan), optionally of one service; no secrets."""
        return [
            item async for item in self._repo.scan() if service is None or item.service == service
        ]
