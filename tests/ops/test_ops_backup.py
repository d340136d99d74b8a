"""Export and import on DynamoDB Local: an exact round trip, and every refusal before a write.

Items are written and compared in DynamoDB's wire format, so "identical" means what DynamoDB
stores, not what a decoder makes of it: 38-digit numbers, binaries, sets, nested maps and
unicode. Set members are sorted before comparing: DynamoDB sets are unordered, and the order
in a reply is not part of the value.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from dynastack.client.client import Client
from dynastack.client.transport import HttpTransport
from dynastack.core.operations.raw import RawCall
from dynastack.core.wire import HttpRequest, HttpResponse
from dynastack.errors import ConfigurationError, Throttled
from dynastack.model import TableSpec
from dynastack.ops.backup import export_app
from dynastack.ops.manifest import MANIFEST_NAME, file_digest, read_manifest
from dynastack.ops.restore import MAX_ROUNDS, import_app

from .ops_sample_app import app as sample_app

pytestmark = pytest.mark.integration

MakeTables = Callable[..., list[TableSpec]]
BIG_38 = "12345678901234567890123456789012345678"
SMALL_38 = "0.12345678901234567890123456789012345678"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def odd_items() -> list[dict[str, Any]]:
    """Orders with every value kind DynamoDB has, at its edges."""
    return [
        {
            "PK": {"S": "CUSTOMER#Zoë 😀 日本"},
            "SK": {"S": "ORDER#1"},
            "status": {"S": "NEW"},
            "placed": {"N": "1700000000"},
            "total": {"N": BIG_38},
            "price": {"N": SMALL_38},
            "negative": {"N": "-9.9999999999999999999999999999999999999E+125"},
            "tiny": {"N": "1E-130"},
            "blob": {"B": b64(bytes(range(256)))},
            "blobs": {"BS": [b64(b"\x00"), b64(b"\xff\xfe"), b64("é".encode())]},
            "tags": {"SS": ["a", "ß", "日本", " spaced "]},
            "scores": {"NS": ["1", "-2.5", "1E+100", BIG_38]},
            "empty": {"S": ""},
        },
        {
            "PK": {"S": "CUSTOMER#Zoë 😀 日本"},
            "SK": {"S": "ORDER#2"},
            "nested": {
                "M": {
                    "list": {
                        "L": [
                            {"N": "1"},
                            {"S": "x"},
                            {"BOOL": True},
                            {"NULL": True},
                            {"M": {}},
                            {"L": []},
                            {"B": b64(b"\x01\x02")},
                        ]
                    },
                    "deep": {"M": {"a": {"M": {"b": {"M": {"c": {"S": "ünïcødé"}}}}}}},
                }
            },
            "flag": {"BOOL": False},
            "nothing": {"NULL": True},
        },
        *(
            {
                "PK": {"S": f"CUSTOMER#{n % 7}"},
                "SK": {"S": f"ORDER#{n:05d}"},
                "status": {"S": "PAID" if n % 2 else "NEW"},
                "placed": {"N": str(1_700_000_000 + n)},
                "total": {"N": f"{n}.{n:02d}"},
            }
            for n in range(60)
        ),
    ]


def big_blobs(count: int = 24) -> list[dict[str, Any]]:
    """~60 KB each: a scan of them takes more than one 1 MB page."""
    return [
        {"blob_id": {"S": f"b{n:03d}"}, "data": {"B": b64(bytes([n]) * 60_000)}}
        for n in range(count)
    ]


def put_all(client: Client, table: str, items: list[dict[str, Any]]) -> None:
    for item in items:
        client.send(RawCall.of("PutItem", {"TableName": table, "Item": item}))


def normal(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: sorted(v) if k in ("SS", "NS", "BS") else normal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normal(v) for v in value]
    return value


def stored(client: Client, table: str) -> dict[str, dict[str, Any]]:
    """Every item of ``table`` as DynamoDB sends it, by key, sets sorted."""
    found: dict[str, dict[str, Any]] = {}
    payload: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
    while True:
        reply = client.send(RawCall.of("Scan", payload))
        for item in reply["Items"]:
            key = orjson.dumps([item.get(a) for a in ("PK", "SK", "blob_id")]).decode()
            found[key] = normal(item)
        if not reply.get("LastEvaluatedKey"):
            return found
        payload = {**payload, "ExclusiveStartKey": reply["LastEvaluatedKey"]}


@pytest.fixture
def source(client: Client, env: str, make_tables: MakeTables) -> list[TableSpec]:
    specs = make_tables(sample_app, env)
    put_all(client, specs[0].name, odd_items())
    put_all(client, specs[1].name, big_blobs())
    return specs


@pytest.mark.parametrize("segments", [1, 4])
def test_round_trip_is_exact(
    client: Client,
    env: str,
    source: list[TableSpec],
    make_tables: MakeTables,
    tmp_path: Path,
    segments: int,
) -> None:
    out = tmp_path / "backup"
    manifest = export_app(sample_app, client, out, env=env, segments=segments)
    assert [(t.logical_name, t.items) for t in manifest.tables] == [("orders", 62), ("blobs", 24)]
    for entry in manifest.tables:
        assert file_digest(out / entry.file) == (entry.sha256, entry.bytes)
    assert read_manifest(out) == manifest

    copy = f"{env}-copy"
    targets = make_tables(sample_app, copy)
    report = import_app(sample_app, client, out, env=copy, workers=3, segments=segments)
    assert report.ok
    assert [(t.items, t.written, t.count_before, t.count_after) for t in report.tables] == [
        (62, 62, 0, 62),
        (24, 24, 0, 24),
    ]
    for original, restored in zip(source, targets, strict=True):
        assert stored(client, restored.name) == stored(client, original.name)
    orders = stored(client, targets[0].name)
    first = orders[orjson.dumps([{"S": "CUSTOMER#Zoë 😀 日本"}, {"S": "ORDER#1"}, None]).decode()]
    assert first["total"] == {"N": BIG_38}
    assert first["price"] == {"N": SMALL_38}
    assert first["blob"] == {"B": b64(bytes(range(256)))}


def test_manifest_records_what_import_checks(
    client: Client, env: str, source: list[TableSpec], tmp_path: Path
) -> None:
    manifest = export_app(sample_app, client, tmp_path, env=env)
    data = orjson.loads((tmp_path / MANIFEST_NAME).read_bytes())
    assert data["format"] == "dynastack-backup/1"
    assert data["app"] == "ops-sample" and data["env"] == env
    assert data["segments"] == 4 and data["consistent_read"] is True
    orders = data["tables"][0]
    assert orders["file"] == "orders.jsonl"
    assert orders["table_name"] == f"ops-orders-{env}"
    assert orders["key_schema"] == {
        "partition_key": {"name": "PK", "type": "S"},
        "sort_key": {"name": "SK", "type": "S"},
    }
    assert orders["ttl_attribute"] == "expires_at"
    assert [i["IndexName"] for i in orders["indexes"]] == ["ByStatus", "ByTotal"]
    lines = (tmp_path / "orders.jsonl").read_bytes().splitlines()
    assert len(lines) == manifest.tables[0].items
    assert all(isinstance(orjson.loads(line)["PK"]["S"], str) for line in lines)


@pytest.fixture
def backup(client: Client, env: str, source: list[TableSpec], tmp_path: Path) -> Path:
    out = tmp_path / "backup"
    export_app(sample_app, client, out, env=env)
    return out


def refused(client: Client, folder: Path, env: str, *, merge: bool = False) -> str:
    with pytest.raises(ConfigurationError) as caught:
        import_app(sample_app, client, folder, env=env, merge=merge)
    return str(caught.value)


def test_a_changed_byte_is_refused_before_any_write(
    client: Client, env: str, backup: Path, make_tables: MakeTables
) -> None:
    targets = make_tables(sample_app, f"{env}-copy")
    path = backup / "blobs.jsonl"
    data = bytearray(path.read_bytes())
    data[40] ^= 1  # inside the first item's base64, still valid JSON
    path.write_bytes(bytes(data))
    message = refused(client, backup, f"{env}-copy")
    assert "blobs.jsonl does not match its checksum" in message
    assert stored(client, targets[0].name) == {}  # orders come first and were not written either


def test_a_truncated_file_and_a_missing_manifest_are_refused(
    client: Client, env: str, backup: Path, make_tables: MakeTables
) -> None:
    make_tables(sample_app, f"{env}-copy")
    path = backup / "orders.jsonl"
    original = path.read_bytes()
    path.write_bytes(original[: original.rindex(b"\n", 0, -1) + 1])
    assert "does not match its checksum" in refused(client, backup, f"{env}-copy")
    path.write_bytes(original)
    (backup / MANIFEST_NAME).unlink()
    assert "export did not finish" in refused(client, backup, f"{env}-copy")


def test_a_manifest_edited_to_another_key_schema_is_refused(
    client: Client, env: str, backup: Path, make_tables: MakeTables
) -> None:
    make_tables(sample_app, f"{env}-copy")
    data = orjson.loads((backup / MANIFEST_NAME).read_bytes())
    data["tables"][1]["key_schema"]["partition_key"]["type"] = "N"
    (backup / MANIFEST_NAME).write_bytes(orjson.dumps(data))
    message = refused(client, backup, f"{env}-copy")
    assert message == (
        "table 'blobs': the backup's key is HASH blob_id N, the app declares HASH blob_id S"
    )


def test_an_unsafe_file_name_in_the_manifest_is_refused(
    client: Client, env: str, backup: Path
) -> None:
    data = orjson.loads((backup / MANIFEST_NAME).read_bytes())
    data["tables"][0]["file"] = "../../etc/passwd.jsonl"
    (backup / MANIFEST_NAME).write_bytes(orjson.dumps(data))
    assert "unsafe file" in refused(client, backup, f"{env}-copy")


def test_missing_or_non_empty_targets_are_refused_and_merge_allows_the_latter(
    client: Client, env: str, backup: Path, make_tables: MakeTables
) -> None:
    copy = f"{env}-copy"
    assert f"table ops-orders-{copy} does not exist" in refused(client, backup, copy)
    targets = make_tables(sample_app, copy)
    put_all(client, targets[1].name, [{"blob_id": {"S": "zzz"}}, big_blobs(1)[0]])
    message = refused(client, backup, copy)
    assert message.startswith(f"table ops-blobs-{copy} already holds 2 items")
    report = import_app(sample_app, client, backup, env=copy, merge=True)
    blobs = report.tables[1]
    assert (blobs.count_before, blobs.count_after, blobs.verified) == (2, 25, True)


def test_dry_run_checks_and_writes_nothing(
    client: Client, env: str, backup: Path, make_tables: MakeTables
) -> None:
    targets = make_tables(sample_app, f"{env}-copy")
    report = import_app(sample_app, client, backup, env=f"{env}-copy", dry_run=True)
    assert report.dry_run and report.ok
    assert [(t.items, t.written, t.count_after) for t in report.tables] == [
        (62, 0, None),
        (24, 0, None),
    ]
    assert stored(client, targets[0].name) == {} and stored(client, targets[1].name) == {}


def test_export_refuses_a_non_empty_folder_and_a_missing_table(
    client: Client, env: str, source: list[TableSpec], tmp_path: Path
) -> None:
    (tmp_path / "old.txt").write_text("x")
    with pytest.raises(ConfigurationError, match="is not an empty folder"):
        export_app(sample_app, client, tmp_path, env=env)
    with pytest.raises(ConfigurationError, match="does not exist: nothing to export"):
        export_app(sample_app, client, tmp_path / "new", env=f"{env}-nothing")
    assert not (tmp_path / "new").exists()


class Unprocessing:
    """Fault injection: DynamoDB Local never returns UnprocessedItems (RELIABILITY fact 3).

    ``mode="none"``: every odd BatchWriteItem is answered, without being sent, with all its
    items unprocessed. ``mode="tail"``: every BatchWriteItem is sent, and its last 5 items are
    reported unprocessed (they were stored; re-sending the same puts is harmless), which
    checks that partial replies are counted right. ``mode="always"``: nothing is ever taken.
    """

    def __init__(self, inner: HttpTransport, mode: str) -> None:
        self.inner, self.mode = inner, mode
        self.calls = 0
        self.lock = threading.Lock()

    def send(self, request: HttpRequest) -> HttpResponse:
        if request.header("X-Amz-Target") != "DynamoDB_20120810.BatchWriteItem":
            return self.inner.send(request)
        with self.lock:
            self.calls += 1
            odd = self.calls % 2 == 1
        requests: dict[str, list[Any]] = orjson.loads(request.body)["RequestItems"]
        if self.mode == "always" or (self.mode == "none" and odd):
            return self._reply(requests)
        response = self.inner.send(request)
        if self.mode == "tail":
            tails = {t: r[-5:] for t, r in requests.items() if len(r) > 5}
            return self._reply(tails) if tails else response
        return response

    @staticmethod
    def _reply(unprocessed: dict[str, list[Any]]) -> HttpResponse:
        body = orjson.dumps({"UnprocessedItems": unprocessed})
        return HttpResponse(200, {"content-type": "application/x-amz-json-1.0"}, body)

    def close(self) -> None:
        self.inner.close()


@pytest.mark.parametrize("mode", ["none", "tail"])
def test_unprocessed_items_are_resent_with_jittered_backoff(
    client: Client,
    env: str,
    backup: Path,
    make_tables: MakeTables,
    dynamodb_endpoint: str,
    mode: str,
) -> None:
    targets = make_tables(sample_app, f"{env}-copy")
    faulty = Unprocessing(HttpTransport(), mode)
    sleeps: list[float] = []
    with Client.local(dynamodb_endpoint, transport=faulty) as flaky:
        report = import_app(
            sample_app, flaky, backup, env=f"{env}-copy", sleep=sleeps.append, rand=lambda: 0.5
        )
    assert report.ok
    assert [(t.written, t.count_after) for t in report.tables] == [(62, 62), (24, 24)]
    assert faulty.calls > 4  # 3 + 1 batches, each re-sent at least once
    # rand=0.5 of the capped exponential: 0.025 s after the first refusal, then doubling
    assert sleeps and set(sleeps) <= {0.5 * min(5.0, 0.05 * 2**k) for k in range(MAX_ROUNDS)}
    assert stored(client, targets[0].name) == stored(client, f"ops-orders-{env}")


def test_a_batch_never_taken_gives_up_with_throttled(
    env: str, backup: Path, make_tables: MakeTables, dynamodb_endpoint: str
) -> None:
    make_tables(sample_app, f"{env}-copy")
    sleeps: list[float] = []
    never = Unprocessing(HttpTransport(), "always")
    with (
        Client.local(dynamodb_endpoint, transport=never) as c,
        pytest.raises(Throttled, match=f"still unprocessed after {MAX_ROUNDS}"),
    ):
        import_app(sample_app, c, backup, env=f"{env}-copy", workers=1, sleep=sleeps.append)
    assert all(0.0 <= s <= 5.0 for s in sleeps)
