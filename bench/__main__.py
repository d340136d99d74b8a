"""``python -m bench`` (``make bench``): every benchmark in one run, a table, and a JSON file.

Why one run: absolute figures on this kind of machine move by 1.5-1.8x within half an hour,
while ratios measured side by side hold within ~10% (PERFORMANCE.md). So every contender runs
in this process, on the same DynamoDB Local, tables and items, after one shared warm-up, and
the results file keeps every figure with the ratios next to them.

DynamoDB Local is started in memory on a free port unless ``--endpoint`` names a running one.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"

#: (name, needs a server, runner(endpoint, seconds, warmup) -> figures)
Bench = tuple[str, bool, Callable[[str, float, float], dict[str, float]]]


def _codec(endpoint: str, seconds: float, warmup: float) -> dict[str, float]:
    from bench import codec

    return codec.run(seconds)


def _client(endpoint: str, seconds: float, warmup: float) -> dict[str, float]:
    from bench import client

    return client.run(endpoint, seconds, warmup=warmup)


BENCHES: list[Bench] = [
    ("codec", False, _codec),
    ("client", True, _client),
]


def _extra_benches() -> list[Bench]:
    # later benchmarks register themselves by module; missing ones are simply not run
    found: list[Bench] = []
    for name, needs_server in (
        ("entity", False),
        ("repository", True),
        ("concurrency", True),
        ("api", True),
    ):
        try:
            module = __import__(f"bench.{name}", fromlist=["run"])
        except ImportError:
            continue
        found.append((name, needs_server, _adapter(module.run)))
    return found


def _adapter(
    run: Callable[..., dict[str, float]],
) -> Callable[[str, float, float], dict[str, float]]:
    def call(endpoint: str, seconds: float, warmup: float) -> dict[str, float]:
        return run(endpoint, seconds, warmup=warmup)

    return call


def _table(figures: dict[str, float]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="dynastack benchmarks (ratios are side by side, same run)")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key in sorted(figures):
        value = figures[key]
        style = "bold green" if "ratio" in key else ""
        table.add_row(key, f"{value:,.2f}", style=style)
    Console().print(table)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--endpoint", help="a running DynamoDB Local (default: start one)")
    parser.add_argument("--seconds", type=float, default=3.0, help="timed seconds per figure")
    parser.add_argument("--warmup", type=float, default=35.0, help="DynamoDB Local JIT warm-up")
    parser.add_argument("--only", action="append", help="run only these benchmarks")
    parser.add_argument("--out", type=Path, default=RESULTS / "latest.json")
    args = parser.parse_args(argv)

    benches = [b for b in BENCHES + _extra_benches() if not args.only or b[0] in args.only]
    server = None
    endpoint = args.endpoint or ""
    if not endpoint and any(needs for _, needs, _ in benches):
        from dynastack.local import LocalServer

        server = LocalServer(state_dir=tempfile.mkdtemp(prefix="dynastack-bench-"))
        endpoint = server.start(in_memory=True).endpoint
        print(f"DynamoDB Local (in memory) at {endpoint}", file=sys.stderr)
    figures: dict[str, float] = {}
    timings: dict[str, float] = {}
    try:
        warmup = args.warmup
        for name, _needs, runner in benches:
            started = time.perf_counter()
            print(f"running {name} …", file=sys.stderr)
            figures.update(runner(endpoint, args.seconds, warmup))
            timings[name] = round(time.perf_counter() - started, 1)
            if _needs:
                warmup = min(warmup, 5.0)  # the server is warm after the first server bench
    finally:
        if server is not None:
            server.stop()
    report: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "machine": f"{platform.machine()} {platform.system()}",
        "seconds_per_figure": args.seconds,
        "warmup_seconds": args.warmup,
        "bench_seconds": timings,
        "figures": figures,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    _table(figures)
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
