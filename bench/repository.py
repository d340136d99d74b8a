"""Repository benchmark: ``Repository.get``/``query`` against boto3's ``Table`` and PynamoDB.

Why: issue 3 asks for the repository layer side by side with what users would otherwise write,
in the same run (PERFORMANCE.md: ratios measured together hold within ~10% while absolute
figures drift 1.5-1.8x). The client benchmark times raw operations; this one times the whole
read path a service runs per request: key from fields → request → HTTP → parse → a validated
entity (or a page of them).

Workload: one table provisioned from ``Deployment`` below (seed 000's shape: ``DEPLOYMENT#{id}``
/ ``METADATA``, GSI ``OrganizationIndex`` on organization + created_at, 12 fields incl. an enum,
two datetimes, a ``Decimal``, a list and a map), loaded with ``ITEMS`` items through
``Repository.batch_write``, ``ITEMS // ORGS`` per organization, so a query for one organization
with ``limit=20`` returns a full page and a continuation (cursor / ``LastEvaluatedKey``). Every
contender reads these same items in the same table; gets cycle through all ids, queries through
all organizations.

Contenders (operation ``get`` and ``query``):

* ``dynastack``: ``Repository.get(deployment_id=…)`` and
  ``Repository.query("OrganizationIndex", organization=…, limit=20)`` (validated entities, a
  sealed cursor);
* ``dynastack_async``: the same through ``AsyncRepository``, awaited one after the other in
  one event loop;
* ``boto3``: what a hand-written service does: the boto3 resource ``Table.get_item`` /
  ``Table.query(IndexName=…, KeyConditionExpression=Key("organization").eq(…), Limit=20)``
  followed by ``Deployment.model_validate`` of each item; ``boto3_raw`` stops at boto3's
  dicts (nothing validated: the cheapest boto3 can be);
* ``pynamodb``: a PynamoDB ``Model`` over the same table and attributes (``Model.get``,
  ``Index.query(…, limit=20)``) and ``model_validate`` of its attribute values; ``pynamodb_raw``
  stops at PynamoDB's objects. PynamoDB's ``UTCDateTimeAttribute`` cannot read the stored
  timestamps (fixed-width UTC text ending in ``Z``; it wants ``+0000``), so they are plain
  ``UnicodeAttribute`` there and pydantic parses them; its numbers are floats.

Method, as in bench/client.py: DynamoDB Local is warmed up first (``warmup`` s of gets and
queries from 4 threads: its JIT takes 30-45 s to settle); then ``rounds`` rounds in which every
contender runs every operation back to back for ``seconds / rounds`` s, the contenders' order
rotating per round. Per contender and operation: client CPU µs per op (``process_time`` delta /
ops; shows the overhead a busy server hides) and sequential ops/s, as the median over rounds
with min/max. ``seconds`` is the timed time *per figure* (contender x operation): 12 figures.

Figures: ``repo.<op>.<contender>.cpu_us`` (``_min``/``_max``), ``repo.<op>.<contender>.ops_s``;
ratios ``repo.<op>.cpu_ratio.<other>`` = other's CPU / dynastack's and
``repo.<op>.ops_ratio.<other>`` = dynastack's ops/s / other's, for other in boto3, boto3_raw,
pynamodb, pynamodb_raw; ``repo.<op>.async.cpu_ratio.boto3`` / ``…ops_ratio.boto3`` compare
``dynastack_async`` with boto3.

Run: ``python -m bench.repository --endpoint http://127.0.0.1:8000 [--seconds 3] [--warmup 30]
[--rounds 5]`` prints a table and the figures as JSON (about 75 s at the defaults).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import enum
import itertools
import json
import secrets
import statistics
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import boto3
from boto3.dynamodb.conditions import Key as BotoKey
from pydantic import Field

from dynastack.client.async_client import AsyncClient
from dynastack.client.client import Client
from dynastack.client.credentials import local_credentials
from dynastack.core.operations import DeleteTable
from dynastack.errors import ResourceNotFound
from dynastack.model import CreatedAt, Entity, Index, Key, Owner, Table, TableSpec, UpdatedAt
from dynastack.model import Version as VersionField
from dynastack.provisioning import ensure_table
from dynastack.repository import AsyncRepository, Repository

REGION = "us-east-1"  # Client.local's region: DynamoDB Local keeps tables per key id and region
ITEMS = 2_000
ORGS = 50
PAGE = 20
OPERATIONS = ("get", "query")
SYNC = ("dynastack", "boto3", "boto3_raw", "pynamodb", "pynamodb_raw")
CONTENDERS = ("dynastack", "dynastack_async", "boto3", "boto3_raw", "pynamodb", "pynamodb_raw")
OTHERS = ("boto3", "boto3_raw", "pynamodb", "pynamodb_raw")

Sample = tuple[int, float, float]  # ops, wall seconds, CPU seconds


class DeploymentStatus(enum.Enum):
    """Seed 000's deployment states."""

    INITIALIZED = "initialized"
    DEPLOYING = "deploying"
    DEPLOYED = "deployed"
    FAILED = "failed"


class Deployment(Entity, table=Table("bench-repository")):
    """The stored entity: 12 fields of the kinds real entities have."""

    __key__ = Key(pk="DEPLOYMENT#{deployment_id}", sk="METADATA")
    __indexes__ = (Index("OrganizationIndex", pk="organization", sk="created_at"),)
    deployment_id: str = Field(pattern=r"^D[A-Z0-9]{6}$")
    organization: str
    project: str
    status: DeploymentStatus
    created_by: Owner[str]
    version: VersionField = 1
    created_at: CreatedAt
    updated_at: UpdatedAt
    cost: Decimal
    tags: list[str]
    metadata: dict[str, Any]
    description: str | None = None


def make_items(count: int = ITEMS, orgs: int = ORGS) -> list[Deployment]:
    """``count`` deployments spread evenly over ``orgs`` organizations (deterministic).

    >>> items = make_items(100, orgs=4)
    >>> sum(d.organization == "org-001" for d in items), items[7].deployment_id
    (25, 'D000007')
    """
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    statuses = list(DeploymentStatus)
    return [
        Deployment(
            deployment_id=f"D{i:06d}",
            organization=f"org-{i % orgs:03d}",
            project=f"project-{i % 7}",
            status=statuses[i % len(statuses)],
            created_by=f"user-{i % 13:04d}",
            version=1 + i % 5,
            created_at=start + dt.timedelta(minutes=i, microseconds=i),
            updated_at=start + dt.timedelta(minutes=i + 30),
            cost=Decimal(f"{i % 100}.{i % 97:02d}"),
            tags=["prod" if i % 2 else "staging", f"team-{i % 4}", "v2"],
            metadata={
                "replicas": 1 + i % 3,
                "image": f"registry.example.com/app:1.{i % 10}.2",
                "env": {"LOG_LEVEL": "info", "DEBUG": i % 5 == 0},
            },
            description=None if i % 3 == 0 else f"deployment number {i}",
        )
        for i in range(count)
    ]


def _validated_pynamodb(model: Any) -> Deployment:
    data = dict(model.attribute_values)
    data["metadata"] = data["metadata"].as_dict()  # a raw MapAttribute
    return Deployment.model_validate(data)


def _pynamodb_model(table: str, endpoint: str) -> Any:
    """A PynamoDB model of the stored items (attribute names as dynastack stores them)."""
    from pynamodb.attributes import (
        ListAttribute,
        MapAttribute,
        NumberAttribute,
        UnicodeAttribute,
    )
    from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
    from pynamodb.models import Model

    creds = local_credentials().get()

    class OrganizationIndex(GlobalSecondaryIndex[Any]):  # type: ignore[no-untyped-call]
        class Meta:
            index_name = "OrganizationIndex"
            projection = AllProjection()

        organization = UnicodeAttribute(hash_key=True)
        created_at = UnicodeAttribute(range_key=True)

    class PynamoDeployment(Model):
        class Meta:
            table_name = table
            host = endpoint
            region = REGION
            aws_access_key_id = creds.access_key
            aws_secret_access_key = creds.secret_key

        pk = UnicodeAttribute(hash_key=True, attr_name="PK")
        sk = UnicodeAttribute(range_key=True, attr_name="SK")
        entity_type = UnicodeAttribute(attr_name="_type")
        write_token = UnicodeAttribute(attr_name="_wt", null=True)
        deployment_id = UnicodeAttribute()
        organization = UnicodeAttribute()
        project = UnicodeAttribute()
        status = UnicodeAttribute()  # no enum attribute: the value is stored
        created_by = UnicodeAttribute()
        version = NumberAttribute()
        created_at = UnicodeAttribute()  # UTCDateTimeAttribute cannot read "…Z" (see docstring)
        updated_at = UnicodeAttribute()
        cost = NumberAttribute()  # a float: PynamoDB numbers are JSON floats
        tags = ListAttribute(of=UnicodeAttribute)
        metadata: MapAttribute[str, Any] = MapAttribute()  # type: ignore[no-untyped-call]
        description = UnicodeAttribute(null=True)
        by_organization = OrganizationIndex()

    return PynamoDeployment


class Workload:
    """The table, items and per-contender calls; every contender reads the same items."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.env = uuid.uuid4().hex[:8]
        self.spec = TableSpec.compile(Deployment.__dynastack__.table, env=self.env)
        self.table = self.spec.name
        self.items = make_items()
        self.ids = [d.deployment_id for d in self.items]
        self.orgs = sorted({d.organization for d in self.items})
        # a configured key, as a deployed service has (the default per-process key warns)
        self.cursor_key = secrets.token_bytes(32)

    def setup(self, client: Client) -> None:
        """Provision the table from the entity and load the items (batch writes)."""
        ensure_table(self.spec, client)
        self.repository(client).batch_write(self.items)

    def repository(self, client: Client) -> Repository[Deployment]:
        """A repository on the benchmark table."""
        return Repository(Deployment, client, env=self.env, cursor_key=self.cursor_key)

    def async_repository(self, client: AsyncClient) -> AsyncRepository[Deployment]:
        """An async repository on the benchmark table."""
        return AsyncRepository(Deployment, client, env=self.env, cursor_key=self.cursor_key)

    def dynastack_calls(self, repo: Repository[Deployment]) -> dict[str, Callable[[], object]]:
        """``get`` and ``query`` through a ``Repository``."""
        ids, orgs = itertools.cycle(self.ids), itertools.cycle(self.orgs)
        return {
            "get": lambda: repo.get(deployment_id=next(ids)),
            "query": lambda: repo.query("OrganizationIndex", organization=next(orgs), limit=PAGE),
        }

    def async_calls(
        self, repo: AsyncRepository[Deployment]
    ) -> dict[str, Callable[[], Awaitable[object]]]:
        """``get`` and ``query`` through an ``AsyncRepository``."""
        ids, orgs = itertools.cycle(self.ids), itertools.cycle(self.orgs)
        return {
            "get": lambda: repo.get(deployment_id=next(ids)),
            "query": lambda: repo.query("OrganizationIndex", organization=next(orgs), limit=PAGE),
        }

    def boto3_calls(self, table: Any, *, validate: bool) -> dict[str, Callable[[], object]]:
        """The hand-written service: resource ``Table`` calls, then ``model_validate``."""
        ids, orgs = itertools.cycle(self.ids), itertools.cycle(self.orgs)
        validate_one = Deployment.model_validate

        def get() -> object:
            item = table.get_item(Key={"PK": f"DEPLOYMENT#{next(ids)}", "SK": "METADATA"}).get(
                "Item"
            )
            return validate_one(item) if validate and item is not None else item

        def query() -> object:
            reply = table.query(
                IndexName="OrganizationIndex",
                KeyConditionExpression=BotoKey("organization").eq(next(orgs)),
                Limit=PAGE,
            )
            items = reply["Items"]
            return [validate_one(i) for i in items] if validate else items

        return {"get": get, "query": query}

    def pynamodb_calls(self, model: Any, *, validate: bool) -> dict[str, Callable[[], object]]:
        """PynamoDB ``Model.get`` and ``Index.query``, then ``model_validate`` (or not)."""
        ids, orgs = itertools.cycle(self.ids), itertools.cycle(self.orgs)
        index = model.by_organization

        def get() -> object:
            found = model.get(f"DEPLOYMENT#{next(ids)}", "METADATA")
            return _validated_pynamodb(found) if validate else found

        def query() -> object:
            found = list(index.query(next(orgs), limit=PAGE))
            return [_validated_pynamodb(m) for m in found] if validate else found

        return {"get": get, "query": query}


def _sync_slice(call: Callable[[], object], seconds: float) -> Sample:
    ops = 0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    deadline = wall0 + seconds
    while time.perf_counter() < deadline:
        call()
        ops += 1
    return ops, time.perf_counter() - wall0, time.process_time() - cpu0


async def _async_slice(call: Callable[[], Awaitable[object]], seconds: float) -> Sample:
    ops = 0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    deadline = wall0 + seconds
    while time.perf_counter() < deadline:
        await call()
        ops += 1
    return ops, time.perf_counter() - wall0, time.process_time() - cpu0


async def _call(call: Callable[[], Awaitable[object]]) -> object:
    return await call()


def _warm_up(work: Workload, seconds: float, threads: int = 4) -> int:
    """Gets and queries from ``threads`` threads for ``seconds``: DynamoDB Local's JIT settles."""
    if seconds <= 0:
        return 0
    done = [0] * threads
    deadline = time.perf_counter() + seconds

    def worker(slot: int) -> None:
        with Client.local(work.endpoint, region=REGION, telemetry=False) as client:
            calls = list(work.dynastack_calls(work.repository(client)).values())
            n = 0
            while time.perf_counter() < deadline:
                calls[n % 2]()
                n += 1
            done[slot] = n

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return sum(done)


def _check(results: dict[str, dict[str, Any]]) -> None:
    """Every contender read the same thing before anything is timed (not ``assert``: -O)."""
    got, page = results["dynastack"]["get"], list(results["dynastack"]["query"])
    if not isinstance(got, Deployment) or len(page) != PAGE:
        raise RuntimeError(f"dynastack read {got!r} and a page of {len(page)}, not {PAGE}")
    for name in CONTENDERS[1:]:
        found, items = results[name]["get"], list(results[name]["query"])
        if len(items) != PAGE:
            raise RuntimeError(f"{name}: a page of {len(items)} items, not {PAGE}")
        if not name.endswith("_raw") and (found != got or items != page):
            raise RuntimeError(f"{name} read other entities than dynastack: {found!r}")


def run(
    endpoint: str, seconds: float, *, warmup: float = 30.0, rounds: int = 5
) -> dict[str, float]:
    """Benchmark every contender; a flat dict of medians and ratios (see the module docstring).

    ``seconds`` is the timed time per contender and operation, split over ``rounds``.

    >>> figures = run(os.environ["DYNASTACK_ENDPOINT"], 0.1, warmup=0, rounds=1)
    >>> figures["repo.get.cpu_ratio.boto3"] > 0 < figures["repo.query.ops_ratio.pynamodb"]
    True
    """
    work = Workload(endpoint)
    creds = local_credentials().get()
    setup = Client.local(endpoint, region=REGION)
    runner = asyncio.Runner()
    samples: dict[tuple[str, str], list[Sample]] = {
        (op, name): [] for op in OPERATIONS for name in CONTENDERS
    }
    resource = boto3.resource(
        "dynamodb",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=creds.access_key,
        aws_secret_access_key=creds.secret_key,
    )
    client = Client.local(endpoint, region=REGION)
    aclient = AsyncClient.local(endpoint, region=REGION)
    try:
        started = time.perf_counter()
        work.setup(setup)
        loaded = time.perf_counter() - started
        warmed = _warm_up(work, warmup)
        boto_table = resource.Table(work.table)
        model = _pynamodb_model(work.table, endpoint)
        sync_calls = {
            "dynastack": work.dynastack_calls(work.repository(client)),
            "boto3": work.boto3_calls(boto_table, validate=True),
            "boto3_raw": work.boto3_calls(boto_table, validate=False),
            "pynamodb": work.pynamodb_calls(model, validate=True),
            "pynamodb_raw": work.pynamodb_calls(model, validate=False),
        }
        async_calls = work.async_calls(work.async_repository(aclient))
        # one untimed call each (imports, caches, connections), checked for equal answers
        first: dict[str, dict[str, Any]] = {
            name: {op: call() for op, call in calls.items()} for name, calls in sync_calls.items()
        }
        first["dynastack_async"] = {op: runner.run(_call(c)) for op, c in async_calls.items()}
        _check(first)
        share = seconds / rounds
        for round_no in range(rounds):
            shift = round_no % len(CONTENDERS)
            order = CONTENDERS[shift:] + CONTENDERS[:shift]
            for op in OPERATIONS:
                for name in order:
                    if name in SYNC:
                        result = _sync_slice(sync_calls[name][op], share)
                    else:
                        result = runner.run(_async_slice(async_calls[op], share))
                    samples[(op, name)].append(result)
    finally:
        runner.run(aclient.aclose())
        runner.close()
        client.close()
        resource.meta.client.close()
        with contextlib.suppress(ResourceNotFound):  # setup failed before creating it
            setup.send(DeleteTable(table=work.table))
        setup.close()
    return {**_summarise(samples, warmed), "repo.setup_s": round(loaded, 3)}


def _summarise(samples: dict[tuple[str, str], list[Sample]], warmed: int) -> dict[str, float]:
    summary: dict[str, float] = {
        "repo.warmup_ops": float(warmed),
        "repo.items": float(ITEMS),
        "repo.query_page": float(PAGE),
    }
    for (op, name), runs in samples.items():
        cpu = [c / n * 1e6 for n, _, c in runs if n]
        ops = [n / w for n, w, _ in runs if w > 0]
        summary[f"repo.{op}.{name}.cpu_us"] = statistics.median(cpu)
        summary[f"repo.{op}.{name}.cpu_us_min"] = min(cpu)
        summary[f"repo.{op}.{name}.cpu_us_max"] = max(cpu)
        summary[f"repo.{op}.{name}.ops_s"] = statistics.median(ops)
    for op in OPERATIONS:
        pairs = [(other, "dynastack", f"repo.{op}") for other in OTHERS]
        pairs.append(("boto3", "dynastack_async", f"repo.{op}.async"))
        for other, ours, prefix in pairs:
            summary[f"{prefix}.cpu_ratio.{other}"] = (
                summary[f"repo.{op}.{other}.cpu_us"] / summary[f"repo.{op}.{ours}.cpu_us"]
            )
            summary[f"{prefix}.ops_ratio.{other}"] = (
                summary[f"repo.{op}.{ours}.ops_s"] / summary[f"repo.{op}.{other}.ops_s"]
            )
    return {key: round(value, 3) for key, value in sorted(summary.items())}


def table(summary: dict[str, float]) -> str:
    """A human-readable table of a ``run`` summary."""
    lines = [f"{'operation':<10}{'contender':<18}{'CPU µs/op (min-max)':>26}{'ops/s':>10}"]
    for op in OPERATIONS:
        for name in CONTENDERS:
            base = f"repo.{op}.{name}"
            cpu, low, high = (summary[f"{base}.cpu_us{s}"] for s in ("", "_min", "_max"))
            span = f"{cpu:,.0f} ({low:,.0f}-{high:,.0f})"
            lines.append(f"{op:<10}{name:<18}{span:>26}{summary[f'{base}.ops_s']:>10,.0f}")
        ratios = ", ".join(
            f"{other} CPU x{summary[f'repo.{op}.cpu_ratio.{other}']:.2f} "
            f"ops/s x{summary[f'repo.{op}.ops_ratio.{other}']:.2f}"
            for other in OTHERS
        )
        lines.append(f"{'':<10}vs dynastack: {ratios}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """``python -m bench.repository``: print a table and the figures as JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.repository", description=__doc__)
    parser.add_argument("--endpoint", required=True, help="DynamoDB Local URL")
    parser.add_argument("--seconds", type=float, default=3.0, help="timed seconds per figure")
    parser.add_argument("--warmup", type=float, default=30.0, help="warm-up, in seconds")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    summary = run(args.endpoint, args.seconds, warmup=args.warmup, rounds=args.rounds)
    print(table(summary))
    print(json.dumps(summary, indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
