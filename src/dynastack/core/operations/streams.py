"""DynamoDB Streams reads: ListStreams, DescribeStream, GetShardIterator and GetRecords.

These go to the Streams endpoint (``service = "streams"``, target prefix
``DynamoDBStreams_20120810``). All four are reads, so all are ``resend_safe``: a shard
iterator can be used more than once while it is valid, and yields the same records.

Records come back with ``Keys``/``NewImage``/``OldImage`` decoded to Python values, and
with ``is_ttl_expiry`` telling the sweeper's deletions apart from the application's
(``userIdentity`` names ``dynamodb.amazonaws.com``).

Example:
    >>> op = GetRecords(shard_iterator="it-1", limit=100)
    >>> result = op.parse({"Records": [{"eventName": "INSERT", "dynamodb": {
    ...     "Keys": {"pk": {"S": "a"}}, "NewImage": {"pk": {"S": "a"}, "n": {"N": "1"}},
    ...     "SequenceNumber": "100"}}], "NextShardIterator": "it-2"})
    >>> result.records[0].new_image, result.next_shard_iterator
    ({'pk': 'a', 'n': 1}, 'it-2')
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, ClassVar, Literal

from dynastack.core.operations.base import Service
from dynastack.core.operations.fields import check_limit, decode_optional
from dynastack.errors import InvalidRequest

__all__ = [
    "DescribeStream",
    "GetRecords",
    "GetRecordsResult",
    "GetShardIterator",
    "GetShardIteratorResult",
    "ListStreams",
    "ListStreamsResult",
    "Shard",
    "ShardIteratorType",
    "StreamDescription",
    "StreamRecord",
]

ShardIteratorType = Literal["TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"]


@dataclass(frozen=True, slots=True)
class ListStreamsResult:
    """Stream summaries (``StreamArn``, ``TableName``, ``StreamLabel``) of one page."""

    streams: list[dict[str, Any]]
    last_evaluated_stream_arn: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ListStreams:
    """List the streams of the account, or of one table."""

    action: ClassVar[str] = "ListStreams"
    service: ClassVar[Service] = "streams"

    table: str | None = None
    limit: int | None = None
    start_after: str | None = None

    def __post_init__(self) -> None:
        check_limit("Limit", self.limit, 1, 100)

    @property
    def resend_safe(self) -> bool:
        """A read: always safe to send again."""
        return True

    @property
    def table_name(self) -> str | None:
        """The table whose streams are listed, if one was given."""
        return self.table

    def to_request(self) -> dict[str, Any]:
        """The ListStreams JSON body."""
        req: dict[str, Any] = {}
        if self.table is not None:
            req["TableName"] = self.table
        if self.limit is not None:
            req["Limit"] = self.limit
        if self.start_after is not None:
            req["ExclusiveStartStreamArn"] = self.start_after
        return req

    def parse(self, response: dict[str, Any]) -> ListStreamsResult:
        """The summaries and where the next page starts."""
        return ListStreamsResult(
            list(response.get("Streams") or ()), response.get("LastEvaluatedStreamArn")
        )


@dataclass(frozen=True, slots=True)
class Shard:
    """One shard; ``ending_sequence_number`` is ``None`` while the shard is still open."""

    shard_id: str
    parent_shard_id: str | None = None
    starting_sequence_number: str | None = None
    ending_sequence_number: str | None = None


@dataclass(frozen=True, slots=True)
class StreamDescription:
    """A ``StreamDescription`` as sent (``raw``), with its shards typed."""

    raw: dict[str, Any]
    shards: list[Shard]

    @property
    def status(self) -> str | None:
        """ENABLING, ENABLED, DISABLING or DISABLED."""
        return self.raw.get("StreamStatus")

    @property
    def view_type(self) -> str | None:
        """NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES or KEYS_ONLY."""
        return self.raw.get("StreamViewType")

    @property
    def last_evaluated_shard_id(self) -> str | None:
        """Where the next page of shards starts; ``None`` when all were listed."""
        return self.raw.get("LastEvaluatedShardId")


@dataclass(frozen=True, slots=True, kw_only=True)
class DescribeStream:
    """Describe a stream and list (a page of) its shards.

    Example:
        >>> d = DescribeStream(stream_arn="arn:s").parse({"StreamDescription": {
        ...     "StreamStatus": "ENABLED", "Shards": [{"ShardId": "s-1",
        ...     "SequenceNumberRange": {"StartingSequenceNumber": "1"}}]}})
        >>> d.status, d.shards[0].shard_id, d.shards[0].ending_sequence_number
        ('ENABLED', 's-1', None)
    """

    action: ClassVar[str] = "DescribeStream"
    service: ClassVar[Service] = "streams"

    stream_arn: str
    limit: int | None = None
    start_after_shard: str | None = None

    def __post_init__(self) -> None:
        check_limit("Limit", self.limit, 1, 100)

    @property
    def resend_safe(self) -> bool:
        """A read: always safe to send again."""
        return True

    @property
    def table_name(self) -> None:
        """Streams are named by ARN, not by table."""
        return None

    def to_request(self) -> dict[str, Any]:
        """The DescribeStream JSON body."""
        req: dict[str, Any] = {"StreamArn": self.stream_arn}
        if self.limit is not None:
            req["Limit"] = self.limit
        if self.start_after_shard is not None:
            req["ExclusiveStartShardId"] = self.start_after_shard
        return req

    def parse(self, response: dict[str, Any]) -> StreamDescription:
        """The description with typed shards."""
        raw = response.get("StreamDescription") or {}
        shards = []
        for shard in raw.get("Shards") or ():
            numbers = shard.get("SequenceNumberRange") or {}
            shards.append(
                Shard(
                    shard.get("ShardId", ""),
                    shard.get("ParentShardId"),
                    numbers.get("StartingSequenceNumber"),
                    numbers.get("EndingSequenceNumber"),
                )
            )
        return StreamDescription(raw, shards)

    def next_page(self, result: StreamDescription) -> DescribeStream | None:
        """The request for the next page of shards, or ``None`` after the last."""
        if result.last_evaluated_shard_id is None:
            return None
        return replace(self, start_after_shard=result.last_evaluated_shard_id)


@dataclass(frozen=True, slots=True)
class GetShardIteratorResult:
    """The iterator to pass to ``GetRecords`` (valid for 15 minutes)."""

    shard_iterator: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class GetShardIterator:
    """Get an iterator into one shard; the ``*_SEQUENCE_NUMBER`` types need a number.

    Example:
        >>> GetShardIterator(stream_arn="a", shard_id="s", iterator_type="AT_SEQUENCE_NUMBER")
        Traceback (most recent call last):
        ...
        dynastack.errors.InvalidRequest: iterator_type AT_SEQUENCE_NUMBER needs a sequence_number
    """

    action: ClassVar[str] = "GetShardIterator"
    service: ClassVar[Service] = "streams"

    stream_arn: str
    shard_id: str
    iterator_type: ShardIteratorType = "TRIM_HORIZON"
    sequence_number: str | None = None

    def __post_init__(self) -> None:
        needs_number = self.iterator_type.endswith("_SEQUENCE_NUMBER")
        if needs_number and self.sequence_number is None:
            raise InvalidRequest(f"iterator_type {self.iterator_type} needs a sequence_number")
        if not needs_number and self.sequence_number is not None:
            raise InvalidRequest(f"iterator_type {self.iterator_type} takes no sequence_number")

    @property
    def resend_safe(self) -> bool:
        """A read: always safe to send again."""
        return True

    @property
    def table_name(self) -> None:
        """Streams are named by ARN, not by table."""
        return None

    def to_request(self) -> dict[str, Any]:
        """The GetShardIterator JSON body."""
        req: dict[str, Any] = {
            "StreamArn": self.stream_arn,
            "ShardId": self.shard_id,
            "ShardIteratorType": self.iterator_type,
        }
        if self.sequence_number is not None:
            req["SequenceNumber"] = self.sequence_number
        return req

    def parse(self, response: dict[str, Any]) -> GetShardIteratorResult:
        """The iterator (``None`` if the shard has nothing more to give)."""
        return GetShardIteratorResult(response.get("ShardIterator"))


@dataclass(frozen=True, slots=True)
class StreamRecord:
    """One change: ``event_name`` is INSERT, MODIFY or REMOVE; images are decoded."""

    event_id: str | None
    event_name: str | None
    sequence_number: str | None
    keys: dict[str, Any] | None
    new_image: dict[str, Any] | None = None
    old_image: dict[str, Any] | None = None
    approximate_creation_time: float | None = None
    size_bytes: int | None = None
    stream_view_type: str | None = None
    user_identity: dict[str, Any] | None = None

    @property
    def is_ttl_expiry(self) -> bool:
        """The item was deleted by DynamoDB's TTL sweeper, not by a client."""
        identity = self.user_identity or {}
        return (
            identity.get("Type") == "Service"
            and identity.get("PrincipalId") == "dynamodb.amazonaws.com"
        )


@dataclass(frozen=True, slots=True)
class GetRecordsResult:
    """The records read and the iterator for the next call (``None``: shard closed)."""

    records: list[StreamRecord]
    next_shard_iterator: str | None = None


def _record(wire: dict[str, Any]) -> StreamRecord:
    change = wire.get("dynamodb") or {}
    return StreamRecord(
        wire.get("eventID"),
        wire.get("eventName"),
        change.get("SequenceNumber"),
        decode_optional(change.get("Keys")),
        decode_optional(change.get("NewImage")),
        decode_optional(change.get("OldImage")),
        change.get("ApproximateCreationDateTime"),
        change.get("SizeBytes"),
        change.get("StreamViewType"),
        wire.get("userIdentity"),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class GetRecords:
    """Read up to ``limit`` (≤ 1,000) records from a shard iterator."""

    action: ClassVar[str] = "GetRecords"
    service: ClassVar[Service] = "streams"

    shard_iterator: str
    limit: int | None = None

    def __post_init__(self) -> None:
        check_limit("Limit", self.limit, 1, 1000)

    @property
    def resend_safe(self) -> bool:
        """A read: the same iterator yields the same records again."""
        return True

    @property
    def table_name(self) -> None:
        """Streams are named by ARN, not by table."""
        return None

    def to_request(self) -> dict[str, Any]:
        """The GetRecords JSON body."""
        req: dict[str, Any] = {"ShardIterator": self.shard_iterator}
        if self.limit is not None:
            req["Limit"] = self.limit
        return req

    def parse(self, response: dict[str, Any]) -> GetRecordsResult:
        """Decode every record's keys and images."""
        records = [_record(r) for r in response.get("Records") or ()]
        return GetRecordsResult(records, response.get("NextShardIterator"))
