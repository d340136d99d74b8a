"""``dynastack serve APP``: the app's REST API on uvicorn, one or more stateless workers.

The target, the settings (``DYNASTACK_*``, docs/api.md) and the authenticator are checked in
this process before uvicorn starts, so a wrong setting is one red line, not N crashed workers.
Each worker then builds the app itself (``dynastack.api.serving.asgi_from_env``).
Registered in ``dynastack.cli`` as the top-level command ``serve``.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

__all__ = ["serve"]


def serve(
    target: Annotated[str, typer.Argument(help="module:attribute of an App or an Api.")],
    *,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port (0: a free one).")] = 8080,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
    env: Annotated[
        str | None, typer.Option(help="Table environment, as for `dynastack tables apply`.")
    ] = None,
    endpoint: Annotated[
        str | None, typer.Option(help="DynamoDB endpoint (default: DYNASTACK_ENDPOINT / AWS).")
    ] = None,
) -> None:
    """Serve TARGET's REST API, OpenAPI at /openapi.json and (outside production) /docs."""
    # imported here: every other command starts without Starlette and uvicorn
    import uvicorn

    from dynastack.api.serving import API_ENV, API_TARGET, asgi_from_env
    from dynastack.api.settings import ApiSettings

    os.environ[API_TARGET] = target
    if env:
        os.environ[API_ENV] = env
    if endpoint:
        os.environ["DYNASTACK_ENDPOINT"] = endpoint
    settings = ApiSettings.from_env()  # fail here, once, on a bad setting
    asgi_from_env()  # and on a bad target or a missing authenticator
    typer.echo(
        f"serving {target} ({settings.env}) on http://{host}:{port} with {workers} worker(s); "
        f"OpenAPI at /openapi.json" + (", docs at /docs" if settings.docs else "")
    )
    uvicorn.run(
        "dynastack.api.serving:asgi_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        proxy_headers=False,
    )
