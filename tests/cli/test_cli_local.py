"""``dynastack local``: status exit codes, stop, refusals, and a real background start."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dynastack.cli import app
from dynastack.local import LocalState, read_state, stop_recorded
from dynastack.local.state import write_state


@pytest.fixture
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "state"
    monkeypatch.setenv("DYNASTACK_STATE_DIR", str(folder))
    yield folder
    stop_recorded(folder)  # never leave a background server behind, even on failure


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["local", *args])
    return result.exit_code, result.stdout, result.stderr


def test_status_without_a_server_exits_3(state_dir: Path) -> None:
    code, out, _ = invoke("status")
    assert code == 3
    assert out.strip() == "not running"


def test_status_with_a_stale_record_exits_3_and_stop_clears_it(state_dir: Path) -> None:
    write_state(
        state_dir,
        LocalState(2**22 + 7, 1, "http://127.0.0.1:1", "in-memory", "2026-01-01T00:00:00+00:00"),
    )
    code, out, _ = invoke("status")
    assert code == 3
    assert "stale state, pid 4194311 is gone" in out
    code, out, _ = invoke("stop")
    assert code == 0
    assert "removed stale state" in out
    assert read_state(state_dir) is None


def test_stop_without_a_server_is_not_an_error(state_dir: Path) -> None:
    assert invoke("stop") == (0, "DynamoDB Local is not running.\n", "")


def test_start_on_a_taken_port_fails_cleanly(state_dir: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        code, _, err = invoke("start", "--port", str(port), "--in-memory")
    assert code == 1
    assert err.startswith(f"error: port {port} is already in use")
    assert "Traceback" not in err


def test_in_memory_with_data_dir_is_refused(state_dir: Path, tmp_path: Path) -> None:
    code, _, err = invoke("start", "--in-memory", "--data-dir", str(tmp_path / "d"))
    assert code == 1
    assert "not both" in err


@pytest.mark.integration
def test_background_start_status_stop(state_dir: Path) -> None:
    code, out, _ = invoke("start", "--background", "--in-memory")
    assert code == 0, out
    recorded = read_state(state_dir)
    assert recorded is not None
    assert recorded.endpoint in out

    code, out, _ = invoke("status")
    assert code == 0
    assert out.startswith(f"running {recorded.endpoint} (pid {recorded.pid}, in memory")

    code, out, _ = invoke("start", "--in-memory")
    assert code == 1, "a second start in the same state folder is refused"

    code, out, _ = invoke("stop")
    assert (code, out) == (0, f"Stopped DynamoDB Local at {recorded.endpoint}.\n")
    assert invoke("status")[0] == 3
