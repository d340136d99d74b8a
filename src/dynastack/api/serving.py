"""From an import path to a served ASGI application: what ``dynastack serve`` runs per worker.

Why a factory read from environment variables: with ``--workers N`` uvicorn starts N processes,
each importing the application itself, so the target and the table environment travel as
``DYNASTACK_API_TARGET`` / ``DYNASTACK_API_ENV`` and every worker builds the same app from the
same validated settings. Nothing is shared between workers but DynamoDB and the cursor key.

A target is ``module:attribute`` naming an ``Api``, or an ``App`` whose API is the ``api``
attribute of the module ``<package>.api`` beside it (``examples.cloud_platform:app`` →
``examples.cloud_platform.api:api``).

Example:
    >>> load_api("examples.cloud_platform:app").title
    'Cloud platform API'
"""

from __future__ import annotations

import importlib
import os
import sys

from starlette.applications import Starlette

from dynastack.api.application import Api
from dynastack.api.default_auth import default_authenticator
from dynastack.api.settings import ApiSettings
from dynastack.app import App
from dynastack.client.async_client import AsyncClient
from dynastack.client.settings import is_loopback
from dynastack.errors import ConfigurationError

__all__ = ["API_ENV", "API_TARGET", "asgi_from_env", "build_asgi", "load_api"]

API_TARGET = "DYNASTACK_API_TARGET"
API_ENV = "DYNASTACK_API_ENV"


def _attribute(path: str) -> object:
    module_name, _, attribute = path.partition(":")
    if not module_name or not attribute:
        raise ConfigurationError(f"APP must look like 'package.module:app', not {path!r}")
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())  # like uvicorn: paths are relative to where you are
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigurationError(f"cannot import {module_name!r}: {exc}") from exc
    if not hasattr(module, attribute):
        raise ConfigurationError(f"{module_name!r} has no attribute {attribute!r}")
    return getattr(module, attribute)


def load_api(path: str) -> Api:
    """The ``Api`` that ``path`` names, directly or through its ``App`` (see the module doc)."""
    found = _attribute(path)
    if isinstance(found, Api):
        return found
    if isinstance(found, App):
        module_name = path.partition(":")[0]
        sibling = module_name + ".api"
        try:
            api = _attribute(sibling + ":api")
        except ConfigurationError as exc:
            raise ConfigurationError(
                f"{path!r} is an App; its API is looked up as {sibling}:api, which failed: {exc}"
            ) from None
        if isinstance(api, Api) and api.app is found:
            return api
        raise ConfigurationError(f"{sibling}:api is not an Api of the App {found.name!r}")
    raise ConfigurationError(f"{path!r} is {type(found).__name__}, not a dynastack Api or App")


def asgi_from_env() -> Starlette:
    """The ASGI app of ``DYNASTACK_API_TARGET`` for ``DYNASTACK_API_ENV`` (uvicorn factory)."""
    target = os.environ.get(API_TARGET)
    if not target:
        raise ConfigurationError(f"{API_TARGET} is not set (dynastack serve sets it)")
    return build_asgi(load_api(target), ApiSettings.from_env(), env=os.environ.get(API_ENV))


def build_asgi(api: Api, settings: ApiSettings, *, env: str | None = None) -> Starlette:
    """The ASGI app of ``api`` as every host runs it (uvicorn workers, Lambda): a client from
    ``DYNASTACK_ENDPOINT`` (or the AWS chain) and the Api's authenticator, or, when it declares
    none, ``default_authenticator`` of the settings (which fails closed)."""
    endpoint = os.environ.get("DYNASTACK_ENDPOINT")
    client = AsyncClient.local(endpoint) if endpoint and is_loopback(endpoint) else AsyncClient()
    env = env or None
    authenticator = (
        api.authenticator(settings)
        if api.authenticator is not None
        else default_authenticator(settings, client=client, env=env)
    )
    return api.asgi(
        client=client,
        authenticator=authenticator,
        settings=settings,
        env=env,
        close_client=True,
    )
