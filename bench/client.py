"""Client benchmark: dynastack's clients against boto3 and aiobotocore, side by side.

Why: PERFORMANCE.md sets the client's targets as ratios to boto3 measured in the same run
(client CPU per GetItem/PutItem ≤ 1/8 of boto3's, sequential GetItem ops/s ≥ 5x), because
absolute figures move by 1.5-1.8x between runs on this shared machine while ratios hold.

How, following "How to measure honestly":

* one table, one set of items for every contender: a 15-attribute item (bench.codec's) for
  GetItem and PutItem, and 20 such items under one partition key for Query;
* DynamoDB Local is warmed up first (``warmup`` seconds of mixed load from 4 threads: its JIT
  takes 30-45 s to settle), then the timed phase runs ``rounds`` rounds; in each round every
  contender runs every operation for an equal slice of time, the contenders' order rotating
  from round to round, so drift falls on all of them alike;
* per contender and operation we report client CPU per op (``process_time`` delta / ops: it
  shows the overhead that a busy server hides) and sequential ops/s, as the median over the
  rounds, plus the ratios to boto3 (sync) and aiobotocore (async).

Contenders: ``dynastack`` (``Client.send`` with typed operations), ``dynastack_boto3_style``
(``Client.get_item(...)`` with boto3's arguments), ``boto3``, ``aiobotocore``,
``dynastack_async`` (``AsyncClient.send``) and ``floor``, the raw floor of :mod:`bench.floor`
(a plain asyncio connection writing requests built before timing, no JSON, no signing): the
``cpu_over_floor`` figures are dynastack's CPU per op over the floor's (target ≤ 2).

Run: ``python -m bench.client --endpoint http://127.0.0.1:8000 [--seconds 60] [--warmup 30]``
prints a table and a JSON summary.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AsyncExitStack, contextmanager
from typing import Any

import boto3
import orjson
from aiobotocore.session import get_session

from bench.codec import sample_item
from bench.floor import RawFloor, build_request
from dynastack.client.async_client import AsyncClient
from dynastack.client.client import Client
from dynastack.client.credentials import local_credentials
from dynastack.core.operations import CreateTable, DeleteTable, GetItem, PutItem, Query
from dynastack.core.operations.batch import BatchWriteItem, PutRequest
from dynastack.core.values import encode_item

REGION = "us-east-1"
OPERATIONS = ("get", "put", "query")
SYNC = ("dynastack", "dynastack_boto3_style", "boto3")
ASYNC = ("dynastack_async", "aiobotocore", "floor")
QUERY_ITEMS = 20


class Workload:
    """The table, items and requests every contender uses, in each contender's own form."""

    def __init__(self, table: str) -> None:
        self.table = table
        item = sample_item()
        self.item = {**item, "pk": "bench#get", "sk": "item"}
        self.key = {"pk": "bench#get", "sk": "item"}
        self.query_items = [
            {**item, "pk": "bench#query", "sk": f"item#{i:02}"} for i in range(QUERY_ITEMS)
        ]
        # boto3-style arguments: wire format, raw bytes for B as boto3 takes them
        wire = encode_item(self.item)
        wire["checksum"] = {"B": self.item["checksum"]}
        self.wire_item = wire
        self.wire_key = {"pk": {"S": "bench#get"}, "sk": {"S": "item"}}
        self.get_op = GetItem(table=table, key=self.key)
        self.put_op = PutItem(table=table, item=self.item)
        self.query_op = Query(table=table, key_condition="pk = :p", values={":p": "bench#query"})
        self.get_kwargs = {"TableName": table, "Key": self.wire_key}
        self.put_kwargs = {"TableName": table, "Item": self.wire_item}
        self.query_kwargs = {
            "TableName": table,
            "KeyConditionExpression": "pk = :p",
            "ExpressionAttributeValues": {":p": {"S": "bench#query"}},
        }

    def setup(self, client: Client) -> None:
        client.send(
            CreateTable(
                table=self.table,
                attributes={"pk": "S", "sk": "S"},
                partition_key="pk",
                sort_key="sk",
            )
        )
        client.send(PutItem(table=self.table, item=self.item))
        client.send(
            BatchWriteItem(requests={self.table: [PutRequest(i) for i in self.query_items]})
        )
        found = client.send(self.query_op).items
        assert len(found) == QUERY_ITEMS, len(found)

    def sync_calls(self, name: str, client: Any) -> dict[str, Callable[[], object]]:
        """The three operations as zero-argument calls on a sync contender."""
        if name == "dynastack":
            send = client.send
            get_op, put_op, query_op = self.get_op, self.put_op, self.query_op
            return {
                "get": lambda: send(get_op),
                "put": lambda: send(put_op),
                "query": lambda: send(query_op),
            }
        get_kwargs, put_kwargs, query_kwargs = self.get_kwargs, self.put_kwargs, self.query_kwargs
        return {
            "get": lambda: client.get_item(**get_kwargs),
            "put": lambda: client.put_item(**put_kwargs),
            "query": lambda: client.query(**query_kwargs),
        }

    def async_calls(self, name: str, client: Any) -> dict[str, Callable[[], Awaitable[object]]]:
        """The three operations as zero-argument coroutine factories on an async contender."""
        if name == "floor":
            endpoint, call = client.endpoint, client.call
            get, put, query = (
                build_request(endpoint, op.action, orjson.dumps(op.to_request()))
                for op in (self.get_op, self.put_op, self.query_op)
            )
            return {
                "get": lambda: call(get),
                "put": lambda: call(put),
                "query": lambda: call(query),
            }
        if name == "dynastack_async":
            send = client.send
            get_op, put_op, query_op = self.get_op, self.put_op, self.query_op
            return {
                "get": lambda: send(get_op),
                "put": lambda: send(put_op),
                "query": lambda: send(query_op),
            }
        get_kwargs, put_kwargs, query_kwargs = self.get_kwargs, self.put_kwargs, self.query_kwargs
        return {
            "get": lambda: client.get_item(**get_kwargs),
            "put": lambda: client.put_item(**put_kwargs),
            "query": lambda: client.query(**query_kwargs),
        }


def _sync_slice(call: Callable[[], object], seconds: float) -> tuple[int, float, float]:
    """Run ``call`` back to back for ``seconds``: (ops, wall seconds, CPU seconds)."""
    ops = 0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    deadline = wall0 + seconds
    while time.perf_counter() < deadline:
        call()
        ops += 1
    return ops, time.perf_counter() - wall0, time.process_time() - cpu0


async def _async_slice(
    call: Callable[[], Awaitable[object]], seconds: float
) -> tuple[int, float, float]:
    ops = 0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    deadline = wall0 + seconds
    while time.perf_counter() < deadline:
        await call()
        ops += 1
    return ops, time.perf_counter() - wall0, time.process_time() - cpu0


async def _once(call: Callable[[], Awaitable[object]]) -> None:
    await call()


def _warm_up(endpoint: str, work: Workload, seconds: float, threads: int = 4) -> int:
    """Mixed load from ``threads`` threads for ``seconds``, so DynamoDB Local's JIT settles."""
    if seconds <= 0:
        return 0
    done = [0] * threads
    deadline = time.perf_counter() + seconds

    def worker(slot: int) -> None:
        with Client.local(endpoint, region=REGION, telemetry=False) as client:
            calls = list(work.sync_calls("dynastack", client).values())
            n = 0
            while time.perf_counter() < deadline:
                calls[n % len(calls)]()
                n += 1
            done[slot] = n

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return sum(done)


@contextmanager
def _sync_contenders(endpoint: str) -> Iterator[dict[str, Any]]:
    creds = local_credentials().get()
    dynastack = Client.local(endpoint, region=REGION)
    boto = boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=creds.access_key,
        aws_secret_access_key=creds.secret_key,
    )
    try:
        yield {"dynastack": dynastack, "dynastack_boto3_style": dynastack, "boto3": boto}
    finally:
        dynastack.close()
        boto.close()


async def _async_contenders(endpoint: str, stack: AsyncExitStack) -> dict[str, Any]:
    creds = local_credentials().get()
    dynastack = AsyncClient.local(endpoint, region=REGION)
    stack.push_async_callback(dynastack.aclose)
    aio = await stack.enter_async_context(
        get_session().create_client(
            "dynamodb",
            endpoint_url=endpoint,
            region_name=REGION,
            aws_access_key_id=creds.access_key,
            aws_secret_access_key=creds.secret_key,
        )
    )
    floor = RawFloor(endpoint)
    stack.push_async_callback(floor.aclose)
    return {"dynastack_async": dynastack, "aiobotocore": aio, "floor": floor}


def run(
    endpoint: str, seconds: float, *, warmup: float = 30.0, rounds: int = 5
) -> dict[str, float]:
    """Benchmark every contender; a flat dict of medians and ratios (see the module docstring).

    Keys: ``"<op>.<contender>.cpu_us"`` (client CPU µs per op), ``"<op>.<contender>.ops_s"``,
    ``"<op>.<contender>.cpu_us_min"``/``_max``, and ratios ``"<op>.cpu_ratio.boto3"`` (boto3's
    CPU over dynastack's), ``"<op>.ops_ratio.boto3"`` (dynastack's ops/s over boto3's), the same
    with ``.aiobotocore`` for the async pair, and ``"<op>.cpu_ratio.boto3_style"`` for the
    boto3-style calls.
    """
    table = f"bench-client-{uuid.uuid4().hex[:8]}"
    work = Workload(table)
    setup = Client.local(endpoint, region=REGION)
    work.setup(setup)
    contenders = SYNC + ASYNC
    samples: dict[tuple[str, str], list[tuple[int, float, float]]] = {
        (op, name): [] for op in OPERATIONS for name in contenders
    }
    share = seconds / (rounds * len(contenders) * len(OPERATIONS))
    runner = asyncio.Runner()
    stack = AsyncExitStack()
    try:
        warmed = _warm_up(endpoint, work, warmup)
        async_clients = runner.run(_async_contenders(endpoint, stack))
        with _sync_contenders(endpoint) as sync_clients:
            sync_calls = {name: work.sync_calls(name, sync_clients[name]) for name in SYNC}
            async_calls = {name: work.async_calls(name, async_clients[name]) for name in ASYNC}
            for name in SYNC:  # one untimed call each: imports, caches, connections
                for call in sync_calls[name].values():
                    call()
            for name in ASYNC:
                for acall in async_calls[name].values():
                    runner.run(_once(acall))
            for round_no in range(rounds):
                shift = round_no % len(contenders)
                order = contenders[shift:] + contenders[:shift]
                for op in OPERATIONS:
                    for name in order:
                        if name in SYNC:
                            result = _sync_slice(sync_calls[name][op], share)
                        else:
                            result = runner.run(_async_slice(async_calls[name][op], share))
                        samples[(op, name)].append(result)
        runner.run(stack.aclose())
    finally:
        runner.close()
        setup.send(DeleteTable(table=table))
        setup.close()
    return _summarise(samples, warmed)


def _summarise(
    samples: dict[tuple[str, str], list[tuple[int, float, float]]], warmed: int
) -> dict[str, float]:
    summary: dict[str, float] = {"warmup_ops": float(warmed)}
    for (op, name), runs in samples.items():
        cpu = [c / n * 1e6 for n, _, c in runs if n]
        ops = [n / w for n, w, _ in runs if w > 0]
        summary[f"{op}.{name}.cpu_us"] = statistics.median(cpu)
        summary[f"{op}.{name}.cpu_us_min"] = min(cpu)
        summary[f"{op}.{name}.cpu_us_max"] = max(cpu)
        summary[f"{op}.{name}.ops_s"] = statistics.median(ops)
    for op in OPERATIONS:
        pairs = (
            ("boto3", "dynastack", "boto3"),
            ("aiobotocore", "dynastack_async", "aiobotocore"),
            ("boto3", "dynastack_boto3_style", "boto3_style"),
        )
        for reference, ours, label in pairs:
            summary[f"{op}.cpu_ratio.{label}"] = (
                summary[f"{op}.{reference}.cpu_us"] / summary[f"{op}.{ours}.cpu_us"]
            )
            summary[f"{op}.ops_ratio.{label}"] = (
                summary[f"{op}.{ours}.ops_s"] / summary[f"{op}.{reference}.ops_s"]
            )
        floor = summary[f"{op}.floor.cpu_us"]
        for ours in ("dynastack", "dynastack_async"):
            summary[f"{op}.cpu_over_floor.{ours}"] = summary[f"{op}.{ours}.cpu_us"] / floor
        summary[f"{op}.ops_ratio.floor"] = (
            summary[f"{op}.dynastack_async.ops_s"] / summary[f"{op}.floor.ops_s"]
        )
    return summary


def table(summary: dict[str, float]) -> str:
    """A human-readable table of a ``run`` summary."""
    lines = [f"{'operation':<10}{'contender':<24}{'CPU µs/op (min-max)':>26}{'ops/s':>10}"]
    for op in OPERATIONS:
        for name in SYNC + ASYNC:
            cpu = summary[f"{op}.{name}.cpu_us"]
            low, high = summary[f"{op}.{name}.cpu_us_min"], summary[f"{op}.{name}.cpu_us_max"]
            span = f"{cpu:,.0f} ({low:,.0f}-{high:,.0f})"
            lines.append(f"{op:<10}{name:<24}{span:>26}{summary[f'{op}.{name}.ops_s']:>10,.0f}")
        lines.append(
            f"{'':<10}boto3/dynastack CPU x{summary[f'{op}.cpu_ratio.boto3']:.1f}, "
            f"ops/s x{summary[f'{op}.ops_ratio.boto3']:.1f}; "
            f"aiobotocore/async CPU x{summary[f'{op}.cpu_ratio.aiobotocore']:.1f}, "
            f"ops/s x{summary[f'{op}.ops_ratio.aiobotocore']:.1f}; "
            f"boto3-style CPU x{summary[f'{op}.cpu_ratio.boto3_style']:.1f}; "
            f"CPU over the floor: sync x{summary[f'{op}.cpu_over_floor.dynastack']:.2f}, "
            f"async x{summary[f'{op}.cpu_over_floor.dynastack_async']:.2f}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--endpoint", required=True, help="DynamoDB Local URL")
    parser.add_argument("--seconds", type=float, default=60.0, help="timed phase, in seconds")
    parser.add_argument("--warmup", type=float, default=30.0, help="warm-up, in seconds")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    summary = run(args.endpoint, args.seconds, warmup=args.warmup, rounds=args.rounds)
    print(table(summary))
    print(json.dumps(summary, indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
