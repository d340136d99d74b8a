"""One AWS Lambda handler for any dynastack API (or any ASGI app), through Mangum.

Why Mangum: it is the maintained ASGI adapter and already speaks every event kind a function
behind AWS receives here: API Gateway HTTP API (payload 2.0), REST API (1.0) and Function URLs
(2.0 shape). Install with ``pip install 'dynastack[lambda]'``.

Why lifespan off and one app per container: Mangum would run the ASGI lifespan around every
invocation, and the API's shutdown closes its DynamoDB client; a warm container must keep its
client (and its open connections) between invocations. So the app is built once, on the first
event, and lives as long as the container.

Deploy with the handler ``dynastack.api.aws_lambda.handler`` and the variables that
``dynastack serve`` sets: ``DYNASTACK_API_TARGET`` (``examples.cloud_platform:app``),
``DYNASTACK_API_ENV`` (the table environment), the ``DYNASTACK_*`` settings, and
``DYNASTACK_ENDPOINT`` only for a non-AWS endpoint. A FastAPI app (``examples.cicd.api``) is
wrapped by ``handler_for(app)`` the same way.

Example:
    >>> from starlette.applications import Starlette
    >>> from starlette.responses import PlainTextResponse
    >>> from starlette.routing import Route
    >>> async def hello(_): return PlainTextResponse("hi")
    >>> answer = handler_for(Starlette(routes=[Route("/", hello)]))(
    ...     {"version": "2.0", "rawPath": "/", "rawQueryString": "", "headers": {},
    ...      "requestContext": {"http": {"method": "GET", "path": "/", "sourceIp": "192.0.2.1"},
    ...                         "stage": "$default"}, "isBase64Encoded": False},
    ...     {})
    >>> answer["statusCode"], answer["body"]
    (200, 'hi')
"""

from __future__ import annotations

import os
from typing import Any

from mangum import Mangum
from starlette.types import ASGIApp

from dynastack.api.serving import API_ENV, API_TARGET, build_asgi, load_api
from dynastack.api.settings import ApiSettings
from dynastack.errors import ConfigurationError

__all__ = ["handler", "handler_for", "reset"]

#: bodies sent as text, not base64 (Mangum's list plus RFC 9457 problems, so logs stay readable)
TEXT_TYPES = [
    "application/json",
    "application/problem+json",
    "application/javascript",
    "application/xml",
    "application/vnd.api+json",
    "image/svg+xml",
    "text/",
]

_built: list[Mangum] = []  # the container's one handler, built on the first event


def handler_for(app: ASGIApp, *, base_path: str = "/") -> Mangum:
    """A Lambda handler serving ``app``; ``base_path`` is a custom domain's mapping prefix."""
    # Mangum's ASGI protocol wants a coroutine where ASGI asks only for an awaitable
    return Mangum(
        app,  # type: ignore[arg-type]
        lifespan="off",
        api_gateway_base_path=base_path,
        text_mime_types=TEXT_TYPES,
    )


def _from_env() -> Mangum:
    target = os.environ.get(API_TARGET)
    if not target:
        raise ConfigurationError(
            f"{API_TARGET} is not set: name the API the function serves, e.g. "
            "examples.cloud_platform:app"
        )
    asgi = build_asgi(load_api(target), ApiSettings.from_env(), env=os.environ.get(API_ENV))
    return handler_for(asgi)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The Lambda entry point: the API of ``DYNASTACK_API_TARGET`` answers ``event``."""
    if not _built:
        _built.append(_from_env())
    answer: dict[str, Any] = _built[0](event, context)
    return answer


def reset() -> None:
    """Forget the built app (a new container), so the next event reads the environment again."""
    _built.clear()
