"""pytest plugin: one in-memory DynamoDB Local per test session (temporary bootstrap version).

The ``local`` package replaces the start-up below; the fixture names stay.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

_JAR_DIR = Path(os.environ.get("DYNASTACK_LOCAL_DIR", "/tmp/ddbl/package/lib/dynamodb_local_2026-01-16"))


@dataclass(frozen=True)
class LocalServer:
    endpoint: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def dynamodb_local() -> Iterator[LocalServer]:
    """A running in-memory DynamoDB Local, shared by the whole session."""
    existing = os.environ.get("DYNASTACK_TEST_ENDPOINT")
    if existing:
        yield LocalServer(existing)
        return
    port = _free_port()
    proc = subprocess.Popen(
        ["java", f"-Djava.library.path={_JAR_DIR / 'DynamoDBLocal_lib'}", "-jar",
         str(_JAR_DIR / "DynamoDBLocal.jar"), "-inMemory", "-disableTelemetry", "-port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url, timeout=1)  # noqa: S310 - loopback only
            break
        except urllib.error.HTTPError:
            break
        except OSError:
            if time.monotonic() > deadline:
                proc.kill()
                raise
            time.sleep(0.1)
    yield LocalServer(url)
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="session")
def dynamodb_endpoint(dynamodb_local: LocalServer) -> str:
    """The endpoint URL of the session's DynamoDB Local."""
    return dynamodb_local.endpoint
