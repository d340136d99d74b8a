"""REST from the model against a real uvicorn server and DynamoDB Local (issue 8 items 1-2)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.api.http import Server

pytestmark = pytest.mark.integration


def _deployment(org: str) -> dict[str, Any]:
    return {"organization": org, "project": "p", "domain": "d.example", "template": "t"}


def _create(cloud: Server, org: str, token: str = "dev-token") -> dict[str, Any]:
    reply = cloud.call("POST", "/deployments", token=token, json=_deployment(org))
    assert reply.status == 201, reply.raw
    data: dict[str, Any] = reply.json
    return data


def test_create_get_patch_delete_with_etags(cloud: Server) -> None:
    created = cloud.call("POST", "/deployments", token="dev-token", json=_deployment("Org-crud"))
    assert created.status == 201
    dep = created.json
    assert created.headers["etag"] == '"1"'
    assert created.headers["location"] == f"/deployments/{dep['deployment_id']}"
    assert dep["created_by"] == "u-dev"  # the owner is the caller, never the body
    path = f"/deployments/{dep['deployment_id']}"
    got = cloud.call("GET", path, token="ro-token")
    assert got.status == 200 and got.json == dep and got.headers["etag"] == '"1"'
    assert not {"PK", "SK", "_type", "_wt"} & set(got.json)  # no internal attributes (S6)

    patched = cloud.call(
        "PATCH", path, token="dev-token", json={"status": "deployed"}, headers={"If-Match": '"1"'}
    )
    assert patched.status == 200
    assert patched.json["status"] == "deployed" and patched.headers["etag"] == '"2"'

    stale = cloud.call(
        "PATCH", path, token="dev-token", json={"status": "failed"}, headers={"If-Match": '"1"'}
    )
    assert stale.status == 412 and stale.problem_type == "precondition-failed"
    assert cloud.call("PATCH", path, token="dev-token", json={"status": "failed"}).status == 428
    assert cloud.call("DELETE", path, token="admin-token").status == 428
    gone = cloud.call("DELETE", path, token="admin-token", headers={"If-Match": '"2"'})
    assert gone.status == 204
    missing = cloud.call("GET", path, token="ro-token")
    assert missing.status == 404 and missing.problem_type == "not-found"
    again = cloud.call("DELETE", path, token="admin-token", headers={"If-Match": '"2"'})
    assert again.status == 404


def test_if_match_forms(cloud: Server) -> None:
    dep = _create(cloud, "Org-ifmatch")
    path = f"/deployments/{dep['deployment_id']}"
    for value, status in (
        ("*", 428),
        ('W/"1"', 412),
        ("1", 400),
        ("abc", 400),
        ('"01"', 412),
        ('"9"', 412),
    ):
        reply = cloud.call(
            "PATCH", path, token="dev-token", json={"project": "q"}, headers={"If-Match": value}
        )
        assert reply.status == status, (value, reply.raw)
    assert cloud.call("GET", path, token="ro-token").json["version"] == 1  # nothing written


def test_list_by_index_newest_first_pages_and_sealed_cursor(cloud: Server) -> None:
    org = "Org-" + uuid.uuid4().hex[:8]
    made = [_create(cloud, org)["deployment_id"] for _ in range(5)]
    path = "/deployments/index/OrganizationIndex"
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        query = {"organization": org, "limit": "2", "newest_first": "true"}
        if cursor:
            query["cursor"] = cursor
        reply = cloud.call("GET", path, token="ro-token", query=query)
        assert reply.status == 200, reply.raw
        seen += [d["deployment_id"] for d in reply.json["items"]]
        cursor = reply.json["cursor"]
        pages += 1
        if cursor is None:
            break
    assert seen == list(reversed(made)) and pages == 3
    # a tampered cursor and a cursor of another query are 400, never items or a 500
    first = cloud.call("GET", path, token="ro-token", query={"organization": org, "limit": "2"})
    token = first.json["cursor"]
    flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    for bad, org_of in ((flipped, org), (token, org + "x"), ("%%%", org)):
        reply = cloud.call(
            "GET", path, token="ro-token", query={"organization": org_of, "cursor": bad}
        )
        assert reply.status == 400 and reply.problem_type == "invalid-cursor", reply.raw


def test_filters_fill_pages_after_filtering(cloud: Server) -> None:
    org = "Org-" + uuid.uuid4().hex[:8]
    ids = [_create(cloud, org)["deployment_id"] for _ in range(6)]
    for dep_id in ids[::2]:
        path = f"/deployments/{dep_id}"
        patched = cloud.call(
            "PATCH",
            path,
            token="dev-token",
            json={"status": "deployed"},
            headers={"If-Match": '"1"'},
        )
        assert patched.status == 200
    reply = cloud.call(
        "GET",
        "/deployments/index/OrganizationIndex",
        token="ro-token",
        query={"organization": org, "filter.status": "deployed", "limit": "3"},
    )
    assert reply.status == 200
    assert [d["deployment_id"] for d in reply.json["items"]] == ids[::2]


def test_sort_conditions_on_the_index_sort_key(cloud: Server) -> None:
    org = "Org-" + uuid.uuid4().hex[:8]
    made = [_create(cloud, org) for _ in range(3)]
    middle = made[1]["created_at"]
    path = "/deployments/index/OrganizationIndex"
    after = cloud.call(
        "GET", path, token="ro-token", query={"organization": org, "created_at.gt": middle}
    )
    assert [d["deployment_id"] for d in after.json["items"]] == [made[2]["deployment_id"]]
    between = cloud.call(
        "GET",
        path,
        token="ro-token",
        query={
            "organization": org,
            "created_at.ge": made[0]["created_at"],
            "created_at.le": middle,
        },
    )
    assert [d["deployment_id"] for d in between.json["items"]] == [
        made[0]["deployment_id"],
        made[1]["deployment_id"],
    ]
    both = cloud.call(
        "GET",
        path,
        token="ro-token",
        query={"organization": org, "created_at.gt": middle, "created_at.lt": middle},
    )
    assert both.status == 400 and "created_at" in both.json["detail"]
    # bounds reversed: DynamoDB refuses such a BETWEEN (ValidationException), which was a 500
    reversed_range = cloud.call(
        "GET",
        path,
        token="ro-token",
        query={
            "organization": org,
            "created_at.ge": "3662-12-04T05:07:51-12:38",
            "created_at.le": made[0]["created_at"],
        },
    )
    assert reversed_range.status == 400, reversed_range.raw
    assert reversed_range.problem_type == "validation"
    assert "above its .le" in reversed_range.json["detail"]


def test_list_by_table_key_with_a_template_sort_prefix(cloud: Server) -> None:
    dep = _create(cloud, "Org-stacks")["deployment_id"]
    for name, env in (("web", "dev"), ("web", "prod"), ("db", "dev")):
        body = {
            "deployment_id": dep,
            "stack_name": name,
            "environment": env,
            "pulumi_stack_name": f"{name}-{env}",
            "layer": 1,
        }
        assert cloud.call("POST", "/stacks", token="dev-token", json=body).status == 201
    web = cloud.call(
        "GET", "/stacks", token="ro-token", query={"deployment_id": dep, "stack_name": "web"}
    )
    assert sorted(s["environment"] for s in web.json["items"]) == ["dev", "prod"]
    one = cloud.call("GET", f"/stacks/{dep}/db/dev", token="ro-token")
    assert one.status == 200 and one.json["pulumi_stack_name"] == "db-dev"
    skipping = cloud.call(
        "GET", "/stacks", token="ro-token", query={"deployment_id": dep, "environment": "dev"}
    )
    assert skipping.status == 400  # environment without stack_name is not a prefix


def test_create_conflict_is_409(cloud: Server) -> None:
    dep = _create(cloud, "Org-dup")["deployment_id"]
    body = {
        "deployment_id": dep,
        "stack_name": "s",
        "environment": "e",
        "pulumi_stack_name": "x",
        "layer": 0,
    }
    assert cloud.call("POST", "/stacks", token="dev-token", json=body).status == 201
    again = cloud.call("POST", "/stacks", token="dev-token", json=body)
    assert again.status == 409 and again.problem_type == "conflict"


def test_request_id_in_and_out(cloud: Server) -> None:
    mine = cloud.call("GET", "/healthz", headers={"X-Request-Id": "abc-123"})
    assert mine.headers["x-request-id"] == "abc-123"
    fresh = cloud.call("GET", "/healthz", headers={"X-Request-Id": "bad id\x7f"})
    assert (
        fresh.headers["x-request-id"] != "bad id\x7f" and len(fresh.headers["x-request-id"]) == 24
    )
    problem = cloud.call("GET", "/deployments/DNOPE00", headers={"X-Request-Id": "trace-1"})
    assert problem.status == 401 and problem.json["request_id"] == "trace-1"


def test_cors_from_the_allow_list(cloud: Server) -> None:
    allowed = cloud.call(
        "OPTIONS",
        "/deployments",
        headers={
            "Origin": "https://app.example.com",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type,if-match",
        },
    )
    assert allowed.status == 200
    assert allowed.headers["access-control-allow-origin"] == "https://app.example.com"
    refused = cloud.call(
        "OPTIONS",
        "/deployments",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert refused.status == 400
    assert "access-control-allow-origin" not in refused.headers
    plain = cloud.call("GET", "/healthz", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in plain.headers


def test_unknown_routes_and_methods_are_problems(cloud: Server) -> None:
    nothing = cloud.call("GET", "/nothing-here")
    assert nothing.status == 404 and nothing.problem_type == "not-found"
    wrong = cloud.call("PUT", "/deployments", token="admin-token")
    assert wrong.status == 405 and wrong.problem_type == "method-not-allowed"
