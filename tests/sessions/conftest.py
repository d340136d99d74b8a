"""Fixtures of the session tests: ``stores`` runs each contract test against both stores.

``raw`` gives what a store physically keeps, as text, so a test can show that no token or
secret is stored. The DynamoDB store runs on its own fresh table in DynamoDB Local.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest

from dynastack.client.async_client import AsyncClient
from dynastack.model import TableSpec
from dynastack.provisioning import aensure_table
from dynastack.sessions import (
    SESSIONS_TABLE,
    DynamoDBSessionStore,
    InMemorySessionStore,
    SessionPolicy,
)
from dynastack.sessions.lifecycle import SessionLifecycle

T0 = 1_800_000_000.0
POLICY = SessionPolicy(idle_ttl=600, absolute_ttl=3600, touch_interval=60)


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Kit:
    kind: str
    store: SessionLifecycle
    clock: Clock
    raw: Callable[[], Awaitable[str]]


@pytest.fixture(params=["memory", "dynamodb"])
async def kit(request: pytest.FixtureRequest) -> AsyncIterator[Kit]:
    clock = Clock(T0)
    if request.param == "memory":
        memory = InMemorySessionStore(policy=POLICY, clock=clock)

        async def dump_memory() -> str:
            return repr(memory._records)

        yield Kit("memory", memory, clock, dump_memory)
        return
    endpoint: str = request.getfixturevalue("dynamodb_endpoint")
    env = "t" + uuid.uuid4().hex[:8]
    async with AsyncClient.local(endpoint) as client:
        spec = TableSpec.compile(SESSIONS_TABLE, env=env)
        await aensure_table(spec, client)
        dynamo = DynamoDBSessionStore(client, env=env, policy=POLICY, clock=clock)

        async def dump_table() -> str:
            return repr((await client.scan(TableName=spec.name))["Items"])

        yield Kit("dynamodb", dynamo, clock, dump_table)
        await client.delete_table(TableName=spec.name)
