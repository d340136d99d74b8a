"""The provisioning scripts driven by hand: waiting, retrying, refusing, in exact request order.

The scripts are generators that yield requests and pauses, so these tests play the endpoint
themselves: ``Scripted`` answers each action from a queue of replies or errors, and every
``Sleep`` advances a fake clock instead of sleeping. Busy tables, slow indexes, a table that
turns busy between our wait and our send, and ContinuousBackupsUnavailable are states
DynamoDB Local never shows (its tables are ACTIVE at once), so they are scripted here.
The drivers (``apply``/``aapply``) get the same scripted endpoint as a client double.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, TypeVar

import pytest

from dynastack.core.operations.base import Operation
from dynastack.core.operations.raw import RawCall
from dynastack.core.steps import Script, run
from dynastack.errors import (
    DefinitionError,
    ResourceInUse,
    ResourceNotFound,
    ValidationFailed,
    from_wire,
)
from dynastack.model import AttributeSpec, IndexSpec, TableSpec
from dynastack.provisioning import (
    AddIndex,
    CreateTable,
    DropIndex,
    EnablePitr,
    EnableTtl,
    Plan,
    Polling,
    aapply,
    aensure_table,
    aplan_table,
    apply,
    ensure_table,
    plan,
    plan_table,
)
from dynastack.provisioning.changes import Drift
from dynastack.provisioning.script import Observed, apply_steps, observe, wait_ready

T = TypeVar("T")
R = TypeVar("R")

INDEX = IndexSpec("ByOrg", AttributeSpec("org", "S"), None, False, "ALL")
SPEC = TableSpec(
    "notes",
    "notes-dev",
    AttributeSpec("PK", "S"),
    None,
    (INDEX,),
    None,
    "PAY_PER_REQUEST",
    None,
    False,
)
POLL = Polling(first=1.0, most=4.0, timeout=10.0)


def table(status: str = "ACTIVE", **indexes: str) -> dict[str, Any]:
    """A DescribeTable reply with the given table status and index statuses."""
    described: dict[str, Any] = {
        "TableName": "notes-dev",
        "TableStatus": status,
        "KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "PK", "AttributeType": "S"}],
        "BillingModeSummary": {"BillingMode": "PAY_PER_REQUEST"},
    }
    if indexes:
        described["GlobalSecondaryIndexes"] = [
            {
                "IndexName": name,
                "KeySchema": [{"AttributeName": "org", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
                "IndexStatus": state,
            }
            for name, state in indexes.items()
        ]
        described["AttributeDefinitions"].append({"AttributeName": "org", "AttributeType": "S"})
    return {"Table": described}


UNKNOWN = from_wire("com.amazon.coral.service#UnknownOperationException", "unknown operation")


class Scripted:
    """An endpoint that answers from per-action queues; the last reply of a queue repeats."""

    def __init__(self, replies: Mapping[str, list[Any]]) -> None:
        self.replies = {action: list(queue) for action, queue in replies.items()}
        self.calls: list[RawCall] = []
        self.pauses: list[float] = []
        self.now = 0.0

    def answer(self, call: RawCall) -> Any:
        self.calls.append(call)
        queue = self.replies[call.action]
        reply = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(reply, BaseException):
            raise reply
        return reply

    def run(self, script: Script[T]) -> T:
        # the very driver the library uses, with this endpoint as the client
        return run(script, send=self.send_raw, sleep=self.sleep)

    def send_raw(self, call: RawCall) -> Any:
        return self.answer(call)

    def clock(self) -> float:
        return self.now

    def actions(self) -> list[str]:
        return [call.action for call in self.calls]

    # the client-double side, for the drivers
    def send(self, operation: Operation[R]) -> R:
        call: Any = operation
        assert isinstance(call, RawCall)  # provisioning sends only raw calls
        reply = self.answer(call)
        return operation.parse(reply)

    def sleep(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.now += seconds


class AsyncScripted(Scripted):
    async def send(self, operation: Operation[R]) -> R:  # type: ignore[override]
        return Scripted.send(self, operation)

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)


# ----------------------------------------------------------------------------------- waiting


def test_waiting_polls_with_doubling_delays_until_everything_is_active() -> None:
    endpoint = Scripted(
        {
            "DescribeTable": [
                table("CREATING"),
                table("ACTIVE", ByOrg="CREATING"),
                table("ACTIVE", ByOrg="CREATING"),
                table("ACTIVE", ByOrg="CREATING"),
                table("ACTIVE", ByOrg="ACTIVE"),
            ]
        }
    )
    seen: list[str] = []
    patient = replace(POLL, timeout=60.0)
    result = endpoint.run(
        wait_ready("notes-dev", patient, clock=endpoint.clock, progress=seen.append)
    )
    assert result["TableStatus"] == "ACTIVE"
    assert endpoint.pauses == [1.0, 2.0, 4.0, 4.0]
    # one line per change of state, not one per poll
    assert seen == [
        "notes-dev: waiting (table CREATING)",
        "notes-dev: waiting (index ByOrg CREATING)",
    ]


def test_waiting_gives_up_at_the_timeout_naming_what_is_busy() -> None:
    endpoint = Scripted({"DescribeTable": [table("ACTIVE", ByOrg="CREATING")]})
    with pytest.raises(ResourceInUse) as caught:
        endpoint.run(wait_ready("notes-dev", POLL, clock=endpoint.clock))
    assert "notes-dev is not ready after 10 s: index ByOrg CREATING" in str(caught.value)
    assert sum(endpoint.pauses) <= POLL.timeout
    assert endpoint.pauses == [1.0, 2.0, 4.0]


def test_a_dropped_index_is_waited_for_until_it_is_gone() -> None:
    endpoint = Scripted({"DescribeTable": [table("ACTIVE", ByOrg="DELETING"), table("ACTIVE")]})
    endpoint.run(wait_ready("notes-dev", POLL, clock=endpoint.clock))
    assert endpoint.pauses == [1.0]


def test_a_table_not_visible_yet_is_waited_for() -> None:
    gone = ResourceNotFound("not yet", code="ResourceNotFoundException")
    endpoint = Scripted({"DescribeTable": [gone, table()]})
    assert endpoint.run(wait_ready("notes-dev", POLL, clock=endpoint.clock))["TableName"]
    assert endpoint.pauses == [1.0]


# --------------------------------------------------------------------------------- observing


def test_observing_a_missing_table_stops_at_describe() -> None:
    endpoint = Scripted({"DescribeTable": [ResourceNotFound("no table")]})
    assert endpoint.run(observe(SPEC)) == Observed(None)
    assert endpoint.actions() == ["DescribeTable"]


def test_observing_reads_ttl_and_only_reads_backups_when_declared() -> None:
    ttl = {"TimeToLiveDescription": {"TimeToLiveStatus": "DISABLED"}}
    endpoint = Scripted({"DescribeTable": [table()], "DescribeTimeToLive": [ttl]})
    seen = endpoint.run(observe(SPEC))
    assert seen.ttl == ttl and seen.backups is None and seen.unsupported == frozenset()
    assert endpoint.actions() == ["DescribeTable", "DescribeTimeToLive"]


def test_observing_notes_features_the_endpoint_does_not_have() -> None:
    endpoint = Scripted(
        {
            "DescribeTable": [table()],
            "DescribeTimeToLive": [UNKNOWN],
            "DescribeContinuousBackups": [UNKNOWN],
        }
    )
    seen = endpoint.run(observe(replace(SPEC, point_in_time_recovery=True)))
    assert seen.unsupported == frozenset({"ttl", "pitr"})


def test_observing_does_not_hide_other_errors() -> None:
    endpoint = Scripted(
        {"DescribeTable": [table()], "DescribeTimeToLive": [ValidationFailed("bad")]}
    )
    with pytest.raises(ValidationFailed):
        endpoint.run(observe(SPEC))


# ---------------------------------------------------------------------------------- applying


def test_a_plan_with_drift_sends_nothing() -> None:
    drift = Drift("key_schema", "notes-dev", "table key", "HASH PK S", "HASH id S", "hint")
    planned = Plan(SPEC, (EnableTtl("notes-dev", "exp"),), (drift,))
    endpoint = Scripted({})
    with pytest.raises(DefinitionError) as caught:
        endpoint.run(apply_steps(planned, clock=endpoint.clock))
    assert caught.value.code == "TABLE_DRIFT"
    assert endpoint.calls == []


def test_changes_are_sent_one_at_a_time_with_a_wait_around_each_busy_one() -> None:
    planned = Plan(SPEC, (DropIndex("notes-dev", "ByOld"), AddIndex("notes-dev", INDEX)))
    endpoint = Scripted(
        {
            "DescribeTable": [
                table("ACTIVE", ByOld="ACTIVE"),
                table("ACTIVE", ByOld="DELETING"),
                table("ACTIVE"),
                table("ACTIVE", ByOrg="CREATING"),
                table("ACTIVE", ByOrg="ACTIVE"),
            ],
            "UpdateTable": [{"TableDescription": {}}],
        }
    )
    done = endpoint.run(apply_steps(planned, polling=POLL, clock=endpoint.clock))
    assert endpoint.actions() == [
        "DescribeTable",  # the table may be busy from an earlier run
        "UpdateTable",
        "DescribeTable",
        "DescribeTable",  # the dropped index is gone
        "UpdateTable",
        "DescribeTable",
        "DescribeTable",  # the new index is ACTIVE
    ]
    updates = [
        c.payload["GlobalSecondaryIndexUpdates"]
        for c in endpoint.calls
        if c.payload.get("GlobalSecondaryIndexUpdates")
    ]
    assert updates == [[{"Delete": {"IndexName": "ByOld"}}], [{"Create": INDEX.to_request()}]]
    assert done.changes == planned.changes


def test_without_wait_the_last_change_is_not_waited_for() -> None:
    planned = plan(SPEC, None)
    endpoint = Scripted({"CreateTable": [{"TableDescription": {"TableStatus": "CREATING"}}]})
    done = endpoint.run(apply_steps(planned, wait=False, clock=endpoint.clock))
    assert endpoint.actions() == ["CreateTable"]
    assert done.changes == (CreateTable(SPEC),)


def test_a_table_made_busy_by_someone_else_is_waited_for_and_the_change_retried() -> None:
    planned = Plan(SPEC, (AddIndex("notes-dev", INDEX),))
    endpoint = Scripted(
        {
            "DescribeTable": [table(), table("UPDATING"), table(), table("ACTIVE", ByOrg="ACTIVE")],
            "UpdateTable": [ResourceInUse("busy"), {"TableDescription": {}}],
        }
    )
    done = endpoint.run(apply_steps(planned, polling=POLL, clock=endpoint.clock))
    assert endpoint.actions().count("UpdateTable") == 2
    assert done.changes == planned.changes


def test_a_table_that_stays_busy_fails_after_a_few_retries() -> None:
    planned = Plan(SPEC, (AddIndex("notes-dev", INDEX),))
    endpoint = Scripted({"DescribeTable": [table()], "UpdateTable": [ResourceInUse("still busy")]})
    with pytest.raises(ResourceInUse):
        endpoint.run(apply_steps(planned, polling=POLL, clock=endpoint.clock))
    assert endpoint.actions().count("UpdateTable") == 6


def test_a_table_created_meanwhile_by_someone_else_is_an_error() -> None:
    endpoint = Scripted({"CreateTable": [ResourceInUse("Table already exists")]})
    with pytest.raises(ResourceInUse):
        endpoint.run(apply_steps(plan(SPEC, None), clock=endpoint.clock))
    assert endpoint.actions() == ["CreateTable"]


def test_pitr_unsupported_by_the_endpoint_is_a_note_not_a_failure() -> None:
    spec = replace(SPEC, point_in_time_recovery=True)
    endpoint = Scripted(
        {
            "CreateTable": [{"TableDescription": {}}],
            "DescribeTable": [table("ACTIVE", ByOrg="ACTIVE")],
            "UpdateContinuousBackups": [UNKNOWN],
        }
    )
    done = endpoint.run(apply_steps(plan(spec, None), clock=endpoint.clock))
    assert [type(c).__name__ for c in done.changes] == ["CreateTable"]
    assert done.notes == ("point-in-time recovery is not supported by this endpoint: skipped",)


def test_pitr_on_a_new_aws_table_is_retried_while_backups_are_set_up() -> None:
    not_ready = from_wire("ContinuousBackupsUnavailableException", "Backups are being enabled")
    endpoint = Scripted(
        {"DescribeTable": [table()], "UpdateContinuousBackups": [not_ready, {"ok": True}]}
    )
    planned = Plan(SPEC, (EnablePitr("notes-dev"),))
    done = endpoint.run(apply_steps(planned, polling=POLL, clock=endpoint.clock))
    assert done.changes == (EnablePitr("notes-dev"),)
    assert endpoint.pauses == [POLL.most]


def test_other_errors_stop_the_apply() -> None:
    endpoint = Scripted({"DescribeTable": [table()], "UpdateTimeToLive": [ValidationFailed("no")]})
    planned = Plan(SPEC, (EnableTtl("notes-dev", "exp"), EnablePitr("notes-dev")))
    with pytest.raises(ValidationFailed):
        endpoint.run(apply_steps(planned, clock=endpoint.clock))
    assert endpoint.actions() == ["DescribeTable", "UpdateTimeToLive"]


def test_quick_changes_are_not_waited_for() -> None:
    endpoint = Scripted(
        {"DescribeTable": [table()], "UpdateTimeToLive": [{}], "UpdateContinuousBackups": [{}]}
    )
    planned = Plan(SPEC, (EnableTtl("notes-dev", "exp"), EnablePitr("notes-dev")))
    seen: list[str] = []
    endpoint.run(apply_steps(planned, clock=endpoint.clock, progress=seen.append))
    assert endpoint.actions() == ["DescribeTable", "UpdateTimeToLive", "UpdateContinuousBackups"]
    assert seen == [
        "notes-dev: + enable TTL on attribute exp",
        "notes-dev: + enable point-in-time recovery",
    ]


# ----------------------------------------------------------------------------------- drivers


def test_the_blocking_driver_sends_sleeps_and_throws_errors_in() -> None:
    endpoint = Scripted(
        {
            "DescribeTable": [
                ResourceNotFound("no table"),
                table("CREATING"),
                table("ACTIVE", ByOrg="ACTIVE"),
            ],
            "CreateTable": [{"TableDescription": {}}],
        }
    )
    planned = plan_table(SPEC, endpoint)
    assert planned.creates
    done = apply(planned, endpoint, polling=POLL, sleep=endpoint.sleep, clock=endpoint.clock)
    assert done.changes == (CreateTable(SPEC),)
    assert endpoint.pauses == [1.0]


async def test_the_async_driver_does_the_same() -> None:
    endpoint = AsyncScripted(
        {
            "DescribeTable": [
                ResourceNotFound("no table"),
                table("CREATING"),
                table("ACTIVE", ByOrg="ACTIVE"),
            ],
            "CreateTable": [{"TableDescription": {}}],
        }
    )
    planned = await aplan_table(SPEC, endpoint)
    done = await aapply(
        planned, endpoint, polling=POLL, sleep=endpoint.asleep, clock=endpoint.clock
    )
    assert done.changes == (CreateTable(SPEC),)
    assert endpoint.pauses == [1.0]


@pytest.mark.parametrize(
    ("sync", "coroutine"),
    [(apply, aapply), (plan_table, aplan_table), (ensure_table, aensure_table)],
)
def test_the_async_twins_take_the_same_parameters(sync: Any, coroutine: Any) -> None:
    assert inspect.iscoroutinefunction(coroutine)
    names = [(p.name, p.kind, p.default) for p in inspect.signature(sync).parameters.values()]
    twins = [(p.name, p.kind, p.default) for p in inspect.signature(coroutine).parameters.values()]
    assert names == twins
