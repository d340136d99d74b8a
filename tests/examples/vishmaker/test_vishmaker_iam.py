"""The generated IAM policy allows every request the repositories send, and nothing else.

The integration test drives every repository operation through a recording transport (the
fault kit's ``FaultTransport`` with a plan that only records: no fault is injected), turns each
recorded request into the IAM (action, resource) pairs AWS would check — a transaction is
checked per item, as Put/Update/Delete/ConditionCheck — and compares them with the policy.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from dynastack import Client
from dynastack.app import BoundApp
from dynastack.client.transport import HttpTransport
from dynastack.core.wire import HttpRequest
from dynastack.errors import ConfigurationError
from dynastack.testing.faults import FaultTransport, target_of
from examples.vishmaker import (
    ProjectRepository,
    RequirementTree,
    WaitlistRepository,
    WaitlistStatus,
    app,
    policy,
)

from .vishmaker_support import CURSOR_KEY

REGION, ACCOUNT = "eu-west-1", "123456789012"
ARN = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/"
_TRANSACT = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem"}
_TRANSACT["ConditionCheck"] = "ConditionCheckItem"


def test_the_policy_names_exactly_the_apps_tables_and_indexes() -> None:
    doc = policy("prod", region=REGION, account_id=ACCOUNT, environ={})
    resources = {r for statement in doc["Statement"] for r in statement["Resource"]}
    tables = {ARN + spec.name for spec in app.table_specs(env="prod", environ={})}
    indexes = {
        f"{ARN}{spec.name}/index/{index.name}"
        for spec in app.table_specs(env="prod", environ={})
        for index in spec.indexes
    }
    assert resources == tables | indexes
    assert f"{ARN}prod-vishmaker-waitlist/index/status-index" in resources
    text = json.dumps(doc)
    assert "*" not in text  # no wildcard action or resource
    assert "Scan" not in text  # the seed's policy allowed a Scan nobody runs


def test_the_policy_follows_the_table_name_variables() -> None:
    environ = {"PROJECTS_TABLE_NAME": "projects-blue"}
    doc = policy("prod", region=REGION, account_id=ACCOUNT, environ=environ)
    assert ARN + "projects-blue" in doc["Statement"][0]["Resource"]
    assert ARN + "prod-vishmaker-projects" not in doc["Statement"][0]["Resource"]


def test_a_malformed_account_id_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="12 digits"):
        policy("prod", region=REGION, account_id="12345", environ={})


def required(request: HttpRequest) -> set[tuple[str, str]]:
    """The IAM (action, resource) pairs one request needs."""
    action, body = target_of(request), json.loads(request.body)
    if action == "TransactWriteItems":
        pairs = set()
        for entry in body["TransactItems"]:
            ((kind, detail),) = entry.items()
            pairs.add((_TRANSACT[kind], ARN + detail["TableName"]))
        return pairs
    if action in ("BatchWriteItem", "BatchGetItem"):
        return {(action, ARN + table) for table in body["RequestItems"]}
    resource = ARN + body["TableName"]
    if body.get("IndexName"):
        resource += "/index/" + body["IndexName"]
    return {(action, resource)}


def allowed(doc: dict[str, Any], action: str, resource: str) -> bool:
    return any(
        f"dynamodb:{action}" in statement["Action"] and resource in statement["Resource"]
        for statement in doc["Statement"]
        if statement["Effect"] == "Allow"
    )


def exercise(vm: BoundApp, user_id: str) -> None:
    """Every repository operation once (the demo seeder excepted: it is an operator's tool)."""
    project = vm.service(ProjectRepository).create_project(user_id, "IAM", initial_prompt="p")
    vm.service(ProjectRepository).get_project(user_id, project.id)
    vm.service(ProjectRepository).list_projects(user_id)
    vm.service(ProjectRepository).update_project(user_id, project.id, name="IAM 2")
    vm.service(ProjectRepository).find_by_name("IAM 2")
    flow = vm.service(RequirementTree).create_user_flow(user_id, project.id, "Flow")
    high = vm.service(RequirementTree).create_child(flow, name="High")
    low = vm.service(RequirementTree).create_child(high, name="Low")
    case = vm.service(RequirementTree).create_child(low, name="Case")
    vm.service(RequirementTree).get(type(case), case.uiid)
    vm.service(RequirementTree).list_children(low)
    vm.service(RequirementTree).list_user_flows(user_id, project.id)
    vm.service(RequirementTree).update_node(case, description="d")
    vm.service(RequirementTree).delete_node(case)
    vm.service(RequirementTree).delete_project(user_id, project.id)
    email = f"{user_id}@example.com"
    vm.service(WaitlistRepository).join(email)
    vm.service(WaitlistRepository).join(email)
    vm.service(WaitlistRepository).get(email)
    vm.service(WaitlistRepository).list_by_status(WaitlistStatus.PENDING)
    vm.service(WaitlistRepository).set_status(email, WaitlistStatus.INVITED)
    vm.service(WaitlistRepository).remove(email)


@pytest.mark.integration
def test_every_request_of_the_repositories_is_allowed_and_every_grant_is_used(
    dynamodb_endpoint: str, env: str, user_id: str
) -> None:
    seen: list[HttpRequest] = []

    def record(request: HttpRequest, index: int) -> None:
        seen.append(request)

    recording = Client.local(dynamodb_endpoint, transport=FaultTransport(HttpTransport(), record))
    try:
        exercise(app.bind(recording, env=env, cursor_key=CURSOR_KEY), user_id)
    finally:
        recording.close()
    doc = policy(env, region=REGION, account_id=ACCOUNT, environ={})
    needed = set().union(*(required(request) for request in seen))
    assert needed, "nothing was recorded"
    denied = sorted(pair for pair in needed if not allowed(doc, *pair))
    assert denied == []
    granted = {action for statement in doc["Statement"] for action in statement["Action"]}
    assert granted == {f"dynamodb:{action}" for action, _ in needed}
