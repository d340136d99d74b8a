"""Batch get and batch write: chunking, duplicate detection, and retrying what was left over.

DynamoDB processes a batch partially under load and says so (``UnprocessedKeys`` /
``UnprocessedItems``); DynamoDB Local never does (RELIABILITY fact 3), so this is shown with
injected faults (R6, R7). Each chunk (100 keys, 25 writes) is sent, and whatever comes back
unprocessed is sent again after a jittered backoff that grows only while no progress is made,
until everything is done or ``MAX_STALLS`` rounds in a row processed nothing (then ``Throttled``
says how many were left). A key or item named twice is refused before anything is sent
(``InvalidRequest``), because DynamoDB would reject the whole batch for it.

Batch writes are unconditional by nature: no version check, no owner condition. They are
meant for bulk loads and clean-ups, and they are refused in an owner scope.

Example:
    >>> list(chunks([1, 2, 3, 4, 5], 2))
    [[1, 2], [3, 4], [5]]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from dynastack.core.limits import BATCH_GET_MAX, BATCH_WRITE_MAX
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
from dynastack.errors import InvalidRequest, Throttled
from dynastack.model.codec import entity_to_wire
from dynastack.model.entity import Entity
from dynastack.model.items import key_of
from dynastack.model.meta import WRITE_TOKEN_ATTR
from dynastack.repository.plans import EntityPlans, new_token
from dynastack.repository.steps import Script, Send, Sleep, backoff

__all__ = ["MAX_STALLS", "batch_get", "batch_write", "chunks"]

E = TypeVar("E", bound=Entity)
T = TypeVar("T")

#: rounds in a row without any progress before a batch gives up
MAX_STALLS = 8


def chunks(values: Sequence[T], size: int) -> Iterator[list[T]]:
    """``values`` in lists of at most ``size``, in order."""
    for start in range(0, len(values), size):
        yield list(values[start : start + size])


def _identity(plans: EntityPlans[E], key: Mapping[str, Any]) -> ItemIdentity:
    return item_identity(plans.table, wire_key(key))


def batch_get(
    plans: EntityPlans[E], keys: Iterable[Mapping[str, Any]], consistent: bool
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
    found: dict[int, dict[str, Any]] = {}
    for chunk in chunks(wanted, BATCH_GET_MAX):
        op: BatchGetItem | None = BatchGetItem(
            requests={plans.table: KeysAndAttributes(keys=chunk, consistent=consistent)}
        )
        left, stalls = len(chunk), 0
        while op is not None:
            result: BatchGetResult = yield Send(op)
            for item in result.responses.get(plans.table, ()):
                key = {part.attr: item[part.attr] for part in plans.meta.key_parts}
                found[order[_identity(plans, key)]] = item
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
            yield Sleep(backoff(stalls + 1))
    now = plans.now()
    entities = (plans.accept(found[i], now) for i in sorted(found))
    return [entity for entity in entities if entity is not None]


def batch_write(
    plans: EntityPlans[E],
    puts: Iterable[E],
    deletes: Iterable[E | Mapping[str, Any]],
) -> Script[None]:
    """Put ``puts`` and delete ``deletes`` (entities or key-field mappings), unconditionally."""
    if plans.owner is not None:
        raise InvalidRequest(
            f"{plans.name}: batch writes are unconditional and cannot enforce an owner scope; "
            "use create/put/update/delete or a UnitOfWork"
        )
    meta = plans.meta
    stamp = plans.clock()
    writes: list[WriteRequest] = []
    seen: set[ItemIdentity] = set()

    def remember(key: dict[str, Any]) -> None:
        identity = _identity(plans, key)
        if identity in seen:
            raise InvalidRequest(f"batch_write: {plans.describe(key)} is written twice")
        seen.add(identity)

    token = new_token()
    for given in puts:
        if not isinstance(given, plans.cls):
            raise InvalidRequest(f"batch_write puts {plans.name}, not {type(given).__name__}")
        entity = given
        if meta.updated_field:
            entity = given.model_copy(update={meta.updated_field: stamp})
        item = entity_to_wire(entity)
        item[WRITE_TOKEN_ATTR] = {"S": token}
        remember(key_of(meta, entity.__dict__))
        writes.append(PutRequest(item))
    for target in deletes:
        _, values = plans.target(target)
        key = key_of(meta, values)
        remember(key)
        writes.append(DeleteRequest(key))
    key_names = {plans.table: [part.attr for part in meta.key_parts]}
    for chunk in chunks(writes, BATCH_WRITE_MAX):
        op: BatchWriteItem | None = BatchWriteItem(
            requests={plans.table: chunk}, key_attributes=key_names
        )
        left, stalls = len(chunk), 0
        while op is not None:
            result: BatchWriteResult = yield Send(op)
            op = result.retry
            if op is None:
                break
            remaining = sum(len(w) for w in op.requests.values())
            stalls = stalls + 1 if remaining >= left else 0
            left = remaining
            if stalls >= MAX_STALLS:
                raise Throttled(
                    f"batch_write: {remaining} writes of {plans.name} still unprocessed after "
                    f"{MAX_STALLS} rounds without progress",
                    code="ProvisionedThroughputExceededException",
                )
            yield Sleep(backoff(stalls + 1))
    return None
