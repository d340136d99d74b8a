"""Java discovery: version parsing (pure) and lookup order (with fake ``java`` executables).

The fake executables are environment injection: a machine with Java 11, or with none at all,
cannot be produced otherwise on a machine that has Java 17.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dynastack.errors import LocalServerError
from dynastack.local import MIN_JAVA_MAJOR, find_java, parse_java_version

FIX = "Java 17+ is required for DynamoDB Local: apt-get install openjdk-17-jre-headless"


@pytest.mark.parametrize(
    ("output", "major"),
    [
        ('openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime Environment', 17),
        ('java version "1.8.0_392"\nJava(TM) SE Runtime Environment', 8),
        ('openjdk version "11.0.2" 2019-01-15', 11),
        ('openjdk version "21" 2023-09-19', 21),
        ('openjdk version "23-ea" 2024-09-17', 23),
        ('Picked up JAVA_TOOL_OPTIONS: -Xmx1g\nopenjdk version "17.0.1" 2021-10-19', 17),
        ('java version "9"', 9),
    ],
)
def test_parse_java_version(output: str, major: int) -> None:
    assert parse_java_version(output) == major


@pytest.mark.parametrize("output", ["", "bash: java: command not found", 'version "beta"'])
def test_unreadable_version_names_the_fix(output: str) -> None:
    with pytest.raises(LocalServerError, match="Java 17\\+ is required"):
        parse_java_version(output)


def fake_java(home: Path, version: str) -> Path:
    """A ``<home>/bin/java`` that reports ``version`` on stderr, as the real one does."""
    executable = home / "bin" / "java"
    executable.parent.mkdir(parents=True)
    executable.write_text(
        f"#!{sys.executable}\nimport sys\n"
        f"sys.stderr.write('openjdk version \"{version}\" 2024-01-01\\n')\n",
        encoding="utf-8",
    )
    executable.chmod(0o755)
    return executable


def test_java_home_wins_over_path(tmp_path: Path) -> None:
    on_path = fake_java(tmp_path / "path-java", "17.0.1")
    home = fake_java(tmp_path / "home", "21.0.3")
    env = {"JAVA_HOME": str(tmp_path / "home"), "PATH": str(on_path.parent)}
    runtime = find_java(env)
    assert runtime.executable == home
    assert runtime.major == 21


def test_path_is_used_without_java_home(tmp_path: Path) -> None:
    on_path = fake_java(tmp_path / "path-java", "17.0.1")
    runtime = find_java({"PATH": str(on_path.parent)})
    assert (runtime.executable, runtime.major) == (on_path, 17)


def test_too_old_java_is_refused_with_the_fix(tmp_path: Path) -> None:
    fake_java(tmp_path / "home", "11.0.2")
    with pytest.raises(LocalServerError) as caught:
        find_java({"JAVA_HOME": str(tmp_path / "home"), "PATH": ""})
    assert "is Java 11" in str(caught.value)
    assert FIX in str(caught.value)


def test_missing_java_is_refused_with_the_fix(tmp_path: Path) -> None:
    with pytest.raises(LocalServerError) as caught:
        find_java({"PATH": str(tmp_path)})
    assert "no Java runtime found" in str(caught.value)
    assert "or set JAVA_HOME" in str(caught.value)


def test_the_machine_java_is_recent_enough() -> None:
    assert find_java().major >= MIN_JAVA_MAJOR
