"""``scripts/serve.sh`` (``make serve``): one port across restarts, an export line, and Ctrl-C
leaving no process behind with exit 0 (issue 7 item 24).

The script runs for real: DynamoDB Local on disk in a temporary state folder, one example's
tables applied and seeded. Ctrl-C is a SIGINT to the script's whole process group, as a
terminal sends it; "no process behind" is checked over every process of that session.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from dynastack.local import read_state, stop_recorded
from dynastack.local.state import is_server_process

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "serve.sh"
READY = "Ctrl-C stops it."


def free_port() -> int:
    with socket.create_server(("0.0.0.0", 0)) as probe:
        port: int = probe.getsockname()[1]
        return port


def session_processes(sid: int) -> list[int]:
    """Live (non-zombie) processes whose session id is ``sid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        state, session = fields[0], int(fields[3])
        if session == sid and state != "Z":
            found.append(int(entry.name))
    return found


@pytest.fixture
def state_dir(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "state"
    yield folder
    stop_recorded(folder)  # never leave a server behind, even when an assertion failed


def serve(state_dir: Path, apps: str, **extra: str) -> tuple[subprocess.Popen[str], list[str]]:
    """Start the script in its own session; return it once it printed READY, and its lines."""
    env = {
        **os.environ,
        "DYNASTACK_PYTHON": sys.executable,
        "PYTHONPATH": os.pathsep.join(sys.path),
        "DYNASTACK_STATE_DIR": str(state_dir),
        "DYNASTACK_SERVE_APPS": apps,
        "DYNASTACK_ENV": "servetest",
        **extra,
    }
    env.pop("DYNASTACK_ENDPOINT", None)
    process = subprocess.Popen(
        [str(SCRIPT)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        start_new_session=True,
    )
    assert process.stdout is not None
    lines: list[str] = []
    for line in process.stdout:  # ends early (EOF) if the script fails: the assert says why
        lines.append(line.rstrip("\n"))
        if line.strip() == READY:
            break
    assert lines and lines[-1] == READY, "\n".join(lines)
    return process, lines


def interrupt(process: subprocess.Popen[str]) -> tuple[int, str]:
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    rest, _ = process.communicate(timeout=60)
    return process.returncode, rest


@pytest.mark.integration
def test_serve_prints_the_export_line_and_ctrl_c_leaves_nothing(state_dir: Path) -> None:
    port = free_port()
    process, lines = serve(state_dir, "k9", DYNASTACK_PORT=str(port))
    state = read_state(state_dir)
    assert state is not None and state.port == port
    assert f"  export DYNASTACK_ENDPOINT=http://127.0.0.1:{port}" in lines
    assert any("seeded k9" in line for line in lines)

    code, rest = interrupt(process)
    assert code == 0, rest
    assert "DynamoDB Local stopped." in rest
    assert session_processes(process.pid) == []  # no sleep, no tail, no Java
    assert not is_server_process(state.pid)
    assert read_state(state_dir) is None


@pytest.mark.integration
def test_a_restart_keeps_the_port(state_dir: Path) -> None:
    state_dir.mkdir()
    port = free_port()
    (state_dir / "serve.port").write_text(f"{port}\n")  # what an earlier run recorded
    process, lines = serve(state_dir, "")
    assert f"  export DYNASTACK_ENDPOINT=http://127.0.0.1:{port}" in lines
    assert interrupt(process)[0] == 0
    assert (state_dir / "serve.port").read_text().strip() == str(port)


@pytest.mark.integration
def test_a_taken_port_in_dynastack_port_is_refused_by_name(state_dir: Path) -> None:
    with socket.create_server(("0.0.0.0", 0)) as busy:
        port = busy.getsockname()[1]
        env = {
            **os.environ,
            "DYNASTACK_PYTHON": sys.executable,
            "PYTHONPATH": os.pathsep.join(sys.path),
            "DYNASTACK_STATE_DIR": str(state_dir),
            "DYNASTACK_SERVE_APPS": "",
            "DYNASTACK_PORT": str(port),
        }
        done = subprocess.run(
            [str(SCRIPT)], capture_output=True, text=True, env=env, timeout=120, check=False
        )
    assert done.returncode == 1
    assert f"port {port} is already in use" in done.stderr
    assert "Traceback" not in done.stderr
