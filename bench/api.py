"""API benchmark: dynastack's REST endpoints against FastAPI + aiobotocore and a raw floor.

Why: issue 8 and PERFORMANCE.md set the API's targets as ratios in one run: REST get-by-id
≥ 4x a hand-written FastAPI + aiobotocore endpoint doing the same GetItem, ≥ 60% of a bare
ASGI endpoint calling DynamoDB over a raw asyncio connection (the floor), p99 < 50 ms; and a
list of 20 through an index against the same FastAPI baseline. Each contender is one uvicorn
worker in its own process (bench/api_servers.py), all on the same DynamoDB Local, table and
items; wrk (Debian's, installed with apt-get when missing) is the load generator, in its own
process. DynamoDB Local is warmed up first (its JIT needs 30-45 s), then the contenders run
alternately, ``ROUNDS`` times each, and the medians are reported.

Run: ``python -m bench.api [--endpoint URL] [--seconds 10] [--warmup 40]`` prints JSON and
writes bench/results/api-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from bench.api_servers import ID, ORG

RESULTS = Path(__file__).resolve().parent / "results"
ROUNDS = 3
CONNECTIONS = 32
#: (figure name, contender, path)
CASES = [
    ("get.dynastack", "dynastack", f"/deployments/{ID}"),
    ("get.fastapi_aiobotocore", "fastapi", f"/deployments/{ID}"),
    ("get.floor", "floor", "/"),
    (
        "list20.dynastack",
        "dynastack",
        f"/deployments/index/OrganizationIndex?organization={ORG}&limit=20",
    ),
    (
        "list20.fastapi_aiobotocore",
        "fastapi",
        f"/deployments/index/OrganizationIndex?organization={ORG}&limit=20",
    ),
    ("get.dynastack_auth", "dynastack-auth", f"/deployments/{ID}"),
]


def ensure_wrk() -> str:
    """The path of ``wrk``, installed from Debian's package when missing (needs root)."""
    found = shutil.which("wrk")
    if found is None:
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True)
        found = shutil.which("wrk")
    if found is None:
        raise SystemExit("wrk is not installed and apt-get could not install it")
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def seed(endpoint: str, env: str) -> None:
    """The deployments table, the one item every get reads, and 20 items of one organization."""
    from examples.cloud_platform.models import Deployment

    from dynastack.client import Client
    from dynastack.provisioning import ensure_table
    from dynastack.repository import Repository
    from examples.cloud_platform import app

    client = Client.local(endpoint)
    try:
        for spec in app.table_specs(env=env):
            ensure_table(spec, client)
        repo = Repository(Deployment, client, env=env)
        fields = {"project": "p", "domain": "d.example", "template": "t", "created_by": "bench"}
        repo.put(Deployment(deployment_id=ID, organization="Solo", **fields))
        for _ in range(20):
            repo.put(Deployment(organization=ORG, **fields))
    finally:
        client.close()


class Served:
    """One contender's uvicorn process."""

    def __init__(self, kind: str, endpoint: str, env: str, extra_env: dict[str, str]) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.api_servers", kind, str(self.port), endpoint, env],
            env={**os.environ, **extra_env},
        )

    def wait(self, path: str, headers: dict[str, str]) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"a contender exited with {self.process.returncode}")
            try:
                request = urllib.request.Request(self.url + path, headers=headers)
                with urllib.request.urlopen(request, timeout=5) as reply:
                    if reply.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)  # polling a starting server: a bench, not a test
        raise SystemExit(f"{self.url} did not answer within 60 s")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def wrk(binary: str, url: str, seconds: float, headers: dict[str, str]) -> dict[str, float]:
    """Requests/s and p99 (ms) of one wrk run; non-2xx answers are counted as errors."""
    args = [binary, "-t2", f"-c{CONNECTIONS}", f"-d{int(seconds)}s", "--latency", url]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99_match = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    assert p99_match is not None, out
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99_match.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {
        "rps": rps,
        "p99_ms": float(p99_match.group(1)) * scale,
        "non_2xx": float(errors.group(1)) if errors else 0.0,
    }


def run(
    endpoint: str, seconds: float = 10.0, *, warmup: float = 40.0, rounds: int = ROUNDS
) -> dict[str, float]:
    binary = ensure_wrk()
    env = "bench" + os.urandom(3).hex()
    seed(endpoint, env)
    token_dir = tempfile.mkdtemp(prefix="dynastack-bench-auth-")
    from dynastack.auth import DevIssuer

    token = DevIssuer(token_dir).issue("bench", groups=["Administrators"])
    auth = {"Authorization": f"Bearer {token}"}
    kinds = sorted({kind for _, kind, _ in CASES})
    servers = {k: Served(k, endpoint, env, {"BENCH_TOKEN_DIR": token_dir}) for k in kinds}
    try:
        for kind, server in servers.items():
            server.wait(CASES[[c[1] for c in CASES].index(kind)][2], auth)
        # warm DynamoDB Local's JIT (and each server) before any timed phase
        share = max(1.0, warmup / len(CASES))
        for _, kind, path in CASES:
            wrk(binary, servers[kind].url + path, share, auth)
        samples: dict[str, list[dict[str, float]]] = {name: [] for name, _, _ in CASES}
        for _ in range(rounds):  # alternately, so drift hits every contender alike
            for name, kind, path in CASES:
                samples[name].append(wrk(binary, servers[kind].url + path, seconds, auth))
    finally:
        for server in servers.values():
            server.stop()
    figures: dict[str, float] = {}
    for name, runs in samples.items():
        figures[f"api.{name}.rps"] = statistics.median(r["rps"] for r in runs)
        figures[f"api.{name}.rps_min"] = min(r["rps"] for r in runs)
        figures[f"api.{name}.rps_max"] = max(r["rps"] for r in runs)
        figures[f"api.{name}.p99_ms"] = statistics.median(r["p99_ms"] for r in runs)
        figures[f"api.{name}.non_2xx"] = sum(r["non_2xx"] for r in runs)

    def ratio(a: str, b: str) -> float:
        return round(figures[f"api.{a}.rps"] / figures[f"api.{b}.rps"], 3)

    figures["api.ratio.get_vs_fastapi_aiobotocore"] = ratio(
        "get.dynastack", "get.fastapi_aiobotocore"
    )
    figures["api.ratio.get_vs_floor"] = ratio("get.dynastack", "get.floor")
    figures["api.ratio.list20_vs_fastapi_aiobotocore"] = ratio(
        "list20.dynastack", "list20.fastapi_aiobotocore"
    )
    figures["api.ratio.get_auth_vs_fastapi_aiobotocore"] = ratio(
        "get.dynastack_auth", "get.fastapi_aiobotocore"
    )
    figures["api.ratio.get_auth_vs_floor"] = ratio("get.dynastack_auth", "get.floor")
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.api", description=__doc__)
    parser.add_argument("--endpoint", help="a running DynamoDB Local (default: start one)")
    parser.add_argument("--seconds", type=float, default=10.0, help="per timed wrk run")
    parser.add_argument("--warmup", type=float, default=40.0, help="warm-up load, seconds")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    args = parser.parse_args(argv)
    server = None
    endpoint = args.endpoint or ""
    if not endpoint:
        from dynastack.local import LocalServer

        server = LocalServer(state_dir=tempfile.mkdtemp(prefix="dynastack-bench-"))
        endpoint = server.start(in_memory=True).endpoint
    try:
        figures = run(endpoint, args.seconds, warmup=args.warmup, rounds=args.rounds)
    finally:
        if server is not None:
            server.stop()
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "note": "one uvicorn worker per contender, wrk -t2 -c32, DynamoDB Local in memory, "
        "all on one 2-core machine shared with other engineers' test runs",
        "figures": figures,
    }
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"api-{stamp}.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
