"""boto3's paginators on dynastack's clients: ``client.get_paginator("query").paginate(...)``.

Which operations page, and by which request and reply members, is read from botocore's own
``paginators-1`` model (``Query``/``Scan``: ``ExclusiveStartKey`` ← ``LastEvaluatedKey``;
``ListTables``: ``ExclusiveStartTableName`` ← ``LastEvaluatedTableName``), so the names match
boto3's. ``PaginationConfig`` works as in boto3: ``PageSize`` sets the limit member,
``MaxItems`` stops after that many items (cutting the last page and leaving a ``resume_token``),
``StartingToken`` resumes from one; tokens are botocore's own encoding (``TokenEncoder``), so a
token from boto3 resumes here and the other way round.

The walk is one pure state machine (``_Walk``: the next request, then what a page means);
``PageIterator`` (``for page in ...``) and ``AsyncPageIterator`` (``async for page in ...``)
only loop over it, so the twins cannot disagree about where a page ends. Every page is an
ordinary boto3-style call: validated, retried and counted like any other.

Example:
    >>> walk = _Walk(paging_spec("list_tables"), {"PaginationConfig": {"MaxItems": 3}})
    >>> walk.request()
    {}
    >>> page = walk.page({"TableNames": ["a", "b"], "LastEvaluatedTableName": "b"})
    >>> walk.request()
    {'ExclusiveStartTableName': 'b'}
    >>> walk.page({"TableNames": ["c", "d"], "LastEvaluatedTableName": "d"})["TableNames"]
    ['c']
    >>> walk.request() is None, walk.resume_token is not None
    (True, True)
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from dynastack.client.compat import METHODS
from dynastack.errors import InvalidParameter

__all__ = [
    "AsyncPageIterator",
    "AsyncPaginator",
    "PageIterator",
    "Paginator",
    "PagingSpec",
    "can_paginate",
    "paging_spec",
]

_CONFIG_KEYS = frozenset({"MaxItems", "PageSize", "StartingToken"})


@dataclass(frozen=True, slots=True)
class PagingSpec:
    """How one operation pages, from botocore's ``paginators-1`` model."""

    method: str
    action: str
    input_token: str
    output_token: str
    limit_key: str | None
    result_keys: tuple[str, ...]
    non_aggregate_keys: tuple[str, ...]


@functools.cache
def _model() -> Mapping[str, Any]:
    from botocore.loaders import Loader

    pagination: Mapping[str, Any] = Loader().load_service_model("dynamodb", "paginators-1")[
        "pagination"
    ]
    return pagination


def can_paginate(method: str) -> bool:
    """Whether boto3's method ``method`` has a paginator here (as ``client.can_paginate``)."""
    action = METHODS.get(method)
    return action is not None and action in _model()


@functools.cache
def paging_spec(method: str) -> PagingSpec:
    """The paging spec of boto3's method name (``"query"``, ``"scan"``, ``"list_tables"``)."""
    if not can_paginate(method):
        offered = sorted(name for name in METHODS if can_paginate(name))
        raise InvalidParameter(
            f"no paginator for {method!r}; paginators: {', '.join(offered)}", path=method
        )
    action = METHODS[method]
    config = _model()[action]
    result_key = config["result_key"]
    return PagingSpec(
        method=method,
        action=action,
        input_token=config["input_token"],
        output_token=config["output_token"],
        limit_key=config.get("limit_key"),
        result_keys=(result_key,) if isinstance(result_key, str) else tuple(result_key),
        non_aggregate_keys=tuple(config.get("non_aggregate_keys", ())),
    )


class _Walk:
    """Where a pagination stands: the next request to send, and what each page means."""

    def __init__(self, spec: PagingSpec, kwargs: Mapping[str, Any]) -> None:
        from botocore.paginate import TokenDecoder

        params = dict(kwargs)
        config = params.pop("PaginationConfig", None) or {}
        if not isinstance(config, Mapping):
            raise InvalidParameter(
                f"PaginationConfig must be a dict, got {type(config).__name__}",
                path="PaginationConfig",
            )
        for key in config:
            if key not in _CONFIG_KEYS:
                raise InvalidParameter(
                    f"PaginationConfig.{key} is unknown; valid keys: "
                    f"{', '.join(sorted(_CONFIG_KEYS))}",
                    path=f"PaginationConfig.{key}",
                )
        self.spec = spec
        self.max_items: int | None = config.get("MaxItems")
        page_size = config.get("PageSize")
        if page_size is not None and spec.limit_key is not None:
            params[spec.limit_key] = page_size
        #: the start value this request carries (what a cut page resumes from)
        self.start: Any = params.get(spec.input_token)
        self.skip = 0  # items of the first page already returned before a StartingToken
        starting = config.get("StartingToken")
        if starting is not None:
            try:
                decoded = TokenDecoder().decode(starting)
            except Exception:  # botocore raises several kinds for a malformed token
                raise InvalidParameter(
                    "PaginationConfig.StartingToken is not a token this paginator wrote",
                    path="PaginationConfig.StartingToken",
                ) from None
            self.start = decoded.get(spec.input_token)
            self.skip = int(decoded.get("boto_truncate_amount", 0))
            if self.start is not None:
                params[spec.input_token] = self.start
        self.params: dict[str, Any] | None = params
        self.total = 0
        self.first = True
        self.resume: dict[str, Any] | None = None
        self.non_aggregate: dict[str, Any] = {}

    @property
    def resume_token(self) -> str | None:
        """Where to resume after ``MaxItems`` stopped the walk, as boto3's encoded token."""
        if self.resume is None:
            return None
        from botocore.paginate import TokenEncoder

        token: str = TokenEncoder().encode(self.resume)
        return token

    def request(self) -> dict[str, Any] | None:
        """The next request's parameters, or ``None`` when the walk is over."""
        return None if self.params is None else dict(self.params)

    def page(self, page: dict[str, Any]) -> dict[str, Any]:
        """Take in one reply; returns it, cut where ``MaxItems`` or a ``StartingToken`` say."""
        spec = self.spec
        primary = spec.result_keys[0]
        if self.first:
            # as botocore: each non-aggregate key from the first page, None when absent
            self.non_aggregate = {k: page.get(k) for k in spec.non_aggregate_keys}
            if self.skip:
                page[primary] = list(page.get(primary) or ())[self.skip :]
        items = page.get(primary) or []
        over = 0 if self.max_items is None else self.total + len(items) - self.max_items
        if over > 0:
            keep = len(items) - over
            page[primary] = items[:keep]
            skipped = self.skip if self.first else 0
            self.resume = {spec.input_token: self.start, "boto_truncate_amount": keep + skipped}
            self.params = None
        else:
            self.total += len(items)
            following = page.get(spec.output_token) or None
            if following is None:
                self.params = None
            elif self.max_items is not None and self.total == self.max_items:
                self.resume = {spec.input_token: following}
                self.params = None
            else:
                assert self.params is not None
                self.params[spec.input_token] = self.start = following
        self.first = False
        return page

    def merge(self, full: dict[str, Any], page: Mapping[str, Any]) -> None:
        """Add one page to ``build_full_result``'s result: lists extended, counts summed."""
        for key in self.spec.result_keys:
            value = page.get(key)
            if value is None:
                continue
            existing = full.get(key)
            if existing is None:
                full[key] = list(value) if isinstance(value, list) else value
            elif isinstance(value, list):
                existing.extend(value)
            else:
                full[key] = existing + value

    def finish(self, full: dict[str, Any]) -> dict[str, Any]:
        full.update(self.non_aggregate)
        token = self.resume_token
        if token is not None:
            full["NextToken"] = token
        return full


class PageIterator:
    """The pages of one ``paginate`` call; iterate it, or ``build_full_result()``."""

    def __init__(
        self,
        call: Callable[[str, dict[str, Any]], dict[str, Any]],
        spec: PagingSpec,
        kwargs: Mapping[str, Any],
    ) -> None:
        self._call = call
        self._spec = spec
        self._kwargs = dict(kwargs)
        self._walk: _Walk | None = None

    @property
    def resume_token(self) -> str | None:
        """After ``MaxItems`` stopped the iteration: the ``StartingToken`` to go on from."""
        return None if self._walk is None else self._walk.resume_token

    def __iter__(self) -> Iterator[dict[str, Any]]:
        walk = self._walk = _Walk(self._spec, self._kwargs)
        while (params := walk.request()) is not None:
            yield walk.page(self._call(self._spec.action, params))

    def build_full_result(self) -> dict[str, Any]:
        """Every page merged into one reply (with ``NextToken`` when ``MaxItems`` cut it)."""
        full: dict[str, Any] = {}
        for page in self:
            assert self._walk is not None
            self._walk.merge(full, page)
        assert self._walk is not None
        return self._walk.finish(full)


class AsyncPageIterator:
    """The async twin of ``PageIterator``: ``async for page in ...``."""

    def __init__(
        self,
        call: Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]],
        spec: PagingSpec,
        kwargs: Mapping[str, Any],
    ) -> None:
        self._call = call
        self._spec = spec
        self._kwargs = dict(kwargs)
        self._walk: _Walk | None = None

    @property
    def resume_token(self) -> str | None:
        """After ``MaxItems`` stopped the iteration: the ``StartingToken`` to go on from."""
        return None if self._walk is None else self._walk.resume_token

    async def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        walk = self._walk = _Walk(self._spec, self._kwargs)
        while (params := walk.request()) is not None:
            yield walk.page(await self._call(self._spec.action, params))

    async def build_full_result(self) -> dict[str, Any]:
        """Every page merged into one reply (with ``NextToken`` when ``MaxItems`` cut it)."""
        full: dict[str, Any] = {}
        async for page in self:
            assert self._walk is not None
            self._walk.merge(full, page)
        assert self._walk is not None
        return self._walk.finish(full)


class Paginator:
    """boto3's paginator of one operation on a ``Client``: ``paginate(**kwargs)``."""

    def __init__(
        self, call: Callable[[str, dict[str, Any]], dict[str, Any]], spec: PagingSpec
    ) -> None:
        self._call = call
        self._spec = spec

    def paginate(self, **kwargs: Any) -> PageIterator:
        """The pages of the operation called with ``kwargs`` (plus ``PaginationConfig``)."""
        return PageIterator(self._call, self._spec, kwargs)


class AsyncPaginator:
    """boto3's paginator of one operation on an ``AsyncClient`` (as aiobotocore's)."""

    def __init__(
        self, call: Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]], spec: PagingSpec
    ) -> None:
        self._call = call
        self._spec = spec

    def paginate(self, **kwargs: Any) -> AsyncPageIterator:
        """The pages of the operation called with ``kwargs`` (plus ``PaginationConfig``)."""
        return AsyncPageIterator(self._call, self._spec, kwargs)
