"""The Lambda handler answers as the server does, for each event kind AWS sends.

Events are built as AWS documents them (API Gateway HTTP API payload 2.0, REST API proxy 1.0,
Lambda Function URL), all for the same request; the answer of ``dynastack.api.aws_lambda``
(status, headers, body) must equal the one a real uvicorn serving the same API gives. The
handler is the module's own entry point, configured by environment variables as on AWS.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest

from dynastack.api import aws_lambda
from tests.api.conftest import CURSOR_KEY
from tests.api.http import Reply, Server

pytestmark = pytest.mark.integration

#: what uvicorn adds itself (not the application's answer)
SERVER_ONLY = {"date", "server"}
Request = tuple[str, str, dict[str, str], dict[str, str], bytes]  # method, path, query, headers


def http_api_v2(method: str, path: str, query: dict[str, str], headers: dict[str, str],
                body: bytes) -> dict[str, Any]:  # fmt: skip
    """API Gateway HTTP API, payload format 2.0 (docs: http-api-develop-integrations-lambda)."""
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": urlencode(query),
        "headers": {k.lower(): v for k, v in headers.items()},
        "queryStringParameters": query or None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "api-id",
            "domainName": "id.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "id",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "192.0.2.1",
                "userAgent": "agent",
            },
            "requestId": "id",
            "routeKey": "$default",
            "stage": "$default",
            "time": "12/Mar/2020:19:03:58 +0000",
            "timeEpoch": 1583348638390,
        },
        "body": base64.b64encode(body).decode() if body else None,
        "pathParameters": None,
        "isBase64Encoded": bool(body),
        "stageVariables": None,
    }


def function_url(method: str, path: str, query: dict[str, str], headers: dict[str, str],
                 body: bytes) -> dict[str, Any]:  # fmt: skip
    """A Lambda Function URL request (docs: urls-invocation, the 2.0 shape, its own domain)."""
    event = http_api_v2(method, path, query, headers, body)
    event["requestContext"].update(
        apiId="abcdefg",
        domainName="abcdefg.lambda-url.us-east-1.on.aws",
        domainPrefix="abcdefg",
        authorizer={"iam": None},
    )
    event["headers"]["host"] = "abcdefg.lambda-url.us-east-1.on.aws"
    return event


def rest_api_v1(method: str, path: str, query: dict[str, str], headers: dict[str, str],
                body: bytes) -> dict[str, Any]:  # fmt: skip
    """API Gateway REST API proxy integration, payload format 1.0 (docs: set-up-lambda-proxy)."""
    return {
        "version": "1.0",
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": dict(headers),
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} or None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "id",
            "domainName": "id.execute-api.us-east-1.amazonaws.com",
            "extendedRequestId": "request-id",
            "httpMethod": method,
            "identity": {"sourceIp": "192.0.2.1", "userAgent": "user-agent"},
            "path": "/prod" + path,
            "protocol": "HTTP/1.1",
            "requestId": "id=",
            "requestTime": "04/Mar/2020:19:15:17 +0000",
            "requestTimeEpoch": 1583349317135,
            "resourceId": "abcdef",
            "resourcePath": "/{proxy+}",
            "stage": "prod",
        },
        "pathParameters": {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "body": base64.b64encode(body).decode() if body else None,
        "isBase64Encoded": bool(body),
    }


EVENTS: dict[str, Callable[..., dict[str, Any]]] = {
    "http-api-v2": http_api_v2,
    "rest-api-v1": rest_api_v1,
    "function-url": function_url,
}


def _answer(raw: dict[str, Any]) -> Reply:
    headers = {k.lower(): v for k, v in (raw.get("headers") or {}).items()}
    for name, values in (raw.get("multiValueHeaders") or {}).items():
        headers[name.lower()] = ", ".join(values)
    body = raw.get("body") or ""
    data = base64.b64decode(body) if raw.get("isBase64Encoded") else body.encode()
    return Reply(int(raw["statusCode"]), headers, data)


@pytest.fixture(scope="module")
def lambda_env(dynamodb_endpoint: str, api_env: str) -> Iterator[None]:
    """The function's environment, as the staging servers of these tests are configured."""
    patch = pytest.MonkeyPatch()
    for name, value in {
        "DYNASTACK_API_TARGET": "tests.api.served:cloud",
        "DYNASTACK_API_ENV": api_env,
        "DYNASTACK_ENDPOINT": dynamodb_endpoint,
        "DYNASTACK_ENV": "staging",
        "DYNASTACK_CURSOR_KEY": CURSOR_KEY.hex(),
        "DYNASTACK_CORS_ORIGINS": "https://app.example.com",
        "DYNASTACK_RATE_LIMIT": "100000",
        "DYNASTACK_MAX_BODY_BYTES": str(16 * 1024),
        "DYNASTACK_MAX_PAGE_SIZE": "50",
        "DYNASTACK_DOCS": "true",
    }.items():
        patch.setenv(name, value)
    aws_lambda.reset()
    yield
    aws_lambda.reset()
    patch.undo()


def _requests(cloud: Server) -> list[Request]:
    org = "Org-lambda-" + uuid.uuid4().hex[:6]
    body = {"organization": org, "project": "p", "domain": "d", "template": "t"}
    made = cloud.call("POST", "/deployments", token="dev-token", json=body)
    assert made.status == 201, made.raw
    path = made.headers["location"]
    rid = {"X-Request-Id": "lambda-compare-1"}
    auth = {**rid, "Authorization": "Bearer dev-token"}
    return [
        ("GET", path, {}, auth, b""),
        ("GET", "/deployments/index/OrganizationIndex", {"organization": org, "limit": "5"}, auth,
         b""),
        ("GET", "/deployments/DNOSUCH", {}, auth, b""),
        ("GET", path, {}, rid, b""),  # no credential: 401
        ("PATCH", path, {}, {**auth, "If-Match": '"99"', "Content-Type": "application/json"},
         b'{"status": "deploying"}'),  # a stale version: 412
        ("POST", "/deployments", {}, {**auth, "Content-Type": "application/json"},
         b'{"organization": 5}'),  # invalid input
        ("GET", "/openapi.json", {}, rid, b""),
        ("OPTIONS", path, {}, {**rid, "Origin": "https://app.example.com",
                               "Access-Control-Request-Method": "PATCH"}, b""),
    ]  # fmt: skip


@pytest.mark.parametrize("kind", sorted(EVENTS))
def test_the_handler_answers_as_the_server(cloud: Server, lambda_env: None, kind: str) -> None:
    for method, path, query, headers, body in _requests(cloud):
        served = cloud.call(method, path, query=query or None, headers=headers, body=body or None)
        event = EVENTS[kind](method, path, query, headers, body)
        raw = aws_lambda.handler(event, {})
        # JSON and problem+json travel as text (readable in logs), never base64
        assert not raw["isBase64Encoded"], (kind, method, path)
        answered = _answer(raw)
        assert answered.status == served.status, (kind, method, path, answered.raw)
        expected = {k: v for k, v in served.headers.items() if k not in SERVER_ONLY}
        assert answered.headers == expected, (kind, method, path)
        assert answered.raw == served.raw, (kind, method, path)


def test_a_query_string_reaches_the_app_whole(cloud: Server, lambda_env: None) -> None:
    # the 2.0 events carry rawQueryString; the 1.0 event carries only the parsed parameters
    event = http_api_v2("GET", "/deployments/index/OrganizationIndex",
                        {"organization": "Org-none", "limit": "0"},
                        {"Authorization": "Bearer dev-token"}, b"")  # fmt: skip
    answered = _answer(aws_lambda.handler(event, {}))
    assert answered.status == 400, answered.raw
    assert dict(parse_qsl(event["rawQueryString"]))["limit"] == "0"


def test_without_a_target_the_handler_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    from dynastack.errors import ConfigurationError

    monkeypatch.delenv("DYNASTACK_API_TARGET", raising=False)
    aws_lambda.reset()
    with pytest.raises(ConfigurationError, match="DYNASTACK_API_TARGET"):
        aws_lambda.handler(http_api_v2("GET", "/healthz", {}, {}, b""), {})
    aws_lambda.reset()
