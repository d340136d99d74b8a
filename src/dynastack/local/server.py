"""Starting and stopping one DynamoDB Local process, and waiting until it really serves.

``LocalServer`` owns the child process: it resolves the jar (installing it once) and a Java 17+
runtime, picks or checks the port, launches the jar with ``-disableTelemetry``, polls a real
``ListTables`` until it answers, and records the result in the state file so that another process
can ask for its status or stop it.

Security caveat: DynamoDB Local has no option to bind to loopback only; it listens on **all
interfaces** (``0.0.0.0``) and checks no credentials. Anyone who can reach this machine's port
can read and write its tables. dynastack itself only ever talks to it over 127.0.0.1.

The process runs in its own session so that a terminal's Ctrl-C reaches the Python side, which
then stops Java cleanly (SIGTERM, then SIGKILL after a grace period) instead of racing it. Its
output goes to ``<state dir>/local.log``; start-up failures quote that log's tail.
"""

from __future__ import annotations

import ctypes
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from dynastack.errors import LocalServerError
from dynastack.local.install import Installation, ensure_installed
from dynastack.local.java import JavaRuntime, find_java
from dynastack.local.probe import answers, free_port, port_in_use
from dynastack.local.state import (
    LocalState,
    LocalStatus,
    clear_state,
    default_state_dir,
    read_status,
    terminate_process,
    write_state,
)

__all__ = ["LOG_FILE", "LocalServer", "stop_recorded"]

LOG_FILE = "local.log"
_START_TIMEOUT_S = 60.0
_PORT_RACE_ATTEMPTS = 3
_BIND_FAILURE = "Address already in use"
_PR_SET_PDEATHSIG = 1
_SIGTERM = 15


def _die_with_parent() -> None:  # pragma: no cover - runs in the forked child
    """Linux only: have the kernel SIGTERM the server if the test process dies first."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, _SIGTERM)


class LocalServer:
    """One DynamoDB Local child process.

    It listens on all interfaces (DynamoDB Local cannot bind to loopback only) and is always
    addressed through ``http://127.0.0.1:<port>``. ``tie_to_parent`` (Linux) makes the kernel
    stop it if this Python process dies without cleaning up, which a test session wants and
    ``dynastack local start --background`` must not have.

    >>> import tempfile
    >>> with LocalServer(state_dir=tempfile.mkdtemp()) as server:
    ...     state = server.start(in_memory=True)
    ...     server.endpoint == state.endpoint == f"http://127.0.0.1:{state.port}"
    True
    """

    def __init__(
        self,
        *,
        state_dir: Path | str | None = None,
        installation: Installation | None = None,
        java: JavaRuntime | None = None,
        java_options: Sequence[str] = (),
        tie_to_parent: bool = False,
        env: Mapping[str, str] | None = None,
    ) -> None:
        # absolute: a later chdir must not make stop() look for the state file elsewhere
        folder = Path(state_dir) if state_dir is not None else default_state_dir(env)
        self.state_dir = folder.absolute()
        self._installation = installation
        self._java = java
        self._java_options = tuple(java_options)
        self._tie_to_parent = tie_to_parent and sys.platform == "linux"
        self._env = env
        self._process: subprocess.Popen[bytes] | None = None
        self._state: LocalState | None = None

    @property
    def log_file(self) -> Path:
        """Where the server's stdout and stderr go."""
        return self.state_dir / LOG_FILE

    @property
    def state(self) -> LocalState | None:
        """What this object started, or ``None`` before ``start`` and after ``stop``."""
        return self._state

    @property
    def endpoint(self) -> str:
        """``http://127.0.0.1:<port>`` of the running server."""
        if self._state is None:
            raise LocalServerError("DynamoDB Local is not started: call start() first")
        return self._state.endpoint

    @property
    def running(self) -> bool:
        """True while the child process is alive."""
        return self._process is not None and self._process.poll() is None

    def start(
        self,
        in_memory: bool = False,
        data_dir: Path | None = None,
        port: int | None = None,
        *,
        timeout: float = _START_TIMEOUT_S,
    ) -> LocalState:
        """Launch DynamoDB Local and return once it answers ``ListTables``.

        On disk (the default) it keeps its tables in ``data_dir`` (``<state dir>/data``
        unless given); ``in_memory=True`` keeps nothing. Without ``port`` a free one is picked.
        Raises ``LocalServerError`` if the port is taken, a server is already recorded in the
        state folder, or it does not answer within ``timeout`` seconds (quoting its log).
        """
        if self._process is not None:
            raise LocalServerError("this LocalServer is already started")
        if in_memory and data_dir is not None:
            raise LocalServerError("choose either in-memory or a data folder, not both")
        recorded = read_status(self.state_dir)
        if recorded.running and recorded.state is not None:
            raise LocalServerError(
                f"DynamoDB Local is already running at {recorded.state.endpoint} "
                f"(pid {recorded.state.pid}, state in {self.state_dir}); "
                "stop it first with `dynastack local stop`"
            )
        if port is not None and port_in_use(port):
            raise LocalServerError(
                f"port {port} is already in use; choose another with --port, "
                "or leave it out to pick a free one"
            )
        installation = self._installation or ensure_installed(self._env)
        java = self._java or find_java(self._env)
        storage = None if in_memory else (data_dir or self.state_dir / "data").resolve()
        try:
            self.state_dir.mkdir(parents=True, exist_ok=True)
            if storage is not None:
                storage.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LocalServerError(f"cannot create the folder {exc.filename}: {exc}") from exc
        process, chosen = self._launch_until_ready(installation, java, port, storage, timeout)
        self._state = LocalState(
            pid=process.pid,
            port=chosen,
            endpoint=f"http://127.0.0.1:{chosen}",
            mode="in-memory" if storage is None else "on-disk",
            started_at=datetime.now(UTC).isoformat(timespec="seconds"),
            data_dir=None if storage is None else str(storage),
            log_file=str(self.log_file.resolve()),
        )
        write_state(self.state_dir, self._state)
        return self._state

    def _launch_until_ready(
        self,
        installation: Installation,
        java: JavaRuntime,
        port: int | None,
        storage: Path | None,
        timeout: float,
    ) -> tuple[subprocess.Popen[bytes], int]:
        for attempt in range(1, _PORT_RACE_ATTEMPTS + 1):
            chosen = port if port is not None else free_port()
            process = self._launch(installation, java, chosen, storage)
            try:
                self._wait_until_ready(process, chosen, timeout)
            except LocalServerError:
                # An auto-picked port can be taken between the probe and Java's bind: retry.
                lost_race = port is None and _BIND_FAILURE in self._log_tail()
                self._kill()
                if not lost_race or attempt == _PORT_RACE_ATTEMPTS:
                    raise
            except BaseException:  # Ctrl-C while waiting: leave no orphan behind
                self._kill()
                raise
            else:
                return process, chosen
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _launch(
        self, installation: Installation, java: JavaRuntime, port: int, storage: Path | None
    ) -> subprocess.Popen[bytes]:
        command = [
            str(java.executable),
            *self._java_options,
            f"-Djava.library.path={installation.lib_dir}",
            "-jar",
            str(installation.jar),
            "-port",
            str(port),
            "-disableTelemetry",
            *(["-inMemory"] if storage is None else ["-dbPath", str(storage)]),
        ]
        try:
            with self.log_file.open("wb") as log:
                log.write(f"$ {' '.join(command)}\n".encode())
                log.flush()
                process = subprocess.Popen(  # noqa: S603 - our jar, our arguments
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=self.state_dir,
                    start_new_session=True,
                    preexec_fn=_die_with_parent if self._tie_to_parent else None,  # noqa: PLW1509
                )
        except OSError as exc:
            raise LocalServerError(f"cannot launch {java.executable}: {exc}") from exc
        self._process = process
        return process

    def _wait_until_ready(
        self, process: subprocess.Popen[bytes], port: int, timeout: float
    ) -> None:
        deadline = time.monotonic() + timeout
        while not answers(port, timeout=1.0):
            code = process.poll()
            if code is not None:
                raise LocalServerError(
                    f"DynamoDB Local exited with code {code} while starting on port {port}; "
                    f"last lines of {self.log_file}:\n{self._log_tail()}"
                )
            if time.monotonic() >= deadline:
                raise LocalServerError(
                    f"DynamoDB Local did not answer on port {port} within {timeout:.0f} s; "
                    f"last lines of {self.log_file}:\n{self._log_tail()}"
                )
            time.sleep(0.1)  # polling interval of a readiness probe, not a synchronisation

    def _log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.rstrip().splitlines()[-lines:])

    def _kill(self, grace: float = 10.0) -> int | None:
        process, self._process = self._process, None
        if process is None:
            return None
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(grace)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        return process.pid

    def wait(self) -> int:
        """Block until the server exits by itself (or is stopped elsewhere); return its code."""
        if self._process is None:
            raise LocalServerError("DynamoDB Local is not started: call start() first")
        return self._process.wait()

    def stop(self, grace: float = 10.0) -> None:
        """Stop the server (SIGTERM, SIGKILL after ``grace`` s) and drop its state file."""
        pid = self._kill(grace)
        if pid is not None:
            clear_state(self.state_dir, pid)
        self._state = None

    def __enter__(self) -> LocalServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def stop_recorded(state_dir: Path | None = None, grace: float = 10.0) -> LocalStatus:
    """Stop the server recorded in ``state_dir``, whichever process started it.

    Returns the status found before stopping: ``running`` tells whether anything was stopped,
    ``stale`` that only a left-over state file was removed.

    >>> stop_recorded(Path("/nonexistent")).state is None
    True
    """
    folder = state_dir if state_dir is not None else default_state_dir()
    status = read_status(folder)
    if status.state is not None:
        if status.running:
            terminate_process(status.state.pid, grace)
        clear_state(folder, status.state.pid)
    return status
