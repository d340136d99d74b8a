"""BatchGetItem and BatchWriteItem as frozen values, with their limits checked client-side.

DynamoDB rejects a whole batch for one broken rule (over 25 writes or 100 keys, two
requests for one item, an empty key string, an item over 400 KB), so each rule is checked
before anything is sent, with an error that names the table and key (RELIABILITY R10).

Duplicate detection needs the key attribute names of each table. Delete keys and get keys
are whole keys, so they compare directly. A put carries a whole item; its key is found with
``key_attributes[table]`` when the caller gives it, otherwise with the attribute names of
the first ``DeleteRequest`` for that table in the same batch (a valid key names exactly the
key attributes). With neither, puts are not checked for duplicates and DynamoDB's own
``ValidationException`` remains the safety net.

Partial results are normal (RELIABILITY R6/R7): ``parse`` returns what was not processed
both as decoded Python values and as a ready ``retry`` operation with the same options.

Example:
    >>> op = BatchWriteItem(requests={"t": [PutRequest({"pk": "a"}), DeleteRequest({"pk": "b"})]})
    >>> op.to_request()["RequestItems"]["t"][1]
    {'DeleteRequest': {'Key': {'pk': {'S': 'b'}}}}
    >>> op.parse({"UnprocessedItems": {}}).retry is None
    True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from dynastack.core.limits import (
    BATCH_GET_MAX,
    BATCH_WRITE_MAX,
    check_count,
    check_item_size,
    check_key_values,
)
from dynastack.core.operations.base import Service
from dynastack.core.operations.fields import (
    ItemIdentity,
    ReturnCapacity,
    ReturnMetrics,
    check_expression,
    claim_item,
    declared_sort_key,
    wire_key,
)
from dynastack.core.values import decode_item, encode_item
from dynastack.errors import InvalidRequest

__all__ = [
    "BatchGetItem",
    "BatchGetResult",
    "BatchWriteItem",
    "BatchWriteResult",
    "DeleteRequest",
    "KeysAndAttributes",
    "PutRequest",
    "WriteRequest",
]


@dataclass(frozen=True, slots=True)
class PutRequest:
    """One put of a batch write: ``item`` replaces whatever has its key."""

    item: Mapping[str, object]


@dataclass(frozen=True, slots=True)
class DeleteRequest:
    """One delete of a batch write, by full primary key."""

    key: Mapping[str, object]


WriteRequest = PutRequest | DeleteRequest


@dataclass(frozen=True, slots=True, kw_only=True)
class KeysAndAttributes:
    """The keys to read from one table of a batch get, and how to read them."""

    keys: Sequence[Mapping[str, object]]
    consistent: bool = False
    projection: str | None = None
    names: Mapping[str, str] | None = None

    def __post_init__(self) -> None:
        check_expression("ProjectionExpression", self.projection)


def _single_table(tables: Mapping[str, object]) -> str | None:
    if len(tables) == 1:
        return next(iter(tables))
    return None


def _remember(seen: set[ItemIdentity], table: str, key: dict[str, Any], what: str) -> None:
    if not claim_item(seen, table, key):
        raise InvalidRequest(f"{what} names the item {key!r} of table {table!r} twice")


@dataclass(frozen=True, slots=True)
class BatchGetResult:
    """Decoded items per table, and the keys DynamoDB left for a retry.

    ``retry`` is a ``BatchGetItem`` for exactly the unprocessed keys (``None`` when all
    were read); ``unprocessed_keys`` shows the same keys as Python values.
    """

    responses: dict[str, list[dict[str, Any]]]
    unprocessed_keys: dict[str, list[dict[str, Any]]]
    retry: BatchGetItem | None = None
    consumed_capacity: list[dict[str, Any]] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class BatchGetItem:
    """Read up to 100 items by key from one or more tables.

    Example:
        >>> op = BatchGetItem(requests={"t": KeysAndAttributes(keys=[{"pk": "a"}])})
        >>> op.to_request()
        {'RequestItems': {'t': {'Keys': [{'pk': {'S': 'a'}}]}}}
        >>> op.parse({"Responses": {"t": []}, "UnprocessedKeys": {}}).responses
        {'t': []}
    """

    action: ClassVar[str] = "BatchGetItem"
    service: ClassVar[Service] = "dynamodb"

    requests: Mapping[str, KeysAndAttributes]
    return_consumed_capacity: ReturnCapacity | None = None

    def __post_init__(self) -> None:
        if not self.requests or not all(r.keys for r in self.requests.values()):
            raise InvalidRequest("BatchGetItem needs at least one key for every table named")
        check_count(
            "BatchGetItem keys", sum(len(r.keys) for r in self.requests.values()), BATCH_GET_MAX
        )

    @property
    def resend_safe(self) -> bool:
        """A read: always safe to send again."""
        return True

    @property
    def table_name(self) -> str | None:
        """The table when the batch reads from exactly one, else ``None``."""
        return _single_table(self.requests)

    def to_request(self) -> dict[str, Any]:
        """The BatchGetItem JSON body; raises ``InvalidRequest`` for a key named twice."""
        seen: set[ItemIdentity] = set()
        items: dict[str, Any] = {}
        for table, spec in self.requests.items():
            keys = []
            for key in spec.keys:
                encoded = wire_key(key)
                _remember(seen, table, encoded, "BatchGetItem")
                keys.append(encoded)
            entry: dict[str, Any] = {"Keys": keys}
            if spec.consistent:
                entry["ConsistentRead"] = True
            if spec.projection is not None:
                entry["ProjectionExpression"] = spec.projection
            if spec.names:
                entry["ExpressionAttributeNames"] = dict(spec.names)
            items[table] = entry
        req: dict[str, Any] = {"RequestItems": items}
        if self.return_consumed_capacity is not None:
            req["ReturnConsumedCapacity"] = self.return_consumed_capacity
        return req

    def parse(self, response: dict[str, Any]) -> BatchGetResult:
        """Decode the items read and turn ``UnprocessedKeys`` into a ``retry`` operation."""
        responses = {
            table: [decode_item(item) for item in items]
            for table, items in (response.get("Responses") or {}).items()
        }
        unprocessed: dict[str, list[dict[str, Any]]] = {}
        retry: dict[str, KeysAndAttributes] = {}
        for table, wire in (response.get("UnprocessedKeys") or {}).items():
            keys = [decode_item(key) for key in wire.get("Keys", ())]
            if not keys:
                continue
            unprocessed[table] = keys
            spec = self.requests.get(table)
            retry[table] = (
                replace(spec, keys=keys)
                if spec is not None
                else KeysAndAttributes(
                    keys=keys,
                    consistent=bool(wire.get("ConsistentRead", False)),
                    projection=wire.get("ProjectionExpression"),
                    names=wire.get("ExpressionAttributeNames"),
                )
            )
        return BatchGetResult(
            responses,
            unprocessed,
            replace(self, requests=retry) if retry else None,
            response.get("ConsumedCapacity"),
        )


@dataclass(frozen=True, slots=True)
class BatchWriteResult:
    """The writes DynamoDB left undone, per table, and a ``retry`` for exactly them."""

    unprocessed: dict[str, list[WriteRequest]]
    retry: BatchWriteItem | None = None
    consumed_capacity: list[dict[str, Any]] | None = None
    item_collection_metrics: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class BatchWriteItem:
    """Put or delete up to 25 items in one or more tables (each write unconditional).

    ``key_attributes`` maps a table to its key attribute names, ``(partition, sort)``, so
    that two puts of one item are caught before sending (see the module docstring).

    Example:
        >>> BatchWriteItem(requests={"t": [DeleteRequest({"pk": "a"})] * 2}).to_request()
        Traceback (most recent call last):
        ...
        dynastack.errors.InvalidRequest: BatchWriteItem names the item {'pk': {'S': 'a'}} \
of table 't' twice
    """

    action: ClassVar[str] = "BatchWriteItem"
    service: ClassVar[Service] = "dynamodb"

    requests: Mapping[str, Sequence[WriteRequest]]
    key_attributes: Mapping[str, Sequence[str]] | None = None
    return_consumed_capacity: ReturnCapacity | None = None
    return_item_collection_metrics: ReturnMetrics | None = None

    def __post_init__(self) -> None:
        if not self.requests or not all(self.requests.values()):
            raise InvalidRequest("BatchWriteItem needs at least one write for every table named")
        check_count(
            "BatchWriteItem requests",
            sum(len(r) for r in self.requests.values()),
            BATCH_WRITE_MAX,
        )

    @property
    def resend_safe(self) -> bool:
        """Safe: unconditional puts and deletes leave the same state when applied twice."""
        return True

    @property
    def table_name(self) -> str | None:
        """The table when the batch writes to exactly one, else ``None``."""
        return _single_table(self.requests)

    def _key_names(self, table: str, writes: Sequence[WriteRequest]) -> tuple[bool, Sequence[str]]:
        declared = self.key_attributes.get(table) if self.key_attributes else None
        if declared is not None:
            return True, declared
        for write in writes:
            if isinstance(write, DeleteRequest):
                return False, tuple(write.key)
        return False, ()

    def to_request(self) -> dict[str, Any]:
        """The BatchWriteItem JSON body, after the size, key and duplicate checks."""
        seen: set[ItemIdentity] = set()
        items: dict[str, Any] = {}
        for table, writes in self.requests.items():
            declared, names = self._key_names(table, writes)
            wire_writes: list[dict[str, Any]] = []
            for write in writes:
                if isinstance(write, PutRequest):
                    item = encode_item(write.item)
                    check_item_size(item)
                    wire_writes.append({"PutRequest": {"Item": item}})
                    if not names:
                        continue
                    key = {name: item[name] for name in names if name in item}
                    if len(key) != len(names):
                        if declared:
                            raise InvalidRequest(
                                f"a PutRequest for table {table!r} lacks key attributes "
                                f"{[n for n in names if n not in item]}"
                            )
                        continue
                    check_key_values(key, sort_key=declared_sort_key(declared, names))
                else:
                    key = wire_key(write.key)
                    wire_writes.append({"DeleteRequest": {"Key": key}})
                _remember(seen, table, key, "BatchWriteItem")
            items[table] = wire_writes
        req: dict[str, Any] = {"RequestItems": items}
        if self.return_consumed_capacity is not None:
            req["ReturnConsumedCapacity"] = self.return_consumed_capacity
        if self.return_item_collection_metrics is not None:
            req["ReturnItemCollectionMetrics"] = self.return_item_collection_metrics
        return req

    def parse(self, response: dict[str, Any]) -> BatchWriteResult:
        """Turn ``UnprocessedItems`` back into write requests and a ``retry`` operation."""
        unprocessed: dict[str, list[WriteRequest]] = {}
        for table, wire_writes in (response.get("UnprocessedItems") or {}).items():
            writes: list[WriteRequest] = []
            for wire in wire_writes:
                put = wire.get("PutRequest")
                if put is not None:
                    writes.append(PutRequest(decode_item(put["Item"])))
                else:
                    writes.append(DeleteRequest(decode_item(wire["DeleteRequest"]["Key"])))
            if writes:
                unprocessed[table] = writes
        return BatchWriteResult(
            unprocessed,
            replace(self, requests=unprocessed) if unprocessed else None,
            response.get("ConsumedCapacity"),
            response.get("ItemCollectionMetrics"),
        )
