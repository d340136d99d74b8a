"""LocalServer against the real jar: start, state, stop, persistence, and refusals."""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dynastack.errors import LocalServerError
from dynastack.local import (
    Installation,
    LocalServer,
    LocalState,
    answers,
    read_state,
    read_status,
    stop_recorded,
)
from dynastack.local.state import write_state


def call(endpoint_port: int, target: str, body: dict[str, Any]) -> dict[str, Any]:
    """One DynamoDB JSON call over http.client (the client layer is not under test here)."""
    connection = http.client.HTTPConnection("127.0.0.1", endpoint_port, timeout=10)
    try:
        connection.request(
            "POST",
            "/",
            body=json.dumps(body),
            headers={
                "Content-Type": "application/x-amz-json-1.0",
                "X-Amz-Target": f"DynamoDB_20120810.{target}",
                "Authorization": "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/dynamodb/"
                "aws4_request, SignedHeaders=host, Signature=0",
            },
        )
        response = connection.getresponse()
        payload: dict[str, Any] = json.loads(response.read() or b"{}")
        assert response.status == 200, payload
        return payload
    finally:
        connection.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LocalServer]:
    with LocalServer(state_dir=tmp_path / "state", tie_to_parent=True) as started:
        yield started


@pytest.mark.integration
def test_in_memory_server_answers_records_its_state_and_stops(
    server: LocalServer, tmp_path: Path
) -> None:
    recorded = server.start(in_memory=True)
    assert recorded.endpoint == server.endpoint == f"http://127.0.0.1:{recorded.port}"
    assert (recorded.mode, recorded.data_dir) == ("in-memory", None)
    assert read_state(server.state_dir) == recorded
    assert read_status(server.state_dir).running
    assert answers(recorded.port)
    assert "-disableTelemetry" in server.log_file.read_text()

    with pytest.raises(LocalServerError, match="already running"):
        LocalServer(state_dir=server.state_dir).start(in_memory=True)

    server.stop()
    assert not server.running
    assert read_state(server.state_dir) is None
    assert not read_status(server.state_dir).running
    assert not answers(recorded.port, timeout=1)


@pytest.mark.integration
def test_stop_from_another_process_over_a_stale_record(server: LocalServer, tmp_path: Path) -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    write_state(
        server.state_dir,
        LocalState(child.pid, 1, "http://127.0.0.1:1", "in-memory", "2026-01-01T00:00:00+00:00"),
    )
    recorded = server.start(in_memory=True)  # a stale record does not block a start
    assert read_state(server.state_dir) == recorded

    status = stop_recorded(server.state_dir, grace=10)  # what `dynastack local stop` does
    assert status.running
    assert status.state == recorded
    server.wait()  # returns once the process is gone (it was stopped by pid, not by us)
    assert not server.running
    assert read_state(server.state_dir) is None
    assert not answers(recorded.port, timeout=1)


@pytest.mark.integration
def test_on_disk_mode_keeps_tables_across_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    table = {
        "TableName": "survivors",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    }
    with LocalServer(state_dir=tmp_path / "one", tie_to_parent=True) as first:
        state = first.start(data_dir=data)
        assert (state.mode, state.data_dir) == ("on-disk", str(data.resolve()))
        call(state.port, "CreateTable", table)
        call(state.port, "PutItem", {"TableName": "survivors", "Item": {"pk": {"S": "a"}}})
    assert any(data.iterdir()), "the database file is on disk"
    with LocalServer(state_dir=tmp_path / "two", tie_to_parent=True) as second:
        port = second.start(data_dir=data).port
        assert call(port, "ListTables", {})["TableNames"] == ["survivors"]
        item = call(port, "GetItem", {"TableName": "survivors", "Key": {"pk": {"S": "a"}}})
        assert item["Item"] == {"pk": {"S": "a"}}


def test_requested_port_in_use_is_refused(server: LocalServer) -> None:
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        with pytest.raises(LocalServerError, match=f"port {port} is already in use"):
            server.start(in_memory=True, port=port)
    assert read_state(server.state_dir) is None
    assert not server.running


def test_in_memory_and_data_dir_together_are_refused(server: LocalServer, tmp_path: Path) -> None:
    with pytest.raises(LocalServerError, match="not both"):
        server.start(in_memory=True, data_dir=tmp_path)


def test_endpoint_before_start_is_an_error(server: LocalServer) -> None:
    with pytest.raises(LocalServerError, match="not started"):
        _ = server.endpoint


def test_a_server_that_dies_while_starting_quotes_its_log(tmp_path: Path) -> None:
    # Fault injection: a corrupt jar makes Java exit at once, as a broken install would.
    jar = tmp_path / "broken" / "DynamoDBLocal.jar"
    (jar.parent / "DynamoDBLocal_lib").mkdir(parents=True)
    jar.write_bytes(b"not a zip file")
    broken = LocalServer(
        state_dir=tmp_path / "state",
        installation=Installation(jar=jar, lib_dir=jar.parent / "DynamoDBLocal_lib"),
    )
    with pytest.raises(LocalServerError) as caught:
        broken.start(in_memory=True)
    message = str(caught.value)
    assert "DynamoDB Local exited with code 1 while starting" in message
    assert "jarfile" in message.lower(), "the log tail is quoted"
    assert not broken.running
    assert read_state(tmp_path / "state") is None
