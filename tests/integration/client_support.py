"""Helpers of the client's integration tests: one interface over both twins, boto3, tables.

``Driver`` puts ``Client`` and ``AsyncClient`` behind one awaitable interface, so a test is
written once and runs for both. ``boto3_client`` is a real boto3 client on the same endpoint
with the same dummy credentials (DynamoDB Local keeps tables per access key id and region, so
both must match to see the same tables). ``Tables`` creates uniquely named tables and deletes
them at teardown.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import boto3

from dynastack.client.async_client import AsyncClient
from dynastack.client.client import Client
from dynastack.client.credentials import local_credentials
from dynastack.core.operations.base import Operation

R = TypeVar("R")
REGION = "us-east-1"


@dataclass
class Driver:
    """One client, sync or async, behind ``await driver.send(op)`` / ``await driver.call(...)``."""

    client: Client | AsyncClient

    @property
    def is_async(self) -> bool:
        return isinstance(self.client, AsyncClient)

    async def send(self, op: Operation[R]) -> R:
        if isinstance(self.client, AsyncClient):
            return await self.client.send(op)
        return self.client.send(op)

    async def call(self, method: str, **kwargs: Any) -> dict[str, Any]:
        result = getattr(self.client, method)(**kwargs)
        if isinstance(result, Awaitable):
            result = await result
        assert isinstance(result, dict)
        return result


def boto3_client(endpoint: str, service: str = "dynamodb") -> Any:
    """A real boto3 client of ``service`` on ``endpoint``, with dynastack's local credentials."""
    creds = local_credentials().get()
    return boto3.client(
        service,  # type: ignore[call-overload]
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=creds.access_key,
        aws_secret_access_key=creds.secret_key,
    )


@dataclass
class Tables:
    """Makes uniquely named tables and deletes every one of them at teardown."""

    boto: Any
    names: list[str] = field(default_factory=list)

    def name(self, prefix: str = "t") -> str:
        """A fresh table name (to be created by the test itself); deleted at teardown."""
        name = f"{prefix}-{uuid.uuid4().hex[:12]}"
        self.names.append(name)
        return name

    def create(
        self,
        prefix: str = "t",
        *,
        sort_key: bool = True,
        stream: bool = False,
        provisioned: bool = False,
    ) -> str:
        """A table with string ``pk`` (and ``sk``) keys, created through boto3."""
        name = self.name(prefix)
        attributes = [{"AttributeName": "pk", "AttributeType": "S"}]
        schema = [{"AttributeName": "pk", "KeyType": "HASH"}]
        if sort_key:
            attributes.append({"AttributeName": "sk", "AttributeType": "S"})
            schema.append({"AttributeName": "sk", "KeyType": "RANGE"})
        extra: dict[str, Any] = {}
        if stream:
            extra["StreamSpecification"] = {
                "StreamEnabled": True,
                "StreamViewType": "NEW_AND_OLD_IMAGES",
            }
        if provisioned:
            extra["ProvisionedThroughput"] = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
        else:
            extra["BillingMode"] = "PAY_PER_REQUEST"
        self.boto.create_table(
            TableName=name, AttributeDefinitions=attributes, KeySchema=schema, **extra
        )
        return name

    def cleanup(self) -> None:
        for name in self.names:
            # ResourceNotFound: the test deleted it itself
            with contextlib.suppress(self.boto.exceptions.ResourceNotFoundException):
                self.boto.delete_table(TableName=name)
