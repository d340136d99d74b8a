"""Fixtures of the auth tests: moto's server mode as the Cognito user pool, a JWKS server.

``cognito`` starts one ``ThreadedMotoServer`` on 127.0.0.1 (a free port) per test session and
sets up a user pool the way seed 000 uses one: an app client allowing USER_PASSWORD_AUTH, a
user with a permanent password, in the ``Developers`` group. moto serves every pool's JWKS at
``/{pool_id}/.well-known/jwks.json`` with one static kid for all pools, and its ``iss`` names the
AWS URL: so the JWKS URL is configured apart from the issuer, as in production.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import boto3
import pytest
from moto.server import ThreadedMotoServer

from .jwks_server import JwksServer
from .tokens import jwks, rsa_key

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

REGION = "us-east-1"
USERNAME = "user@example.com"
PASSWORD = "SecurePass123!"


@dataclass(frozen=True)
class CognitoPool:
    endpoint: str
    pool_id: str
    client_id: str
    other_client_id: str
    other_pool_id: str
    other_pool_client_id: str

    @property
    def issuer(self) -> str:
        return f"https://cognito-idp.{REGION}.amazonaws.com/{self.pool_id}"

    @property
    def jwks_url(self) -> str:
        return f"{self.endpoint}/{self.pool_id}/.well-known/jwks.json"


def admin_client(endpoint: str) -> CognitoIdentityProviderClient:
    return boto3.client(
        "cognito-idp",
        region_name=REGION,
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _pool(admin: CognitoIdentityProviderClient, name: str) -> tuple[str, str]:
    pool_id = admin.create_user_pool(PoolName=name)["UserPool"]["Id"]
    client_id = admin.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName=f"{name}-app",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    admin.admin_create_user(UserPoolId=pool_id, Username=USERNAME, TemporaryPassword="Temp123!x")
    admin.admin_set_user_password(
        UserPoolId=pool_id, Username=USERNAME, Password=PASSWORD, Permanent=True
    )
    admin.create_group(UserPoolId=pool_id, GroupName="Developers")
    admin.admin_add_user_to_group(UserPoolId=pool_id, Username=USERNAME, GroupName="Developers")
    return pool_id, client_id


@pytest.fixture(scope="session")
def cognito_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """The seed's client builds ``boto3.client('cognito-idp', region_name=...)`` with no keys:
    give it test keys from the environment, for this test only."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture(scope="session")
def cognito(cognito_endpoint: str) -> CognitoPool:
    admin = admin_client(cognito_endpoint)
    pool_id, client_id = _pool(admin, "cloud-platform-users")
    other_client = admin.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="another-app",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"],
    )["UserPoolClient"]["ClientId"]
    other_pool, other_pool_client = _pool(admin, "another-pool")
    return CognitoPool(
        cognito_endpoint, pool_id, client_id, other_client, other_pool, other_pool_client
    )


@pytest.fixture
def jwks_server() -> Iterator[JwksServer]:
    server = JwksServer(jwks((rsa_key("a"), "kid-a"))).start()
    yield server
    server.stop()


class Clock:
    """A settable clock: ``clock()`` is the time, ``clock.advance(s)`` moves it."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
