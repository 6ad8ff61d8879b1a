"""The floors of the house: import-linter's contracts (pyproject.toml) hold.

Stages never import each other (the model artifact is the one door), nothing
imports a floor above it, and every module of cragcat/ is either top wiring or
ground core. The second test proves the check can fail: a copy of the code with
one sideways import is refused.
"""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("cragcat", "catalog", "crawler", "trainer", "tagger", "samplesite", "review")
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=tree, capture_output=True,
                          text=True, env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"})


def test_every_contract_of_the_floors_is_kept():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" in result.stdout and " 0 broken" in result.stdout


def test_a_sideways_import_between_stages_is_refused(tmp_path):
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    harvest = tmp_path / "crawler" / "harvest.py"
    harvest.write_text(harvest.read_text() + "\nfrom tagger.covers import sureness  # sideways\n")
    result = lint_imports(tmp_path)
    assert result.returncode == 1
    assert "crawler.harvest -> tagger.covers" in result.stdout
