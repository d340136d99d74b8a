"""The streamed batch writer without a server: request size limits and retry counts.

DynamoDB Local cannot be made to leave writes unprocessed (RELIABILITY fact 3), and a request
past 16 MB is best shown by measuring what would be sent, so the client's answers are
scripted here; tests/repository/test_repository_batch.py runs the writer on DynamoDB Local.
"""

from __future__ import annotations

from typing import Any

import orjson

from dynastack.core.limits import BATCH_WRITE_MAX_BYTES, ITEM_MAX_BYTES
from dynastack.core.operations import BatchWriteItem, BatchWriteResult
from dynastack.core.steps import run
from dynastack.repository import BatchProgress
from dynastack.repository.batch import batch_write
from dynastack.repository.binding import EntityBinding

from .repository_entities import Entry

ENTRIES = EntityBinding(Entry, table="entries")


def test_requests_stay_under_16_mb_of_json_whatever_the_items_escape_to() -> None:
    # a control character is one byte of item size but six of JSON ("\u0001"): 8 items near
    # the 400 KB limit are 19 MB of JSON, which one request of 25 would have sent
    payload = "\x01" * (ITEM_MAX_BYTES - 2_000)
    entries = [Entry(feed="f", seq=n, payload=payload) for n in range(8)]
    sent: list[BatchWriteItem] = []

    def send(op: Any) -> BatchWriteResult:
        sent.append(op)
        return BatchWriteResult(unprocessed={})

    progress = run(batch_write(ENTRIES, iter(entries), ()), send=send, sleep=lambda s: None)
    assert progress.puts == 8 and len(sent) == progress.requests >= 2
    for op in sent:
        body = orjson.dumps(op.to_request())
        assert len(body) <= BATCH_WRITE_MAX_BYTES


def test_unprocessed_writes_are_resent_and_counted() -> None:
    sent: list[BatchWriteItem] = []

    def send(op: BatchWriteItem) -> BatchWriteResult:
        sent.append(op)
        if len(sent) == 1:  # DynamoDB leaves the last two writes of the request undone
            left = {"entries": list(op.requests["entries"][-2:])}
            return BatchWriteResult(unprocessed=left, retry=BatchWriteItem(requests=left))
        return BatchWriteResult(unprocessed={})

    heard: list[BatchProgress] = []
    entries = (Entry(feed="f", seq=n) for n in range(30))
    progress = run(batch_write(ENTRIES, entries, (), heard.append), send=send,
                   sleep=lambda s: None)  # fmt: skip
    assert progress == BatchProgress(puts=30, deletes=0, requests=3, resent=2)
    assert [p.written for p in heard] == [25, 30]
    assert len(sent[1].requests["entries"]) == 2  # only what was left over went again
