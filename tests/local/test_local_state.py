"""The state file: atomic round trip, stale detection, and never trusting a bare pid."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from dynastack.local import LocalState, read_state, read_status, stop_recorded
from dynastack.local.state import STATE_FILE, clear_state, is_server_process, write_state


def dead_pid() -> int:
    """The pid of a process that has exited and been reaped."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def state(pid: int, port: int = 8000) -> LocalState:
    return LocalState(
        pid=pid,
        port=port,
        endpoint=f"http://127.0.0.1:{port}",
        mode="in-memory",
        started_at="2026-01-01T00:00:00+00:00",
    )


def test_round_trip(tmp_path: Path) -> None:
    recorded = state(1234)
    path = write_state(tmp_path / "s", recorded)
    assert path == tmp_path / "s" / STATE_FILE
    assert read_state(tmp_path / "s") == recorded
    assert [p.name for p in path.parent.iterdir()] == [STATE_FILE], "no temporary file left"


def test_missing_or_corrupt_state_reads_as_none(tmp_path: Path) -> None:
    assert read_state(tmp_path) is None
    (tmp_path / STATE_FILE).write_text("{not json", encoding="utf-8")
    assert read_state(tmp_path) is None
    (tmp_path / STATE_FILE).write_text('{"pid": 1}', encoding="utf-8")
    assert read_state(tmp_path) is None


def test_dead_pid_is_stale(tmp_path: Path) -> None:
    write_state(tmp_path, state(dead_pid()))
    status = read_status(tmp_path)
    assert (status.running, status.stale) == (False, True)


def test_live_pid_of_another_program_is_not_a_server(tmp_path: Path) -> None:
    # A reused pid must never be signalled: our own pid is alive but is not DynamoDB Local.
    write_state(tmp_path, state(os.getpid()))
    assert not is_server_process(os.getpid())
    status = stop_recorded(tmp_path)
    assert (status.running, status.stale) == (False, True)
    assert read_state(tmp_path) is None, "the stale record is removed, nothing is killed"


def test_no_state_is_neither_running_nor_stale(tmp_path: Path) -> None:
    status = read_status(tmp_path)
    assert (status.state, status.running, status.stale) == (None, False, False)
    assert stop_recorded(tmp_path).state is None


def test_clear_state_keeps_a_newer_record(tmp_path: Path) -> None:
    write_state(tmp_path, state(4242))
    clear_state(tmp_path, pid=1111)
    assert read_state(tmp_path) == state(4242)
    clear_state(tmp_path, pid=4242)
    assert read_state(tmp_path) is None
