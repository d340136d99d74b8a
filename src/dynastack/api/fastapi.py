"""``Dynastack``: dynastack inside a FastAPI app, as dependencies (``dynastack[fastapi]``).

Why dependencies and not a second API: FastAPI users keep their framework, routes and models;
dynastack gives each request what ``dynastack.api`` gives its own routes, from the same owners:
the caller's ``Principal`` (``default_authenticator`` of the same ``ApiSettings``: bearer JWTs,
dev tokens outside production, API keys, the session cookie), repositories on one shared
client, the session store with its ``HttpOnly; Secure; SameSite`` cookies, and errors as the
same RFC 9457 problems (never FastAPI's 422 that echoes the input back).

Clients are made on first use, inside the server's event loop, and closed by ``lifespan``.
``domain(factory)`` hands out an example's own (synchronous) repository class, built once on a
synchronous ``Client``; FastAPI runs plain ``def`` routes in its threadpool, so they do not
block the loop.

Example:
    >>> from typing import Annotated
    >>> from fastapi import Depends, FastAPI
    >>> from examples.cicd import app as cicd
    >>> ds = Dynastack(cicd, settings=ApiSettings(trust_dev_tokens=True))
    >>> api = FastAPI(lifespan=ds.lifespan)
    >>> ds.install(api)
    >>> @api.get("/me")
    ... async def me(caller: Annotated[Principal, Depends(ds.principal)]) -> dict[str, str]:
    ...     return {"user": caller.subject}
    >>> sorted(r.path for r in api.routes if r.path == "/me")
    ['/me']
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any, Protocol, TypeVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from dynastack.api.application import RequestIds
from dynastack.api.authenticator import Authenticator
from dynastack.api.default_auth import default_authenticator
from dynastack.api.problems import Problem, problem_for
from dynastack.api.settings import ApiSettings
from dynastack.app import App, BoundApp
from dynastack.auth.principal import PermissionDenied, Principal
from dynastack.client.async_client import AsyncClient
from dynastack.client.client import Client
from dynastack.client.settings import is_loopback
from dynastack.errors import DynastackError
from dynastack.model.entity import Entity
from dynastack.repository import AsyncRepository
from dynastack.sessions.cookies import SessionCookies
from dynastack.sessions.dynamodb import DynamoDBSessionStore
from dynastack.sessions.store import SessionStore

__all__ = ["Dynastack"]

E = TypeVar("E", bound=Entity)
T = TypeVar("T")
D_co = TypeVar("D_co", covariant=True)

_HTTP_SLUG = {404: "not-found", 405: "method-not-allowed", 401: "unauthenticated"}


class DomainFactory(Protocol[D_co]):
    """A domain class built on the App bound to the sync client (``BoundApp.service``)."""

    def __call__(self, bound: BoundApp, /) -> D_co: ...


class Dynastack:
    """The dynastack side of one FastAPI app (see the module doc).

    ``env`` is the table environment (default ``DYNASTACK_API_ENV``); ``endpoint`` the DynamoDB
    endpoint (default ``DYNASTACK_ENDPOINT``, else AWS); ``authenticator`` replaces the default
    one of the settings (with the session cookie always accepted).
    """

    def __init__(
        self,
        app: App,
        *,
        settings: ApiSettings | None = None,
        env: str | None = None,
        endpoint: str | None = None,
        authenticator: Authenticator | None = None,
        cookies: SessionCookies | None = None,
    ) -> None:
        self.app = app
        self._settings = settings
        self._env = env
        self._endpoint = endpoint
        self._authenticator = authenticator
        self.cookies = cookies or SessionCookies()
        self._client: AsyncClient | None = None
        self._sync: Client | None = None
        self._sessions: SessionStore | None = None
        self._bound: BoundApp | None = None

    @property
    def settings(self) -> ApiSettings:
        """The settings (read from ``DYNASTACK_*`` on first use unless given)."""
        if self._settings is None:
            self._settings = ApiSettings.from_env()
        return self._settings

    @property
    def env(self) -> str | None:
        """The table environment."""
        return self._env or os.environ.get("DYNASTACK_API_ENV") or None

    def _endpoint_url(self) -> str | None:
        return self._endpoint or os.environ.get("DYNASTACK_ENDPOINT") or None

    @property
    def client(self) -> AsyncClient:
        """The one async client of this app."""
        if self._client is None:
            url = self._endpoint_url()
            self._client = AsyncClient.local(url) if url and is_loopback(url) else AsyncClient()
        return self._client

    @property
    def sync_client(self) -> Client:
        """A sync client, for ``domain`` repositories (``def`` routes, in the threadpool)."""
        if self._sync is None:
            url = self._endpoint_url()
            self._sync = Client.local(url) if url and is_loopback(url) else Client()
        return self._sync

    @property
    def sessions(self) -> SessionStore:
        """The session store (``dynastack.sessions``, in DynamoDB)."""
        if self._sessions is None:
            self._sessions = DynamoDBSessionStore(self.client, env=self.env)
        return self._sessions

    @property
    def authenticator(self) -> Authenticator:
        """Who may call: the settings' credentials, and the session cookie."""
        if self._authenticator is None:
            settings = self.settings
            self._authenticator = default_authenticator(
                replace(settings, sessions=True), client=self.client, env=self.env
            )
        return self._authenticator

    async def principal(self, request: Request) -> Principal:
        """Dependency: the caller; a 401 problem without a valid credential, 503 on an outage."""
        try:
            return await self.authenticator.authenticate(request.headers)
        except DynastackError:
            raise
        except Exception:  # a verifier's outage (JWKS down) is not a bad token, nor a pass
            raise Problem(
                "unavailable",
                "the credential cannot be checked right now; retry shortly",
                headers={"Retry-After": "1"},
            ) from None

    def member_of(self, *groups: str) -> Callable[[Request], Awaitable[Principal]]:
        """Dependency factory: the caller, who must be in one of ``groups`` (else a 403)."""
        wanted = frozenset(groups)
        if not wanted:
            raise ValueError("member_of needs at least one group")

        async def dependency(request: Request) -> Principal:
            caller = await self.principal(request)
            if not caller.groups & wanted:
                raise PermissionDenied(f"needs one of {sorted(wanted)}")
            return caller

        return dependency

    def repository(self, entity: type[E]) -> Callable[[], AsyncRepository[E]]:
        """Dependency factory: the entity's repository on the shared client."""
        repos: dict[type[Entity], AsyncRepository[Any]] = {}

        def dependency() -> AsyncRepository[E]:
            if entity not in repos:
                repos[entity] = AsyncRepository(
                    entity,
                    self.client,
                    env=self.env,
                    app=self.app,
                    cursor_key=self.settings.cursor_key,
                )
            repo: AsyncRepository[E] = repos[entity]
            return repo

        return dependency

    def domain(self, factory: DomainFactory[T]) -> Callable[[], T]:
        """Dependency factory: ``factory(bound)`` on the App bound to the sync client (one
        binding, so domain classes that ask it for each other share it), built once."""

        def dependency() -> T:
            if self._bound is None:
                self._bound = self.app.bind(
                    self.sync_client, env=self.env, cursor_key=self.settings.cursor_key
                )
            return self._bound.service(factory)

        return dependency

    @asynccontextmanager
    async def lifespan(self, _: FastAPI) -> AsyncIterator[None]:
        """FastAPI's lifespan: closes the clients at shutdown."""
        try:
            yield
        finally:
            if self._client is not None:
                await self._client.aclose()
                self._client = None
            if self._sync is not None:
                self._sync.close()
                self._sync = None
                self._bound = None

    def problem(self, request: Request, error: BaseException) -> Response:
        """The problem+json answer for ``error`` (the allow-list of ``dynastack.api``)."""
        found = problem_for(error, debug=self.settings.debug)
        request_id = request.scope.get("state", {}).get("request_id")
        return Response(
            found.body(instance=request.url.path, request_id=request_id),
            found.status,
            headers=dict(found.headers),
            media_type="application/problem+json",
        )

    def install(self, api: FastAPI) -> None:
        """Problem+json for every error, request ids in and out."""

        async def on_error(request: Request, exc: Exception) -> Response:
            return self.problem(request, exc)

        async def on_validation(request: Request, exc: Exception) -> Response:
            assert isinstance(exc, RequestValidationError)
            # the location, message and type of each error only: never the input (item values)
            errors = [
                {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
                for e in exc.errors()
            ]
            return self.problem(request, Problem("validation", "see errors", errors=errors))

        async def on_http(request: Request, exc: Exception) -> Response:
            assert isinstance(exc, HTTPException)
            slug = _HTTP_SLUG.get(exc.status_code, "bad-request")
            detail = "no such route" if slug == "not-found" else "the request is not accepted here"
            return self.problem(request, Problem(slug, detail))

        api.add_exception_handler(DynastackError, on_error)
        api.add_exception_handler(Problem, on_error)
        api.add_exception_handler(RequestValidationError, on_validation)
        api.add_exception_handler(HTTPException, on_http)
        api.add_middleware(RequestIds)
