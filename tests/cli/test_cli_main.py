"""The CLI's frame: ``--version``, ``python -m dynastack``, and errors without tracebacks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dynastack import __version__
from dynastack.cli import app, main


def test_version_option() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"dynastack {__version__}\n"


def test_no_arguments_shows_the_command_groups() -> None:
    result = CliRunner().invoke(app, [])
    assert "local" in result.output
    assert "Usage" in result.output


def test_error_is_one_red_line_with_exit_1(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["local", "install"], env={"DYNASTACK_LOCAL_JAR": str(tmp_path / "missing.jar")}
    )
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: DYNASTACK_LOCAL_JAR points to {tmp_path / 'missing.jar'}, which is not a file\n"
    )
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_main_returns_the_exit_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DYNASTACK_LOCAL_JAR", str(tmp_path / "missing.jar"))
    assert main(["local", "install"]) == 1
    assert "Traceback" not in capsys.readouterr().err
    assert main(["--version"]) == 0
    assert main(["no-such-command"]) == 2


def test_python_dash_m_prints_errors_without_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "dynastack", "local", "install"],
        capture_output=True,
        text=True,
        env={"DYNASTACK_LOCAL_JAR": str(tmp_path / "missing.jar"), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: DYNASTACK_LOCAL_JAR points to")
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_python_dash_m_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "dynastack", "--version"], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == f"dynastack {__version__}"
