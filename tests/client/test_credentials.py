"""Credentials, region and endpoint resolution.

No test touches the network: every AWS_*/BOTO_* variable is cleared, instance metadata is
disabled, and the AWS config and credentials files point into a temporary directory. Refresh
is shown with botocore's own ``RefreshableCredentials`` built with a clock we control (its
public ``time_fetcher`` argument): the passing of an hour is a time fault DynamoDB Local
cannot produce, injected through botocore's API, nothing patched.
"""

from __future__ import annotations

import json
import os
import threading
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.credentials import Credentials as BotoStatic
from botocore.credentials import DeferredRefreshableCredentials, RefreshableCredentials

from dynastack.client.credentials import (
    BotocoreCredentials,
    CredentialSource,
    StaticCredentials,
    local_credentials,
    resolve_endpoint,
    resolve_region,
    streams_endpoint,
)
from dynastack.core.signing import Credentials, sign
from dynastack.core.wire import HttpRequest
from dynastack.errors import ConfigurationError

T0 = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def isolated_aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An environment with no AWS configuration at all and no way to reach a network."""
    for name in list(os.environ):
        if name.startswith(("AWS_", "BOTO_")) or name == "DYNASTACK_ENDPOINT":
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("BOTO_CONFIG", str(tmp_path / "boto.cfg"))
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


@pytest.fixture
def profiles(isolated_aws_env: Path) -> Path:
    (isolated_aws_env / "credentials").write_text(
        "[default]\n"
        "aws_access_key_id = AKIDDEFAULT\n"
        "aws_secret_access_key = default-secret\n"
        "[work]\n"
        "aws_access_key_id = AKIDWORK\n"
        "aws_secret_access_key = work-secret\n"
        "aws_session_token = work-token\n"
    )
    (isolated_aws_env / "config").write_text(
        "[default]\nregion = us-west-2\n[profile work]\nregion = eu-central-1\n"
    )
    return isolated_aws_env


@dataclass
class Rotation:
    """A credential issuer for botocore's RefreshableCredentials, with a clock we move."""

    now: datetime = T0
    issued: int = 1
    refresh_threads: list[int] = field(default_factory=list)
    fail: bool = False
    lifetime: timedelta = timedelta(hours=1)

    def clock(self) -> datetime:
        return self.now

    def refresh(self) -> dict[str, Any]:
        self.refresh_threads.append(threading.get_ident())
        if self.fail:
            raise OSError("metadata service unreachable")
        self.issued += 1
        return {
            "access_key": f"ASIAKEY{self.issued}",
            "secret_key": f"secret-{self.issued}",
            "token": f"token-{self.issued}",
            "expiry_time": (self.now + self.lifetime).isoformat(),
        }

    def credentials(self) -> RefreshableCredentials:
        return RefreshableCredentials(
            "ASIAKEY1",
            "secret-1",
            "token-1",
            T0 + self.lifetime,
            self.refresh,
            "test-issuer",
            time_fetcher=self.clock,
        )


# --- the provider chain ------------------------------------------------------------------------


def test_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "env-token")
    source = BotocoreCredentials()
    assert source.get() == Credentials("AKIDENV", "env-secret", "env-token")
    assert source.method == "env"
    assert source.get() is source.get()  # converted once, then reused


def test_default_profile_from_the_credentials_file(profiles: Path) -> None:
    source = BotocoreCredentials()
    assert source.get() == Credentials("AKIDDEFAULT", "default-secret", None)
    assert source.method == "shared-credentials-file"


def test_named_profile_by_argument_and_by_aws_profile(
    profiles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = Credentials("AKIDWORK", "work-secret", "work-token")
    assert BotocoreCredentials("work").get() == expected
    monkeypatch.setenv("AWS_PROFILE", "work")
    assert BotocoreCredentials().get() == expected


def test_explicit_profile_wins_over_environment_variables(
    profiles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
    assert BotocoreCredentials("work").get().access_key == "AKIDWORK"
    assert BotocoreCredentials().get().access_key == "AKIDENV"


def test_unknown_profile_is_a_configuration_error(profiles: Path) -> None:
    with pytest.raises(ConfigurationError, match="'nope' not found"):
        BotocoreCredentials("nope").get()


def test_no_credentials_anywhere_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="no AWS credentials found: set AWS_ACCESS_KEY_ID"):
        BotocoreCredentials().get()


async def test_no_credentials_anywhere_async() -> None:
    with pytest.raises(ConfigurationError, match="no AWS credentials found"):
        await BotocoreCredentials().aget()


def test_half_configured_environment_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDENV")
    with pytest.raises(ConfigurationError, match="could not load AWS credentials"):
        BotocoreCredentials().get()


# --- refresh (time injected through botocore's time_fetcher) --------------------------------------


def test_rotated_keys_are_picked_up_after_expiry() -> None:
    rotation = Rotation()
    source = BotocoreCredentials.wrap(rotation.credentials(), recheck_interval=0)
    first = source.get()
    assert first == Credentials("ASIAKEY1", "secret-1", "token-1")
    assert source.get() is first  # unchanged keys: the same converted object
    rotation.now = T0 + timedelta(minutes=55)  # inside botocore's mandatory refresh window
    second = source.get()
    assert second == Credentials("ASIAKEY2", "secret-2", "token-2")
    assert len(rotation.refresh_threads) == 1
    rotation.now = T0 + timedelta(minutes=56)  # fresh keys now: no second refresh
    assert source.get() is second
    assert len(rotation.refresh_threads) == 1


def test_botocore_is_not_asked_again_within_the_recheck_interval() -> None:
    rotation = Rotation()
    source = BotocoreCredentials.wrap(rotation.credentials(), recheck_interval=3600)
    first = source.get()
    rotation.now = T0 + timedelta(minutes=55)
    assert source.get() is first
    assert rotation.refresh_threads == []


def test_failed_mandatory_refresh_is_a_configuration_error() -> None:
    rotation = Rotation(fail=True)
    source = BotocoreCredentials.wrap(rotation.credentials(), recheck_interval=0)
    source.get()
    rotation.now = T0 + timedelta(minutes=55)
    with pytest.raises(ConfigurationError, match="could not refresh AWS credentials") as info:
        source.get()
    assert isinstance(info.value.__cause__, OSError)


def test_failed_advisory_refresh_keeps_the_current_keys() -> None:
    rotation = Rotation(fail=True)
    source = BotocoreCredentials.wrap(rotation.credentials(), recheck_interval=0)
    rotation.now = T0 + timedelta(minutes=47)  # advisory window (15 min) but not mandatory (10)
    assert source.get().access_key == "ASIAKEY1"
    assert len(rotation.refresh_threads) == 1


def test_refresh_returning_expired_keys_is_a_configuration_error() -> None:
    rotation = Rotation(lifetime=timedelta(seconds=-1))
    source = BotocoreCredentials.wrap(
        RefreshableCredentials(
            "ASIAKEY1", "s", "t", T0, rotation.refresh, "test", time_fetcher=rotation.clock
        ),
        recheck_interval=0,
    )
    with pytest.raises(ConfigurationError, match="still expired"):
        source.get()


async def test_async_refresh_runs_in_a_worker_thread() -> None:
    rotation = Rotation()
    source = BotocoreCredentials.wrap(rotation.credentials(), recheck_interval=0)
    assert (await source.aget()).access_key == "ASIAKEY1"
    assert rotation.refresh_threads == []  # the common path refreshes nothing
    rotation.now = T0 + timedelta(minutes=55)
    assert (await source.aget()).access_key == "ASIAKEY2"
    assert rotation.refresh_threads != [threading.get_ident()]
    assert len(rotation.refresh_threads) == 1


async def test_async_first_lookup_runs_in_a_worker_thread() -> None:
    rotation = Rotation()
    # botocore's deferred credentials (SSO, assume-role) fetch on first use.
    source = BotocoreCredentials.wrap(
        DeferredRefreshableCredentials(rotation.refresh, "deferred", time_fetcher=rotation.clock)
    )
    assert (await source.aget()).access_key == "ASIAKEY2"
    assert len(rotation.refresh_threads) == 1
    assert rotation.refresh_threads[0] != threading.get_ident()


async def test_async_and_sync_agree_for_static_botocore_credentials() -> None:
    source = BotocoreCredentials.wrap(BotoStatic("AKIDX", "secret-x", "tok"))
    assert await source.aget() == source.get() == Credentials("AKIDX", "secret-x", "tok")
    assert source.method == "explicit"  # botocore's default for Credentials(...)


# --- static and local credentials -------------------------------------------------------------


async def test_static_credentials() -> None:
    source = StaticCredentials("AKIDS", "static-secret", "")
    assert source.get() == Credentials("AKIDS", "static-secret", None)
    assert await source.aget() is source.get()
    assert isinstance(source, CredentialSource)
    with pytest.raises(ConfigurationError):
        StaticCredentials("", "secret")


def test_local_credentials_have_an_alphanumeric_key_id() -> None:
    creds = local_credentials().get()
    assert creds.access_key.isalnum()
    assert creds.secret_key
    assert creds.token is None


def test_reprs_never_show_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "hush-secret")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "hush-token")
    source = BotocoreCredentials()
    static = StaticCredentials("AKIDS", "hush-static", "hush-static-token")
    for text in (repr(source.get()), repr(source), repr(static), str(static.get())):
        assert "hush" not in text
    assert "AKIDENV" in repr(source.get())
    assert repr(source) == "BotocoreCredentials(profile=None, method='env')"


# --- region ---------------------------------------------------------------------------------------


def test_region_order(profiles: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_region(None) == "us-west-2"  # default profile's config
    assert resolve_region(None, profile="work") == "eu-central-1"
    monkeypatch.setenv("AWS_PROFILE", "work")
    assert resolve_region(None) == "eu-central-1"
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-south-1")
    assert resolve_region(None) == "ap-south-1"
    monkeypatch.setenv("AWS_REGION", "sa-east-1")
    assert resolve_region(None) == "sa-east-1"
    assert resolve_region("eu-north-1") == "eu-north-1"


def test_empty_region_variables_are_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-2")
    assert resolve_region("") == "us-east-2"


def test_no_region_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="no AWS region configured"):
        resolve_region(None)


@pytest.mark.parametrize("bad", ["evil.example.com/", "us east 1", "-x", "a" * 65])
def test_region_that_could_change_the_host_is_refused(
    bad: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ConfigurationError, match="not a region name"):
        resolve_region(bad)
    monkeypatch.setenv("AWS_REGION", bad)
    with pytest.raises(ConfigurationError, match="from AWS_REGION"):
        resolve_region(None)


def test_unknown_profile_for_region_is_a_configuration_error(profiles: Path) -> None:
    with pytest.raises(ConfigurationError, match="region from the AWS profile"):
        resolve_region(None, profile="nope")


# --- endpoints ------------------------------------------------------------------------------------


def test_endpoint_order(monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_endpoint(None, "eu-west-1") == "https://dynamodb.eu-west-1.amazonaws.com"
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
    assert resolve_endpoint(None, "eu-west-1") == "http://127.0.0.1:1"
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:2")
    assert resolve_endpoint(None, "eu-west-1") == "http://127.0.0.1:2"
    monkeypatch.setenv("DYNASTACK_ENDPOINT", "http://127.0.0.1:3")
    assert resolve_endpoint(None, "eu-west-1") == "http://127.0.0.1:3"
    assert resolve_endpoint("https://alternator.example:8043", "x") == (
        "https://alternator.example:8043"
    )


def test_ignore_configured_endpoint_urls_skips_only_the_aws_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:2")
    assert resolve_endpoint(None, "us-east-1") == "https://dynamodb.us-east-1.amazonaws.com"
    monkeypatch.setenv("DYNASTACK_ENDPOINT", "http://127.0.0.1:3")
    assert resolve_endpoint(None, "us-east-1") == "http://127.0.0.1:3"


def test_china_regions_use_the_china_domain() -> None:
    endpoint = resolve_endpoint(None, "cn-north-1")
    assert endpoint == "https://dynamodb.cn-north-1.amazonaws.com.cn"
    assert streams_endpoint(endpoint, "cn-north-1") == (
        "https://streams.dynamodb.cn-north-1.amazonaws.com.cn"
    )


def test_malformed_endpoint_names_its_origin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", "localhost:8000")
    with pytest.raises(ConfigurationError, match="AWS_ENDPOINT_URL_DYNAMODB"):
        resolve_endpoint(None, "us-east-1")
    with pytest.raises(ConfigurationError, match="the endpoint argument"):
        resolve_endpoint("ftp://x", "us-east-1")
    monkeypatch.delenv("AWS_ENDPOINT_URL_DYNAMODB")
    with pytest.raises(ConfigurationError, match="not a region name"):
        resolve_endpoint(None, "evil.com/")


@pytest.mark.parametrize(
    ("endpoint", "region", "expected"),
    [
        (
            "https://dynamodb.us-east-1.amazonaws.com",
            "us-east-1",
            "https://streams.dynamodb.us-east-1.amazonaws.com",
        ),
        (
            "https://dynamodb.us-east-1.amazonaws.com/",
            "us-east-1",
            "https://streams.dynamodb.us-east-1.amazonaws.com",
        ),
        ("http://127.0.0.1:8000", "us-east-1", "http://127.0.0.1:8000"),
        ("https://alternator.example:8043/", "eu-west-1", "https://alternator.example:8043/"),
    ],
)
def test_streams_endpoint(endpoint: str, region: str, expected: str) -> None:
    assert streams_endpoint(endpoint, region) == expected


# --- against DynamoDB Local -------------------------------------------------------------------


@pytest.mark.integration
def test_request_signed_with_local_credentials_is_accepted(dynamodb_endpoint: str) -> None:
    request = HttpRequest(
        "POST",
        dynamodb_endpoint + "/",
        (
            ("Content-Type", "application/x-amz-json-1.0"),
            ("X-Amz-Target", "DynamoDB_20120810.ListTables"),
        ),
        b"{}",
    )
    signed = sign(
        request,
        local_credentials().get(),
        region=resolve_region("us-east-1"),
        service="dynamodb",
        now=datetime.now(UTC),
    )
    http = urllib.request.Request(
        signed.url, data=signed.body, headers=dict(signed.headers), method=signed.method
    )
    with urllib.request.urlopen(http, timeout=30) as reply:
        assert reply.status == 200
        assert isinstance(json.loads(reply.read())["TableNames"], list)
