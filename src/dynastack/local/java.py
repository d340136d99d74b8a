"""Finding a Java runtime that can run DynamoDB Local (3.x needs Java 17 or newer).

A missing or too old Java is the most common reason DynamoDB Local will not start, and the JVM's
own failure ("UnsupportedClassVersionError: class file version 61.0") says nothing useful to a
Python developer. So the runtime is located and its version checked *before* anything is
launched, and the error names the fix.

Lookup order follows the JVM convention: ``$JAVA_HOME/bin/java`` first (an explicit choice beats
whatever is on ``PATH``), then ``java`` on ``PATH``. Version parsing is a pure function, so the
odd formats (``1.8.0_392``, ``21-ea``, ``17.0.15``) are tested without any Java installed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dynastack.errors import LocalServerError

__all__ = ["MIN_JAVA_MAJOR", "JavaRuntime", "find_java", "parse_java_version"]

#: DynamoDB Local 3.x is compiled for Java 17 (class file version 61).
MIN_JAVA_MAJOR = 17

_FIX = (
    f"Java {MIN_JAVA_MAJOR}+ is required for DynamoDB Local: "
    "apt-get install openjdk-17-jre-headless, or set JAVA_HOME"
)
# `java -version` prints e.g.  openjdk version "17.0.15" 2025-04-15  or  java version "1.8.0_392"
_VERSION = re.compile(r'version\s+"(?P<version>[^"]+)"')
_LEADING_NUMBERS = re.compile(r"^(\d+)(?:\.(\d+))?")


@dataclass(frozen=True, slots=True)
class JavaRuntime:
    """A Java executable and its major version (``17`` for ``17.0.15``, ``8`` for ``1.8``)."""

    executable: Path
    major: int


def parse_java_version(output: str) -> int:
    """Return the major version from the output of ``java -version``.

    Java 8 and older report ``1.<major>``; Java 9 and newer put the major version first.

    >>> parse_java_version('openjdk version "17.0.15" 2025-04-15')
    17
    >>> parse_java_version('java version "1.8.0_392"')
    8
    >>> parse_java_version('openjdk version "23-ea" 2024-09-17')
    23
    """
    found = _VERSION.search(output)
    numbers = _LEADING_NUMBERS.match(found.group("version")) if found else None
    if numbers is None:
        first_line = output.strip().splitlines()[0] if output.strip() else "(no output)"
        raise LocalServerError(f"cannot read the Java version from {first_line!r}. {_FIX}")
    major = int(numbers.group(1))
    if major == 1 and numbers.group(2) is not None:
        return int(numbers.group(2))
    return major


def _candidates(env: Mapping[str, str]) -> list[Path]:
    found: list[Path] = []
    java_home = env.get("JAVA_HOME")
    if java_home:
        found.append(Path(java_home) / "bin" / "java")
    on_path = shutil.which("java", path=env.get("PATH"))
    if on_path:
        found.append(Path(on_path))
    return found


def find_java(env: Mapping[str, str] | None = None) -> JavaRuntime:
    """Locate a Java 17+ runtime: ``$JAVA_HOME/bin/java``, then ``java`` on ``PATH``.

    Raises ``LocalServerError`` naming the fix when Java is missing or older than 17.

    >>> find_java().major >= MIN_JAVA_MAJOR
    True
    """
    env = os.environ if env is None else env
    candidates = [path for path in _candidates(env) if path.is_file()]
    if not candidates:
        raise LocalServerError(f"no Java runtime found. {_FIX}")
    executable = candidates[0]
    try:
        result = subprocess.run(  # noqa: S603 - a located java executable, fixed arguments
            [str(executable), "-version"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LocalServerError(f"cannot run {executable} -version ({exc}). {_FIX}") from exc
    major = parse_java_version(result.stderr + result.stdout)
    if major < MIN_JAVA_MAJOR:
        raise LocalServerError(f"{executable} is Java {major}. {_FIX}")
    return JavaRuntime(executable=executable, major=major)
