"""Optional extras: what needs one says, in one line, which pip command brings it.

The shared test environment has every extra installed, so a missing package is
stood in for by ``sys.modules[name] = None`` (Python's own "not importable"
marker): the one simulated part here. Everything else is the real command.
"""

import re
import sys
import tomllib

import pytest
from click.testing import CliRunner

from catalog import open_catalog
from cragcat.extras import EXTRAS, MissingExtra
from cragcat.settings_docs import ROOT
from samplesite.cli import main as sample_site
from trainer.cli import main as train


def _without(monkeypatch, *modules):
    for name in modules:
        monkeypatch.setitem(sys.modules, name, None)


def test_sample_site_serve_without_the_site_extra_is_one_line(monkeypatch, tmp_path):
    _without(monkeypatch, "uvicorn")
    result = CliRunner().invoke(sample_site, ["serve", "--size", "tiny",
                                              "--catalog", str(tmp_path / "c.duckdb")])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "error: sample-site serve needs uvicorn, which is not installed: "
        "pip install 'cragcat[site]'"]


def test_serving_from_python_without_the_site_extra_names_the_extra(monkeypatch):
    import samplesite
    _without(monkeypatch, "starlette", "uvicorn")
    with pytest.raises(MissingExtra, match=re.escape("needs starlette, uvicorn, which is not "
                                                     "installed: pip install 'cragcat[site]'")):
        samplesite.serve_in_thread
    assert samplesite.build_site  # generating a site needs no extra


def test_train_sweep_without_optuna_is_one_line(monkeypatch, tmp_path):
    _without(monkeypatch, "optuna")
    space = tmp_path / "space.toml"
    space.write_text('[sweep]\nmethod = "random"\ntrials = 2\n[params]\nlr = [0.001, 0.01]\n')
    open_catalog(tmp_path / "c.duckdb").close()  # only crawl creates a catalog
    result = CliRunner().invoke(train, ["sweep", str(space),
                                        "--catalog", str(tmp_path / "c.duckdb")])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "error: train sweep needs optuna, which is not installed: pip install 'cragcat[sweep]'"]


def test_every_extra_is_declared_and_installed_by_make():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]
    installed = re.search(r"pip install -q -e '\.\[([a-z,]+)\]'",
                          (ROOT / "Makefile").read_text())[1].split(",")
    assert set(EXTRAS) <= declared.keys()
    assert set(EXTRAS) | {"dev"} <= set(installed)
