"""Provisioning: make the tables match the entities, by a reviewed plan, never by surprise.

``plan`` diffs a compiled ``TableSpec`` against DescribeTable (pure); ``apply`` makes the
changes one request at a time and waits for ACTIVE; drift that DynamoDB cannot change in
place is refused with ``DefinitionError`` (code ``TABLE_DRIFT``). See docs/tables.md.
"""

from dynastack.provisioning.changes import (
    AddIndex,
    Change,
    CreateTable,
    DisableStream,
    DisableTtl,
    Drift,
    DropIndex,
    EnablePitr,
    EnableStream,
    EnableTtl,
    UpdateBilling,
)
from dynastack.provisioning.drivers import (
    aapply,
    aensure_table,
    aplan_table,
    apply,
    ensure_table,
    plan_table,
)
from dynastack.provisioning.plan import Plan, plan
from dynastack.provisioning.script import Applied, Polling

__all__ = [
    "AddIndex",
    "Applied",
    "Change",
    "CreateTable",
    "DisableStream",
    "DisableTtl",
    "Drift",
    "DropIndex",
    "EnablePitr",
    "EnableStream",
    "EnableTtl",
    "Plan",
    "Polling",
    "UpdateBilling",
    "aapply",
    "aensure_table",
    "aplan_table",
    "apply",
    "ensure_table",
    "plan",
    "plan_table",
]
