"""REST handlers: one compiled ``ResourceSpec`` and one operation in, a Starlette endpoint out.

Every handler runs the same steps in the same order, so no route can skip one: authenticate,
check the role matrix, validate the input completely (size, media type, JSON, schema,
server-owned fields, page size, If-Match), count the request against the caller's rate window
(the first DynamoDB call), and only then call the repository, through the caller's owner scope
when the resource is scoped. Any input error therefore costs no DynamoDB call (S9), and what
reaches the repository is already typed, so its own errors are rare and mapped by class
(problems.py), never by message.

Optimistic locking in HTTP terms: an item's ``ETag`` is its version (``"3"``); ``If-Match`` is
required on PATCH and DELETE (428 without it) and a stale one is a 412.

Example:
    >>> parse_if_match('"7"'), parse_if_match('W/"7"')
    (7, None)
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import orjson
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response

from dynastack.api.authenticator import Authenticator, Principal
from dynastack.api.problems import Problem, problem_for
from dynastack.api.ratelimit import RateLimiter
from dynastack.api.resources import ListRoute, Operation, ResourceSpec
from dynastack.api.settings import ApiSettings
from dynastack.auth.principal import PermissionDenied
from dynastack.core.expressions import Attr, Condition
from dynastack.errors import DynastackError, ItemNotFound
from dynastack.model.entity import Entity
from dynastack.model.items import expiry_epoch
from dynastack.repository import AsyncRepository, SortCondition, begins_with, between
from dynastack.repository import ge as ge_
from dynastack.repository import gt as gt_
from dynastack.repository import le as le_
from dynastack.repository import lt as lt_

__all__ = ["JSON_TYPES", "Context", "Endpoint", "endpoint", "parse_if_match"]

_log = logging.getLogger("dynastack.api")
Endpoint = Callable[[Request], Awaitable[Response]]
JSON_TYPES = ("application/json", "application/merge-patch+json")
_ETAG = re.compile(r'^"(0|[1-9][0-9]{0,17})"$')
_FORMATS = {
    "date-time": re.compile(
        r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
        r"([Zz]|[+-][0-9]{2}:[0-9]{2})$"
    ),
    "date": re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"),
}
#: RFC 9110 entity-tag syntax: well-formed, so a tag that is not ours simply does not match
_ENTITY_TAG = re.compile(r'^(W/)?"[\x21\x23-\x7e]*"$')
#: sort-key operators as query parameter suffixes: ``created_at.ge=...``
SORT_OPERATORS = ("gt", "ge", "lt", "le", "begins_with")
_BUILD: dict[str, Callable[[Any], SortCondition]] = {
    "gt": gt_,
    "ge": ge_,
    "lt": lt_,
    "le": le_,
    "begins_with": begins_with,
}


def parse_if_match(value: str) -> int | None:
    """The version an ``If-Match`` names, or ``None`` when it can match no ETag of ours."""
    found = _ETAG.match(value.strip())
    return None if found is None else int(found.group(1))


def etag(version: int) -> str:
    return f'"{version}"'


@dataclass(frozen=True, slots=True)
class Context:
    """What every handler shares: settings, the authenticator, the limiter, the repositories."""

    settings: ApiSettings
    authenticator: Authenticator
    limiter: RateLimiter | None
    repositories: Mapping[str, AsyncRepository[Any]]


def _dump(entity: Entity) -> bytes:
    # pydantic's serializer, not orjson: a stored number may be an int beyond 64 bits
    return entity.model_dump_json(by_alias=True).encode()


def _page(items: list[Entity], cursor: str | None) -> Response:
    body = b'{"items":[' + b",".join(_dump(e) for e in items) + b'],"cursor":'
    return Response(body + orjson.dumps(cursor) + b"}", media_type="application/json")


def _errors(error: ValidationError, where: str) -> list[dict[str, Any]]:
    # allow-list: location, message and type only; never pydantic's ``input`` (caller data)
    return [
        {
            "loc": [where, *(str(p) for p in e["loc"])],
            "msg": e["msg"],
            "type": e["type"],
        }
        for e in error.errors(include_url=False, include_input=False, include_context=False)
    ]


def _invalid(detail: str, loc: list[str] | None = None, msg: str | None = None) -> Problem:
    errs = [] if loc is None else [{"loc": loc, "msg": msg or detail, "type": "value_error"}]
    return Problem("validation", detail, errors=errs)


class _Handler:
    """The steps every operation shares, bound to one resource and operation."""

    def __init__(self, ctx: Context, spec: ResourceSpec, operation: Operation) -> None:
        self.ctx = ctx
        self.spec = spec
        self.operation = operation
        self.key_fields = {spec.fields_by_alias[a] for a in spec.key_params}

    async def principal(self, request: Request) -> Principal:
        try:
            principal = await self.ctx.authenticator.authenticate(request.headers)
        except DynastackError:
            raise
        except Exception:  # a verifier's outage (JWKS down) is not a bad token, nor a pass
            raise Problem(
                "unavailable",
                "the credential cannot be checked right now; retry shortly",
                headers={"Retry-After": "1"},
            ) from None
        if not self.spec.allows(principal.groups, self.operation):
            raise PermissionDenied(f"{self.operation} {self.spec.name}")
        return principal

    async def repository(self, principal: Principal) -> AsyncRepository[Any]:
        """The repository for this caller, once its request is counted (the rate window is
        the first DynamoDB call, after every input check)."""
        limiter = self.ctx.limiter
        if limiter is not None:
            try:
                verdict = await limiter.hit(principal.subject)
            except DynastackError:  # fail closed: a request that cannot be counted is refused
                raise Problem(
                    "unavailable",
                    "the rate limit cannot be checked right now; retry shortly",
                    headers={"Retry-After": "1"},
                ) from None
            if not verdict.allowed:
                raise Problem(
                    "rate-limited",
                    f"more than {verdict.limit} requests in {limiter.window} s; "
                    f"retry in {verdict.reset} s",
                    headers={"Retry-After": str(verdict.reset)},
                )
        repo = self.ctx.repositories[self.spec.name]
        return repo.for_owner(principal.subject) if self.spec.owner_scoped else repo

    def value(self, alias: str, raw: object, where: str) -> Any:
        pattern = _FORMATS.get(self.spec.formats.get(alias, ""))
        if pattern is not None and isinstance(raw, str) and not pattern.match(raw):
            # pydantic also reads "0.5" as a datetime (epoch seconds); the schema says RFC 3339
            raise Problem(
                "validation",
                f"{where} {alias!r} must be an RFC 3339 {self.spec.formats[alias]}",
                errors=[{"loc": [alias], "msg": "not RFC 3339", "type": "format"}],
            )
        try:
            return self.spec.adapter(alias).validate_python(raw)
        except ValidationError as error:
            raise Problem(
                "validation", f"{where} {alias!r} is not valid", errors=_errors(error, alias)
            ) from None

    def json_value(self, alias: str, raw: object) -> Any:
        try:
            return self.spec.adapter(alias).validate_json(orjson.dumps(raw), strict=True)
        except ValidationError as error:
            raise Problem(
                "validation", f"field {alias!r} is not valid", errors=_errors(error, alias)
            ) from None

    def key(self, request: Request) -> dict[str, Any]:
        params = request.path_params
        return {
            self.spec.fields_by_alias[a]: self.value(a, params[a], "path parameter")
            for a in self.spec.key_params
        }

    async def body(self, request: Request, forbidden: frozenset[str]) -> dict[str, Any]:
        limit = self.ctx.settings.max_body_bytes
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind not in JSON_TYPES:
            raise Problem(
                "unsupported-media-type",
                f"send the body as application/json, not {kind or 'no Content-Type'}",
            )
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            raise Problem("body-too-large", f"the body may be at most {limit} bytes")
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise Problem("body-too-large", f"the body may be at most {limit} bytes")
            chunks.append(chunk)
        try:
            data = orjson.loads(b"".join(chunks))
        except orjson.JSONDecodeError:
            raise Problem("bad-request", "the body is not valid JSON") from None
        if not isinstance(data, dict):
            raise _invalid("the body must be a JSON object", ["body"])
        try:
            orjson.dumps(data)  # refuses lone surrogates, which no UTF-8 store can hold
        except orjson.JSONEncodeError:
            raise _invalid("the body holds text that is not valid Unicode", ["body"]) from None
        unknown = sorted(k for k in data if k not in self.spec.fields_by_alias)
        if unknown:
            raise _invalid(
                f"unknown field(s) {', '.join(map(repr, unknown))}", ["body", unknown[0]],
                "not a field of " + self.spec.name,
            )  # fmt: skip
        owned = sorted(k for k in data if k in forbidden)
        if owned:
            raise _invalid(
                f"server-owned field(s) {', '.join(map(repr, owned))} cannot be set by a client",
                ["body", owned[0]],
                "set by the server",
            )
        return data

    def version(self, request: Request) -> int:
        raw = request.headers.get("if-match")
        if raw is None:
            raise Problem(
                "precondition-required",
                "send If-Match with the ETag of the item as you last read it",
            )
        if raw.strip() == "*":
            raise Problem(
                "precondition-required", "If-Match: * names no version; send the item's ETag"
            )
        version = parse_if_match(raw)
        if version is None:
            if _ENTITY_TAG.match(raw.strip()):  # well-formed; weak or foreign tags never match
                raise Problem(
                    "precondition-failed",
                    'If-Match matches no version of this item (its ETag looks like "3")',
                )
            raise Problem("bad-request", 'If-Match must be an ETag such as "3"')
        return version

    def respond(self, entity: Entity, status: int = 200) -> Response:
        headers = {}
        version_field = self.spec.meta.version_field
        if version_field is not None:
            headers["ETag"] = etag(getattr(entity, version_field))
        if status == 201:
            key = entity.model_dump(mode="json", by_alias=True, include=self.key_fields)
            headers["Location"] = self.spec.path + "".join(
                "/" + quote(str(key[a]), safe="") for a in self.spec.key_params
            )
        return Response(_dump(entity), status, headers=headers, media_type="application/json")


def _get(handler: _Handler) -> Endpoint:
    async def get(request: Request) -> Response:
        principal = await handler.principal(request)
        key = handler.key(request)
        found = await (await handler.repository(principal)).get(**key)
        if found is None:
            raise Problem("not-found", f"no {handler.spec.name} with this key")
        return handler.respond(found)

    return get


def _create(handler: _Handler) -> Endpoint:
    spec = handler.spec

    async def create(request: Request) -> Response:
        principal = await handler.principal(request)
        data = await handler.body(request, spec.create_forbidden)
        owner = spec.meta.owner_field
        if owner is not None:  # always the caller, whatever the scope
            data[spec.entity.model_fields[owner].alias or owner] = principal.subject
        try:
            # strict JSON: true is not 1, "5" is not 5 (the schema's types, exactly)
            entity = spec.entity.model_validate_json(orjson.dumps(data), strict=True)
        except ValidationError as error:
            raise Problem(
                "validation", f"the body is not a valid {spec.name}", errors=_errors(error, "body")
            ) from None
        _check_addressable(spec, entity)
        created = await (await handler.repository(principal)).create(entity)
        return handler.respond(created, 201)

    return create


def _check_addressable(spec: ResourceSpec, entity: Entity) -> None:
    # an item must be reachable at its URL: a "/" in a key value would split its path segment
    for alias in spec.key_params:
        value = getattr(entity, spec.fields_by_alias[alias])
        if isinstance(value, str) and "/" in value:
            raise _invalid(
                f"key field {alias!r} contains '/', which no URL path segment can carry",
                ["body", alias],
            )
    ttl = spec.meta.ttl_field
    if ttl is not None:
        expires = expiry_epoch(getattr(entity, ttl))
        if expires is not None and expires <= time.time():
            raise _invalid(
                f"{ttl!r} is in the past: the item would be expired at once", ["body", ttl]
            )


def _update(handler: _Handler) -> Endpoint:
    spec = handler.spec

    async def update(request: Request) -> Response:
        principal = await handler.principal(request)
        key = handler.key(request)
        data = await handler.body(request, spec.update_forbidden)
        version = handler.version(request)
        if not data:
            raise _invalid("the body names no field to change", ["body"])
        fields = {spec.fields_by_alias[a]: handler.json_value(a, v) for a, v in data.items()}
        updated = await (await handler.repository(principal)).update(
            key, expected_version=version, **fields
        )
        return handler.respond(updated)

    return update


def _delete(handler: _Handler) -> Endpoint:
    async def delete(request: Request) -> Response:
        principal = await handler.principal(request)
        key = handler.key(request)
        version = handler.version(request)
        try:
            await (await handler.repository(principal)).delete(key, expected_version=version)
        except ItemNotFound:
            raise Problem("not-found", f"no {handler.spec.name} with this key") from None
        return Response(status_code=204)

    return delete


def list_parameters(spec: ResourceSpec, route: ListRoute) -> dict[str, str]:
    """Every query parameter a list route takes → what it is (for validation and OpenAPI)."""
    names: dict[str, str] = dict.fromkeys(route.partition, "partition")
    if route.sort_field is not None:
        names[route.sort_field] = "sort"
        names.update({f"{route.sort_field}.{op}": op for op in SORT_OPERATORS})
    names.update(dict.fromkeys(route.sort_prefix, "prefix"))
    names.update({f"filter.{a}": "filter" for a in route.filters(spec.filterable)})
    names.update({"limit": "limit", "cursor": "cursor", "newest_first": "order"})
    return names


def _sort(handler: _Handler, alias: str, given: Mapping[str, str]) -> SortCondition | Any | None:
    # at most one lower and one upper bound; both given means DynamoDB's inclusive BETWEEN
    ops = {op: given[f"{alias}.{op}"] for op in SORT_OPERATORS if f"{alias}.{op}" in given}
    plain = given.get(alias)
    if plain is not None:
        if ops:
            raise _invalid(f"give {alias!r} or a range on it, not both", ["query", alias])
        return handler.value(alias, plain, "query parameter")
    if not ops:
        return None
    values = {op: handler.value(alias, raw, "query parameter") for op, raw in ops.items()}
    if len(values) == 1:
        ((op, value),) = values.items()
        return _BUILD[op](value)
    if set(values) == {"ge", "le"}:
        try:
            reversed_range = values["ge"] > values["le"]
        except TypeError:  # values of one field always compare; refuse rather than guess
            reversed_range = True
        if reversed_range:  # DynamoDB refuses BETWEEN with its bounds reversed (a 500 before)
            raise _invalid(f"{alias!r}: the range's .ge is above its .le", ["query", alias + ".ge"])
        return between(values["ge"], values["le"])
    raise _invalid(
        f"{alias!r}: combine at most .ge and .le (an inclusive range); got "
        + ", ".join(sorted("." + op for op in values)),
        ["query", alias],
    )


def _list(handler: _Handler, route: ListRoute) -> Endpoint:
    spec = handler.spec
    settings = handler.ctx.settings
    allowed = list_parameters(spec, route)

    async def list_(request: Request) -> Response:
        principal = await handler.principal(request)
        query = request.query_params
        unknown = sorted(k for k in query if k not in allowed)
        if unknown:
            raise _invalid(f"unknown query parameter(s) {', '.join(map(repr, unknown))}")
        repeated = sorted(k for k in query if len(query.getlist(k)) > 1)
        if repeated:
            raise _invalid(f"query parameter {repeated[0]!r} is given more than once")
        key: dict[str, Any] = {}
        for alias in route.partition:
            if alias not in query:
                raise _invalid(f"query parameter {alias!r} is required", ["query", alias])
            key[spec.fields_by_alias[alias]] = handler.value(alias, query[alias], "query parameter")
        if route.sort_field is not None:
            cond = _sort(handler, route.sort_field, query)
            if cond is not None:
                key[spec.fields_by_alias[route.sort_field]] = cond
        prefix_given = [a for a in route.sort_prefix if a in query]
        if prefix_given != list(route.sort_prefix[: len(prefix_given)]):
            raise _invalid(
                "sort-key fields must be given as a leading prefix of "
                + ", ".join(route.sort_prefix)
            )
        for alias in prefix_given:
            key[spec.fields_by_alias[alias]] = handler.value(alias, query[alias], "query parameter")
        filters: list[Condition] = []
        for alias in route.filters(spec.filterable):
            raw = query.get(f"filter.{alias}")
            if raw is not None:
                stored = spec.adapter(alias).dump_python(
                    handler.value(alias, raw, "filter"), mode="json"
                )
                filters.append(Attr(spec.meta.attributes[spec.fields_by_alias[alias]]) == stored)
        limit = _limit(query.get("limit"), settings)
        newest = _boolean(query.get("newest_first", "false"), "newest_first")
        condition = None
        for one in filters:
            condition = one if condition is None else condition & one
        page = await (await handler.repository(principal)).query(
            route.index,
            filter=condition,
            newest_first=newest,
            limit=limit,
            cursor=query.get("cursor") or None,
            **key,
        )
        return _page(page.items, page.cursor)

    return list_


def _limit(raw: str | None, settings: ApiSettings) -> int:
    if raw is None:
        return settings.default_page_size
    if not raw.isdigit() or not 1 <= int(raw) <= settings.max_page_size:
        raise _invalid(
            f"limit must be a whole number from 1 to {settings.max_page_size}", ["query", "limit"]
        )
    return int(raw)


def _boolean(raw: str, name: str) -> bool:
    if raw in {"true", "false"}:
        return raw == "true"
    raise _invalid(f"{name} must be true or false", ["query", name])


def endpoint(
    ctx: Context, spec: ResourceSpec, operation: Operation, route: ListRoute | None = None
) -> Endpoint:
    """The Starlette endpoint of one operation (``route``: which list, for ``list``)."""
    handler = _Handler(ctx, spec, operation)
    if operation == "list":
        assert route is not None
        inner = _list(handler, route)
    else:
        build = {"get": _get, "create": _create, "update": _update, "delete": _delete}
        inner = build[operation](handler)
    debug = ctx.settings.debug

    async def guarded(request: Request) -> Response:
        # our own errors become problems in the app's handlers; anything else is a bug, and
        # leaves as a bare 500 whose body and log line name its class only, never its message
        try:
            return await inner(request)
        except (Problem, DynastackError):
            raise
        except Exception as error:
            _log.error("%s %s: unexpected %s", operation, spec.name, type(error).__name__)
            raise problem_for(error, debug=debug) from None

    return guarded
