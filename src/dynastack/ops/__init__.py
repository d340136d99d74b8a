"""Operations every dynastack application gets: doctor, backup and restore, demo data.

These sit above ``provisioning`` (doctor reuses its pure ``plan`` to judge drift) and below the
CLI, which only parses options and draws tables and progress bars: everything here is callable
from Python, and testable, without the CLI.

* ``diagnose`` / ``check_table`` (``ops.doctor``): connection, tables, keys, indexes, TTL,
  status and item counts, each a ``Check`` with a verdict; exit codes 0 / 1 / 2.
* ``export_app`` (``ops.backup``) and ``import_app`` (``ops.restore``): lossless JSON Lines
  backups in DynamoDB's wire format, with a checksummed manifest (``ops.manifest``).
* ``run_seed`` (``ops.seeding``): calls an App's seed function (``SeedFunction``).
"""

from dynastack.ops.backup import DEFAULT_SEGMENTS, count_items, export_app
from dynastack.ops.doctor import (
    EXIT_DRIFT,
    EXIT_OK,
    EXIT_UNREACHABLE,
    Check,
    DoctorReport,
    check_table,
    diagnose,
)
from dynastack.ops.manifest import KeySchema, Manifest, TableEntry, read_manifest
from dynastack.ops.restore import RestoreReport, TableRestore, import_app, verify_backup
from dynastack.ops.seeding import DEFAULT_COUNT, SeedFunction, SeedProgress, call_seed, run_seed

__all__ = [
    "DEFAULT_COUNT",
    "DEFAULT_SEGMENTS",
    "EXIT_DRIFT",
    "EXIT_OK",
    "EXIT_UNREACHABLE",
    "Check",
    "DoctorReport",
    "KeySchema",
    "Manifest",
    "RestoreReport",
    "SeedFunction",
    "SeedProgress",
    "TableEntry",
    "TableRestore",
    "call_seed",
    "check_table",
    "count_items",
    "diagnose",
    "export_app",
    "import_app",
    "read_manifest",
    "run_seed",
    "verify_backup",
]
