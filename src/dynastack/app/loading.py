"""``load_app("package.module:app")``: the App a command line names, or a precise error.

Why its own module: the CLI, the pytest plugin and (later) the API server all take an APP
path, and a user who mistyped one must be told which part did not resolve (the module, the
attribute, or what it holds), never ``'…' is NoneType``.

Example:
    >>> load_app("dynastack.app.loading:nothing_here")
    Traceback (most recent call last):
    ...
    dynastack.errors.ConfigurationError: APP 'dynastack.app.loading:nothing_here': module \
'dynastack.app.loading' has no attribute 'nothing_here'
"""

from __future__ import annotations

import importlib
import os
import sys

from dynastack.app.application import App
from dynastack.errors import ConfigurationError

__all__ = ["load_app"]


def _import(path: str, module_name: str) -> object:
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        missing = exc.name or module_name
        if module_name == missing or module_name.startswith(f"{missing}."):
            raise ConfigurationError(
                f"APP {path!r}: no module named {module_name!r} (APP paths are imported from "
                f"the current folder, {os.getcwd()}, and the installed packages)"
            ) from None
        raise ConfigurationError(
            f"APP {path!r}: module {module_name!r} failed to import: {exc}"
        ) from exc
    except ImportError as exc:
        raise ConfigurationError(
            f"APP {path!r}: module {module_name!r} failed to import: {exc}"
        ) from exc


def load_app(path: str) -> App:
    """Import ``module:attribute`` and return the ``App`` it names, with a precise error.

    ``attribute`` may be dotted (``module:container.app``); a callable that is not an App is
    called without arguments (an app factory) and must return one.
    """
    module_name, _, attribute = path.partition(":")
    if not module_name or not attribute:
        raise ConfigurationError(f"APP must look like 'package.module:app', not {path!r}")
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # like uvicorn: APP paths are relative to where you are
    found: object = _import(path, module_name)
    where = module_name
    for part in attribute.split("."):
        if not hasattr(found, part):
            apps = sorted(
                name for name, value in vars(found).items() if isinstance(value, App)
            ) if hasattr(found, "__dict__") else []  # fmt: skip
            hint = (
                f"; it holds the App{'s' if len(apps) > 1 else ''} {', '.join(apps)}"
                if apps
                else ""
            )
            raise ConfigurationError(
                f"APP {path!r}: {'module' if where == module_name else 'object'} {where!r} "
                f"has no attribute {part!r}{hint}"
            )
        found = getattr(found, part)
        where = f"{where}.{part}" if where != module_name else f"{module_name}:{part}"
    if callable(found) and not isinstance(found, App) and not isinstance(found, type):
        found = found()
    if not isinstance(found, App):
        raise ConfigurationError(
            f"APP {path!r} names a {type(found).__name__}, not a dynastack App "
            "(expected an App instance, or a function returning one)"
        )
    return found
