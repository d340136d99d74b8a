"""The pure plan: every change kind and every drift kind, against hand-written descriptions.

The descriptions are shaped like DynamoDB Local 3.3's DescribeTable replies (outer ``Table``
member, ``BillingModeSummary``, ``IndexStatus`` …), trimmed to what planning reads.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

import pytest

from dynastack.errors import DefinitionError
from dynastack.model import AttributeSpec, IndexSpec, TableSpec
from dynastack.provisioning import (
    AddIndex,
    CreateTable,
    DisableStream,
    DisableTtl,
    DropIndex,
    EnablePitr,
    EnableStream,
    EnableTtl,
    Plan,
    UpdateBilling,
    plan,
)

PK, SK = AttributeSpec("PK", "S"), AttributeSpec("SK", "S")
BY_ORG = IndexSpec("ByOrg", AttributeSpec("org", "S"), AttributeSpec("created", "N"), False, "ALL")
BY_STATUS = IndexSpec("ByStatus", AttributeSpec("status", "S"), None, False, ("title", "org"))
BY_TITLE = IndexSpec("ByTitle", PK, AttributeSpec("title", "S"), True, "KEYS_ONLY")
SPEC = TableSpec(
    logical_name="notes",
    name="notes-dev",
    pk=PK,
    sk=SK,
    indexes=(BY_ORG, BY_STATUS, BY_TITLE),
    ttl_attribute="expires_at",
    billing_mode="PAY_PER_REQUEST",
    stream="NEW_AND_OLD_IMAGES",
    point_in_time_recovery=False,
)


def key(name: str, kind: str) -> dict[str, str]:
    return {"AttributeName": name, "KeyType": kind}


def gsi(name: str, *keys: dict[str, str], projection: Any, status: str = "ACTIVE") -> Any:
    return {
        "IndexName": name,
        "KeySchema": list(keys),
        "Projection": projection,
        "IndexStatus": status,
        "IndexSizeBytes": 0,
        "ItemCount": 0,
    }


#: what DynamoDB describes after creating SPEC, reply shape included
DESCRIBED: dict[str, Any] = {
    "Table": {
        "AttributeDefinitions": [
            {"AttributeName": "PK", "AttributeType": "S"},
            {"AttributeName": "SK", "AttributeType": "S"},
            {"AttributeName": "org", "AttributeType": "S"},
            {"AttributeName": "created", "AttributeType": "N"},
            {"AttributeName": "status", "AttributeType": "S"},
            {"AttributeName": "title", "AttributeType": "S"},
        ],
        "TableName": "notes-dev",
        "KeySchema": [key("PK", "HASH"), key("SK", "RANGE")],
        "TableStatus": "ACTIVE",
        "ProvisionedThroughput": {"ReadCapacityUnits": 0, "WriteCapacityUnits": 0},
        "BillingModeSummary": {"BillingMode": "PAY_PER_REQUEST"},
        "LocalSecondaryIndexes": [
            {
                "IndexName": "ByTitle",
                "KeySchema": [key("PK", "HASH"), key("title", "RANGE")],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
        "GlobalSecondaryIndexes": [
            gsi(
                "ByOrg",
                key("org", "HASH"),
                key("created", "RANGE"),
                projection={"ProjectionType": "ALL"},
            ),
            gsi(
                "ByStatus",
                key("status", "HASH"),
                # the order DynamoDB reports need not be the declaration's
                projection={"ProjectionType": "INCLUDE", "NonKeyAttributes": ["org", "title"]},
            ),
        ],
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        "TableArn": "arn:aws:dynamodb:ddblocal:000000000000:table/notes-dev",
    }
}
TTL_ON = {"TimeToLiveDescription": {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}}
TTL_OFF = {"TimeToLiveDescription": {"TimeToLiveStatus": "DISABLED"}}


def described(**changes: Any) -> dict[str, Any]:
    """DESCRIBED with top-level members of ``Table`` replaced (``None`` removes one)."""
    table = copy.deepcopy(DESCRIBED["Table"])
    for name, value in changes.items():
        if value is None:
            table.pop(name, None)
        else:
            table[name] = value
    return {"Table": table}


def gsis(*names: str) -> list[Any]:
    """The described GSIs whose names are given, in that order."""
    found = {g["IndexName"]: g for g in DESCRIBED["Table"]["GlobalSecondaryIndexes"]}
    return [copy.deepcopy(found[n]) for n in names]


def kinds(result: Plan) -> list[str]:
    return [type(change).__name__ for change in result.changes]


# ------------------------------------------------------------------------------ create / none


def test_a_missing_table_is_created_with_everything_then_ttl() -> None:
    result = plan(SPEC, None)
    assert kinds(result) == ["CreateTable", "EnableTtl"]
    create = result.changes[0]
    assert isinstance(create, CreateTable)
    assert create.payload() == SPEC.create_request()
    assert create.busy and result.creates and not result.drift
    assert result.changes[1] == EnableTtl("notes-dev", "expires_at")


def test_a_missing_table_without_ttl_is_one_create() -> None:
    assert kinds(plan(replace(SPEC, ttl_attribute=None), None)) == ["CreateTable"]


def test_a_missing_table_with_pitr_enables_it_after_creating() -> None:
    result = plan(replace(SPEC, point_in_time_recovery=True), None)
    assert kinds(result) == ["CreateTable", "EnableTtl", "EnablePitr"]


def test_unsupported_features_become_notes_not_changes() -> None:
    spec = replace(SPEC, point_in_time_recovery=True)
    result = plan(spec, None, unsupported={"pitr", "ttl"})
    assert kinds(result) == ["CreateTable"]
    assert any("point-in-time recovery is not supported" in n for n in result.notes)
    assert any("TTL is not supported" in n for n in result.notes)


def test_a_matching_table_needs_nothing() -> None:
    result = plan(SPEC, DESCRIBED, TTL_ON)
    assert result.changes == () and result.drift == () and result.empty
    assert result.render() == "table notes-dev: up to date"
    result.check()  # no drift: no error


def test_descriptions_are_accepted_with_or_without_their_outer_member() -> None:
    inner_ttl = TTL_ON["TimeToLiveDescription"]
    assert plan(SPEC, DESCRIBED["Table"], inner_ttl).empty


def test_include_projection_order_does_not_matter() -> None:
    spec = replace(
        SPEC, indexes=(BY_ORG, replace(BY_STATUS, projection=("org", "title")), BY_TITLE)
    )
    assert plan(spec, DESCRIBED, TTL_ON).empty


# ------------------------------------------------------------------------------------ indexes


def test_an_index_no_entity_declares_is_dropped() -> None:
    spec = replace(SPEC, indexes=(BY_ORG, BY_TITLE))
    result = plan(spec, DESCRIBED, TTL_ON)
    assert result.changes == (DropIndex("notes-dev", "ByStatus"),)
    assert result.changes[0].payload() == {
        "TableName": "notes-dev",
        "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "ByStatus"}}],
    }


def test_a_declared_index_missing_from_the_table_is_added_with_its_attributes() -> None:
    result = plan(SPEC, described(GlobalSecondaryIndexes=gsis("ByOrg")), TTL_ON)
    assert result.changes == (AddIndex("notes-dev", BY_STATUS),)
    payload = result.changes[0].payload()
    assert payload["AttributeDefinitions"] == [{"AttributeName": "status", "AttributeType": "S"}]
    (update,) = payload["GlobalSecondaryIndexUpdates"]
    assert update["Create"] == {
        "IndexName": "ByStatus",
        "KeySchema": [key("status", "HASH")],
        "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["title", "org"]},
    }


def test_two_missing_indexes_are_two_changes_of_one_index_each() -> None:
    result = plan(SPEC, described(GlobalSecondaryIndexes=None), TTL_ON)
    assert kinds(result) == ["AddIndex", "AddIndex"]
    for change in result.changes:
        assert len(change.payload()["GlobalSecondaryIndexUpdates"]) == 1
        assert change.busy


def test_an_index_added_to_a_provisioned_table_gets_capacity() -> None:
    spec = replace(SPEC, billing_mode="PROVISIONED")
    table = described(
        GlobalSecondaryIndexes=gsis("ByOrg"), BillingModeSummary={"BillingMode": "PROVISIONED"}
    )
    (change,) = plan(spec, table, TTL_ON).changes
    assert isinstance(change, AddIndex) and change.provisioned
    create = change.payload()["GlobalSecondaryIndexUpdates"][0]["Create"]
    assert create["ProvisionedThroughput"] == {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}


def test_an_index_being_deleted_counts_as_gone() -> None:
    deleting = gsis("ByOrg", "ByStatus")
    deleting[1]["IndexStatus"] = "DELETING"
    assert plan(SPEC, described(GlobalSecondaryIndexes=deleting), TTL_ON).changes == (
        AddIndex("notes-dev", BY_STATUS),
    )
    without = replace(SPEC, indexes=(BY_ORG, BY_TITLE))
    assert plan(without, described(GlobalSecondaryIndexes=deleting), TTL_ON).empty


def test_an_index_declared_differently_is_rebuilt_only_when_asked() -> None:
    spec = replace(SPEC, indexes=(replace(BY_ORG, projection="KEYS_ONLY"), BY_STATUS, BY_TITLE))
    refused = plan(spec, DESCRIBED, TTL_ON)
    assert refused.changes == ()
    assert [(d.kind, d.subject) for d in refused.drift] == [("index_shape", "global index ByOrg")]
    rebuilt = plan(spec, DESCRIBED, TTL_ON, recreate_indexes=True)
    assert kinds(rebuilt) == ["DropIndex", "AddIndex"] and not rebuilt.drift
    assert rebuilt.changes[1] == AddIndex("notes-dev", spec.indexes[0])


# -------------------------------------------------------------------------- billing / stream


def test_billing_moves_to_provisioned_with_capacity_for_the_indexes_kept() -> None:
    spec = replace(SPEC, billing_mode="PROVISIONED", indexes=(BY_ORG, BY_TITLE))
    result = plan(spec, DESCRIBED, TTL_ON)
    assert kinds(result) == ["DropIndex", "UpdateBilling"]  # drop first: fewer to provision
    billing = result.changes[1]
    assert billing == UpdateBilling("notes-dev", "PROVISIONED", "PAY_PER_REQUEST", ("ByOrg",))
    payload = billing.payload()
    assert payload["ProvisionedThroughput"] == {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
    assert [u["Update"]["IndexName"] for u in payload["GlobalSecondaryIndexUpdates"]] == ["ByOrg"]


def test_billing_moves_to_on_demand_before_indexes_are_added() -> None:
    table = described(
        BillingModeSummary=None,  # tables created PROVISIONED may have no summary
        GlobalSecondaryIndexes=gsis("ByOrg"),
    )
    result = plan(SPEC, table, TTL_ON)
    assert kinds(result) == ["UpdateBilling", "AddIndex"]
    assert result.changes[0].payload() == {
        "TableName": "notes-dev",
        "BillingMode": "PAY_PER_REQUEST",
    }


def test_a_missing_stream_is_enabled() -> None:
    result = plan(SPEC, described(StreamSpecification=None), TTL_ON)
    assert result.changes == (EnableStream("notes-dev", "NEW_AND_OLD_IMAGES"),)
    assert result.changes[0].payload()["StreamSpecification"] == {
        "StreamEnabled": True,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }


def test_an_undeclared_stream_is_disabled() -> None:
    result = plan(replace(SPEC, stream=None), DESCRIBED, TTL_ON)
    assert result.changes == (DisableStream("notes-dev", "NEW_AND_OLD_IMAGES"),)
    assert result.changes[0].payload()["StreamSpecification"] == {"StreamEnabled": False}


def test_a_stream_view_change_is_disable_then_enable() -> None:
    result = plan(replace(SPEC, stream="KEYS_ONLY"), DESCRIBED, TTL_ON)
    assert result.changes == (
        DisableStream("notes-dev", "NEW_AND_OLD_IMAGES"),
        EnableStream("notes-dev", "KEYS_ONLY"),
    )


# ---------------------------------------------------------------------------------- TTL/PITR


def test_ttl_is_enabled_when_off_or_not_reported() -> None:
    assert plan(SPEC, DESCRIBED, TTL_OFF).changes == (EnableTtl("notes-dev", "expires_at"),)
    assert plan(SPEC, DESCRIBED, None).changes == (EnableTtl("notes-dev", "expires_at"),)


def test_ttl_being_enabled_counts_as_on() -> None:
    enabling = {
        "TimeToLiveDescription": {"TimeToLiveStatus": "ENABLING", "AttributeName": "expires_at"}
    }
    assert plan(SPEC, DESCRIBED, enabling).empty


def test_ttl_moving_to_another_attribute_is_disable_then_enable_with_a_note() -> None:
    result = plan(replace(SPEC, ttl_attribute="gone_at"), DESCRIBED, TTL_ON)
    assert result.changes == (
        DisableTtl("notes-dev", "expires_at"),
        EnableTtl("notes-dev", "gone_at"),
    )
    assert result.changes[0].payload()["TimeToLiveSpecification"] == {
        "Enabled": False,
        "AttributeName": "expires_at",
    }
    assert any("an hour" in note for note in result.notes)


def test_ttl_no_entity_declares_is_disabled() -> None:
    result = plan(replace(SPEC, ttl_attribute=None), DESCRIBED, TTL_ON)
    assert result.changes == (DisableTtl("notes-dev", "expires_at"),)


def test_pitr_declared_is_enabled_unless_already_on() -> None:
    spec = replace(SPEC, point_in_time_recovery=True)
    off = {
        "ContinuousBackupsDescription": {
            "ContinuousBackupsStatus": "ENABLED",
            "PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "DISABLED"},
        }
    }
    on = copy.deepcopy(off)
    on["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"] = {
        "PointInTimeRecoveryStatus": "ENABLED"
    }
    assert plan(spec, DESCRIBED, TTL_ON, backups=off).changes == (EnablePitr("notes-dev"),)
    assert plan(spec, DESCRIBED, TTL_ON, backups=None).changes == (EnablePitr("notes-dev"),)
    assert plan(spec, DESCRIBED, TTL_ON, backups=on).empty
    assert EnablePitr("notes-dev").payload() == {
        "TableName": "notes-dev",
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
    }
    # never switched off: an undeclared PITR is left on, with a note
    kept = plan(SPEC, DESCRIBED, TTL_ON, backups=on)
    assert kept.changes == () and any("left on" in n for n in kept.notes)
    # unsupported by the endpoint (DynamoDB Local): a note, no change
    local = plan(spec, DESCRIBED, TTL_ON, unsupported={"pitr"})
    assert local.changes == () and any("not supported" in n for n in local.notes)


# -------------------------------------------------------------------------------------- drift


@pytest.mark.parametrize(
    ("schema", "types"),
    [
        ([key("id", "HASH"), key("SK", "RANGE")], {"id": "S"}),  # renamed partition key
        ([key("PK", "HASH"), key("SK", "RANGE")], {"PK": "N"}),  # retyped partition key
        ([key("PK", "HASH")], {}),  # no sort key
    ],
)
def test_a_different_table_key_is_drift(schema: list[Any], types: dict[str, str]) -> None:
    definitions = [
        {"AttributeName": n, "AttributeType": types.get(n, "S")}
        for n in ("id", "PK", "SK", "org", "status", "title")
    ]
    definitions.append({"AttributeName": "created", "AttributeType": "N"})
    result = plan(SPEC, described(KeySchema=schema, AttributeDefinitions=definitions), TTL_ON)
    assert [d.kind for d in result.drift] == ["key_schema"]
    (drift,) = result.drift
    assert drift.expected == "HASH PK S, RANGE SK S"
    assert drift.actual != drift.expected
    assert not result.empty


def test_a_key_drift_is_refused_with_a_stable_code() -> None:
    result = plan(SPEC, described(KeySchema=[key("SK", "HASH"), key("PK", "RANGE")]), TTL_ON)
    with pytest.raises(DefinitionError) as caught:
        result.check()
    assert caught.value.code == "TABLE_DRIFT"
    assert "table key" in str(caught.value)
    assert "! drift: table key" in result.render()


def test_local_index_missing_extra_or_changed_is_drift() -> None:
    other = IndexSpec("ByOrgLocal", PK, AttributeSpec("org", "S"), True, "ALL")
    missing = plan(replace(SPEC, indexes=(BY_ORG, BY_STATUS, BY_TITLE, other)), DESCRIBED, TTL_ON)
    assert [(d.kind, d.actual) for d in missing.drift] == [("local_index", "none")]
    extra = plan(replace(SPEC, indexes=(BY_ORG, BY_STATUS)), DESCRIBED, TTL_ON)
    assert [(d.kind, d.expected) for d in extra.drift] == [("local_index", "none")]
    changed_spec = replace(SPEC, indexes=(BY_ORG, BY_STATUS, replace(BY_TITLE, projection="ALL")))
    changed = plan(changed_spec, DESCRIBED, TTL_ON)
    assert [(d.kind, d.subject) for d in changed.drift] == [("local_index", "local index ByTitle")]
    assert changed.changes == ()  # nothing to do about it but report


def test_an_index_key_type_change_is_attribute_drift() -> None:
    retyped = replace(BY_ORG, sk=AttributeSpec("created", "S"))
    result = plan(replace(SPEC, indexes=(retyped, BY_STATUS, BY_TITLE)), DESCRIBED, TTL_ON)
    assert [(d.kind, d.subject) for d in result.drift] == [("attribute_type", "global index ByOrg")]


def test_a_new_index_cannot_retype_an_attribute_a_kept_index_keys_on() -> None:
    clash = IndexSpec("ByCreated", AttributeSpec("created", "S"), None, False, "ALL")
    result = plan(replace(SPEC, indexes=(*SPEC.indexes, clash)), DESCRIBED, TTL_ON)
    assert [(d.kind, d.subject, d.actual) for d in result.drift] == [
        ("attribute_type", "attribute created", "N")
    ]


# ------------------------------------------------------------------------------ render / notes


def test_render_lists_changes_drift_and_notes() -> None:
    table = described(TableStatus="UPDATING", GlobalSecondaryIndexes=gsis("ByOrg"))
    spec = replace(SPEC, indexes=(replace(BY_ORG, projection="KEYS_ONLY"), BY_STATUS, BY_TITLE))
    text = plan(spec, table, TTL_OFF).render()
    assert text.splitlines()[0] == "table notes-dev: 2 changes, 1 drift (apply refuses)"
    assert "  + add global index ByStatus (status S; INCLUDE title, org)" in text
    assert "  + enable TTL on attribute expires_at" in text
    assert "  ! drift: global index ByOrg: declared ByOrg (org S, created N; KEYS_ONLY)" in text
    assert "  · the table is UPDATING; apply waits for it to become ACTIVE" in text


def test_render_of_a_create_lists_the_new_tables_parts() -> None:
    text = plan(SPEC, None).render()
    assert "      key HASH PK S, RANGE SK S" in text
    assert "      global index ByOrg (org S, created N; ALL)" in text
    assert "      local index ByTitle (PK S, title S; KEYS_ONLY)" in text
    assert "      stream NEW_AND_OLD_IMAGES" in text


def test_a_description_without_a_hash_key_is_refused() -> None:
    with pytest.raises(DefinitionError) as caught:
        plan(SPEC, described(KeySchema=[]), TTL_ON)
    assert caught.value.code == "TABLE_DESCRIPTION"
