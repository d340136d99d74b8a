"""The backup manifest: what a backup folder holds, and the proof that its files are intact.

A backup folder made by ``export_app`` holds one JSON Lines file per table
(``<logical-table-name>.jsonl``, one item per line in DynamoDB's wire format) and
``manifest.json``, written last. The manifest names every file with its item count, size and
SHA-256, the table's key schema (names and types, as read from the table), its indexes and TTL
attribute (for the reader's information), the dynastack version and the export time.
``import_app`` trusts nothing it has not checked against this file: a truncated copy, an edited
line or a file from another backup is refused before anything is written.

Because the manifest is written last (to a temporary name, then renamed), a folder without
``manifest.json`` is an export that did not finish, and import refuses it.

Example:
    >>> schema = KeySchema(("PK", "S"), ("SK", "S"))
    >>> schema.describe(), KeySchema.from_json(schema.to_json()) == schema
    ('HASH PK S, RANGE SK S', True)
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from dynastack.errors import ConfigurationError
from dynastack.model.tablespec import TableSpec

__all__ = [
    "FORMAT",
    "MANIFEST_NAME",
    "KeySchema",
    "Manifest",
    "TableEntry",
    "file_digest",
    "read_manifest",
    "write_manifest",
]

#: the manifest's format tag; a reader refuses any other
FORMAT = "dynastack-backup/1"
MANIFEST_NAME = "manifest.json"
#: file names a manifest may point to: no folders, no dot files, no ``..``
_SAFE_FILE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*\.jsonl$")
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class KeySchema:
    """A table's primary key: partition key name and type, optional sort key name and type."""

    pk: tuple[str, str]
    sk: tuple[str, str] | None = None

    @classmethod
    def of_spec(cls, spec: TableSpec) -> KeySchema:
        """The key a ``TableSpec`` declares."""
        sk = None if spec.sk is None else (spec.sk.name, spec.sk.type)
        return cls((spec.pk.name, spec.pk.type), sk)

    @classmethod
    def of_description(cls, raw: Mapping[str, Any]) -> KeySchema:
        """The key a DescribeTable ``Table`` member holds."""
        types = {
            d["AttributeName"]: d["AttributeType"] for d in raw.get("AttributeDefinitions") or ()
        }
        parts: dict[str, tuple[str, str]] = {}
        for element in raw.get("KeySchema") or ():
            name = element["AttributeName"]
            parts[element["KeyType"]] = (name, types.get(name, "?"))
        if "HASH" not in parts:
            raise ConfigurationError(f"table {raw.get('TableName')!r} has no HASH key")
        return cls(parts["HASH"], parts.get("RANGE"))

    @property
    def names(self) -> tuple[str, ...]:
        """The key attribute names, partition key first."""
        return (self.pk[0],) if self.sk is None else (self.pk[0], self.sk[0])

    def describe(self) -> str:
        """``HASH PK S, RANGE SK S``."""
        text = f"HASH {self.pk[0]} {self.pk[1]}"
        return text if self.sk is None else f"{text}, RANGE {self.sk[0]} {self.sk[1]}"

    def to_json(self) -> dict[str, Any]:
        """``{"partition_key": {"name", "type"}, "sort_key": {...} | null}``."""
        sk = None if self.sk is None else {"name": self.sk[0], "type": self.sk[1]}
        return {"partition_key": {"name": self.pk[0], "type": self.pk[1]}, "sort_key": sk}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> KeySchema:
        """Read what ``to_json`` wrote."""
        pk = data["partition_key"]
        sk = data.get("sort_key")
        return cls((pk["name"], pk["type"]), None if sk is None else (sk["name"], sk["type"]))


@dataclass(frozen=True, slots=True)
class TableEntry:
    """One table of a backup: names, file, counts, checksum and key schema."""

    logical_name: str
    table_name: str
    file: str
    items: int
    bytes: int
    sha256: str
    key_schema: KeySchema
    indexes: tuple[Mapping[str, Any], ...] = ()
    ttl_attribute: str | None = None
    reported_item_count: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The entry as stored in ``manifest.json``."""
        return {
            "logical_name": self.logical_name,
            "table_name": self.table_name,
            "file": self.file,
            "items": self.items,
            "bytes": self.bytes,
            "sha256": self.sha256,
            "key_schema": self.key_schema.to_json(),
            "indexes": [dict(i) for i in self.indexes],
            "ttl_attribute": self.ttl_attribute,
            "reported_item_count": self.reported_item_count,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TableEntry:
        """Read an entry, refusing a file name that could point outside the folder."""
        file = data["file"]
        if not isinstance(file, str) or not _SAFE_FILE.match(file):
            raise ConfigurationError(f"manifest names an unsafe file {file!r}")
        return cls(
            logical_name=str(data["logical_name"]),
            table_name=str(data["table_name"]),
            file=file,
            items=int(data["items"]),
            bytes=int(data["bytes"]),
            sha256=str(data["sha256"]),
            key_schema=KeySchema.from_json(data["key_schema"]),
            indexes=tuple(data.get("indexes") or ()),
            ttl_attribute=data.get("ttl_attribute"),
            reported_item_count=data.get("reported_item_count"),
        )


@dataclass(frozen=True, slots=True)
class Manifest:
    """A whole backup: where it came from, when, and its tables."""

    app: str
    env: str | None
    dynastack_version: str
    exported_at: str
    segments: int
    tables: tuple[TableEntry, ...]
    consistent_read: bool = True
    format: str = FORMAT

    def table(self, logical_name: str) -> TableEntry | None:
        """The entry for ``logical_name``, if the backup has it."""
        return next((t for t in self.tables if t.logical_name == logical_name), None)

    def to_json(self) -> dict[str, Any]:
        """The manifest as stored in ``manifest.json``."""
        return {
            "format": self.format,
            "app": self.app,
            "env": self.env,
            "dynastack_version": self.dynastack_version,
            "exported_at": self.exported_at,
            "segments": self.segments,
            "consistent_read": self.consistent_read,
            "tables": [t.to_json() for t in self.tables],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Manifest:
        """Read a manifest, refusing another format."""
        if data.get("format") != FORMAT:
            raise ConfigurationError(
                f"not a dynastack backup manifest (format {data.get('format')!r}, "
                f"expected {FORMAT!r})"
            )
        return cls(
            app=str(data["app"]),
            env=data.get("env"),
            dynastack_version=str(data["dynastack_version"]),
            exported_at=str(data["exported_at"]),
            segments=int(data["segments"]),
            tables=tuple(TableEntry.from_json(t) for t in data["tables"]),
            consistent_read=bool(data.get("consistent_read", True)),
        )


def file_digest(path: Path) -> tuple[str, int]:
    """The SHA-256 (hex) and size in bytes of ``path``, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def write_manifest(folder: Path, manifest: Manifest) -> Path:
    """Write ``manifest.json`` atomically (temporary file, fsync, rename); return its path."""
    target = folder / MANIFEST_NAME
    temporary = folder / f".{MANIFEST_NAME}.tmp"
    data = orjson.dumps(manifest.to_json(), option=orjson.OPT_INDENT_2) + b"\n"
    with temporary.open("wb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())
    temporary.replace(target)
    return target


def read_manifest(folder: Path) -> Manifest:
    """Read ``folder/manifest.json``; a missing or malformed one is a ``ConfigurationError``."""
    path = folder / MANIFEST_NAME
    if not path.is_file():
        raise ConfigurationError(
            f"{path} does not exist: not a backup folder, or its export did not finish"
        )
    try:
        data = orjson.loads(path.read_bytes())
        return Manifest.from_json(data)
    except (orjson.JSONDecodeError, AttributeError, KeyError, TypeError, ValueError) as error:
        raise ConfigurationError(f"{path} is not a valid backup manifest: {error}") from None
