"""Concurrency benchmark: 16 and 64 GetItem calls in flight in one process, one event loop.

Why: an API process serves many requests at once, so the async client's cost shows as the
throughput one process reaches with many calls in flight, against the raw floor (a plain
asyncio connection per call in flight sending pre-built requests, :mod:`bench.floor`) and
aiobotocore, side by side in one run. PERFORMANCE.md's target: ``AsyncClient`` ≥ 0.9 of the
floor's ops/s with 64 calls in flight.

How: ``flight`` tasks each loop ``GetItem`` on the same 15-attribute item for an equal slice
of time; ops/s is completed calls over the wall time of the slice, CPU per op the process's
``process_time`` delta over the calls. Contenders and flights alternate over ``rounds``
rounds, their order rotating, and medians are reported. DynamoDB Local runs on the same 2
cores, so a client that spends less CPU leaves more of them to the server: the ratio to the
floor is the figure, not the absolute ops/s. Every contender holds at most 32 connections
(dynastack's default ``max_connections``; aiobotocore's default of 10 would cap it), so the
server sees the same connection count from each and 64 in flight share 32 connections.

Run: ``python -m bench.concurrency --endpoint http://127.0.0.1:8000 [--seconds 3]`` (timed
seconds per contender and flight, split over the rounds).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

import orjson
from aiobotocore.config import AioConfig
from aiobotocore.session import get_session

from bench.client import REGION, Workload, _warm_up
from bench.floor import RawFloor, build_request
from dynastack.client.async_client import AsyncClient
from dynastack.client.client import Client
from dynastack.client.credentials import local_credentials
from dynastack.core.operations import DeleteTable

CONTENDERS = ("floor", "dynastack_async", "aiobotocore")
FLIGHTS = (16, 64)
#: connections per contender: dynastack's default ``max_connections``, given to the others too
CONNECTIONS = 32


async def _contenders(endpoint: str, stack: AsyncExitStack, work: Workload) -> dict[str, Any]:
    creds = local_credentials().get()
    floor = RawFloor(endpoint)
    stack.push_async_callback(floor.aclose)
    dynastack = AsyncClient.local(endpoint, region=REGION)
    stack.push_async_callback(dynastack.aclose)
    aio: Any = await stack.enter_async_context(
        get_session().create_client(
            "dynamodb",
            endpoint_url=endpoint,
            region_name=REGION,
            aws_access_key_id=creds.access_key,
            aws_secret_access_key=creds.secret_key,
            config=AioConfig(max_pool_connections=CONNECTIONS),
        )
    )
    floor_get = build_request(endpoint, "GetItem", orjson.dumps(work.get_op.to_request()))
    get_op, get_kwargs = work.get_op, work.get_kwargs
    return {
        "floor": lambda: floor.call(floor_get),
        "dynastack_async": lambda: dynastack.send(get_op),
        "aiobotocore": lambda: aio.get_item(**get_kwargs),
    }


async def _slice(
    call: Callable[[], Awaitable[object]], flight: int, seconds: float
) -> tuple[int, float, float]:
    """``flight`` tasks calling back to back for ``seconds``: (ops, wall s, CPU s)."""
    counts = [0] * flight
    deadline = time.perf_counter() + seconds

    async def worker(slot: int) -> None:
        n = 0
        while time.perf_counter() < deadline:
            await call()
            n += 1
        counts[slot] = n

    cpu0, wall0 = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(flight)))
    return sum(counts), time.perf_counter() - wall0, time.process_time() - cpu0


async def _measure(
    calls: dict[str, Callable[[], Awaitable[object]]], seconds: float, rounds: int
) -> dict[tuple[str, int], list[tuple[int, float, float]]]:
    samples: dict[tuple[str, int], list[tuple[int, float, float]]] = {
        (name, flight): [] for name in CONTENDERS for flight in FLIGHTS
    }
    for flight in FLIGHTS:  # untimed: open every contender's connections for this flight
        for name in CONTENDERS:
            await _slice(calls[name], flight, 0.2)
    share = seconds / rounds  # ``seconds`` per figure, as ``python -m bench --seconds`` says
    for round_no in range(rounds):
        shift = round_no % len(CONTENDERS)
        order = CONTENDERS[shift:] + CONTENDERS[:shift]
        for flight in FLIGHTS:
            for name in order:
                samples[(name, flight)].append(await _slice(calls[name], flight, share))
    return samples


def run(
    endpoint: str, seconds: float, *, warmup: float = 30.0, rounds: int = 5
) -> dict[str, float]:
    """Medians and ratios: ``conc.<flight>.<contender>.ops_s`` / ``.cpu_us``, and
    ``conc.<flight>.ops_ratio.floor`` (dynastack's ops/s over the floor's),
    ``conc.<flight>.ops_ratio.aiobotocore``, ``conc.<flight>.cpu_over_floor``."""
    work = Workload(f"bench-conc-{uuid.uuid4().hex[:8]}")
    setup = Client.local(endpoint, region=REGION)
    work.setup(setup)
    runner = asyncio.Runner()
    stack = AsyncExitStack()
    try:
        warmed = _warm_up(endpoint, work, warmup)

        async def main() -> dict[tuple[str, int], list[tuple[int, float, float]]]:
            calls = await _contenders(endpoint, stack, work)
            try:
                return await _measure(calls, seconds, rounds)
            finally:
                await stack.aclose()

        samples = runner.run(main())
    finally:
        runner.close()
        setup.send(DeleteTable(table=work.table))
        setup.close()
    summary: dict[str, float] = {"conc.warmup_ops": float(warmed)}
    for (name, flight), runs in samples.items():
        ops = [n / w for n, w, _ in runs if w > 0]
        cpu = [c / n * 1e6 for n, _, c in runs if n]
        summary[f"conc.{flight}.{name}.ops_s"] = statistics.median(ops)
        summary[f"conc.{flight}.{name}.ops_s_min"] = min(ops)
        summary[f"conc.{flight}.{name}.ops_s_max"] = max(ops)
        summary[f"conc.{flight}.{name}.cpu_us"] = statistics.median(cpu)
    for flight in FLIGHTS:
        ours = f"conc.{flight}.dynastack_async"
        for other in ("floor", "aiobotocore"):
            summary[f"conc.{flight}.ops_ratio.{other}"] = (
                summary[f"{ours}.ops_s"] / summary[f"conc.{flight}.{other}.ops_s"]
            )
        summary[f"conc.{flight}.cpu_over_floor"] = (
            summary[f"{ours}.cpu_us"] / summary[f"conc.{flight}.floor.cpu_us"]
        )
    return summary


def table(summary: dict[str, float]) -> str:
    """A human-readable table of a ``run`` summary."""
    lines = [f"{'in flight':<10}{'contender':<18}{'ops/s (min-max)':>26}{'CPU µs/op':>11}"]
    for flight in FLIGHTS:
        for name in CONTENDERS:
            key = f"conc.{flight}.{name}"
            span = (
                f"{summary[key + '.ops_s']:,.0f} "
                f"({summary[key + '.ops_s_min']:,.0f}-{summary[key + '.ops_s_max']:,.0f})"
            )
            lines.append(f"{flight:<10}{name:<18}{span:>26}{summary[key + '.cpu_us']:>11,.0f}")
        lines.append(
            f"{'':<10}dynastack/floor ops/s x{summary[f'conc.{flight}.ops_ratio.floor']:.2f}, "
            f"CPU x{summary[f'conc.{flight}.cpu_over_floor']:.2f}; "
            f"dynastack/aiobotocore ops/s x{summary[f'conc.{flight}.ops_ratio.aiobotocore']:.1f}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--endpoint", required=True, help="DynamoDB Local URL")
    parser.add_argument("--seconds", type=float, default=3.0, help="timed seconds per figure")
    parser.add_argument("--warmup", type=float, default=30.0, help="warm-up, in seconds")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    summary = run(args.endpoint, args.seconds, warmup=args.warmup, rounds=args.rounds)
    print(table(summary))
    print(json.dumps(summary, indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
