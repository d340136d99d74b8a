"""Entity benchmark: a pydantic entity → wire JSON → entity round trip, against boto3 and PynamoDB.

Why: PERFORMANCE.md's "Codec + validation" target is a ratio measured in the same run: the
whole round trip a repository does per item (entity → wire JSON → entity, validation included)
≥ 4x faster than boto3's TypeSerializer/TypeDeserializer path plus ``model_validate``, and
≥ 10x PynamoDB. The codec benchmark times the codec alone; this one adds the model layer and
the JSON step, which is where a user's CPU actually goes.

The entity is a realistic 15-field record shaped like seed 000's ``Deployment``: str ids with
a pattern, an enum status, datetimes, an int version, a ``Decimal`` cost, a ``float`` ratio, a
list of str, a nested dict, two optional fields (one set, one ``None``) and bytes.

Contenders, each timed as encode only, decode only and the round trip (µs per item):

* ``dynastack``: ``entity_to_wire`` → ``orjson.dumps`` → ``orjson.loads`` → ``decode_item`` →
  ``entity_from_item``: the path ``Repository`` runs (writes send the codec's ``WireItem``,
  which the operation passes on unencoded; reads validate what the operation's parse decoded
  with ``entity_from_item``). The reference path it equals, ``to_item`` → ``encode_item`` and
  ``decode_item`` → ``from_item``, is timed too as ``dynastack_plain``;
* ``boto3``: ``model_dump(mode="python")`` plus the conversions boto3 needs (float → Decimal,
  datetime → ISO text, enum → value), the same keys and marker attributes added, TypeSerializer
  per attribute, ``json.dumps`` with base64 for bytes (as botocore sends blobs); then
  ``json.loads``, base64 back to bytes (as botocore's parser does), TypeDeserializer per
  attribute, ``Binary`` → bytes, ``model_validate``. botocore's shape-driven walk of the request
  and response is *not* included, so boto3's figure is a lower bound;
* PynamoDB, with an equivalent ``Model`` (same attributes, ``attr_name`` for the keys; it has
  no exact ``Decimal`` number, so the cost is a float, and no enum attribute, so the status is
  its value), ``json.dumps``/``json.loads`` and base64 as for boto3, three ways:
  ``pynamodb`` is the recipe of the target: the PynamoDB object's ``serialize()``, then
  ``from_raw_data`` and ``model_validate`` of its attribute values; ``pynamodb_native`` stops
  at PynamoDB's own object (nothing validated: the cheapest PynamoDB can be);
  ``pynamodb_pydantic`` does dynastack's whole job, a pydantic entity at both ends (the entity
  becomes a PynamoDB object first).

Timing is CPU time per call (``process_time``), median over interleaved rounds, with the
minimum alongside (``…_us_min``): on this shared machine wall time charges other processes'
bursts to whichever job is running.

``endpoint`` and ``warmup`` are unused (no server is involved); the signature is the bench
runner's. Figures: ``entity.<step>.<contender>_us`` for step in encode, decode, roundtrip, and
``entity.<step>.ratio.<contender>`` = contender µs / dynastack µs.

Run: ``python -m bench.entity [--seconds 3]`` prints the figures as JSON.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import enum
import functools
import json
import statistics
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import orjson
from pydantic import Field

from dynastack.core.values import decode_item, encode_item
from dynastack.model import (
    CreatedAt,
    Entity,
    Index,
    Key,
    Owner,
    Table,
    UpdatedAt,
    Version,
    from_item,
    to_item,
)
from dynastack.model.codec import entity_from_item, entity_to_wire


class DeploymentStatus(enum.Enum):
    """Seed 000's deployment states."""

    INITIALIZED = "initialized"
    DEPLOYING = "deploying"
    DEPLOYED = "deployed"
    FAILED = "failed"


class Deployment(Entity, table=Table("bench-entity")):
    """The timed entity: 15 fields of the kinds real entities have."""

    __key__ = Key(pk="DEPLOYMENT#{deployment_id}", sk="METADATA")
    __indexes__ = (
        Index("OrganizationIndex", pk="organization", sk="created_at"),
        Index("StatusIndex", pk="status", sk="updated_at"),
    )
    deployment_id: str = Field(pattern=r"^D[A-Z0-9]{6}$")
    organization: str
    project: str
    status: DeploymentStatus
    created_by: Owner[str]
    version: Version = 1
    created_at: CreatedAt
    updated_at: UpdatedAt
    cost: Decimal
    ratio: float
    tags: list[str]
    metadata: dict[str, Any]
    description: str | None = None
    finished_at: dt.datetime | None = None
    checksum: bytes


def sample_entity() -> Deployment:
    """The one entity every contender round-trips."""
    return Deployment(
        deployment_id="D1BRV40",
        organization="MyOrg",
        project="storefront",
        status=DeploymentStatus.DEPLOYED,
        created_by="3f1c9a52-7d2e-4b8a-9c41-0e6f5a7b8c9d",
        version=7,
        created_at=dt.datetime(2024, 1, 15, 10, 30, 0, 123456, tzinfo=dt.UTC),
        updated_at=dt.datetime(2024, 1, 16, 8, 5, 12, 654321, tzinfo=dt.UTC),
        cost=Decimal("19.99"),
        ratio=0.731,
        tags=["prod", "blue", "v2"],
        metadata={
            "replicas": 3,
            "image": "registry.example.com/app:1.4.2",
            "env": {"LOG_LEVEL": "info", "DEBUG": False},
        },
        description="Main storefront, blue/green",
        checksum=bytes(range(32)),
    )


# --- boto3 ------------------------------------------------------------------------------


def _b64(value: object) -> str:
    # botocore base64-encodes blob members before json.dumps
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def _for_boto3(value: Any) -> Any:
    """What TypeSerializer accepts: it rejects floats, datetimes and enums."""
    kind = type(value)
    if kind is float:
        return Decimal(repr(value))
    if kind is dict:
        return {k: _for_boto3(v) for k, v in value.items()}
    if kind is list:
        return [_for_boto3(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _boto3_pair() -> tuple[Callable[[Deployment], str], Callable[[str], Deployment]]:
    from boto3.dynamodb.types import Binary, TypeDeserializer, TypeSerializer

    serialize = TypeSerializer().serialize
    deserialize = TypeDeserializer().deserialize

    def encode(entity: Deployment) -> str:
        item: dict[str, Any] = {
            "PK": f"DEPLOYMENT#{entity.deployment_id}",
            "SK": "METADATA",
            "_type": "Deployment",
        }
        for name, value in entity.model_dump(mode="python").items():
            if value is not None:
                item[name] = _for_boto3(value)
        wire = {name: serialize(value) for name, value in item.items()}
        return json.dumps(wire, default=_b64)

    def decode(text: str) -> Deployment:
        wire = json.loads(text)
        for av in wire.values():
            if "B" in av:  # botocore's parser hands blobs over as bytes
                av["B"] = base64.b64decode(av["B"])
        data = {}
        for name, av in wire.items():
            value = deserialize(av)
            # Binary wraps the bytes; the model wants them plain
            data[name] = value.value if isinstance(value, Binary) else value  # type: ignore[attr-defined]
        return Deployment.model_validate(data)

    return encode, decode


# --- PynamoDB ---------------------------------------------------------------------------


def _pynamodb_model() -> Any:
    from pynamodb.attributes import (
        BinaryAttribute,
        ListAttribute,
        MapAttribute,
        NumberAttribute,
        UnicodeAttribute,
        UTCDateTimeAttribute,
    )
    from pynamodb.models import Model

    class PynamoDeployment(Model):
        class Meta:
            table_name = "bench-entity"
            region = "us-east-1"

        pk = UnicodeAttribute(hash_key=True, attr_name="PK")
        sk = UnicodeAttribute(range_key=True, attr_name="SK")
        entity_type = UnicodeAttribute(attr_name="_type")
        deployment_id = UnicodeAttribute()
        organization = UnicodeAttribute()
        project = UnicodeAttribute()
        status = UnicodeAttribute()  # PynamoDB has no enum attribute: the value is stored
        created_by = UnicodeAttribute()
        version = NumberAttribute()
        created_at = UTCDateTimeAttribute()
        updated_at = UTCDateTimeAttribute()
        cost = NumberAttribute()  # a float: PynamoDB numbers are JSON floats
        ratio = NumberAttribute()
        tags = ListAttribute(of=UnicodeAttribute)
        metadata: MapAttribute[str, Any] = MapAttribute()  # type: ignore[no-untyped-call]
        description = UnicodeAttribute(null=True)
        finished_at = UTCDateTimeAttribute(null=True)
        checksum = BinaryAttribute(legacy_encoding=False)

    return PynamoDeployment


def _from_pynamodb_wire(text: str) -> dict[str, Any]:
    wire: dict[str, Any] = json.loads(text)
    for av in wire.values():
        if "B" in av:  # botocore's parser hands blobs over as bytes
            av["B"] = base64.b64decode(av["B"])
    return wire


def _to_pynamodb(model_cls: Any, entity: Deployment) -> Any:
    """A pydantic entity as the equivalent PynamoDB object (what a pydantic app must do)."""
    values = entity.model_dump(mode="python", exclude_none=True)
    values["status"] = entity.status.value
    values["cost"] = float(entity.cost)
    return model_cls(
        pk=f"DEPLOYMENT#{entity.deployment_id}", sk="METADATA", entity_type="Deployment", **values
    )


def _validated(model: Any) -> Deployment:
    data = dict(model.attribute_values)
    data["metadata"] = data["metadata"].as_dict()  # a raw MapAttribute
    return Deployment.model_validate(data)


PynamoPairs = dict[str, tuple[Callable[[], str], Callable[[str], object]]]


def _pynamodb_pairs(entity: Deployment) -> PynamoPairs:
    """The three PynamoDB contenders, from the brief's recipe to the full pydantic job.

    * ``pynamodb``: the PynamoDB object ``serialize()`` → ``json.dumps``; ``json.loads`` →
      ``from_raw_data`` → ``model_validate`` of its attribute values;
    * ``pynamodb_native``: the same, ending at PynamoDB's own object (nothing validated);
    * ``pynamodb_pydantic``: the same job as dynastack's, a pydantic entity at both ends
      (``model_dump`` → PynamoDB object → … → ``model_validate``).
    """
    model_cls = _pynamodb_model()
    model = _to_pynamodb(model_cls, entity)

    def encode() -> str:
        return json.dumps(model.serialize(), default=_b64)

    def decode_native(text: str) -> object:
        return model_cls.from_raw_data(_from_pynamodb_wire(text))

    def decode(text: str) -> Deployment:
        return _validated(decode_native(text))

    def encode_pydantic() -> str:
        return json.dumps(_to_pynamodb(model_cls, entity).serialize(), default=_b64)

    return {
        "pynamodb": (encode, decode),
        "pynamodb_native": (encode, decode_native),
        "pynamodb_pydantic": (encode_pydantic, decode),
    }


# --- timing ---------------------------------------------------------------------------

ROUNDS = 15


def _cpu_per_call_us(
    jobs: dict[str, Callable[[], object]], seconds: float
) -> dict[str, tuple[float, float]]:
    """(median, min) CPU µs per call of each job over ROUNDS interleaved rounds.

    CPU time (``process_time``), not wall time: on this shared 2-core machine other processes
    take the CPU away in bursts, which wall time would charge to whichever job was running.
    Interleaving spreads the remaining interference (caches, frequency) over all jobs alike.
    """
    share = seconds / ROUNDS / len(jobs)
    counts = {}
    for name, fn in jobs.items():
        fn()  # warm caches and plans
        start = time.process_time()
        calls = 0
        while time.process_time() - start < min(share, 0.02) or calls < 10:
            fn()
            calls += 1
        per_call = (time.process_time() - start) / calls
        counts[name] = max(10, int(share / per_call))
    samples: dict[str, list[float]] = {name: [] for name in jobs}
    for _ in range(ROUNDS):
        for name, fn in jobs.items():
            count = counts[name]
            start = time.process_time()
            for _ in range(count):
                fn()
            samples[name].append((time.process_time() - start) / count * 1e6)
    return {name: (statistics.median(v), min(v)) for name, v in samples.items()}


# --- the run ----------------------------------------------------------------------------


def run(endpoint: str, seconds: float, *, warmup: float = 0.0) -> dict[str, float]:
    """Time each contender's encode, decode and round trip; ratios are theirs / dynastack's.

    >>> figures = run("", 0.5)
    >>> figures["entity.roundtrip.ratio.boto3"] > 0 < figures["entity.roundtrip.ratio.pynamodb"]
    True
    """
    del endpoint, warmup  # no server involved
    entity = sample_entity()
    b_encode, b_decode = _boto3_pair()

    def ours_encode() -> bytes:
        return orjson.dumps(entity_to_wire(entity))

    def ours_decode(text: bytes) -> Deployment:  # GetItem.parse decodes, plans.accept validates
        return entity_from_item(Deployment, decode_item(orjson.loads(text)))

    def plain_encode() -> bytes:
        return orjson.dumps(encode_item(to_item(entity)))

    def plain_decode(text: bytes) -> Deployment:
        return from_item(Deployment, decode_item(orjson.loads(text)))

    # (encode, decode of encode's output) per contender, with the output to decode
    pairs: dict[str, tuple[Callable[[], Any], Callable[[Any], object]]] = {
        "dynastack": (ours_encode, ours_decode),
        "dynastack_plain": (plain_encode, plain_decode),
        "boto3": (lambda: b_encode(entity), b_decode),
        **_pynamodb_pairs(entity),
    }
    for name, (encode, decode) in pairs.items():
        if name != "pynamodb_native":
            assert decode(encode()) == entity, name
    jobs: dict[str, Callable[[], object]] = {}
    for name, (encode, decode) in pairs.items():
        text = encode()
        jobs[f"entity.encode.{name}_us"] = encode
        jobs[f"entity.decode.{name}_us"] = functools.partial(decode, text)
        jobs[f"entity.roundtrip.{name}_us"] = functools.partial(_both, encode, decode)
    timed = _cpu_per_call_us(jobs, seconds)
    figures = {name: median for name, (median, _) in timed.items()}
    figures.update({f"{name}_min": low for name, (_, low) in timed.items()})
    for step in ("encode", "decode", "roundtrip"):
        ours = figures[f"entity.{step}.dynastack_us"]
        for name in pairs:
            if name != "dynastack":
                figures[f"entity.{step}.ratio.{name}"] = figures[f"entity.{step}.{name}_us"] / ours
    return {key: round(value, 3) for key, value in sorted(figures.items())}


def _both(encode: Callable[[], Any], decode: Callable[[Any], object]) -> object:
    return decode(encode())


def main(argv: list[str] | None = None) -> None:
    """``python -m bench.entity``: print the figures as JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.entity", description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0, help="timed seconds in all")
    args = parser.parse_args(argv)
    print(json.dumps(run("", args.seconds), indent=2))


if __name__ == "__main__":
    main()
