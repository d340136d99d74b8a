"""Batch get and batch write: chunking, duplicate detection, and retrying what was left over.

DynamoDB processes a batch partially under load and says so (``UnprocessedKeys`` /
``UnprocessedItems``); DynamoDB Local never does (RELIABILITY fact 3), so this is shown with
injected faults (R6, R7). Each chunk (100 keys, 25 writes) is sent, and whatever comes back
unprocessed is sent again after a jittered backoff that grows only while no progress is made,
until everything is done or ``MAX_STALLS`` rounds in a row processed nothing (then ``Throttled``
says how many were left). ``batch_get`` refuses a key asked twice before anything is sent
(``InvalidRequest``), because DynamoDB would reject the whole batch for it.

``batch_write`` streams (``BatchWriter``): it takes any iterable (or async iterable, on the
async shell) and holds only the request it is filling, sent when it has 25 writes or its JSON
would pass 16 MB. An item named again while its first write is still in the request being
filled starts the next request instead, so writes apply in the order given and the last one
wins. ``on_progress`` receives a ``BatchProgress`` after every request.

Batch writes are unconditional by nature: no version check, no owner condition. They are
meant for bulk loads and clean-ups, and they are refused in an owner scope.

Example:
    >>> list(chunks([1, 2, 3, 4, 5], 2))
    [[1, 2], [3, 4], [5]]
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

from dynastack.core.limits import BATCH_GET_MAX, BATCH_WRITE_MAX, BATCH_WRITE_MAX_BYTES, item_size
from dynastack.core.operations import (
    BatchGetItem,
    BatchGetResult,
    BatchWriteItem,
    BatchWriteResult,
    DeleteRequest,
    KeysAndAttributes,
    PutRequest,
    WriteRequest,
)
from dynastack.core.operations.fields import ItemIdentity, item_identity, wire_key
from dynastack.core.retry import backoff
from dynastack.core.steps import Script, Send, Sleep
from dynastack.errors import InvalidRequest, Throttled
from dynastack.model.codec import entity_to_wire
from dynastack.model.entity import Entity
from dynastack.model.items import key_of
from dynastack.model.meta import WRITE_TOKEN_ATTR
from dynastack.repository.binding import EntityBinding, new_token

__all__ = ["MAX_STALLS", "BatchProgress", "BatchWriter", "batch_get", "batch_write", "chunks"]

E = TypeVar("E", bound=Entity)
T = TypeVar("T")

#: rounds in a row without any progress before a batch gives up
MAX_STALLS = 8


def chunks(values: Sequence[T], size: int) -> Iterator[list[T]]:
    """``values`` in lists of at most ``size``, in order."""
    for start in range(0, len(values), size):
        yield list(values[start : start + size])


def identity(plans: EntityBinding[E], key: Mapping[str, Any]) -> ItemIdentity:
    """Which item of the repository's table ``key`` (attribute → value) names."""
    return item_identity(plans.table, wire_key(key))


_identity = identity


def batch_get(
    plans: EntityBinding[E], keys: Iterable[Mapping[str, Any]], consistent: bool
) -> Script[list[E]]:
    """The visible entities among ``keys`` (mappings of key fields), in the order asked."""
    wanted: list[dict[str, Any]] = []
    order: dict[ItemIdentity, int] = {}
    for given in keys:
        key = plans.key(given)
        identity = _identity(plans, key)
        if identity in order:
            raise InvalidRequest(f"batch_get: {plans.describe(key)} is asked for twice")
        order[identity] = len(wanted)
        wanted.append(key)
    items = yield from get_items(plans, wanted, consistent)
    found = {order[identity]: item for identity, item in items.items()}
    now = plans.now()
    entities = (plans.accept(found[i], now) for i in sorted(found))
    return [entity for entity in entities if entity is not None]


def get_items(
    plans: EntityBinding[E], wanted: list[dict[str, Any]], consistent: bool
) -> Script[dict[ItemIdentity, dict[str, Any]]]:
    """The stored items for primary keys ``wanted`` (attribute → value), by identity: chunks
    of 100, unprocessed keys retried with backoff. Queries on KEYS_ONLY and INCLUDE indexes
    fetch their items through this."""
    found: dict[ItemIdentity, dict[str, Any]] = {}
    for chunk in chunks(wanted, BATCH_GET_MAX):
        op: BatchGetItem | None = BatchGetItem(
            requests={plans.table: KeysAndAttributes(keys=chunk, consistent=consistent)}
        )
        left, stalls = len(chunk), 0
        while op is not None:
            result: BatchGetResult = yield Send(op)
            for item in result.responses.get(plans.table, ()):
                key = {part.attr: item[part.attr] for part in plans.meta.key_parts}
                found[_identity(plans, key)] = item
            op = result.retry
            if op is None:
                break
            remaining = sum(len(spec.keys) for spec in op.requests.values())
            stalls = stalls + 1 if remaining >= left else 0
            left = remaining
            if stalls >= MAX_STALLS:
                raise Throttled(
                    f"batch_get: {remaining} keys of {plans.name} still unprocessed after "
                    f"{MAX_STALLS} rounds without progress",
                    code="ProvisionedThroughputExceededException",
                )
            yield Sleep(backoff(stalls))  # the client's backoff formula (core/retry.py)
    return found


@dataclass(frozen=True, slots=True)
class BatchProgress:
    """How far a ``batch_write`` has come: writes DynamoDB acknowledged, requests sent, and
    writes sent again because they came back unprocessed."""

    puts: int = 0
    deletes: int = 0
    requests: int = 0
    resent: int = 0

    @property
    def written(self) -> int:
        """Puts and deletes acknowledged so far."""
        return self.puts + self.deletes


#: what one request's JSON may hold besides its writes ({"RequestItems": {table: [...]}})
_ENVELOPE_BYTES = 64 * 1024
#: a write whose bound is below this is counted by its bound, else by its exact JSON length;
#: 25 of them cannot pass the request limit
_CHEAP_BOUND_MAX = (BATCH_WRITE_MAX_BYTES - _ENVELOPE_BYTES) // BATCH_WRITE_MAX


def _request_bytes(write: WriteRequest, wire: Mapping[str, Any]) -> int:
    """An upper bound of what ``write`` adds to the request's JSON, exact when it is large.

    DynamoDB's item size counts a value's payload and about a byte of structure; its JSON can
    be larger (``{"S":""}`` for an empty string, ``\\u0001`` for a control character), at most
    about 10x. Only an item whose bound could matter is serialised to be measured.
    """
    bound = 12 * item_size(wire) + 1024
    if bound <= _CHEAP_BOUND_MAX:
        return bound
    kind = "PutRequest" if isinstance(write, PutRequest) else "DeleteRequest"
    body = {kind: {"Item" if kind == "PutRequest" else "Key": wire}}
    return len(json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()) + 2


class BatchWriter(Generic[E]):
    """A streamed batch write: writes are added one by one and leave in full requests.

    Nothing holds more than the request being filled (25 writes, 16 MB of JSON): ``put`` and
    ``delete`` return the request to send *before* the write is added when the write does not
    fit, or when it names an item already in the request (DynamoDB refuses such a request; a
    new one keeps the writes in order, so the later write wins). ``send`` is the step script
    of one request, retrying what comes back unprocessed; ``progress`` counts as it goes and
    ``on_progress`` hears of every request done.
    """

    def __init__(
        self, plans: EntityBinding[E], on_progress: Callable[[BatchProgress], object] | None
    ) -> None:
        if plans.owner is not None:
            raise InvalidRequest(
                f"{plans.name}: batch writes are unconditional and cannot enforce an owner "
                "scope; use create/put/update/delete or a UnitOfWork"
            )
        self.plans = plans
        self.on_progress = on_progress
        self.progress = BatchProgress()
        self._stamp = plans.clock()
        self._token = new_token()
        self._key_names = {plans.table: [part.attr for part in plans.meta.key_parts]}
        self._pending: list[WriteRequest] = []
        self._identities: set[ItemIdentity] = set()
        self._bytes = _ENVELOPE_BYTES

    def put(self, given: object) -> list[WriteRequest] | None:
        """Add a put of an entity; the request to send first, if one is due."""
        plans = self.plans
        if not isinstance(given, plans.cls):
            raise InvalidRequest(f"batch_write puts {plans.name}, not {type(given).__name__}")
        entity: E = given
        if plans.meta.updated_field:
            entity = given.model_copy(update={plans.meta.updated_field: self._stamp})
        item = entity_to_wire(entity)
        item[WRITE_TOKEN_ATTR] = {"S": self._token}
        write = PutRequest(item)
        return self._add(write, key_of(plans.meta, entity.__dict__), item)

    def delete(self, target: object) -> list[WriteRequest] | None:
        """Add a delete of an entity or a mapping of its key fields."""
        _, values = self.plans.target(target)
        key = key_of(self.plans.meta, values)
        return self._add(DeleteRequest(key), key, wire_key(key))

    def _add(
        self, write: WriteRequest, key: dict[str, Any], wire: Mapping[str, Any]
    ) -> list[WriteRequest] | None:
        identity = _identity(self.plans, key)
        size = _request_bytes(write, wire)
        due = None
        if (
            identity in self._identities
            or len(self._pending) == BATCH_WRITE_MAX
            or self._bytes + size > BATCH_WRITE_MAX_BYTES
        ):
            due = self.finish()
        self._pending.append(write)
        self._identities.add(identity)
        self._bytes += size
        return due

    def finish(self) -> list[WriteRequest] | None:
        """The request being filled (``None`` when empty); the writer starts a new one."""
        if not self._pending:
            return None
        due, self._pending = self._pending, []
        self._identities = set()
        self._bytes = _ENVELOPE_BYTES
        return due

    def send(self, chunk: list[WriteRequest]) -> Script[None]:
        """Send one request and whatever of it comes back unprocessed, with backoff."""
        plans = self.plans
        op: BatchWriteItem | None = BatchWriteItem(
            requests={plans.table: chunk}, key_attributes=self._key_names
        )
        left, stalls = len(chunk), 0
        while op is not None:
            result: BatchWriteResult = yield Send(op)
            self.progress = replace(self.progress, requests=self.progress.requests + 1)
            op = result.retry
            if op is None:
                break
            remaining = sum(len(w) for w in op.requests.values())
            self.progress = replace(self.progress, resent=self.progress.resent + remaining)
            stalls = stalls + 1 if remaining >= left else 0
            left = remaining
            if stalls >= MAX_STALLS:
                raise Throttled(
                    f"batch_write: {remaining} writes of {plans.name} still unprocessed after "
                    f"{MAX_STALLS} rounds without progress ({self.progress.written} written)",
                    code="ProvisionedThroughputExceededException",
                )
            yield Sleep(backoff(stalls))  # the client's backoff formula (core/retry.py)
        puts = sum(1 for write in chunk if isinstance(write, PutRequest))
        self.progress = replace(
            self.progress,
            puts=self.progress.puts + puts,
            deletes=self.progress.deletes + len(chunk) - puts,
        )
        if self.on_progress is not None:
            self.on_progress(self.progress)


def batch_write(
    plans: EntityBinding[E],
    puts: Iterable[E],
    deletes: Iterable[E | Mapping[str, Any]],
    on_progress: Callable[[BatchProgress], object] | None = None,
) -> Script[BatchProgress]:
    """Put ``puts`` and delete ``deletes`` (entities or key-field mappings), unconditionally,
    consuming each iterable as the requests go (the shells run this for sync iterables; the
    async shell drives a ``BatchWriter`` itself for async ones)."""
    writer = BatchWriter(plans, on_progress)
    for entity in puts:
        due = writer.put(entity)
        if due is not None:
            yield from writer.send(due)
    for target in deletes:
        due = writer.delete(target)
        if due is not None:
            yield from writer.send(due)
    due = writer.finish()
    if due is not None:
        yield from writer.send(due)
    return writer.progress
