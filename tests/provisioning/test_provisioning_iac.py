"""CloudFormation and Terraform exports say exactly what apply would create.

The CloudFormation properties are checked against ``TableSpec.create_request()`` (what apply
sends), so the two paths cannot disagree; Terraform's spelling is checked field by field.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dynastack.cli import app as cli
from dynastack.model import AttributeSpec, IndexSpec, TableSpec
from dynastack.provisioning.iac import cloudformation, logical_id, terraform

SPEC = TableSpec(
    logical_name="user-sessions",
    name="user-sessions-prod",
    pk=AttributeSpec("PK", "S"),
    sk=AttributeSpec("SK", "S"),
    indexes=(
        IndexSpec("ByUser", AttributeSpec("user", "S"), AttributeSpec("at", "N"), False, "ALL"),
        IndexSpec("ByDevice", AttributeSpec("device", "S"), None, False, ("user", "ip")),
        IndexSpec("ByAt", AttributeSpec("PK", "S"), AttributeSpec("at", "N"), True, "KEYS_ONLY"),
    ),
    ttl_attribute="expires_at",
    billing_mode="PROVISIONED",
    stream="NEW_IMAGE",
    point_in_time_recovery=True,
)


def test_cloudformation_properties_are_the_create_request_plus_ttl_and_pitr() -> None:
    template = cloudformation([SPEC], description="sessions")
    assert template["AWSTemplateFormatVersion"] == "2010-09-09"
    assert template["Description"] == "sessions"
    resource = template["Resources"]["UserSessionsTable"]
    assert resource["Type"] == "AWS::DynamoDB::Table"
    assert resource["DeletionPolicy"] == resource["UpdateReplacePolicy"] == "Retain"
    properties = dict(resource["Properties"])
    assert properties.pop("TimeToLiveSpecification") == {
        "AttributeName": "expires_at",
        "Enabled": True,
    }
    assert properties.pop("PointInTimeRecoverySpecification") == {
        "PointInTimeRecoveryEnabled": True
    }
    # CloudFormation has no StreamEnabled: the view type alone turns the stream on
    assert properties.pop("StreamSpecification") == {"StreamViewType": "NEW_IMAGE"}
    request = SPEC.create_request()
    request.pop("StreamSpecification")
    assert properties == request
    json.dumps(template)  # plain JSON, nothing else


def test_cloudformation_leaves_out_what_is_not_declared() -> None:
    bare = TableSpec(
        "t1", "t1-dev", AttributeSpec("id", "N"), None, (), None, "PAY_PER_REQUEST", None, False
    )
    properties = cloudformation([bare])["Resources"]["T1Table"]["Properties"]
    assert set(properties) == {"TableName", "KeySchema", "AttributeDefinitions", "BillingMode"}


def test_terraform_spells_the_same_table() -> None:
    table = terraform([SPEC])["resource"]["aws_dynamodb_table"]["user-sessions"]
    assert table["name"] == "user-sessions-prod"
    assert (table["hash_key"], table["range_key"]) == ("PK", "SK")
    assert (table["billing_mode"], table["read_capacity"], table["write_capacity"]) == (
        "PROVISIONED",
        5,
        5,
    )
    assert table["attribute"] == [
        {"name": "PK", "type": "S"},
        {"name": "SK", "type": "S"},
        {"name": "user", "type": "S"},
        {"name": "at", "type": "N"},
        {"name": "device", "type": "S"},
    ]
    assert table["global_secondary_index"] == [
        {
            "name": "ByUser",
            "hash_key": "user",
            "range_key": "at",
            "projection_type": "ALL",
            "read_capacity": 5,
            "write_capacity": 5,
        },
        {
            "name": "ByDevice",
            "hash_key": "device",
            "projection_type": "INCLUDE",
            "non_key_attributes": ["user", "ip"],
            "read_capacity": 5,
            "write_capacity": 5,
        },
    ]
    assert table["local_secondary_index"] == [
        {"name": "ByAt", "range_key": "at", "projection_type": "KEYS_ONLY"}
    ]
    assert (table["stream_enabled"], table["stream_view_type"]) == (True, "NEW_IMAGE")
    assert table["ttl"] == [{"attribute_name": "expires_at", "enabled": True}]
    assert table["point_in_time_recovery"] == [{"enabled": True}]
    assert table["lifecycle"] == [{"prevent_destroy": True}]


@pytest.mark.parametrize(
    ("logical", "cfn", "tf"),
    [
        ("audit.log", "AuditLogTable", "audit_log"),
        ("2024_events", "2024EventsTable", "_2024_events"),
    ],
)
def test_names_are_made_valid_for_each_tool(logical: str, cfn: str, tf: str) -> None:
    spec = TableSpec(
        logical, "x-dev", AttributeSpec("PK", "S"), None, (), None, "PAY_PER_REQUEST", None, False
    )
    assert logical_id(spec) == cfn
    assert list(terraform([spec])["resource"]["aws_dynamodb_table"]) == [tf]


def test_the_export_command_prints_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(Path(__file__).parent))
    args = ["tables", "export", "tests.provisioning.prov_sample_app:app", "--env", "prod"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    resources = json.loads(result.stdout)["Resources"]
    assert sorted(resources) == ["AccountsTable", "SessionsTable"]
    assert resources["SessionsTable"]["Properties"]["TableName"] == "prov-sessions-prod"
    result = CliRunner().invoke(cli, [*args, "--format", "terraform"])
    assert result.exit_code == 0, result.output
    tables = json.loads(result.stdout)["resource"]["aws_dynamodb_table"]
    assert tables["accounts"]["name"] == "prov-accounts-prod"
