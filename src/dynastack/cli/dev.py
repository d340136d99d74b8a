"""``dynastack dev``: helpers for local development; today ``dev token``.

``dynastack dev token --user alice --groups Developers`` prints a signed RS256 token (an ID
token in Cognito's shape) from the local dev issuer key, created on first use in the state
folder (``.dynastack/`` or ``$DYNASTACK_STATE_DIR``) with mode 0600. A server trusts that key
only outside production (``dynastack.auth.TokenVerifier`` refuses the dev issuer there). Only
the token goes to stdout, so ``TOKEN=$(dynastack dev token --user alice)`` works.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from dynastack.auth.dev_issuer import DevIssuer
from dynastack.errors import ConfigurationError

__all__ = ["app"]

app = typer.Typer(help="Local development helpers (dev tokens).", no_args_is_help=True)


@app.command()
def token(
    user: Annotated[str, typer.Option("--user", help="The user: the token's sub and username.")],
    groups: Annotated[
        list[str] | None,
        typer.Option("--groups", help="Groups (cognito:groups); repeat or separate by commas."),
    ] = None,
    ttl: Annotated[int, typer.Option("--ttl", help="Seconds until the token expires.")] = 3600,
    token_use: Annotated[
        str, typer.Option("--token-use", help="id (with aud) or access (with client_id).")
    ] = "id",  # noqa: S107 - not a password
    state_dir: Annotated[
        Path | None, typer.Option("--state-dir", help="Where the dev key lives.")
    ] = None,
) -> None:
    """Print a dev token for USER in GROUPS, signed by the local dev issuer key."""
    if token_use not in ("id", "access"):
        raise ConfigurationError(f"--token-use must be id or access, not {token_use!r}")
    names = sorted({g.strip() for value in groups or [] for g in value.split(",") if g.strip()})
    issuer = DevIssuer(state_dir)
    kind: Literal["id", "access"] = "id" if token_use == "id" else "access"  # noqa: S105
    typer.echo(issuer.issue(user, groups=names, ttl=ttl, token_use=kind))
