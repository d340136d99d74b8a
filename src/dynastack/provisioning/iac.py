"""The same tables as infrastructure-as-code: a CloudFormation template or Terraform JSON.

Teams that provision through CloudFormation or Terraform still want the entities to be the
one source of truth. These functions turn compiled ``TableSpec`` values into the JSON those
tools read, with exactly what ``plan``/``apply`` would create (key, attributes, indexes,
billing, stream, TTL, point-in-time recovery), so both paths cannot disagree. They are pure:
no AWS call, no template library, only dicts for ``json.dumps``.

CloudFormation's ``AWS::DynamoDB::Table`` properties are CreateTable's parameters plus
``TimeToLiveSpecification`` and ``PointInTimeRecoverySpecification``; its
``StreamSpecification`` has only ``StreamViewType``. Terraform's ``aws_dynamodb_table`` spells
the same things as ``hash_key``/``range_key``, repeated ``attribute`` blocks and so on.

Example:
    >>> from dynastack.model import AttributeSpec, TableSpec
    >>> spec = TableSpec("audit-log", "audit-log-prod", AttributeSpec("PK", "S"), None, (),
    ...                  "expires_at", "PAY_PER_REQUEST", None, True)
    >>> resource = cloudformation([spec])["Resources"]["AuditLogTable"]
    >>> resource["Properties"]["TimeToLiveSpecification"]
    {'AttributeName': 'expires_at', 'Enabled': True}
    >>> terraform([spec])["resource"]["aws_dynamodb_table"]["audit-log"]["hash_key"]
    'PK'
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from dynastack.model.tablespec import IndexSpec, TableSpec
from dynastack.provisioning.changes import DEFAULT_THROUGHPUT

__all__ = ["cloudformation", "logical_id", "terraform"]

_WORDS = re.compile(r"[A-Za-z0-9]+")


def logical_id(spec: TableSpec) -> str:
    """A CloudFormation logical id (alphanumeric) for the table: ``audit-log`` → ``AuditLogTable``.

    >>> from dynastack.model import AttributeSpec, TableSpec
    >>> logical_id(TableSpec("user_sessions", "x", AttributeSpec("PK", "S"), None, (), None,
    ...                      "PAY_PER_REQUEST", None, False))
    'UserSessionsTable'
    """
    words = _WORDS.findall(spec.logical_name)
    return "".join(w[:1].upper() + w[1:] for w in words) + "Table"


def cloudformation(specs: Sequence[TableSpec], *, description: str | None = None) -> dict[str, Any]:
    """A CloudFormation template with one ``AWS::DynamoDB::Table`` per spec."""
    resources: dict[str, Any] = {}
    for spec in specs:
        properties = spec.create_request()
        stream = properties.pop("StreamSpecification", None)
        if stream is not None:
            properties["StreamSpecification"] = {"StreamViewType": stream["StreamViewType"]}
        if spec.ttl_attribute:
            properties["TimeToLiveSpecification"] = {
                "AttributeName": spec.ttl_attribute,
                "Enabled": True,
            }
        if spec.point_in_time_recovery:
            properties["PointInTimeRecoverySpecification"] = {"PointInTimeRecoveryEnabled": True}
        resources[logical_id(spec)] = {
            "Type": "AWS::DynamoDB::Table",
            "DeletionPolicy": "Retain",  # a stack deletion must not delete the data
            "UpdateReplacePolicy": "Retain",
            "Properties": properties,
        }
    template: dict[str, Any] = {"AWSTemplateFormatVersion": "2010-09-09"}
    if description:
        template["Description"] = description
    template["Resources"] = resources
    return template


def _tf_index(index: IndexSpec, provisioned: bool) -> dict[str, Any]:
    block: dict[str, Any] = {"name": index.name}
    if not index.local:
        block["hash_key"] = index.pk.name
    if index.sk is not None:
        block["range_key"] = index.sk.name
    if isinstance(index.projection, tuple):
        block["projection_type"] = "INCLUDE"
        block["non_key_attributes"] = list(index.projection)
    else:
        block["projection_type"] = index.projection
    if provisioned and not index.local:
        block["read_capacity"] = DEFAULT_THROUGHPUT["ReadCapacityUnits"]
        block["write_capacity"] = DEFAULT_THROUGHPUT["WriteCapacityUnits"]
    return block


def terraform(specs: Sequence[TableSpec]) -> dict[str, Any]:
    """Terraform JSON (``*.tf.json``) with one ``aws_dynamodb_table`` per spec."""
    tables: dict[str, Any] = {}
    for spec in specs:
        provisioned = spec.billing_mode == "PROVISIONED"
        table: dict[str, Any] = {
            "name": spec.name,
            "billing_mode": spec.billing_mode,
            "hash_key": spec.pk.name,
        }
        if spec.sk is not None:
            table["range_key"] = spec.sk.name
        if provisioned:
            table["read_capacity"] = DEFAULT_THROUGHPUT["ReadCapacityUnits"]
            table["write_capacity"] = DEFAULT_THROUGHPUT["WriteCapacityUnits"]
        table["attribute"] = [{"name": a.name, "type": a.type} for a in spec.attributes]
        gsis = [_tf_index(ix, provisioned) for ix in spec.indexes if not ix.local]
        lsis = [_tf_index(ix, provisioned) for ix in spec.indexes if ix.local]
        if gsis:
            table["global_secondary_index"] = gsis
        if lsis:
            table["local_secondary_index"] = lsis
        if spec.stream:
            table["stream_enabled"] = True
            table["stream_view_type"] = spec.stream
        if spec.ttl_attribute:
            table["ttl"] = [{"attribute_name": spec.ttl_attribute, "enabled": True}]
        if spec.point_in_time_recovery:
            table["point_in_time_recovery"] = [{"enabled": True}]
        table["lifecycle"] = [{"prevent_destroy": True}]
        name = re.sub(r"[^A-Za-z0-9_-]", "_", spec.logical_name)
        tables[name if name[:1].isalpha() else f"_{name}"] = table  # must not start with a digit
    return {"resource": {"aws_dynamodb_table": tables}}
