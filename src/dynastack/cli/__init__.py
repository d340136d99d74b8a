"""The ``dynastack`` command line: one typer app, one module per command group.

Adding a command group is one line: create ``dynastack/cli/<name>.py`` with a module-level
``app = typer.Typer(help=...)`` and add ``add_group("<name>")`` at the end of this file (one
line per group, so that helpers adding groups never edit the same line).

Every ``DynastackError`` is caught once, at the root command, and printed as a one-line red
message with exit code 1 (see ``dynastack.cli.output``); nothing imports ``dynastack.cli``.
Errors that name a library parameter are told in CLI terms there: a missing environment
(``EnvironmentRequired``) says ``--env``, not ``env=``.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from dynastack import __version__
from dynastack.cli.output import print_error
from dynastack.errors import ConfigurationError, DynastackError, EnvironmentRequired

__all__ = ["add_group", "app", "main"]


class _RootGroup(TyperGroup):
    """The root command: turns a ``DynastackError`` from any subcommand into a clean exit 1."""

    # ``Any``: typer vendors click, and its Context class is not public API.
    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except EnvironmentRequired as error:
            print_error(ConfigurationError(in_cli_terms(error)))
            raise typer.Exit(code=1) from None
        except DynastackError as error:
            print_error(error)
            raise typer.Exit(code=1) from None


def in_cli_terms(error: EnvironmentRequired) -> str:
    """The message of a missing environment, naming the CLI's flag and variable.

    >>> in_cli_terms(EnvironmentRequired("…", table="users", pattern="{table}-{env}"))
    "table 'users' is named '{table}-{env}' per environment: pass --env ENV (or set DYNASTACK_ENV)"
    """
    return (
        f"table {error.table!r} is named {error.pattern!r} per environment: "
        "pass --env ENV (or set DYNASTACK_ENV)"
    )


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"dynastack {__version__}")
        raise typer.Exit


app = typer.Typer(
    name="dynastack",
    cls=_RootGroup,
    help="dynastack: a declarative data model turned into a DynamoDB-backed backend.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """dynastack: a declarative data model turned into a DynamoDB-backed backend."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI with ``argv`` (default: ``sys.argv[1:]``); return the exit code.

    >>> main(["--version"])
    dynastack 0.1.0
    0
    """
    command = typer.main.get_command(app)
    try:
        command.main(args=None if argv is None else list(argv), prog_name="dynastack")
    except SystemExit as done:  # click's standalone mode always ends with sys.exit
        if done.code is None or isinstance(done.code, int):
            return done.code or 0
        return 1
    return 0


def add_group(name: str) -> None:
    """Mount the ``app`` of module ``dynastack.cli.<name>`` as ``dynastack <name> …``."""
    app.add_typer(importlib.import_module(f"dynastack.cli.{name}").app, name=name)


# Command groups, one line each.
add_group("local")
add_group("tables")
add_group("dev")
app.command("serve")(importlib.import_module("dynastack.cli.serve").serve)
app.add_typer(importlib.import_module("dynastack.cli.ops").app)  # top level: doctor, export, …
