"""OpenAPI 3.1 from the declarations (item 3), the self-served docs page, problem bodies."""

from __future__ import annotations

import re

import pytest

from dynastack.api.problems import problem_for
from dynastack.errors import ItemNotFound, VersionConflict
from tests.api.http import Server


@pytest.mark.integration
def test_openapi_lists_exactly_the_declared_operations(cloud: Server) -> None:
    doc = cloud.call("GET", "/openapi.json").json
    assert doc["openapi"] == "3.1.0"
    ops = {(path, method) for path, item in doc["paths"].items() for method in item}
    assert ("/deployments", "post") in ops
    assert ("/deployments/{deployment_id}", "delete") in ops
    assert ("/logs/{deployment_id}/{timestamp}/{log_id}", "get") in ops
    # logs and metrics declare no update or delete: no such operation exists, nor a route
    assert not {m for p, m in ops if p.startswith(("/logs", "/metrics"))} & {"patch", "delete"}
    assert (
        cloud.call("DELETE", "/metrics/m/2020-01-01T00:00:00Z", token="admin-token").status == 405
    )
    # the table of deployments has no list by table key (its key names one item)
    assert ("/deployments", "get") not in ops
    assert ("/deployments/index/OrganizationIndex", "get") in ops


@pytest.mark.integration
def test_input_schemas_leave_out_server_owned_fields(cloud: Server) -> None:
    schemas = cloud.call("GET", "/openapi.json").json["components"]["schemas"]
    create, patch = schemas["DeploymentCreate"], schemas["DeploymentPatch"]
    for owned in ("version", "created_at", "updated_at", "created_by", "deployment_id"):
        assert owned not in create["properties"] and owned not in patch["properties"]
        assert owned in schemas["Deployment"]["properties"]  # but every response has them
    assert create["additionalProperties"] is False and patch["additionalProperties"] is False
    assert set(create["required"]) == {"organization", "project", "domain", "template"}
    assert "required" not in patch and patch["minProperties"] == 1


@pytest.mark.integration
def test_docs_page_is_served_by_the_process_itself(cloud: Server) -> None:
    page = cloud.call("GET", "/docs")
    assert page.status == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    text = page.raw.decode()
    assert "/openapi.json" in text
    assert not re.search(r"(src|href)=\"(https?:)?//", text)  # no CDN, nothing remote
    assert len(page.raw) < 8 * 1024


def test_problem_bodies_come_from_the_allow_list() -> None:
    secret = "alice's item: {'ssn': '078-05-1120'}"
    for error in (VersionConflict(secret, code="c"), ItemNotFound(secret, code="c")):
        body = problem_for(error).body().decode()
        assert "078-05" not in body and "alice" not in body
    unknown = problem_for(RuntimeError(secret))
    assert unknown.status == 500 and "078-05" not in unknown.body().decode()
    debug = problem_for(RuntimeError(secret), debug=True).body().decode()
    assert "RuntimeError" in debug and "078-05" not in debug
    assert "RuntimeError" not in problem_for(RuntimeError(secret), debug=False).body().decode()
