"""The API bench's contenders, each served by one uvicorn worker in its own process.

``python -m bench.api_servers KIND PORT ENDPOINT ENV`` serves one of:

* ``dynastack``: examples.cloud_platform's REST API (``dynastack.api``), rate limit off, an
  allow-all authenticator (the same principal for every request: auth measured apart);
* ``dynastack-auth``: the same with dev tokens checked by ``dynastack.auth``'s
  ``TokenVerifier`` and its claims cache (the token is in ``BENCH_TOKEN_DIR``);
* ``fastapi``: a hand-written FastAPI + aiobotocore endpoint doing the same GetItem and Query,
  built the way the seeds build theirs (a client made at start-up, ``TypeDeserializer``, the
  dict returned for FastAPI to encode);
* ``floor``: a bare ASGI endpoint sending a pre-built GetItem over raw asyncio connections and
  returning DynamoDB's body as it is: the least any endpoint doing this GetItem can cost.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import orjson
import uvicorn

ID = "DBENCH1"
ORG = "BenchOrg"

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


def _dynastack(endpoint: str, env: str, auth: bool) -> Any:
    from examples.cloud_platform.api import api

    from dynastack.api import ApiSettings
    from dynastack.auth.principal import Principal
    from dynastack.client import AsyncClient

    authenticator: Any
    if auth:
        from dynastack.auth import DevIssuer, TokenVerifier
        from dynastack.auth.authenticator import BearerAuthenticator

        issuer = DevIssuer(os.environ["BENCH_TOKEN_DIR"])
        authenticator = BearerAuthenticator(TokenVerifier([issuer.trusted_issuer()], env="dev"))
    else:
        admin = Principal(subject="bench", groups=frozenset({"Administrators"}))

        class Everyone:
            async def authenticate(self, headers: Mapping[str, str]) -> Principal:
                return admin

        authenticator = Everyone()
    settings = ApiSettings(env="dev", rate_limit=0, cursor_key=bytes(32), docs=False)
    return api.asgi(
        client=AsyncClient.local(endpoint),
        authenticator=authenticator,
        settings=settings,
        env=env,
        close_client=True,
    )


def _fastapi(endpoint: str, env: str) -> Any:
    from contextlib import asynccontextmanager

    from aiobotocore.session import get_session
    from boto3.dynamodb.types import TypeDeserializer
    from fastapi import FastAPI, HTTPException

    table = f"cloud-deployments-{env}"
    deserializer = TypeDeserializer()
    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        session = get_session()
        async with session.create_client(
            "dynamodb",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="dynastack",
            aws_secret_access_key="dynastack",
        ) as client:
            state["client"] = client
            yield

    app = FastAPI(lifespan=lifespan)

    def plain(item: dict[str, Any]) -> dict[str, Any]:
        return {k: deserializer.deserialize(v) for k, v in item.items()}

    @app.get("/deployments/{deployment_id}")
    async def get_deployment(deployment_id: str) -> dict[str, Any]:
        reply = await state["client"].get_item(
            TableName=table,
            Key={"PK": {"S": f"DEPLOYMENT#{deployment_id}"}, "SK": {"S": "METADATA"}},
        )
        if "Item" not in reply:
            raise HTTPException(404)
        return plain(reply["Item"])

    @app.get("/deployments/index/OrganizationIndex")
    async def by_organization(organization: str, limit: int = 20) -> dict[str, Any]:
        reply = await state["client"].query(
            TableName=table,
            IndexName="OrganizationIndex",
            KeyConditionExpression="organization = :o",
            ExpressionAttributeValues={":o": {"S": organization}},
            Limit=limit,
        )
        return {"items": [plain(i) for i in reply["Items"]]}

    return app


def _floor(endpoint: str, env: str) -> Any:
    host, _, port = endpoint.removeprefix("http://").rstrip("/").partition(":")
    body = orjson.dumps(
        {
            "TableName": f"cloud-deployments-{env}",
            "Key": {"PK": {"S": f"DEPLOYMENT#{ID}"}, "SK": {"S": "METADATA"}},
        }
    )
    request = (
        f"POST / HTTP/1.1\r\nHost: {host}:{port}\r\n"
        "Content-Type: application/x-amz-json-1.0\r\n"
        "X-Amz-Target: DynamoDB_20120810.GetItem\r\n"
        "Authorization: AWS4-HMAC-SHA256 Credential=dynastack/20260101/us-east-1/dynamodb/"
        "aws4_request, SignedHeaders=host, Signature=00\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def get_item() -> bytes:
        while True:
            pooled = bool(idle)
            conn = idle.pop() if pooled else await asyncio.open_connection(host, int(port))
            reader, writer = conn
            writer.write(request)
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                writer.transport.abort()
                if pooled:  # DynamoDB Local closes connections idle ~30 s: open a new one
                    continue
                raise
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            data = await reader.readexactly(length)
            idle.append(conn)
            return data

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        data = await get_item()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": data})

    return app


def main(argv: list[str]) -> None:
    kind, port, endpoint, env = argv
    if kind in ("dynastack", "dynastack-auth"):
        app = _dynastack(endpoint, env, auth=kind == "dynastack-auth")
    elif kind == "fastapi":
        app = _fastapi(endpoint, env)
    elif kind == "floor":
        app = _floor(endpoint, env)
    else:
        raise SystemExit(f"unknown contender {kind!r}")
    uvicorn.run(app, host="127.0.0.1", port=int(port), workers=1, log_level="warning")


if __name__ == "__main__":
    main(sys.argv[1:])
