"""``dynastack doctor|export|import|seed APP``: the operations every application gets.

Top-level commands (not a group): they are what a person types most, next to ``tables``. The
work is done by ``dynastack.ops``; this module parses options, draws the rich table of checks
and the progress bars, and turns reports into exit codes:

* ``doctor``: 0 all checks pass, 1 drift or a missing table, 2 the endpoint is unreachable
  (one red line on stderr, no traceback). ``--json`` prints the report as JSON on stdout.
* ``export`` / ``import``: 0 done (and, for import, the counts verified), 1 any error or a
  count mismatch. ``import --dry-run`` runs every check and writes nothing.
* ``seed``: 0 done, 1 when the App has no seed function, a table is missing, or seeding failed.

Without ``--endpoint`` or ``DYNASTACK_ENDPOINT`` the DynamoDB Local that ``dynastack local
start`` recorded is used, else AWS (``dynastack.cli.endpoint`` decides, for every command).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from dynastack.app import load_app
from dynastack.cli.endpoint import make_client
from dynastack.cli.output import err_console, out_console
from dynastack.core.retry import RetryPolicy
from dynastack.ops.backup import DEFAULT_SEGMENTS, export_app
from dynastack.ops.doctor import DoctorReport, diagnose
from dynastack.ops.manifest import read_manifest
from dynastack.ops.restore import DEFAULT_WORKERS, import_app
from dynastack.ops.seeding import DEFAULT_COUNT, run_seed

__all__ = ["app", "doctor_table"]

app = typer.Typer(help="Operate an App's tables: doctor, export, import, seed.")

AppPath = Annotated[str, typer.Argument(metavar="APP", help="The App, as 'package.module:app'.")]
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
Segments = Annotated[
    int, typer.Option("--segments", min=1, help="Parallel scan segments per table.")
]

#: attempts for doctor's calls: an unreachable endpoint is reported in a second, not after 8
_DOCTOR_RETRY = RetryPolicy(max_attempts=3)


def doctor_table(report: DoctorReport, title: str) -> Table:
    """The checks as a rich table: one row per check, ✓ or ✗, table, check, detail.

    >>> from dynastack.ops.doctor import Check
    >>> report = DoctorReport("http://127.0.0.1:8000", True, 1.5,
    ...                       (Check("t-dev", "table key", True, "HASH PK S"),))
    >>> doctor_table(report, "demo").row_count
    1
    """
    table = Table(title=escape(title), title_justify="left", show_lines=False)
    table.add_column("", no_wrap=True)
    table.add_column("table", no_wrap=True)
    table.add_column("check", no_wrap=True)
    table.add_column("detail", overflow="fold")
    for check in report.checks:
        mark = "[green]✓[/green]" if check.ok else "[bold red]✗[/bold red]"
        detail = escape(check.detail) if check.ok else f"[red]{escape(check.detail)}[/red]"
        table.add_row(mark, escape(check.table or "-"), escape(check.subject), detail)
    return table


@app.command("doctor")
def doctor_command(
    app_path: AppPath,
    *,
    env: Env = None,
    endpoint: Endpoint = None,
    region: Region = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Check the connection and every table (exit 0 ok, 1 drift or missing, 2 unreachable)."""
    application = load_app(app_path)
    with make_client(endpoint, region, _DOCTOR_RETRY) as client:
        url = client.settings.endpoint
        report = diagnose(application, client, env=env, endpoint=url)
    if as_json:
        typer.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    if not report.reachable:
        err_console().print(
            f"[bold red]error:[/bold red] [red]cannot reach {escape(url)}: "
            f"{escape(report.error or 'no reply')}[/red]"
        )
        raise typer.Exit(code=report.exit_code)
    if not as_json:
        console = out_console()
        title = f"{application.name} ({app_path}) env {env or '-'} at {url}"
        console.print(doctor_table(report, title))
        failed, total = len(report.failures), len(report.checks)
        if failed:
            console.print(f"[bold red]✗ {failed} of {total} checks failed[/bold red]")
        else:
            console.print(f"[green]✓ all {total} checks passed[/green]")
    if report.exit_code:
        raise typer.Exit(code=report.exit_code)


class _Bars:
    """One rich progress bar per label (table or entity), made on first report."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._tasks: dict[str, TaskID] = {}

    def __call__(self, label: str, done: int, total: int | None = None, /) -> None:
        task = self._tasks.get(label)
        if task is None:
            task = self._tasks[label] = self._progress.add_task(escape(label), total=total)
        # an estimated total (ItemCount on AWS) may be passed: never draw more than 100 %
        shown = None if total is None else max(total, done)
        self._progress.update(task, completed=done, total=shown)

    def finish(self) -> None:
        """Mark every bar complete at what was really done."""
        for task in self._tasks.values():
            done = self._progress.tasks[task].completed
            self._progress.update(task, total=done, completed=done)


@contextmanager
def _bars() -> Iterator[_Bars]:
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=out_console(),
    )
    bars = _Bars(progress)
    with progress:
        yield bars
        bars.finish()


@app.command("export")
def export_command(
    app_path: AppPath,
    *,
    out: Annotated[Path, typer.Option("--out", help="New or empty folder for the backup.")],
    env: Env = None,
    endpoint: Endpoint = None,
    region: Region = None,
    segments: Segments = DEFAULT_SEGMENTS,
) -> None:
    """Back up every table of APP to DIR: one JSON Lines file per table and manifest.json."""
    application = load_app(app_path)
    with make_client(endpoint, region) as client, _bars() as bars:
        manifest = export_app(application, client, out, env=env, segments=segments, progress=bars)
    summary = Table(title=f"backup in {escape(str(out))}", title_justify="left")
    for column in ("table", "items", "file", "sha256"):
        summary.add_column(column, no_wrap=True)
    for entry in manifest.tables:
        summary.add_row(
            escape(entry.table_name), str(entry.items), escape(entry.file), entry.sha256[:16]
        )
    console = out_console()
    console.print(summary)
    total = sum(t.items for t in manifest.tables)
    console.print(f"[green]exported {total} items from {len(manifest.tables)} tables[/green]")


@app.command("import")
def import_command(
    app_path: AppPath,
    *,
    source: Annotated[
        Path,
        typer.Option("--from", help="Folder of a backup made by `dynastack export`."),
    ],
    env: Env = None,
    endpoint: Endpoint = None,
    region: Region = None,
    workers: Annotated[
        int, typer.Option("--workers", min=1, help="Parallel BatchWriteItem senders.")
    ] = DEFAULT_WORKERS,
    segments: Segments = DEFAULT_SEGMENTS,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Run every check, write nothing.")
    ] = False,
    merge: Annotated[
        bool,
        typer.Option("--merge", help="Allow non-empty tables (same key: replaced, others kept)."),
    ] = False,
    verify: Annotated[
        bool, typer.Option("--verify/--no-verify", help="Count the items afterwards.")
    ] = True,
) -> None:
    """Restore a backup into APP's tables: checksums and key schemas first, then batch writes."""
    application = load_app(app_path)
    read_manifest(source)  # a wrong folder is named before any client or region is needed
    with make_client(endpoint, region) as client, _bars() as bars:
        report = import_app(
            application,
            client,
            source,
            env=env,
            workers=workers,
            segments=segments,
            dry_run=dry_run,
            merge=merge,
            verify=verify,
            progress=bars,
        )
    console = out_console()
    summary = Table(title=f"import from {escape(str(source))}", title_justify="left")
    for column in ("", "table", "backup", "written", "before", "after"):
        summary.add_column(column, no_wrap=True)
    for table in report.tables:
        verified = table.verified
        mark = {True: "[green]✓[/green]", False: "[bold red]✗[/bold red]", None: "·"}[verified]
        after = "-" if table.count_after is None else str(table.count_after)
        summary.add_row(
            mark,
            escape(table.table_name),
            str(table.items),
            str(table.written),
            str(table.count_before),
            after,
        )
    console.print(summary)
    if dry_run:
        total = sum(t.items for t in report.tables)
        console.print(f"dry run: every check passed; {total} items would be written")
    elif not report.ok:
        bad = ", ".join(t.table_name for t in report.tables if t.verified is False)
        err_console().print(
            f"[bold red]error:[/bold red] [red]item counts do not match after import: "
            f"{escape(bad)}[/red]"
        )
        raise typer.Exit(code=1)
    else:
        total = sum(t.written for t in report.tables)
        console.print(f"[green]imported {total} items into {len(report.tables)} tables[/green]")


@app.command("seed")
def seed_command(
    app_path: AppPath,
    *,
    env: Env = None,
    endpoint: Endpoint = None,
    region: Region = None,
    count: Annotated[
        int, typer.Option("--count", min=1, help="How many top-level records to make.")
    ] = DEFAULT_COUNT,
) -> None:
    """Write demo data with the App's seed function (its tables must exist)."""
    application = load_app(app_path)
    with make_client(endpoint, region) as client, _bars() as bars:
        written = run_seed(application, client, env=env, count=count, progress=bars)
    shown = ", ".join(f"{escape(label)} {n}" for label, n in written.items())
    out_console().print(f"[green]seeded {application.name}[/green]{': ' + shown if shown else ''}")
