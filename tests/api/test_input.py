"""Bad input is a precise problem+json before any DynamoDB call (S6 mass assignment, S9 limits).

"Before any DynamoDB call" is shown with the server whose tables do not exist: a request that
reached DynamoDB there would fail with 503 (the rate window) instead of the 4xx asserted.
"""

from __future__ import annotations

import pytest

from tests.api.http import Server

pytestmark = pytest.mark.integration

_VALID = {"organization": "O", "project": "p", "domain": "d", "template": "t"}

SERVER_OWNED = {
    "version": 7,
    "created_at": "2020-01-01T00:00:00Z",
    "updated_at": "2020-01-01T00:00:00Z",
    "created_by": "mallory",
    "deployment_id": "DAAAAAA",
}


@pytest.mark.parametrize("field", sorted(SERVER_OWNED))
def test_server_owned_fields_are_refused_on_create(cloud: Server, field: str) -> None:
    reply = cloud.call(
        "POST", "/deployments", token="dev-token", json={**_VALID, field: SERVER_OWNED[field]}
    )
    assert reply.status == 400 and reply.problem_type == "validation"
    assert field in reply.json["detail"] and reply.json["errors"][0]["loc"] == ["body", field]


@pytest.mark.parametrize("field", [*sorted(SERVER_OWNED), "PK", "SK", "_type", "_wt"])
def test_server_owned_and_internal_fields_are_refused_on_patch(cloud: Server, field: str) -> None:
    created = cloud.call("POST", "/deployments", token="dev-token", json=_VALID).json
    path = f"/deployments/{created['deployment_id']}"
    reply = cloud.call(
        "PATCH", path, token="dev-token", json={field: "x"}, headers={"If-Match": '"1"'}
    )
    assert reply.status == 400 and field in reply.json["detail"]
    assert cloud.call("GET", path, token="ro-token").json == created  # nothing changed


def test_stack_keys_cannot_change(cloud: Server) -> None:
    reply = cloud.call(
        "PATCH",
        "/stacks/DAAAAAA/web/dev",
        token="dev-token",
        json={"stack_name": "other"},
        headers={"If-Match": '"1"'},
    )
    assert reply.status == 400 and "stack_name" in reply.json["detail"]


@pytest.mark.parametrize(
    ("body", "headers", "status", "kind"),
    [
        (b"{not json", {"Content-Type": "application/json"}, 400, "bad-request"),
        (b"[1, 2]", {"Content-Type": "application/json"}, 400, "validation"),
        (b'{"organization": ""}', {"Content-Type": "application/json"}, 400, "validation"),
        (b"organization=x", {"Content-Type": "application/x-www-form-urlencoded"}, 415,
         "unsupported-media-type"),
        (b"{}", {}, 415, "unsupported-media-type"),
    ],
)  # fmt: skip
def test_malformed_bodies(
    no_rate_table: Server,
    cloud: Server,
    body: bytes,
    headers: dict[str, str],
    status: int,
    kind: str,
) -> None:
    reply = cloud.call("POST", "/deployments", token="dev-token", body=body, headers=headers)
    assert reply.status == status and reply.problem_type == kind, reply.raw


def test_body_size_limit_at_plus_minus_one(cloud: Server) -> None:
    limit = 16 * 1024
    base = b'{"organization":"O","project":"p","domain":"d","template":"'
    tail = b'"}'
    fill = limit - len(base) - len(tail)
    at_limit = cloud.call(
        "POST", "/deployments", token="dev-token", body=base + b"t" * fill + tail,
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    assert at_limit.status == 201
    over = cloud.call(
        "POST", "/deployments", token="dev-token", body=base + b"t" * (fill + 1) + tail,
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    assert over.status == 413 and over.problem_type == "body-too-large"


def test_page_size_limit_at_plus_minus_one(cloud: Server) -> None:
    path = "/deployments/index/OrganizationIndex"
    ok = cloud.call("GET", path, token="ro-token", query={"organization": "x", "limit": "50"})
    assert ok.status == 200
    for bad in ("51", "0", "-1", "ten", ""):
        reply = cloud.call("GET", path, token="ro-token", query={"organization": "x", "limit": bad})
        assert reply.status == 400 and "limit" in reply.json["detail"], bad


def test_rejected_before_any_dynamodb_call(no_rate_table: Server) -> None:
    # this server's tables do not exist: anything that reached DynamoDB would be a 503
    assert (
        no_rate_table.call(
            "POST",
            "/deployments",
            token="dev-token",
            body=b"x" * 70_000,
            headers={"Content-Type": "application/json"},
        ).status
        == 413
    )
    path = "/deployments/index/OrganizationIndex"
    reply = no_rate_table.call(
        "GET", path, token="ro-token", query={"organization": "x", "limit": "51"}
    )
    assert reply.status == 400
    assert no_rate_table.call("GET", "/deployments/DAAAAAA", token="ro-token").status == 503


def test_query_parameter_errors_are_precise(cloud: Server) -> None:
    path = "/deployments/index/OrganizationIndex"
    missing = cloud.call("GET", path, token="ro-token")
    assert missing.status == 400 and "'organization' is required" in missing.json["detail"]
    unknown = cloud.call("GET", path, token="ro-token", query={"organization": "x", "colour": "1"})
    assert unknown.status == 400 and "'colour'" in unknown.json["detail"]
    bad_date = cloud.call(
        "GET", path, token="ro-token", query={"organization": "x", "created_at.gt": "yesterday"}
    )
    assert bad_date.status == 400 and bad_date.json["errors"][0]["loc"][0] == "created_at"
    bad_id = cloud.call("GET", "/deployments/not-an-id", token="ro-token")
    assert bad_id.status == 400 and "deployment_id" in bad_id.json["detail"]
    # pydantic's echo of the input is never in a problem (it could be anything the caller sent)
    assert "not-an-id" not in str(bad_id.json["errors"]) + bad_id.json["detail"]
