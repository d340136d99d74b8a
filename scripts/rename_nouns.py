"""One noun per meaning: rename the five ``*Plan`` types that are not provisioning's plan.

ARCHITECTURE.md: "six different things called Plan cost every reader a second guess". Only
``dynastack.provisioning.Plan`` (the reviewed diff of a table against its declaration) keeps
the noun; the others are renamed for what they are:

=====================================  ==========================================
before                                 after
=====================================  ==========================================
``client.calls.CallPlan``              ``CallSetup`` (a client's resolved call machinery)
``repository.writes.WritePlan``        ``PreparedWrite`` (one conditional write, ready to send)
``repository.plans.EntityPlans``       ``repository.binding.EntityBinding`` (an entity bound to
                                       a table, clock, cursor key and owner)
``model.codec_plan.Plan``/``plan_for``  ``model.class_codec.ClassCodec``/``compile_codec``
``testing.faults.Plan``                ``FaultSchedule`` (which fault, for which attempt)
=====================================  ==========================================

Why a script and not only a commit: the rename is mechanical and touches files that other
branches change too; whoever merges can rerun it after the merge (it is idempotent) instead
of resolving renames by hand. Run from the repository root: ``python scripts/rename_nouns.py``, then
``ruff format src tests bench examples`` (a longer name can push a line past 100).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TREES = ("src", "tests", "bench", "examples", "docs", "README.md")

#: (old path, new path) moved with ``git mv`` when the old one still exists
MOVES = (
    ("src/dynastack/repository/plans.py", "src/dynastack/repository/binding.py"),
    ("src/dynastack/model/codec_plan.py", "src/dynastack/model/class_codec.py"),
)

#: replacements applied to every Python and Markdown file
EVERYWHERE = (
    (r"\bCallPlan\b", "CallSetup"),
    (r"\bWritePlan\b", "PreparedWrite"),
    (r"\bEntityPlans\b", "EntityBinding"),
    (r"\bdynastack\.repository\.plans\b", "dynastack.repository.binding"),
    (r"\bdynastack\.model\.codec_plan\b", "dynastack.model.class_codec"),
    (r"\brepository/plans\.py\b", "repository/binding.py"),
    (r"\bmodel/codec_plan\.py\b", "model/class_codec.py"),
)

#: replacements of the bare noun ``Plan`` in the files where it is not provisioning's
CODEC_FILES = ("src/dynastack/model/class_codec.py", "src/dynastack/model/codec.py")
CODEC = ((r"\bPlan\b", "ClassCodec"), (r"\bplan_for\b", "compile_codec"))
FAULT_FILES = (
    "src/dynastack/testing/faults.py",
    "tests/repository/test_repository_reliability.py",
    "tests/client/test_faults.py",
)
FAULTS = ((r"\bPlan\b", "FaultSchedule"),)


def _files() -> list[Path]:
    found: list[Path] = []
    for tree in TREES:
        path = ROOT / tree
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            found.extend(p for p in path.rglob("*") if p.suffix in {".py", ".md"})
    return [p for p in found if p.resolve() != Path(__file__).resolve()]


def _rewrite(path: Path, rules: tuple[tuple[str, str], ...]) -> bool:
    text = path.read_text(encoding="utf-8")
    new = text
    for pattern, replacement in rules:
        new = re.sub(pattern, replacement, new)
    if new != text:
        path.write_text(new, encoding="utf-8")
        return True
    return False


def main() -> int:
    for old, new in MOVES:
        if (ROOT / old).exists() and not (ROOT / new).exists():
            subprocess.run(["git", "mv", old, new], cwd=ROOT, check=True)  # noqa: S603, S607 (git, fixed args)
    changed = [p for p in _files() if _rewrite(p, EVERYWHERE)]
    for name in CODEC_FILES:
        if (ROOT / name).exists() and _rewrite(ROOT / name, CODEC):
            changed.append(ROOT / name)
    for name in FAULT_FILES:
        if (ROOT / name).exists() and _rewrite(ROOT / name, FAULTS):
            changed.append(ROOT / name)
    for path in sorted(set(changed)):
        print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
