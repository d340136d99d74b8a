"""``dynastack tables plan|apply|export APP``: make an application's tables match its entities.

``APP`` is ``module:attribute`` naming a ``dynastack.App`` (``load_app``), so the command
sees exactly the tables the code uses, named for ``--env``. ``plan`` only reads; ``apply``
prints the same plan and then makes the changes, one request at a time, waiting for each table
and index to become ACTIVE. Drift (a changed table key, local index or index key type) is
never applied: ``apply`` refuses every table when any table has drift. ``export`` prints the
same tables as a CloudFormation template or Terraform JSON, for teams that deploy that way.

Exit codes follow ``terraform plan -detailed-exitcode``, so CI can branch on them:
0 nothing to change, 2 changes pending (``plan`` only), 1 drift or any other error.

Without ``--endpoint`` or ``DYNASTACK_ENDPOINT`` the DynamoDB Local that ``dynastack local
start`` recorded is used, else AWS (``dynastack.cli.endpoint`` decides, for every command).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Sequence
from typing import Annotated

import typer
from rich.markup import escape
from rich.tree import Tree

from dynastack.app import load_app
from dynastack.cli.endpoint import make_client
from dynastack.cli.output import out_console, print_error
from dynastack.errors import DefinitionError
from dynastack.model.tablespec import TableSpec
from dynastack.provisioning import Plan, Polling, apply, plan_table
from dynastack.provisioning.iac import cloudformation, terraform

__all__ = ["EXIT_CHANGES", "EXIT_DRIFT", "app", "plan_tree"]

#: ``tables plan`` exit code when changes are pending
EXIT_CHANGES = 2
#: exit code when a table has drift that apply refuses to change
EXIT_DRIFT = 1

app = typer.Typer(help="Plan and apply the tables an App's entities need.", no_args_is_help=True)

AppPath = Annotated[
    str, typer.Argument(metavar="APP", help="The App to provision, as 'package.module:app'.")
]
Env = Annotated[
    str | None,
    typer.Option(
        "--env", envvar="DYNASTACK_ENV", help="Environment the table names are made for (dev …)."
    ),
]
Endpoint = Annotated[
    str | None,
    typer.Option(
        "--endpoint",
        help="DynamoDB endpoint URL (default: DYNASTACK_ENDPOINT, else the running "
        "`dynastack local`, else AWS).",
    ),
]
Region = Annotated[str | None, typer.Option("--region", help="AWS region (default: AWS_REGION).")]
Recreate = Annotated[
    bool,
    typer.Option(
        "--recreate-indexes",
        help="Drop and rebuild global indexes declared differently (instead of drift).",
    ),
]

_STYLE = {"+": "green", "-": "red", "~": "yellow"}


def plan_tree(plans: Sequence[Plan], title: str) -> Tree:
    """The plans as a rich tree: one branch per table, one leaf per change, drift and note.

    >>> from dynastack.model import AttributeSpec, TableSpec
    >>> from dynastack.provisioning import plan
    >>> spec = TableSpec("t", "t-dev", AttributeSpec("PK", "S"), None, (), None,
    ...                  "PAY_PER_REQUEST", None, False)
    >>> tree = plan_tree([plan(spec, None)], "demo")
    >>> [str(child.label) for child in tree.children]
    ['[bold]t-dev[/bold]  [green]create[/green]']
    """
    tree = Tree(escape(title))
    for planned in plans:
        if planned.drift:
            state = "[bold red]drift: apply refuses[/bold red]"
        elif planned.creates:
            state = "[green]create[/green]"
        elif planned.changes:
            count = len(planned.changes)
            state = f"[yellow]{count} change{'' if count == 1 else 's'}[/yellow]"
        else:
            state = "[dim]up to date[/dim]"
        branch = tree.add(f"[bold]{escape(planned.table)}[/bold]  {state}")
        for change in planned.changes:
            style = _STYLE[change.symbol]
            leaf = branch.add(f"[{style}]{change.symbol} {escape(str(change))}[/{style}]")
            for detail in getattr(change, "details", list)():
                leaf.add(f"[dim]{escape(detail)}[/dim]")
        for drift in planned.drift:
            branch.add(f"[bold red]! {escape(str(drift))}[/bold red]")
        for note in planned.notes:
            branch.add(f"[dim]· {escape(note)}[/dim]")
    return tree


def _specs(app_path: str, env: str | None) -> tuple[list[TableSpec], str]:
    # the App is loaded before any client is made: a typo in APP needs no network or region
    application = load_app(app_path)
    title = f"{application.name} ({app_path}) env {env or '-'}"
    return application.table_specs(env=env), title


def _refuse_drift(plans: Sequence[Plan]) -> None:
    drifted = [p for p in plans if p.drift]
    if drifted:
        tables = ", ".join(p.table for p in drifted)
        print_error(
            DefinitionError("TABLE_DRIFT", f"{tables}: differs in ways apply will not change")
        )
        raise typer.Exit(code=EXIT_DRIFT)


@app.command("plan")
def plan_command(
    app_path: AppPath,
    *,
    env: Env = None,
    endpoint: Endpoint = None,
    region: Region = None,
    recreate_indexes: Recreate = False,
) -> None:
    """Show what apply would change. Exit 0: nothing; 2: changes pending; 1: drift."""
    specs, title = _specs(app_path, env)
    with make_client(endpoint, region) as client:
        plans = [plan_table(s, client, recreate_indexes=recreate_indexes) for s in specs]
        title += f" at {client.settings.endpoint}"
    out_console().print(plan_tree(plans, title))
    _refuse_drift(plans)
    if any(p.changes for p in plans):
        raise typer.Exit(code=EXIT_CHANGES)


@app.command("apply")
def apply_command(
    app_path: AppPath,
    *,
    env: Env = None,
    endpoint: Endpoint = None,
    region: Region = None,
    recreate_indexes: Recreate = False,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Seconds to wait for a table to be ACTIVE.")
    ] = Polling().timeout,
) -> None:
    """Plan, then make the changes (one at a time, waiting for ACTIVE). Exit 1 on drift."""
    console = out_console()
    specs, title = _specs(app_path, env)
    with make_client(endpoint, region) as client:
        plans = [plan_table(s, client, recreate_indexes=recreate_indexes) for s in specs]
        title += f" at {client.settings.endpoint}"
        console.print(plan_tree(plans, title))
        _refuse_drift(plans)
        pending = [p for p in plans if p.changes]
        if not pending:
            console.print("nothing to change")
            return
        polling = Polling(timeout=timeout)
        count = 0
        for planned in pending:
            done = apply(planned, client, polling=polling, progress=_echo)
            count += len(done.changes)
    console.print(f"[green]applied {count} change{'' if count == 1 else 's'}[/green]")


class Format(enum.StrEnum):
    """What ``tables export`` writes."""

    CLOUDFORMATION = "cloudformation"
    TERRAFORM = "terraform"


@app.command("export")
def export_command(
    app_path: AppPath,
    *,
    env: Env = None,
    output_format: Annotated[
        Format, typer.Option("--format", help="cloudformation (template) or terraform (.tf.json).")
    ] = Format.CLOUDFORMATION,
) -> None:
    """Print the tables as a CloudFormation template or Terraform JSON (no AWS call)."""
    specs, title = _specs(app_path, env)
    if output_format is Format.TERRAFORM:
        document = terraform(specs)
    else:
        document = cloudformation(specs, description=f"dynastack tables of {title}")
    typer.echo(json.dumps(document, indent=2))


def _echo(line: str) -> None:
    out_console().print(f"  {escape(line)}")
