"""The package's metadata (issue 7 item 21): ranges, not pins; groups, not a ``dev`` extra;
prometheus as an extra; a lock that satisfies the ranges; a LICENSE matching the metadata."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PROJECT: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _requirements(entries: list[Any]) -> list[Requirement]:
    return [Requirement(e) for e in entries if isinstance(e, str)]  # skip include-group tables


def _locked() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (ROOT / "requirements" / "lock.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"lock entries are exact: {line!r}"
            pins[canonicalize_name(name)] = version
    return pins


def test_dependencies_are_ranges_with_an_upper_bound() -> None:
    for requirement in _requirements(PROJECT["project"]["dependencies"]):
        operators = {spec.operator for spec in requirement.specifier}
        assert "==" not in operators, f"{requirement} is pinned: a library states ranges"
        assert {">=", "<"} <= operators, f"{requirement}: give the tested floor and a ceiling"


def test_prometheus_is_an_extra_and_nothing_is_a_dev_extra() -> None:
    extras = PROJECT["project"].get("optional-dependencies", {})
    assert "dev" not in extras, "the project's tools are dependency groups, not a published extra"
    names = {canonicalize_name(r.name) for r in _requirements(PROJECT["project"]["dependencies"])}
    assert "prometheus-client" not in names
    assert [r.name for r in _requirements(extras["prometheus"])] == ["prometheus-client"]


def test_benchmark_contenders_have_their_own_group() -> None:
    groups = PROJECT["dependency-groups"]
    bench = {canonicalize_name(r.name) for r in _requirements(groups["bench"])}
    assert {"aiobotocore", "pynamodb"} <= bench
    for name in ("test", "lint"):
        others = {canonicalize_name(r.name) for r in _requirements(groups[name])}
        assert not {"aiobotocore", "pynamodb"} & others, name
    assert {"include-group": "test"} in groups["dev"]


def test_the_lock_satisfies_every_range() -> None:
    locked = _locked()
    wanted = [
        *_requirements(PROJECT["project"]["dependencies"]),
        *_requirements(PROJECT["project"]["optional-dependencies"]["prometheus"]),
        *(r for g in PROJECT["dependency-groups"].values() for r in _requirements(g)),
    ]
    for requirement in wanted:
        version = locked.get(canonicalize_name(requirement.name))
        assert version is not None, f"{requirement.name} is not in requirements/lock.txt"
        assert requirement.specifier.contains(version), f"{requirement}: locked {version}"


def test_the_license_file_matches_the_metadata() -> None:
    assert PROJECT["project"]["license"] == "Apache-2.0"
    assert PROJECT["project"]["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert re.search(r"Apache License\s+Version 2\.0, January 2004", text)
