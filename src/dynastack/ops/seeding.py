"""Demo data: the contract between ``dynastack seed APP`` and an application's seed function.

An ``App`` may carry ``seed=``: a function that writes realistic demo data, so that ``make
serve`` shows something alive. This module fixes its signature (``SeedFunction``) and runs it
(``run_seed``) after checking what can be checked before any write: that the App has a seed
function, that the function accepts the arguments it will get, and that every table of the App
exists in the target environment.

The contract, for application authors::

    def seed(client: Client, *, env: str | None, count: int,
             progress: SeedProgress) -> Mapping[str, int] | None:
        ...

* ``client`` is a blocking ``dynastack.Client`` for the chosen endpoint (build repositories on
  it with ``env``); it is closed by the caller.
* ``env`` is the environment the table names are made for (``--env``), ``None`` without one.
* ``count`` is the scale: how many top-level records to make (deployments, projects …), at
  least 1; records that hang off them (stacks, logs …) scale with it.
* ``progress(label, done, total)`` reports, per label (usually a table or entity name), how
  many records are written so far out of ``total`` (``None``: unknown). Call it as often as
  convenient; the CLI draws one progress bar per label.
* It returns what it wrote, ``{label: records}``, for the summary (or ``None``).
* Seeding twice should not fail: write with unconditional puts and deterministic ids (derived
  from ``count`` and an index), or skip what already exists.

Example:
    >>> from dynastack.app import App
    >>> def seed(client, *, env, count, progress):
    ...     progress("notes", count, count)
    ...     return {"notes": count}
    >>> app = App("demo", [], seed=seed)
    >>> seen = []
    >>> call_seed(app, client=None, env="dev", count=3,
    ...           progress=lambda *a: seen.append(a)), seen
    ({'notes': 3}, [('notes', 3, 3)])
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from dynastack.app import App
from dynastack.errors import ConfigurationError
from dynastack.ops.backup import describe_or_none

if TYPE_CHECKING:
    from dynastack.client.client import Client

__all__ = ["DEFAULT_COUNT", "SeedFunction", "SeedProgress", "call_seed", "run_seed"]

#: how many top-level records ``dynastack seed`` asks for without ``--count``
DEFAULT_COUNT = 10


class SeedProgress(Protocol):
    """``progress(label, done, total)``: ``done`` of ``total`` records of ``label`` written."""

    def __call__(self, label: str, done: int, total: int | None = None, /) -> object: ...


class SeedFunction(Protocol):
    """The signature of ``App(seed=...)`` (see the module docstring for the contract)."""

    def __call__(
        self, client: Client, *, env: str | None, count: int, progress: SeedProgress
    ) -> Mapping[str, int] | None: ...


def _ignore(label: str, done: int, total: int | None = None, /) -> None:
    """A progress reporter that reports nothing."""


def _seed_of(app: App) -> Callable[..., Any]:
    if app.seed is None:
        raise ConfigurationError(
            f"app {app.name!r} has no seed function: give it one with App(..., seed=...) "
            "(signature: dynastack.ops.seeding.SeedFunction)"
        )
    return app.seed


def call_seed(
    app: App,
    client: Any,
    *,
    env: str | None,
    count: int = DEFAULT_COUNT,
    progress: SeedProgress | None = None,
) -> dict[str, int]:
    """Call ``app.seed`` after checking that it exists and accepts the contract's arguments.

    Returns the seed function's summary (``{}`` when it returned ``None``). Does no I/O of
    its own; ``run_seed`` also checks the tables first.
    """
    seed = _seed_of(app)
    if isinstance(count, bool) or count < 1:
        raise ConfigurationError(f"count must be a whole number >= 1, not {count!r}")
    reporter = progress if progress is not None else _ignore
    try:
        inspect.signature(seed).bind(client, env=env, count=count, progress=reporter)
    except TypeError as error:
        raise ConfigurationError(
            f"the seed function of app {app.name!r} must accept "
            f"(client, *, env, count, progress): {error}"
        ) from None
    except ValueError:
        pass  # a builtin or C function without a signature: let the call itself decide
    written = seed(client, env=env, count=count, progress=reporter)
    return {str(label): int(n) for label, n in (written or {}).items()}


def run_seed(
    app: App,
    client: Client,
    *,
    env: str | None = None,
    count: int = DEFAULT_COUNT,
    progress: SeedProgress | None = None,
    environ: Mapping[str, str] | None = None,
) -> dict[str, int]:
    """Check that every table of ``app`` exists in ``env``, then call its seed function.

    A missing table is a ``ConfigurationError`` naming it (create the tables with
    ``dynastack tables apply`` first); errors raised by the seed function propagate.
    """
    _seed_of(app)
    missing = [
        spec.name
        for spec in app.table_specs(env=env, environ=environ)
        if describe_or_none(client, spec.name) is None
    ]
    if missing:
        option = f" --env {env}" if env else ""
        raise ConfigurationError(
            f"table{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"{'do' if len(missing) > 1 else 'does'} not exist: create "
            f"{'them' if len(missing) > 1 else 'it'} first (`dynastack tables apply APP{option}`)"
        )
    return call_seed(app, client, env=env, count=count, progress=progress)
