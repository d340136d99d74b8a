"""The HTTP API: REST and OpenAPI from the model, served by Starlette on uvicorn (docs/api.md).

``Resource`` declares which operations of an entity are exposed and for which groups; ``Api``
joins an ``App`` and its resources and builds the ASGI application; ``ApiSettings`` holds the
per-environment settings (``DYNASTACK_*``); ``Authenticator`` is the one method the API needs
from ``dynastack.auth``.
"""

from dynastack.api.application import Api, RequestIds
from dynastack.api.authenticator import Authenticator
from dynastack.api.problems import Problem
from dynastack.api.ratelimit import RATE_TABLE, RateLimiter, RateWindow
from dynastack.api.resources import Operation, Resource, ResourceSpec
from dynastack.api.settings import ApiSettings

__all__ = [
    "RATE_TABLE",
    "Api",
    "ApiSettings",
    "Authenticator",
    "Operation",
    "Problem",
    "RateLimiter",
    "RateWindow",
    "RequestIds",
    "Resource",
    "ResourceSpec",
]
