"""``Resource``: the declaration that makes an entity an HTTP resource, and what it compiles to.

An entity is not an endpoint until a ``Resource`` names its operations and the groups allowed
each one: nothing is exposed by default. The declaration lives in the api layer (not on the
entity, which stays a pure data declaration) and is compiled once, at import, into a
``ResourceSpec``: routes, parameter adapters and the fields a client may send. Mistakes
(an unknown operation or index, update without a version field) raise ``DefinitionError``.

Server-owned fields (S6) are never taken from a client: the version, the created/updated
timestamps, the owner (always the caller), generated key fields (a key field with a default)
on create, and every key field on update (a key never changes). Sending one is a 400 naming
the field, so a client learns at once that its value would not have been used.

Example:
    >>> from examples.cloud_platform.models import Stack
    >>> spec = Resource(Stack, operations={"get", "update"}, roles={"Editors": {"get", "update"}})
    >>> compiled = spec.compile()
    >>> compiled.path, compiled.key_params
    ('/stacks', ('deployment_id', 'stack_name', 'environment'))
    >>> sorted(compiled.update_forbidden)  # keys never change; the server writes the rest
    ['created_at', 'deployment_id', 'environment', 'stack_name', 'updated_at', 'version']
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, get_args

from pydantic import TypeAdapter

from dynastack.errors import DefinitionError
from dynastack.model.entity import Entity
from dynastack.model.meta import EntityMeta, KeyPart

__all__ = ["OPERATIONS", "ListRoute", "Operation", "Resource", "ResourceSpec"]

Operation = Literal["list", "get", "create", "update", "delete"]
OPERATIONS: tuple[Operation, ...] = get_args(Operation)
_SLUG = re.compile(r"^[a-z][a-z0-9-]*$")


def _default_path(entity: type[Entity]) -> str:
    words = re.sub(r"(?<!^)(?=[A-Z])", "-", entity.__name__).lower()
    return "/" + (words[:-1] + "ies" if words.endswith("y") else words + "s")


@dataclass(frozen=True, slots=True)
class Resource:
    """One entity exposed over REST: which operations, for which groups, how it is scoped.

    ``roles`` maps a group (``Principal.groups``) to the operations it may perform; a caller
    may perform an operation when any of its groups allows it. ``owner=True`` serves every
    request through the repository's owner scope of the caller (``for_owner(subject)``), so
    another user's item is a 404. ``indexes`` limits which indexes get a list route (default:
    every index that projects ALL). ``path`` defaults to the entity's name, plural, kebab-case.
    ``server_fields`` names more fields a client may never send (counters the domain keeps
    exact, such as a child count), on top of the version, timestamps, owner and keys.
    """

    entity: type[Entity]
    operations: Iterable[Operation]
    roles: Mapping[str, Iterable[Operation]]
    owner: bool = False
    path: str | None = None
    indexes: Iterable[str] | None = None
    server_fields: Iterable[str] = ()

    def compile(self) -> ResourceSpec:
        """Check the declaration and build what the router and OpenAPI read."""
        return ResourceSpec.build(self)


@dataclass(frozen=True, slots=True)
class ListRoute:
    """One list route: by the table key (``index`` None) or by one index."""

    index: str | None
    path: str
    #: partition-key fields (aliases), all required
    partition: tuple[str, ...]
    #: a bare sort-key field (alias) that takes range operators, or None
    sort_field: str | None
    #: fields (aliases) of a template sort key, given as a leading prefix
    sort_prefix: tuple[str, ...]
    #: every field (alias) of the queried key: DynamoDB refuses filters on them
    key_fields: tuple[str, ...] = ()

    def filters(self, filterable: tuple[str, ...]) -> tuple[str, ...]:
        """The fields this route may filter on."""
        return tuple(a for a in filterable if a not in self.key_fields)


@dataclass(frozen=True, slots=True)
class ResourceSpec:
    """A compiled ``Resource``."""

    entity: type[Entity]
    meta: EntityMeta
    name: str
    path: str
    operations: frozenset[Operation]
    roles: Mapping[str, frozenset[Operation]]
    owner_scoped: bool
    #: key fields as path parameters (aliases), in key order
    key_params: tuple[str, ...]
    lists: tuple[ListRoute, ...]
    #: alias → field name, for every field
    fields_by_alias: Mapping[str, str]
    create_forbidden: frozenset[str]
    update_forbidden: frozenset[str]
    filterable: tuple[str, ...] = field(default=())
    #: alias → JSON Schema ``format`` of the field (``date-time`` …), for parameter checks
    formats: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, resource: Resource) -> ResourceSpec:
        entity = resource.entity
        meta = entity.__dynastack__
        name = entity.__name__
        operations = frozenset(resource.operations)
        for op in operations:
            if op not in OPERATIONS:
                raise DefinitionError(
                    "api-operation", f"{name}: unknown operation {op!r}; use {OPERATIONS}"
                )
        roles = {group: frozenset(ops) for group, ops in resource.roles.items()}
        for group, ops in roles.items():
            extra = ops - operations
            if extra:
                raise DefinitionError(
                    "api-role",
                    f"{name}: group {group!r} is given {sorted(extra)}, which the resource "
                    "does not expose",
                )
        if operations & {"update", "delete"} and meta.version_field is None:
            raise DefinitionError(
                "api-version",
                f"{name}: update and delete need a Version field (If-Match carries it)",
            )
        if resource.owner and meta.owner_field is None:
            raise DefinitionError("api-owner", f"{name}: owner=True needs an Owner[...] field")
        path = resource.path or _default_path(entity)
        if not path.startswith("/") or not all(_SLUG.match(p) for p in path[1:].split("/")):
            raise DefinitionError("api-path", f"{name}: path {path!r} is not /kebab-case")
        alias = {f: (info.alias or f) for f, info in entity.model_fields.items()}
        key_fields = tuple(f for part in meta.key_parts for f in part.template.fields)
        key_params = tuple(alias[f] for f in dict.fromkeys(key_fields))
        lists = _list_routes(resource, meta, path, alias, owner=resource.owner)
        generated = {
            f for f in key_fields if not entity.model_fields[f].is_required()
        }  # a key field with a default is made by the server (an id)
        server = set(meta.server_fields)
        for owned in resource.server_fields:
            if owned not in entity.model_fields:
                raise DefinitionError(
                    "api-server-field", f"{name}: server_fields names no field {owned!r}"
                )
            server.add(owned)
        if meta.owner_field:
            server.add(meta.owner_field)
        key_set = set(key_fields)
        # the queried index's own keys are taken off per route (ListRoute.filters)
        filterable = tuple(
            alias[f]
            for f, info in entity.model_fields.items()
            if f not in key_set | server and _scalar(info.annotation)
        )
        return cls(
            entity=entity,
            meta=meta,
            name=name,
            path=path,
            operations=operations,
            roles=roles,
            owner_scoped=resource.owner,
            key_params=key_params,
            lists=lists,
            fields_by_alias={a: f for f, a in alias.items()},
            create_forbidden=frozenset(alias[f] for f in server | generated),
            update_forbidden=frozenset(alias[f] for f in server | key_set),
            filterable=filterable,
            formats=_formats(entity),
        )

    def allows(self, groups: frozenset[str], operation: Operation) -> bool:
        """True when any of ``groups`` may perform ``operation``."""
        return any(operation in self.roles.get(g, ()) for g in groups)

    @property
    def item_path(self) -> str:
        return self.path + "".join("/{" + p + "}" for p in self.key_params)

    def adapter(self, alias: str) -> TypeAdapter[Any]:
        """The validator of the field named ``alias`` (cached per resource)."""
        return _adapter(self.entity, self.fields_by_alias[alias])


_ADAPTERS: dict[tuple[type[Entity], str], TypeAdapter[Any]] = {}


def _adapter(entity: type[Entity], name: str) -> TypeAdapter[Any]:
    found = _ADAPTERS.get((entity, name))
    if found is None:
        info = entity.model_fields[name]
        annotation: Any = info.annotation
        if info.metadata:
            annotation = Annotated[(annotation, *info.metadata)]
        found = _ADAPTERS[(entity, name)] = TypeAdapter(annotation)
    return found


def _formats(entity: type[Entity]) -> dict[str, str]:
    properties = entity.model_json_schema(by_alias=True).get("properties", {})
    return {
        name: prop["format"]
        for name, prop in properties.items()
        if isinstance(prop, dict) and isinstance(prop.get("format"), str)
    }


def _scalar(annotation: Any) -> bool:
    try:
        schema = TypeAdapter(annotation).json_schema()
    except Exception:  # an annotation pydantic cannot describe is not a filter
        return False
    return schema.get("type") in {"string", "integer", "number", "boolean"} or "enum" in schema


def _part_fields(part: KeyPart) -> tuple[str, ...]:
    return tuple(part.template.fields)


def _list_routes(
    resource: Resource, meta: EntityMeta, path: str, alias: Mapping[str, str], *, owner: bool
) -> tuple[ListRoute, ...]:
    if "list" not in set(resource.operations):
        return ()
    wanted = None if resource.indexes is None else list(resource.indexes)
    for name in wanted or ():
        if name not in meta.indexes:
            raise DefinitionError(
                "api-index", f"{resource.entity.__name__}: no index {name!r} to list by"
            )
    choices: list[tuple[str | None, KeyPart, KeyPart | None]] = [(None, meta.pk, meta.sk)]
    for declared in meta.indexes.values():
        chosen = declared.projection == "ALL" if wanted is None else declared.name in wanted
        if chosen:
            choices.append((declared.name, declared.pk, declared.sk))
    routes = []
    for index, pk, sk in choices:
        partition = _part_fields(pk)
        if owner:
            # the owner scope supplies the owner; an index not partitioned by it cannot be
            # listed in a scope at all (the repository refuses it), so it gets no route
            if meta.owner_field not in partition:
                continue
            partition = tuple(f for f in partition if f != meta.owner_field)
        elif index is None and (sk is None or not sk.template.fields):
            continue  # a table key with no sort fields names one item: that is get
        sort_field = sk.field if sk is not None else None
        prefix = () if sk is None or sk.field is not None else _part_fields(sk)
        routes.append(
            ListRoute(
                index=index,
                path=path if index is None else f"{path}/index/{index}",
                partition=tuple(alias[f] for f in partition),
                sort_field=None if sort_field is None else alias[sort_field],
                sort_prefix=tuple(alias[f] for f in prefix),
                key_fields=tuple(
                    alias[f] for p in (pk, sk) if p is not None for f in _part_fields(p)
                ),
            )
        )
    return tuple(routes)
