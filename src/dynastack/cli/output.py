"""How the CLI speaks: rich consoles, and the one-line red message that replaces a traceback.

A user who typed a command wants to know what went wrong and what to do, not where in
dynastack it happened. Every error raised on purpose is a ``DynastackError`` whose message
names the cause and the fix, so the CLI prints that message (its first line in red, any detail
lines such as a log tail dimmed below it) and exits with 1. Anything else is a bug and keeps
its traceback.

Consoles are created per call so that they write to whatever ``sys.stdout``/``sys.stderr`` is
at that moment (click's test runner swaps them).
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from dynastack.errors import DynastackError

__all__ = ["err_console", "out_console", "print_error"]


def out_console() -> Console:
    """A console on the current standard output."""
    return Console(highlight=False, soft_wrap=True)


def err_console() -> Console:
    """A console on the current standard error."""
    return Console(stderr=True, highlight=False, soft_wrap=True)


def print_error(error: DynastackError) -> None:
    """Print ``error`` as ``error: <first line>`` in red, with any further lines dimmed.

    >>> from dynastack.errors import LocalServerError
    >>> import contextlib, io, sys
    >>> with contextlib.redirect_stderr(io.StringIO()) as captured:
    ...     print_error(LocalServerError("port 8000 is already in use"))
    >>> captured.getvalue()
    'error: port 8000 is already in use\\n'
    """
    first, _, rest = str(error).strip().partition("\n")
    console = err_console()
    console.print(f"[bold red]error:[/bold red] [red]{escape(first)}[/red]")
    if rest:
        console.print(escape(rest), style="dim")
