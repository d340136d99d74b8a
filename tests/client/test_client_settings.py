"""Client settings: explicit arguments first, then the environment, then defaults.

Every test passes its own ``environ`` mapping (and credential-file paths that do not exist),
so the machine's real environment and ``~/.aws`` cannot change the outcome.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dynastack.client.breaker import BreakerSettings
from dynastack.client.credentials import BotocoreCredentials, StaticCredentials
from dynastack.client.settings import ClientSettings, is_loopback
from dynastack.client.telemetry import Telemetry
from dynastack.client.transport import Timeouts
from dynastack.core.retry import RetryPolicy
from dynastack.errors import ConfigurationError


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """An environment with a region and no AWS credentials anywhere."""
    return {
        "AWS_REGION": "eu-west-1",
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "missing-credentials"),
        "AWS_CONFIG_FILE": str(tmp_path / "missing-config"),
    }


def test_arguments_win_over_the_environment(env: dict[str, str]) -> None:
    env |= {"DYNASTACK_ENDPOINT": "http://127.0.0.1:1", "DYNASTACK_MAX_ATTEMPTS": "2"}
    retry = RetryPolicy(max_attempts=5)
    settings = ClientSettings.resolve(
        "http://127.0.0.1:2", region="us-west-2", retry=retry, environ=env
    )
    assert settings.endpoint == "http://127.0.0.1:2"
    assert settings.region == "us-west-2"
    assert settings.retry is retry


def test_the_environment_fills_what_is_not_given(env: dict[str, str]) -> None:
    env |= {
        "DYNASTACK_ENDPOINT": "http://localhost:8000",
        "DYNASTACK_CONNECT_TIMEOUT": "0.5",
        "DYNASTACK_READ_TIMEOUT": "2",
        "DYNASTACK_MAX_ATTEMPTS": "3",
        "DYNASTACK_BREAKER": "off",
        "DYNASTACK_TELEMETRY": "OFF",
    }
    settings = ClientSettings.resolve(environ=env)
    assert settings.endpoint == "http://localhost:8000"
    assert settings.streams_endpoint == "http://localhost:8000"
    assert settings.region == "eu-west-1"
    assert settings.timeouts == Timeouts(connect=0.5, read=2.0)
    assert settings.retry.max_attempts == 3
    assert settings.breaker is None
    assert settings.telemetry is None


def test_defaults(env: dict[str, str]) -> None:
    settings = ClientSettings.resolve("http://127.0.0.1:8000", environ=env)
    assert settings.timeouts == Timeouts()
    assert settings.retry == RetryPolicy()
    assert settings.breaker == BreakerSettings()
    assert isinstance(settings.telemetry, Telemetry)


def test_breaker_and_telemetry_can_be_switched_off_by_argument(env: dict[str, str]) -> None:
    settings = ClientSettings.resolve(
        "http://127.0.0.1:8000", breaker=False, telemetry=False, environ=env
    )
    assert settings.breaker is None and settings.telemetry is None


def test_the_aws_endpoint_and_its_streams_endpoint_follow_the_region(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("DYNASTACK_ENDPOINT", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = ClientSettings.resolve(
        region="ap-south-1",
        credentials=StaticCredentials("AKID", "secret"),
        environ=env,
    )
    assert settings.endpoint == "https://dynamodb.ap-south-1.amazonaws.com"
    assert settings.streams_endpoint == "https://streams.dynamodb.ap-south-1.amazonaws.com"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DYNASTACK_CONNECT_TIMEOUT", "soon"),
        ("DYNASTACK_READ_TIMEOUT", "-1"),
        ("DYNASTACK_MAX_ATTEMPTS", "0"),
        ("DYNASTACK_MAX_ATTEMPTS", "many"),
    ],
)
def test_bad_environment_values_are_named(env: dict[str, str], name: str, value: str) -> None:
    env[name] = value
    with pytest.raises(ConfigurationError, match=name):
        ClientSettings.resolve("http://127.0.0.1:8000", environ=env)


def test_loopback_without_credentials_gets_local_ones(env: dict[str, str]) -> None:
    settings = ClientSettings.resolve("http://127.0.0.1:8000", environ=env)
    assert isinstance(settings.credentials, StaticCredentials)
    assert settings.credentials.get().access_key == "dynastack"


def test_loopback_with_configured_credentials_uses_the_aws_chain(env: dict[str, str]) -> None:
    env["AWS_ACCESS_KEY_ID"] = "AKIDEXAMPLE"
    settings = ClientSettings.resolve("http://127.0.0.1:8000", environ=env)
    assert isinstance(settings.credentials, BotocoreCredentials)


def test_a_remote_endpoint_always_uses_the_aws_chain(env: dict[str, str]) -> None:
    settings = ClientSettings.resolve("https://alternator.example.com:8043", environ=env)
    assert isinstance(settings.credentials, BotocoreCredentials)


def test_explicit_credentials_are_used_as_given(env: dict[str, str]) -> None:
    mine = StaticCredentials("AKID", "secret")
    settings = ClientSettings.resolve("http://127.0.0.1:8000", credentials=mine, environ=env)
    assert settings.credentials is mine


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://localhost:8000", True),
        ("http://127.0.0.1:8000", True),
        ("http://127.3.2.1", True),
        ("http://[::1]:8000", True),
        ("http://10.0.0.1:8000", False),
        ("https://dynamodb.eu-west-1.amazonaws.com", False),
        ("http://localhost.example.com", False),
    ],
)
def test_loopback_detection(url: str, loopback: bool) -> None:
    assert is_loopback(url) is loopback
