"""``Api``: an ``App`` plus the ``Resource`` declarations that expose it, and its ASGI app.

``Api(app, resources)`` compiles the declarations at import (mistakes raise there);
``api.asgi(client=..., authenticator=..., settings=...)`` builds the Starlette application:
REST routes, ``/openapi.json``, ``/docs`` (not in production), ``/healthz``, problem+json for
every error (also 404/405 of unknown routes), request ids in and out, CORS from the settings'
allow-list. The process keeps no state of its own: cursors are sealed with the settings' key
and rate windows live in DynamoDB, so any number of processes behave as one.

Example:
    >>> from examples.cloud_platform import app
    >>> from examples.cloud_platform.models import Metric
    >>> api = Api(app, [Resource(Metric, operations={"get"}, roles={"ReadOnly": {"get"}})])
    >>> [spec.path for spec in api.specs], api.title
    (['/metrics'], 'cloud_platform API')
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dynastack.api.authenticator import Authenticator
from dynastack.api.docs_page import CSP, PAGE
from dynastack.api.openapi import openapi
from dynastack.api.problems import Problem, problem_for
from dynastack.api.ratelimit import RATE_TABLE, RateLimiter
from dynastack.api.resources import Operation, Resource, ResourceSpec
from dynastack.api.rest import Context, Endpoint, endpoint
from dynastack.api.settings import ApiSettings
from dynastack.app import App
from dynastack.client.async_client import AsyncClient
from dynastack.errors import ConfigurationError, DynastackError
from dynastack.repository import AsyncRepository

__all__ = ["Api", "RequestIds"]

_log = logging.getLogger("dynastack.api")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

AuthenticatorFactory = Callable[[ApiSettings], Authenticator]


class RequestIds:
    """ASGI middleware: a request id in (``X-Request-Id``, if well-formed) and always out.

    A caller's id is kept only when it is short and plain (so it cannot inject into logs);
    otherwise a fresh one is made. It is stored in ``scope["state"]["request_id"]``.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v for k, v in scope["headers"] if k == b"x-request-id"), b"").decode(
            "latin-1"
        )
        request_id = given if _REQUEST_ID.match(given) else secrets.token_hex(12)
        scope.setdefault("state", {})["request_id"] = request_id
        raw = request_id.encode()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k != b"x-request-id"]
                message["headers"] = [*headers, (b"x-request-id", raw)]
            await send(message)

        await self.app(scope, receive, send_with_id)


def _problem_response(request: Request, problem: Problem) -> Response:
    request_id = request.scope.get("state", {}).get("request_id")
    return Response(
        problem.body(instance=request.url.path, request_id=request_id),
        problem.status,
        headers=dict(problem.headers),
        media_type="application/problem+json",
    )


class Api:
    """The HTTP face of an ``App``: which entities are resources, and for whom.

    ``authenticator`` is a factory called with the settings when the ASGI app is built by
    ``dynastack serve`` (the lead wires ``dynastack.auth``'s verifier there); ``asgi`` also
    takes an authenticator directly.
    """

    def __init__(
        self,
        app: App,
        resources: Sequence[Resource],
        *,
        title: str | None = None,
        authenticator: AuthenticatorFactory | None = None,
    ) -> None:
        self.app = app
        self.title = title or f"{app.name} API"
        self.authenticator = authenticator
        self.resources: tuple[Resource, ...] = tuple(resources)
        self.specs: tuple[ResourceSpec, ...] = tuple(r.compile() for r in resources)
        seen: set[str] = set()
        for spec in self.specs:
            if spec.entity not in app.entities:
                raise ConfigurationError(f"{spec.name} is not an entity of the App {app.name!r}")
            if spec.path in seen:
                raise ConfigurationError(f"two resources are served at {spec.path}")
            seen.add(spec.path)

    def with_authenticator(self, authenticator: AuthenticatorFactory) -> Api:
        """The same API with ``authenticator`` (how a deployment wires its verifier)."""
        return Api(self.app, self.resources, title=self.title, authenticator=authenticator)

    def openapi(self, *, max_page_size: int = 100) -> dict[str, Any]:
        """The OpenAPI 3.1 document of this API (``max_page_size``: the settings' limit)."""
        return openapi(self.specs, title=self.title, max_page_size=max_page_size)

    def asgi(
        self,
        *,
        client: AsyncClient,
        authenticator: Authenticator,
        settings: ApiSettings | None = None,
        env: str | None = None,
        close_client: bool = False,
    ) -> Starlette:
        """The Starlette application serving this API through ``client``.

        ``env`` names the tables' environment (as ``dynastack tables apply --env``);
        ``close_client`` closes the client when the application shuts down.
        """
        settings = settings or ApiSettings.from_env()
        repositories: dict[str, AsyncRepository[Any]] = {
            spec.name: AsyncRepository(
                spec.entity, client, env=env, app=self.app, cursor_key=settings.cursor_key
            )
            for spec in self.specs
        }
        limiter = None
        if settings.rate_limit:
            limiter = RateLimiter(
                client,
                table=RATE_TABLE.physical_name(env),
                limit=settings.rate_limit,
                window=settings.rate_window,
            )
        ctx = Context(settings, authenticator, limiter, repositories)
        routes = _routes(self, ctx, settings)

        async def on_problem(request: Request, exc: Exception) -> Response:
            problem = problem_for(exc, debug=settings.debug)
            if problem.status >= 500:
                # the class only: a lower layer's message may hold item data (never logged)
                _log.warning(
                    "request %s answered %d: %s",
                    request.scope.get("state", {}).get("request_id"),
                    problem.status,
                    type(exc).__name__,
                )
            return _problem_response(request, problem)

        async def on_http(request: Request, exc: Exception) -> Response:
            assert isinstance(exc, HTTPException)
            slug = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "bad-request")
            headers = dict(exc.headers or {})
            return _problem_response(request, Problem(slug, _HTTP_DETAIL[slug], headers=headers))

        @asynccontextmanager
        async def lifespan(_: Starlette) -> AsyncIterator[None]:
            try:
                yield
            finally:
                if close_client:
                    await client.aclose()

        middleware = [
            Middleware(RequestIds),
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.cors_origins),
                allow_methods=["GET", "POST", "PATCH", "DELETE"],
                allow_headers=["Authorization", "Content-Type", "If-Match", "X-Request-Id"],
                expose_headers=["ETag", "Location", "Retry-After", "X-Request-Id"],
                max_age=600,
            ),
        ]
        return Starlette(
            routes=routes,
            middleware=middleware,
            exception_handlers={
                HTTPException: on_http,
                Problem: on_problem,
                DynastackError: on_problem,
            },
            lifespan=lifespan,
        )


_HTTP_DETAIL = {
    "not-found": "no such route",
    "method-not-allowed": "this route does not take that method",
    "bad-request": "the request is malformed",
}


_ITEM_METHODS: tuple[tuple[Operation, str], ...] = (
    ("get", "GET"),
    ("update", "PATCH"),
    ("delete", "DELETE"),
)


def _dispatch(methods: dict[str, Endpoint]) -> Endpoint:
    async def by_method(request: Request) -> Response:
        return await methods[request.method](request)

    return by_method


def _routes(api: Api, ctx: Context, settings: ApiSettings) -> list[Route]:
    document = orjson.dumps(api.openapi(max_page_size=settings.max_page_size))

    async def openapi_json(_: Request) -> Response:
        return Response(document, media_type="application/json")

    async def docs(_: Request) -> Response:
        return Response(
            PAGE,
            media_type="text/html",
            headers={"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff"},
        )

    async def health(_: Request) -> Response:
        return Response(b'{"status":"ok"}', media_type="application/json")

    routes = [
        Route("/openapi.json", openapi_json, methods=["GET"]),
        Route("/healthz", health, methods=["GET"]),
    ]
    if settings.docs:
        routes.append(Route("/docs", docs, methods=["GET"]))
    # one Route per path, so that a 405 names every method the path takes (Allow); index
    # lists first: /x/index/Name must not be read as an item's key
    by_path: dict[str, dict[str, Endpoint]] = {}
    for spec in api.specs:
        for route in spec.lists:
            if route.index is not None:
                by_path.setdefault(route.path, {})["GET"] = endpoint(ctx, spec, "list", route)
    for spec in api.specs:
        for route in spec.lists:
            if route.index is None:
                by_path.setdefault(route.path, {})["GET"] = endpoint(ctx, spec, "list", route)
        if "create" in spec.operations:
            by_path.setdefault(spec.path, {})["POST"] = endpoint(ctx, spec, "create")
        for operation, method in _ITEM_METHODS:
            if operation in spec.operations:
                by_path.setdefault(spec.item_path, {})[method] = endpoint(ctx, spec, operation)
    for path, methods in by_path.items():
        routes.append(Route(path, _dispatch(methods), methods=list(methods)))
    return routes
