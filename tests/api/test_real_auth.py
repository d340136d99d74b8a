"""The real authenticator in the API: dev tokens, a moto Cognito pool, API keys, session cookies.

Each server is a real uvicorn on DynamoDB Local serving cloud_platform's API with
``default_authenticator`` built from settings (no stand-in): tokens come from ``dynastack dev
token`` (the CLI) and from moto's Cognito (``initiate_auth`` USER_PASSWORD_AUTH).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dynastack.api import ApiSettings
from dynastack.api.default_auth import default_authenticator, trusted_issuers
from dynastack.auth import API_KEYS_TABLE, DEV_ISSUER, ApiKeyStore, DevIssuer
from dynastack.client import AsyncClient, Client
from dynastack.errors import ConfigurationError
from dynastack.model import TableSpec
from dynastack.provisioning import ensure_table
from dynastack.sessions import DynamoDBSessionStore
from dynastack.sessions.dynamodb import SESSIONS_TABLE
from tests.api.conftest import CURSOR_KEY, serve, settings_for
from tests.api.http import Server
from tests.auth.conftest import PASSWORD, USERNAME, CognitoPool, admin_client

pytestmark = pytest.mark.integration
#: cloud_platform's deployments are listed through an index (the table key is the id alone)
LIST = "/deployments/index/OrganizationIndex"
Q = {"organization": "Org-any"}
ROOT = Path(__file__).resolve().parents[2]
EXE = Path(sys.executable).with_name("dynastack")


def _dev_token(state_dir: Path, user: str, *groups: str) -> str:
    """A token printed by the real CLI, as a user would paste it into curl."""
    out = subprocess.run(
        [str(EXE), "dev", "token", "--user", user, "--groups", ",".join(groups),
         "--state-dir", str(state_dir)],
        check=True, capture_output=True, text=True, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])},
    )  # fmt: skip
    return out.stdout.strip()


@pytest.fixture(scope="module")
def state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("dev-issuer")


@pytest.fixture(scope="module")
def auth_tables(dynamodb_endpoint: str, api_env: str) -> Iterator[str]:
    client = Client.local(dynamodb_endpoint)
    specs = [TableSpec.compile(table, env=api_env) for table in (API_KEYS_TABLE, SESSIONS_TABLE)]
    for spec in specs:
        ensure_table(spec, client)
    try:
        yield api_env
    finally:
        for spec in specs:
            client.delete_table(TableName=spec.name)
        client.close()


@pytest.fixture(scope="module")
def real(
    dynamodb_endpoint: str, auth_tables: str, state_dir: Path, cognito: CognitoPool
) -> Iterator[Server]:
    """cloud_platform's API trusting the dev issuer, the moto pool, API keys and sessions."""
    from examples.cloud_platform.api import api

    settings = settings_for(
        trust_dev_tokens=True,
        auth_issuer=cognito.issuer,
        auth_jwks_url=cognito.jwks_url,
        auth_client_ids=(cognito.client_id,),
        api_keys=True,
        sessions=True,
    )
    issuer = DevIssuer(state_dir)
    yield from serve(
        api,
        dynamodb_endpoint,
        auth_tables,
        settings,
        lambda client: default_authenticator(
            settings, client=client, env=auth_tables, dev_issuer=issuer
        ),
    )


def _body(org: str) -> dict[str, str]:
    return {"organization": org, "project": "p", "domain": "d", "template": "t"}


def test_a_dev_token_from_the_cli_is_accepted_with_its_groups(
    real: Server, state_dir: Path
) -> None:
    developer = _dev_token(state_dir, "alice", "Developers")
    made = real.call("POST", "/deployments", token=developer, json=_body("Org-real-auth"))
    assert made.status == 201, made.raw
    assert made.json["created_by"] == "alice"
    listed = real.call("GET", LIST, token=developer, query={"organization": "Org-real-auth"})
    assert listed.status == 200, listed.raw
    # the role matrix sees the token's groups: Developers may not delete, ReadOnly may not write
    path = made.headers["location"]
    etag = made.headers["etag"]
    denied = real.call("DELETE", path, token=developer, headers={"If-Match": etag})
    assert denied.status == 403, denied.raw
    reader = _dev_token(state_dir, "ro", "ReadOnly")
    assert real.call("POST", "/deployments", token=reader, json=_body("Org-x")).status == 403


def test_a_dev_token_of_another_key_is_refused(real: Server, tmp_path: Path) -> None:
    stranger = _dev_token(tmp_path, "alice", "Administrators")  # same iss, a key nobody trusts
    reply = real.call("GET", LIST, query=Q, token=stranger)
    assert reply.status == 401, reply.raw
    assert reply.problem_type == "unauthenticated" or reply.json["status"] == 401


def test_the_seed_cognito_flow_reaches_the_api(real: Server, cognito: CognitoPool) -> None:
    # seed 000's client flow verbatim (only the URL changed): USER_PASSWORD_AUTH, then the ID token
    idp = admin_client(cognito.endpoint)
    tokens = idp.initiate_auth(
        ClientId=cognito.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": USERNAME, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    made = real.call(
        "POST",
        "/deployments",
        headers={"Authorization": tokens["IdToken"]},  # AppSync style: the token alone
        json=_body("Org-cognito"),
    )
    assert made.status == 201, made.raw  # the user is in Developers: may create
    assert real.call("GET", LIST, query=Q, token=tokens["IdToken"]).status == 200
    # a token of another app client of the same pool is not for this API
    other = idp.initiate_auth(
        ClientId=cognito.other_client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": USERNAME, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]["IdToken"]
    assert real.call("GET", LIST, query=Q, token=other).status == 401


def test_api_keys_and_session_cookies_are_accepted(
    real: Server, dynamodb_endpoint: str, auth_tables: str
) -> None:
    async def issue() -> tuple[str, str]:
        async with AsyncClient.local(dynamodb_endpoint) as client:
            key = await ApiKeyStore(client, env=auth_tables).create("ci", groups=["ReadOnly"])
            sessions = DynamoDBSessionStore(client, env=auth_tables)
            session = await sessions.create("bob", groups=frozenset({"Developers"}))
            return key.key, session.session_token

    key, session_token = asyncio.run(issue())
    assert real.call("GET", LIST, query=Q, headers={"x-api-key": key}).status == 200
    wrong = real.call("GET", LIST, query=Q, headers={"x-api-key": key[:-2] + "xx"})
    assert wrong.status == 401
    cookie = {"Cookie": f"__Host-session={session_token}"}
    made = real.call("POST", "/deployments", headers=cookie, json=_body("Org-session"))
    assert made.status == 201, made.raw
    assert made.json["created_by"] == "bob"


def test_production_never_trusts_the_dev_issuer_and_fails_closed() -> None:
    production = ApiSettings.from_env(
        {
            "DYNASTACK_ENV": "production",
            "DYNASTACK_CORS_ORIGINS": "https://app.example.com",
            "DYNASTACK_CURSOR_KEY": CURSOR_KEY.hex(),
        }
    )
    assert [i.issuer for i in trusted_issuers(production)] == []
    with pytest.raises(ConfigurationError, match="no credential is trusted"):
        default_authenticator(production)
    with pytest.raises(ConfigurationError, match="DYNASTACK_TRUST_DEV_TOKENS"):
        ApiSettings.from_env(
            {
                "DYNASTACK_ENV": "production",
                "DYNASTACK_CORS_ORIGINS": "https://app.example.com",
                "DYNASTACK_CURSOR_KEY": CURSOR_KEY.hex(),
                "DYNASTACK_TRUST_DEV_TOKENS": "true",
            }
        )
    dev = trusted_issuers(ApiSettings.from_env({}), dev_issuer=DevIssuer("/nonexistent-unused"))
    assert [i.issuer for i in dev] == [DEV_ISSUER]


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"DYNASTACK_COGNITO_REGION": "us-east-1"}, "DYNASTACK_COGNITO_POOL_ID"),
        ({"DYNASTACK_AUTH_ISSUER": "https://issuer.example"}, "DYNASTACK_AUTH_CLIENT_IDS"),
        ({"DYNASTACK_AUTH_JWKS_URL": "https://keys.example/jwks.json"}, "DYNASTACK_AUTH_ISSUER"),
        (
            {
                "DYNASTACK_AUTH_ISSUER": "https://issuer.example",
                "DYNASTACK_AUTH_CLIENT_IDS": "app",
                "DYNASTACK_AUTH_JWKS_URL": "ftp://keys",
            },
            "DYNASTACK_AUTH_JWKS_URL",
        ),
        (
            {
                "DYNASTACK_ENV": "production",
                "DYNASTACK_CORS_ORIGINS": "https://app.example.com",
                "DYNASTACK_CURSOR_KEY": "00" * 32,
                "DYNASTACK_AUTH_ISSUER": "https://issuer.example",
                "DYNASTACK_AUTH_CLIENT_IDS": "app",
                "DYNASTACK_AUTH_JWKS_URL": "http://keys.example/jwks.json",
            },
            "https only",
        ),
    ],
)
def test_bad_auth_settings_name_the_variable(environ: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigurationError, match=named):
        ApiSettings.from_env(environ)


@pytest.fixture(scope="module")
def served_example(dynamodb_endpoint: str, api_env: str, state_dir: Path) -> Iterator[Server]:
    """``dynastack serve examples.cloud_platform:app`` in dev, as the README tells a user."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DYNASTACK_")},
        "DYNASTACK_ENV": "dev",
        "DYNASTACK_STATE_DIR": str(state_dir),
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
    }
    process = subprocess.Popen(
        [str(EXE), "serve", "examples.cloud_platform:app", "--port", str(port),
         "--env", api_env, "--endpoint", dynamodb_endpoint],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    server = Server("127.0.0.1", port)
    deadline = time.monotonic() + 60
    ready = threading.Event()
    while not ready.is_set():  # poll until it answers (a condition, not a fixed wait)
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        assert time.monotonic() < deadline, "dynastack serve did not answer in 60 s"
        try:
            if server.call("GET", "/healthz").status == 200:
                ready.set()
        except OSError:
            ready.wait(0.2)
    try:
        yield server
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_dynastack_serve_of_the_example_accepts_dev_tokens(
    served_example: Server, state_dir: Path
) -> None:
    # curl -H "Authorization: Bearer $(dynastack dev token --user alice --groups Developers)"
    token = _dev_token(state_dir, "alice", "Developers")
    reply = served_example.call("GET", LIST, query=Q, token=token)
    assert reply.status == 200, reply.raw
    assert served_example.call("GET", LIST, query=Q).status == 401
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert served_example.call("GET", LIST, query=Q, token=forged).status == 401
