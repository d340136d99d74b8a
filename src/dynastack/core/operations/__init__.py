"""Every DynamoDB operation as a frozen value that builds its request and parses its reply.

Nothing here does I/O (ARCHITECTURE principle 1): ``op.to_request()`` is the JSON body a
client sends with ``X-Amz-Target: <prefix>.<op.action>``, and ``op.parse(reply)`` is the
typed result. Keys, items and expression values are Python values; the codec in
``core.values`` encodes them when the request is built and decodes what comes back.
Client-side limits (batch sizes, transaction size, item size, key values, expression
length) are checked before a request exists, so an over-limit call is never sent.

One module per family: ``items`` (Get/Put/Update/DeleteItem), ``reads`` (Query, Scan),
``batch``, ``transactions``, ``tables``, ``ttl``, ``streams`` and ``raw`` (wire-format
payloads for the boto3-compatible client calls); ``fields`` holds what they share.

Example:
    >>> from dynastack.core.operations import PutItem
    >>> op = PutItem(table="users", item={"pk": "USER#1", "age": 42})
    >>> op.action, op.resend_safe, op.to_request()["Item"]["age"]
    ('PutItem', True, {'N': '42'})
"""

from dynastack.core.operations.base import Operation, Service
from dynastack.core.operations.batch import (
    BatchGetItem,
    BatchGetResult,
    BatchWriteItem,
    BatchWriteResult,
    DeleteRequest,
    KeysAndAttributes,
    PutRequest,
    WriteRequest,
)
from dynastack.core.operations.fields import (
    ReturnCapacity,
    ReturnMetrics,
    ReturnOnFailure,
    ReturnValues,
    Select,
)
from dynastack.core.operations.items import (
    DeleteItem,
    DeleteItemResult,
    GetItem,
    GetItemResult,
    PutItem,
    PutItemResult,
    UpdateItem,
    UpdateItemResult,
)
from dynastack.core.operations.raw import RawCall
from dynastack.core.operations.reads import Query, QueryResult, Scan, ScanResult
from dynastack.core.operations.streams import (
    DescribeStream,
    GetRecords,
    GetRecordsResult,
    GetShardIterator,
    GetShardIteratorResult,
    ListStreams,
    ListStreamsResult,
    Shard,
    ShardIteratorType,
    StreamDescription,
    StreamRecord,
)
from dynastack.core.operations.tables import (
    BillingMode,
    CreateTable,
    DeleteTable,
    DescribeTable,
    ListTables,
    ListTablesResult,
    ScalarType,
    SecondaryIndex,
    StreamViewType,
    TableDescription,
    Throughput,
    UpdateTable,
)
from dynastack.core.operations.transactions import (
    ConditionCheck,
    TransactDelete,
    TransactGet,
    TransactGetItems,
    TransactGetResult,
    TransactPut,
    TransactUpdate,
    TransactWriteAction,
    TransactWriteItems,
    TransactWriteResult,
)
from dynastack.core.operations.ttl import (
    DescribeTimeToLive,
    TimeToLiveDescription,
    TimeToLiveSpecification,
    UpdateTimeToLive,
)

__all__ = [
    "BatchGetItem",
    "BatchGetResult",
    "BatchWriteItem",
    "BatchWriteResult",
    "BillingMode",
    "ConditionCheck",
    "CreateTable",
    "DeleteItem",
    "DeleteItemResult",
    "DeleteRequest",
    "DeleteTable",
    "DescribeStream",
    "DescribeTable",
    "DescribeTimeToLive",
    "GetItem",
    "GetItemResult",
    "GetRecords",
    "GetRecordsResult",
    "GetShardIterator",
    "GetShardIteratorResult",
    "KeysAndAttributes",
    "ListStreams",
    "ListStreamsResult",
    "ListTables",
    "ListTablesResult",
    "Operation",
    "PutItem",
    "PutItemResult",
    "PutRequest",
    "Query",
    "QueryResult",
    "RawCall",
    "ReturnCapacity",
    "ReturnMetrics",
    "ReturnOnFailure",
    "ReturnValues",
    "ScalarType",
    "Scan",
    "ScanResult",
    "SecondaryIndex",
    "Select",
    "Service",
    "Shard",
    "ShardIteratorType",
    "StreamDescription",
    "StreamRecord",
    "StreamViewType",
    "TableDescription",
    "Throughput",
    "TimeToLiveDescription",
    "TimeToLiveSpecification",
    "TransactDelete",
    "TransactGet",
    "TransactGetItems",
    "TransactGetResult",
    "TransactPut",
    "TransactUpdate",
    "TransactWriteAction",
    "TransactWriteItems",
    "TransactWriteResult",
    "UpdateItem",
    "UpdateItemResult",
    "UpdateTable",
    "UpdateTimeToLive",
    "WriteRequest",
]
