"""The state file that lets ``dynastack local status`` and ``stop`` find a server from any process.

``dynastack local start --background`` exits while DynamoDB Local keeps running, so what it
started is written to ``<state dir>/local.json`` (pid, port, endpoint, mode, start time). A
state file can outlive its process (a reboot, ``kill -9``), and a pid can be reused by an
unrelated program, so "running" means: the pid is alive *and* its command line is a DynamoDB
Local one. Nothing is ever signalled on the strength of a pid alone.

Writes are atomic (a temporary file, then ``os.replace``), so a reader never sees half a file.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

__all__ = [
    "STATE_FILE",
    "LocalState",
    "LocalStatus",
    "clear_state",
    "default_state_dir",
    "is_server_process",
    "read_state",
    "read_status",
    "terminate_process",
    "write_state",
]

STATE_FILE = "local.json"
_SERVER_MARK = b"DynamoDBLocal"


@dataclass(frozen=True, slots=True)
class LocalState:
    """What a started DynamoDB Local is: recorded on start, removed on stop."""

    pid: int
    port: int
    endpoint: str
    mode: str  # "in-memory" or "on-disk"
    started_at: str  # ISO 8601, UTC
    data_dir: str | None = None
    log_file: str | None = None


@dataclass(frozen=True, slots=True)
class LocalStatus:
    """The recorded state (if any) and whether its process is still a live DynamoDB Local."""

    state: LocalState | None
    running: bool

    @property
    def stale(self) -> bool:
        """A state file is left but its process is gone (or is no longer DynamoDB Local)."""
        return self.state is not None and not self.running


def default_state_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$DYNASTACK_STATE_DIR`` if set, else ``.dynastack`` in the current folder.

    >>> default_state_dir({}).as_posix()
    '.dynastack'
    """
    env = os.environ if env is None else env
    return Path(env.get("DYNASTACK_STATE_DIR") or ".dynastack")


def write_state(state_dir: Path, state: LocalState) -> Path:
    """Record ``state`` atomically; return the state file's path."""
    state_dir.mkdir(parents=True, exist_ok=True)
    target = state_dir / STATE_FILE
    partial = target.with_name(f".{STATE_FILE}.{os.getpid()}")
    partial.write_text(json.dumps(asdict(state), indent=2) + "\n", encoding="utf-8")
    os.replace(partial, target)
    return target


def read_state(state_dir: Path) -> LocalState | None:
    """The recorded state, or ``None`` when there is none (or it is unreadable)."""
    try:
        raw = json.loads((state_dir / STATE_FILE).read_text(encoding="utf-8"))
        return LocalState(**raw)
    except (OSError, ValueError, TypeError):
        return None


def clear_state(state_dir: Path, pid: int | None = None) -> None:
    """Remove the state file; with ``pid``, only if it still describes that process."""
    if pid is not None:
        current = read_state(state_dir)
        if current is not None and current.pid != pid:
            return  # another server was started meanwhile: its record is not ours to drop
    (state_dir / STATE_FILE).unlink(missing_ok=True)


def is_server_process(pid: int) -> bool:
    """True if ``pid`` is alive and, where ``/proc`` can tell, runs DynamoDB Local.

    A zombie has an empty command line, so it counts as gone.

    >>> is_server_process(os.getpid())
    False
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, owned by someone else; /proc decides below
    proc = Path("/proc")
    if not proc.is_dir():
        return True  # no way to look closer (macOS): trust the live pid
    try:
        return _SERVER_MARK in (proc / str(pid) / "cmdline").read_bytes()
    except OSError:
        return False


def read_status(state_dir: Path) -> LocalStatus:
    """Whether the server recorded in ``state_dir`` is running.

    >>> read_status(Path("/nonexistent")).running
    False
    """
    state = read_state(state_dir)
    return LocalStatus(state=state, running=state is not None and is_server_process(state.pid))


def _wait_gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while is_server_process(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


def terminate_process(pid: int, grace: float = 10.0) -> None:
    """SIGTERM a DynamoDB Local that is not our child, then SIGKILL after ``grace`` seconds."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        if not is_server_process(pid):
            return
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        if _wait_gone(pid, wait):
            return
