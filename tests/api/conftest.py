"""One real uvicorn server per API for the whole test session, on DynamoDB Local.

Each server runs in a thread of the test process on 127.0.0.1 with a port the OS picks
(port 0), serving the example's ``Api`` through a real ``AsyncClient``; tests talk to it over
real HTTP. Tables live in an environment of their own, made once per session.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator

import pytest
import uvicorn

from dynastack.api import RATE_TABLE, Api, ApiSettings, Authenticator
from dynastack.client import AsyncClient, Client
from dynastack.model import TableSpec
from dynastack.provisioning import ensure_table
from tests.api.http import Server
from tests.api.stand_in_auth import TOKENS, StaticTokens
from tests.auth.conftest import cognito, cognito_endpoint  # noqa: F401 - moto Cognito, shared

CURSOR_KEY = bytes(range(32))


class _Running:
    def __init__(self, server: uvicorn.Server) -> None:
        self.server = server
        self.thread = threading.Thread(target=server.run, daemon=True)

    def start(self) -> int:
        self.thread.start()
        done = threading.Event()
        # wait for uvicorn's own "started" flag, polled on a condition, not a fixed sleep
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            done.wait(0.02)
        sockets = self.server.servers[0].sockets
        return int(sockets[0].getsockname()[1])

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def serve(
    api: Api,
    endpoint: str,
    env: str,
    settings: ApiSettings,
    authenticator: Callable[[AsyncClient], Authenticator] | None = None,
) -> Iterator[Server]:
    holder: dict[str, AsyncClient] = {}

    def factory() -> object:
        client = AsyncClient.local(endpoint)
        holder["client"] = client
        return api.asgi(
            client=client,
            authenticator=StaticTokens(TOKENS) if authenticator is None else authenticator(client),
            settings=settings,
            env=env,
            close_client=True,
        )

    config = uvicorn.Config(
        factory, factory=True, host="127.0.0.1", port=0, log_level="warning", lifespan="on"
    )
    running = _Running(uvicorn.Server(config))
    port = running.start()
    try:
        yield Server("127.0.0.1", port)
    finally:
        running.stop()


@pytest.fixture(scope="package")
def api_env(dynamodb_endpoint: str) -> Iterator[str]:
    """One table environment for every API test server, with all tables made, and dropped
    when tests/api is done: the session's DynamoDB Local slows down index creation for the
    packages after it while thousands of API test items stay in memory."""
    from examples.cloud_platform import app as cloud
    from examples.k9 import app as k9

    env = "api" + uuid.uuid4().hex[:6]
    client = Client.local(dynamodb_endpoint)
    specs = [*cloud.table_specs(env=env), *k9.table_specs(env=env)]
    specs.append(TableSpec.compile(RATE_TABLE, env=env))
    for spec in specs:
        ensure_table(spec, client)
    try:
        yield env
    finally:
        for spec in specs:
            client.delete_table(TableName=spec.name)
        client.close()


def settings_for(**changes: object) -> ApiSettings:
    base: dict[str, object] = {
        "env": "staging",
        "cursor_key": CURSOR_KEY,
        "cors_origins": ("https://app.example.com",),
        "docs": True,
        "rate_limit": 100_000,
        "max_body_bytes": 16 * 1024,
        "max_page_size": 50,
    }
    base.update(changes)
    return ApiSettings(**base)  # type: ignore[arg-type]


@pytest.fixture(scope="package")
def cloud(dynamodb_endpoint: str, api_env: str) -> Iterator[Server]:
    """examples.cloud_platform's API, served by uvicorn for the whole session."""
    from examples.cloud_platform.api import api

    yield from serve(api, dynamodb_endpoint, api_env, settings_for())


@pytest.fixture(scope="package")
def k9(dynamodb_endpoint: str, api_env: str) -> Iterator[Server]:
    """examples.k9's API (owner-scoped reports), served by uvicorn for the whole session."""
    from examples.k9.api import api

    yield from serve(api, dynamodb_endpoint, api_env, settings_for())


@pytest.fixture(scope="package")
def limited(dynamodb_endpoint: str, api_env: str) -> Iterator[Server]:
    """cloud_platform's API with a rate limit of 5 requests per principal per hour."""
    from examples.cloud_platform.api import api

    yield from serve(api, dynamodb_endpoint, api_env, settings_for(rate_limit=5, rate_window=3600))


@pytest.fixture(scope="package")
def no_rate_table(dynamodb_endpoint: str, api_env: str) -> Iterator[Server]:
    """cloud_platform's API whose rate-window table does not exist (the limiter fails)."""
    from examples.cloud_platform.api import api

    yield from serve(api, dynamodb_endpoint, api_env + "missing", settings_for())


@pytest.fixture(scope="package")
def production(dynamodb_endpoint: str, api_env: str) -> Iterator[Server]:
    """cloud_platform's API with production settings read from the environment variables."""
    from examples.cloud_platform.api import api

    settings = ApiSettings.from_env(
        {
            "DYNASTACK_ENV": "production",
            "DYNASTACK_CORS_ORIGINS": "https://app.example.com",
            "DYNASTACK_CURSOR_KEY": CURSOR_KEY.hex(),
        }
    )
    yield from serve(api, dynamodb_endpoint, api_env, settings)
