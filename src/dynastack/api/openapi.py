"""OpenAPI 3.1 from the same compiled ``ResourceSpec`` values the router is built from.

Why from the specs and not from the routes: the routes are closures; the specs hold what each
route accepts (path and query parameters, which fields a body may carry, which are
server-owned), so the document cannot promise what the handlers do not check. Schemas come
from pydantic (``model_json_schema``, JSON Schema 2020-12, which OpenAPI 3.1 uses as is), with
nested models hoisted into ``components/schemas``. Input schemas drop the server-owned fields
and forbid unknown ones; every error response is a problem+json document.

Example:
    >>> from examples.cloud_platform.models import Metric
    >>> from dynastack.api.resources import Resource
    >>> spec = Resource(Metric, operations={"get"}, roles={"ReadOnly": {"get"}}).compile()
    >>> doc = openapi([spec])
    >>> doc["openapi"], sorted(doc["paths"])
    ('3.1.0', ['/metrics/{metric_name}/{timestamp}'])
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from dynastack.api.problems import PROBLEM_TYPES
from dynastack.api.resources import ListRoute, ResourceSpec
from dynastack.api.rest import SORT_OPERATORS, list_parameters

__all__ = ["openapi"]

_REF = "#/components/schemas/{model}"
_PROBLEM = {"$ref": "#/components/schemas/Problem"}


def _problem_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {
                "type": "string",
                "enum": [f"urn:dynastack:problem:{s}" for s in PROBLEM_TYPES],
            },
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "instance": {"type": "string"},
            "request_id": {"type": "string"},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "loc": {"type": "array", "items": {"type": "string"}},
                        "msg": {"type": "string"},
                        "type": {"type": "string"},
                    },
                },
            },
        },
    }


def _errors(*statuses: int) -> dict[str, Any]:
    content = {"application/problem+json": {"schema": _PROBLEM}}
    base = {400, 401, 403, 406, 429, 503, 500}
    out: dict[str, Any] = {}
    for status in sorted(base | set(statuses)):
        out[str(status)] = {"description": _describe(status), "content": content}
    return out


def _describe(status: int) -> str:
    for code, title in PROBLEM_TYPES.values():
        if code == status:
            return title
    return "error"


class _Schemas:
    """Collects component schemas, hoisting pydantic's ``$defs``."""

    def __init__(self) -> None:
        self.components: dict[str, Any] = {"Problem": _problem_schema()}

    def add(self, name: str, schema: dict[str, Any]) -> dict[str, str]:
        schema = copy.deepcopy(schema)
        for def_name, definition in schema.pop("$defs", {}).items():
            self.components.setdefault(def_name, definition)
        self.components[name] = schema
        return {"$ref": _REF.format(model=name)}


def _input(
    schema: dict[str, Any],
    forbidden: frozenset[str],
    *,
    partial: bool,
    addressable: Sequence[str] = (),
) -> dict[str, Any]:
    out = copy.deepcopy(schema)
    out["properties"] = {k: v for k, v in out.get("properties", {}).items() if k not in forbidden}
    for prop in out["properties"].values():
        prop.pop("default", None) if partial else None
    required = [r for r in out.get("required", []) if r not in forbidden]
    if partial or not required:
        out.pop("required", None)
    else:
        out["required"] = required
    if partial:
        out["minProperties"] = 1
    for name in addressable:
        prop = out["properties"].get(name)
        if isinstance(prop, dict) and prop.get("type") == "string":
            prop["not"] = {"pattern": "/"}  # a key value is a URL path segment
    out["additionalProperties"] = False
    return out


def _param(name: str, where: str, schema: dict[str, Any], *, required: bool) -> dict[str, Any]:
    return {"name": name, "in": where, "required": required, "schema": schema}


def _field_schema(model: dict[str, Any], alias: str) -> dict[str, Any]:
    prop: dict[str, Any] = copy.deepcopy(model["properties"].get(alias, {"type": "string"}))
    ref = prop.get("$ref")
    if isinstance(ref, str):  # an enum: inline it, a parameter's schema stands alone
        prop = copy.deepcopy(model.get("$defs", {}).get(ref.rsplit("/", 1)[-1], {}))
    for noise in ("default", "title", "description"):
        prop.pop(noise, None)
    if "anyOf" in prop or not prop:
        return {"type": "string"}
    return prop


def _storable(schema: Any) -> None:
    # DynamoDB refuses empty map keys: say so wherever a schema is an open map
    if isinstance(schema, dict):
        extra = schema.get("additionalProperties")
        if schema.get("type") == "object" and extra not in (None, False):
            schema.setdefault("propertyNames", {"minLength": 1})
        for value in schema.values():
            _storable(value)
    elif isinstance(schema, list):
        for value in schema:
            _storable(value)


def _list_op(
    spec: ResourceSpec, route: ListRoute, model: dict[str, Any], ref: Any, max_page: int
) -> Any:
    params = []
    for name, kind in list_parameters(spec, route).items():
        if kind in {"partition", "sort", "prefix"}:
            params.append(
                _param(name, "query", _field_schema(model, name), required=kind == "partition")
            )
        elif kind in SORT_OPERATORS:
            field = name.rsplit(".", 1)[0]
            params.append(_param(name, "query", _field_schema(model, field), required=False))
        elif kind == "filter":
            field = name.split(".", 1)[1]
            params.append(_param(name, "query", _field_schema(model, field), required=False))
        elif kind == "limit":
            page_size = {"type": "integer", "minimum": 1, "maximum": max_page}
            params.append(_param(name, "query", page_size, required=False))
        elif kind == "cursor":
            params.append(
                _param(name, "query", {"type": "string", "maxLength": 4096}, required=False)
            )
        else:
            params.append(_param(name, "query", {"type": "boolean"}, required=False))
    page = {
        "type": "object",
        "required": ["items", "cursor"],
        "properties": {
            "items": {"type": "array", "items": ref},
            "cursor": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        },
    }
    by = "the table key" if route.index is None else f"the index {route.index}"
    return {
        "operationId": f"list{spec.name}" + ("" if route.index is None else f"By{route.index}"),
        "summary": f"List {spec.name} items by {by}",
        "tags": [spec.name],
        "parameters": params,
        "responses": {
            "200": {"description": "One page", "content": {"application/json": {"schema": page}}},
            **_errors(),
        },
    }


_ETAG_HEADER = {"ETag": {"description": "The item's version", "schema": {"type": "string"}}}
# required in fact (428 without it); not marked required, so that its absence is the documented
# 428 rather than a generic 400
_IF_MATCH = {
    **_param(
        "If-Match", "header", {"type": "string", "pattern": '^"[0-9]{1,18}"$'}, required=False
    ),
    "description": "The ETag of the item as last read; without it the answer is 428",
}


def openapi(
    specs: Sequence[ResourceSpec],
    *,
    title: str = "dynastack API",
    version: str = "1",
    max_page_size: int = 100,
) -> dict[str, Any]:
    """The OpenAPI 3.1 document of these resources."""
    schemas = _Schemas()
    paths: dict[str, dict[str, Any]] = {}
    for spec in specs:
        model = spec.entity.model_json_schema(
            by_alias=True, ref_template=_REF, mode="serialization"
        )
        ref = schemas.add(spec.name, model)
        validation = spec.entity.model_json_schema(by_alias=True, ref_template=_REF)
        item = {
            "description": spec.name,
            "headers": _ETAG_HEADER,
            "content": {"application/json": {"schema": ref}},
        }
        key_params = [
            _param(a, "path", _field_schema(model, a), required=True) for a in spec.key_params
        ]
        item_ops: dict[str, Any] = {}
        if "get" in spec.operations:
            item_ops["get"] = {
                "operationId": f"get{spec.name}",
                "summary": f"Get one {spec.name}",
                "tags": [spec.name],
                "parameters": key_params,
                "responses": {"200": item, **_errors(404)},
            }
        if "update" in spec.operations:
            body = schemas.add(
                f"{spec.name}Patch", _input(validation, spec.update_forbidden, partial=True)
            )
            item_ops["patch"] = {
                "operationId": f"update{spec.name}",
                "summary": f"Change some fields of one {spec.name}",
                "tags": [spec.name],
                "parameters": [*key_params, _IF_MATCH],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": body}},
                },
                "responses": {"200": item, **_errors(404, 412, 413, 415, 428)},
            }
        if "delete" in spec.operations:
            item_ops["delete"] = {
                "operationId": f"delete{spec.name}",
                "summary": f"Delete one {spec.name}",
                "tags": [spec.name],
                "parameters": [*key_params, _IF_MATCH],
                "responses": {"204": {"description": "Deleted"}, **_errors(404, 412, 428)},
            }
        if item_ops:
            paths[spec.item_path] = item_ops
        if "create" in spec.operations:
            body = schemas.add(
                f"{spec.name}Create",
                _input(
                    validation,
                    spec.create_forbidden,
                    partial=False,
                    addressable=spec.key_params,
                ),
            )
            created = {
                **item,
                "headers": {**_ETAG_HEADER, "Location": {"schema": {"type": "string"}}},
            }
            paths.setdefault(spec.path, {})["post"] = {
                "operationId": f"create{spec.name}",
                "summary": f"Create one {spec.name}",
                "tags": [spec.name],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": body}},
                },
                "responses": {"201": created, **_errors(409, 413, 415)},
            }
        for route in spec.lists:
            paths.setdefault(route.path, {})["get"] = _list_op(
                spec, route, model, ref, max_page_size
            )
    _storable(schemas.components)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {
            "schemas": schemas.components,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
        "security": [{"bearer": []}],
    }
