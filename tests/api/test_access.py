"""Who may do what: the role matrix (S4), owner scope (S5), rate limits (S12), 401s."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from tests.api.http import Reply, Server

pytestmark = pytest.mark.integration

GROUP_TOKENS = {
    "Administrators": "admin-token",
    "Developers": "dev-token",
    "ReadOnly": "ro-token",
    "(none)": "none-token",
}
# the documented matrix (docs/api.md): seed 000's groups on deployments and stacks
MATRIX = {
    "Administrators": {"list", "get", "create", "update", "delete"},
    "Developers": {"list", "get", "create", "update"},
    "ReadOnly": {"list", "get"},
    "(none)": set(),
}


def _attempt(cloud: Server, operation: str, token: str) -> Reply:
    made = cloud.call(
        "POST",
        "/deployments",
        token="admin-token",
        json={"organization": "Org-matrix", "project": "p", "domain": "d", "template": "t"},
    ).json
    path = f"/deployments/{made['deployment_id']}"
    match operation:
        case "list":
            return cloud.call(
                "GET", "/deployments/index/OrganizationIndex", token=token,
                query={"organization": "Org-matrix", "limit": "1"},
            )  # fmt: skip
        case "get":
            return cloud.call("GET", path, token=token)
        case "create":
            body = {"organization": "Org-matrix", "project": "p", "domain": "d", "template": "t"}
            return cloud.call("POST", "/deployments", token=token, json=body)
        case "update":
            return cloud.call(
                "PATCH", path, token=token, json={"project": "q"}, headers={"If-Match": '"1"'}
            )
        case _:
            return cloud.call("DELETE", path, token=token, headers={"If-Match": '"1"'})


@pytest.mark.parametrize(
    ("group", "operation"),
    list(itertools.product(GROUP_TOKENS, ["list", "get", "create", "update", "delete"])),
)
def test_role_matrix(cloud: Server, group: str, operation: str) -> None:
    reply = _attempt(cloud, operation, GROUP_TOKENS[group])
    if operation in MATRIX[group]:
        assert reply.status in {200, 201, 204}, reply.raw
    else:
        assert reply.status == 403 and reply.problem_type == "forbidden", reply.raw


@pytest.mark.parametrize("route", ["/deployments/DAAAAAA", "/deployments/index/StatusIndex"])
@pytest.mark.parametrize("auth", [None, "Bearer nope", "Basic YTpi", "Bearer", "bearer  "])
def test_bad_credentials_are_401(cloud: Server, route: str, auth: str | None) -> None:
    headers = {} if auth is None else {"Authorization": auth}
    reply = cloud.call("GET", route, headers=headers, query={"status": "deployed"})
    assert reply.status == 401 and reply.problem_type == "unauthenticated"
    assert reply.headers["www-authenticate"] == "Bearer"


def _report(k9: Server, token: str, title: str) -> dict[str, Any]:
    reply = k9.call("POST", "/reports", token=token, json={"title": title})
    assert reply.status == 201, reply.raw
    data: dict[str, Any] = reply.json
    return data


def test_owner_scope_bob_gets_404_on_every_route_of_alices_items(k9: Server) -> None:
    mine = _report(k9, "alice-token", "alice's")
    assert mine["user_id"] == "alice"
    path = f"/reports/{mine['id']}"
    assert k9.call("GET", path, token="bob-token").status == 404
    patch = k9.call(
        "PATCH", path, token="bob-token", json={"title": "mine now"}, headers={"If-Match": '"1"'}
    )
    assert patch.status == 404 and patch.problem_type == "not-found"
    delete = k9.call("DELETE", path, token="bob-token", headers={"If-Match": '"1"'})
    assert delete.status == 404
    bobs = k9.call("GET", "/reports/index/UserReportsIndex", token="bob-token")
    assert mine["id"] not in [r["id"] for r in bobs.json["items"]]
    # the owner field cannot be forged either
    forged = k9.call("POST", "/reports", token="bob-token", json={"title": "x", "user_id": "alice"})
    assert forged.status == 400 and "user_id" in forged.json["detail"]
    # alice's item is untouched and still hers
    after = k9.call("GET", path, token="alice-token")
    assert after.status == 200 and after.json == mine


def test_owner_scope_cursor_of_one_user_does_not_open_for_another(k9: Server) -> None:
    for i in range(3):
        _report(k9, "alice-token", f"r{i}")
    page = k9.call(
        "GET", "/reports/index/UserReportsIndex", token="alice-token", query={"limit": "1"}
    )
    cursor = page.json["cursor"]
    assert cursor
    stolen = k9.call(
        "GET", "/reports/index/UserReportsIndex", token="bob-token", query={"cursor": cursor}
    )
    assert stolen.status == 400 and stolen.problem_type == "invalid-cursor"


def test_rate_limit_429_past_the_limit_per_principal(limited: Server) -> None:
    statuses = [
        limited.call("GET", "/deployments/DAAAAAA", token="ro-token").status for _ in range(7)
    ]
    assert statuses == [404] * 5 + [429] * 2
    over = limited.call("GET", "/deployments/DAAAAAA", token="ro-token")
    assert over.problem_type == "rate-limited" and int(over.headers["retry-after"]) >= 1
    # another principal has its own window
    assert limited.call("GET", "/deployments/DAAAAAA", token="dev-token").status == 404


def test_rate_limit_never_fails_open(no_rate_table: Server) -> None:
    # the rate-window table is missing: requests are refused, never let through uncounted
    reply = no_rate_table.call("GET", "/deployments/DAAAAAA", token="ro-token")
    assert reply.status == 503 and reply.problem_type == "unavailable"
    assert "retry-after" in reply.headers


def test_owner_scope_holds_under_1000_racing_requests(k9: Server) -> None:
    from concurrent.futures import ThreadPoolExecutor

    reports = [_report(k9, "alice-token", f"race {i}") for i in range(10)]

    def attack(i: int) -> int:
        target = reports[i % len(reports)]
        path = f"/reports/{target['id']}"
        match i % 3:
            case 0:
                return k9.call("GET", path, token="bob-token").status
            case 1:
                return k9.call(
                    "PATCH", path, token="bob-token", json={"title": "bob's now"},
                    headers={"If-Match": '"1"'},
                ).status  # fmt: skip
            case _:
                return k9.call(
                    "DELETE", path, token="bob-token", headers={"If-Match": '"1"'}
                ).status

    def own(i: int) -> int:  # alice keeps reading hers meanwhile
        return k9.call("GET", f"/reports/{reports[i % 10]['id']}", token="alice-token").status

    with ThreadPoolExecutor(max_workers=16) as pool:
        attacks = pool.map(attack, range(1000))
        owners = pool.map(own, range(100))
        statuses, alice = list(attacks), list(owners)
    assert set(statuses) == {404} and len(statuses) == 1000
    assert set(alice) == {200}
    for report in reports:  # 0 unauthorized writes: every item exactly as alice made it
        assert k9.call("GET", f"/reports/{report['id']}", token="alice-token").json == report
