"""Codec benchmark: dynastack's encode_item/decode_item against boto3 (and PynamoDB).

Why: the codec sits on every read and write, and PERFORMANCE.md sets its target as a ratio to
boto3's TypeSerializer/TypeDeserializer measured in the same run (absolute figures move by
1.5-1.8x between runs on this machine; ratios do not). The item is a realistic 15-attribute
record: strings, ints, a Decimal, a float, a bool, a None, a list, a nested map, a string set,
bytes and a datetime. boto3 gets the equivalent item it can take (Decimal for the float, an
ISO string for the datetime, raw bytes for B on decode, as botocore hands them over). A plain
recursive converter without any checks is timed too: the reference point PERFORMANCE.md
quotes.

Run: ``python -m bench.codec`` prints the figures as a dict.
"""

from __future__ import annotations

import base64
import datetime as dt
import statistics
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from dynastack.core.values import decode_item, encode_item

ROUNDS = 7


def sample_item() -> dict[str, Any]:
    """The 15-attribute item every codec is timed on (dynastack's own types)."""
    return {
        "pk": "DEPLOYMENT#D1BRV40",
        "sk": "METADATA",
        "organization": "MyOrg",
        "status": "DEPLOYED",
        "version": 7,
        "size_bytes": 123_456_789,
        "price": Decimal("19.99"),
        "ratio": 0.731,
        "active": True,
        "deleted_at": None,
        "regions": ["eu-west-1", "us-east-1", "ap-south-1"],
        "config": {
            "replicas": 3,
            "image": "registry.example.com/app:1.4.2",
            "env": {"LOG_LEVEL": "info", "DEBUG": False},
        },
        "tags": {"prod", "blue", "v2"},
        "checksum": bytes(range(32)),
        "created_at": dt.datetime(2024, 1, 15, 10, 30, 0, 123456, tzinfo=dt.UTC),
    }


def boto3_item() -> dict[str, Any]:
    """The same record as boto3's TypeSerializer accepts it."""
    item = sample_item()
    item["ratio"] = Decimal(repr(item["ratio"]))
    item["created_at"] = "2024-01-15T10:30:00.123456Z"
    return item


def _calls_for(fn: Callable[[], object], seconds: float) -> int:
    """How many calls of fn take about ``seconds`` (after one warm-up call)."""
    fn()  # warm caches (type table, imports)
    calls = 1
    while True:
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed >= 0.005:
            return max(1, int(calls * seconds / elapsed))
        calls *= 2


def _per_item_us(jobs: dict[str, Callable[[], object]], seconds: float) -> dict[str, float]:
    """Median per-call µs of each job over ROUNDS rounds.

    The jobs run interleaved within each round, so that load from other processes on this
    shared machine falls on all of them alike and the ratios stay meaningful.
    """
    share = seconds / ROUNDS / len(jobs)
    calls = {name: _calls_for(fn, share) for name, fn in jobs.items()}
    samples: dict[str, list[float]] = {name: [] for name in jobs}
    for _ in range(ROUNDS):
        for name, fn in jobs.items():
            count = calls[name]
            start = time.perf_counter()
            for _ in range(count):
                fn()
            samples[name].append((time.perf_counter() - start) / count * 1e6)
    return {name: statistics.median(values) for name, values in samples.items()}


def _plain_encode(value: Any) -> dict[str, Any]:
    """The reference point of PERFORMANCE.md: a plain recursive converter, no checks at all."""
    kind = type(value)
    if kind is str:
        return {"S": value}
    if kind is bool:
        return {"BOOL": value}
    if kind is int or kind is Decimal or kind is float:
        return {"N": str(value)}
    if value is None:
        return {"NULL": True}
    if kind is dict:
        return {"M": {k: _plain_encode(v) for k, v in value.items()}}
    if kind is list:
        return {"L": [_plain_encode(v) for v in value]}
    if kind is set:
        return {"SS": sorted(value)}
    if kind is bytes:
        return {"B": base64.b64encode(value).decode()}
    return {"S": value.isoformat()}


def _plain_decode(av: dict[str, Any]) -> Any:
    ((tag, value),) = av.items()
    if tag == "S":
        return value
    if tag == "N":
        return Decimal(value) if "." in value else int(value)
    if tag == "M":
        return {k: _plain_decode(v) for k, v in value.items()}
    if tag == "L":
        return [_plain_decode(v) for v in value]
    if tag == "SS":
        return set(value)
    if tag == "B":
        return base64.b64decode(value)
    return None if tag == "NULL" else value


def _pynamodb_pair() -> tuple[Callable[[], object], Callable[[], object]] | None:
    """PynamoDB's model serialization of the same record, or None if it is not installed."""
    try:
        from pynamodb.attributes import (
            BinaryAttribute,
            BooleanAttribute,
            ListAttribute,
            MapAttribute,
            NumberAttribute,
            UnicodeAttribute,
            UnicodeSetAttribute,
            UTCDateTimeAttribute,
        )
        from pynamodb.models import Model
    except ImportError:  # pragma: no cover - pynamodb is a dev dependency
        return None

    class Deployment(Model):
        class Meta:
            table_name = "bench"
            region = "us-east-1"

        pk = UnicodeAttribute(hash_key=True)
        sk = UnicodeAttribute(range_key=True)
        organization = UnicodeAttribute()
        status = UnicodeAttribute()
        version = NumberAttribute()
        size_bytes = NumberAttribute()
        price = NumberAttribute()
        ratio = NumberAttribute()
        active = BooleanAttribute()
        deleted_at = UnicodeAttribute(null=True)
        regions = ListAttribute(of=UnicodeAttribute)
        config: MapAttribute[str, Any] = MapAttribute()  # type: ignore[no-untyped-call]
        tags = UnicodeSetAttribute()
        checksum = BinaryAttribute(legacy_encoding=False)
        created_at = UTCDateTimeAttribute()

    values = sample_item()
    values["price"] = float(values["price"])  # PynamoDB numbers are JSON floats
    model = Deployment(**values)
    wire = model.serialize()
    return model.serialize, lambda: Deployment.from_raw_data(wire)


def run(seconds: float = 2.0) -> dict[str, float]:
    """Time encode and decode per item for each codec; ratios are boto3 µs / dynastack µs.

    >>> figures = run(0.05)
    >>> figures["codec.encode.ratio"] > 0 and figures["codec.decode.ratio"] > 0
    True
    """
    from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

    item = sample_item()
    wire = encode_item(item)
    serializer, deserializer = TypeSerializer(), TypeDeserializer()
    b_item = boto3_item()
    b_wire = {k: serializer.serialize(v) for k, v in b_item.items()}

    def boto3_encode() -> object:
        return {k: serializer.serialize(v) for k, v in b_item.items()}

    def boto3_decode() -> object:
        return {k: deserializer.deserialize(v) for k, v in b_wire.items()}

    jobs: dict[str, Callable[[], object]] = {
        "codec.encode.dynastack_us": lambda: encode_item(item),
        "codec.encode.boto3_us": boto3_encode,
        "codec.decode.dynastack_us": lambda: decode_item(wire),
        "codec.decode.boto3_us": boto3_decode,
        "codec.encode.plain_us": lambda: {k: _plain_encode(v) for k, v in item.items()},
        "codec.decode.plain_us": lambda: {k: _plain_decode(v) for k, v in wire.items()},
    }
    pynamodb = _pynamodb_pair()
    if pynamodb is not None:
        jobs["codec.encode.pynamodb_us"], jobs["codec.decode.pynamodb_us"] = pynamodb
    figures = _per_item_us(jobs, seconds)
    for step in ("encode", "decode"):
        ours = figures[f"codec.{step}.dynastack_us"]
        figures[f"codec.{step}.ratio"] = figures[f"codec.{step}.boto3_us"] / ours
        if pynamodb is not None:
            figures[f"codec.{step}.pynamodb_ratio"] = figures[f"codec.{step}.pynamodb_us"] / ours
        figures[f"codec.{step}.plain_ratio"] = figures[f"codec.{step}.plain_us"] / ours
    return {key: round(value, 3) for key, value in figures.items()}


if __name__ == "__main__":
    print(run())
