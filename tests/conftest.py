"""Shared fixtures. Every test runs in its own temporary folder so that
./config.toml and ./catalog.duckdb of the checkout are never touched."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture(autouse=True)
def _isolated_cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CRAGCAT_CONFIG", raising=False)
    yield


@pytest.fixture
def catalog_path(tmp_path) -> Path:
    return tmp_path / "catalog.duckdb"


def shared_folder(name: str) -> Path:
    """A folder of ../shared, or skip the test with a clear message."""
    path = SHARED / name
    if not path.is_dir():
        pytest.skip(f"{path} is absent: this test needs the shared reference data")
    return path


HOLDER = textwrap.dedent("""
    import sys
    from catalog import open_catalog
    catalog = open_catalog(sys.argv[1])
    print("holding", flush=True)
    sys.stdin.readline()
""")


@pytest.fixture
def held_catalog(catalog_path):
    """A second, real process that holds the catalog open for writing."""
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(catalog_path)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            cwd=ROOT)
    assert proc.stdout.readline().strip() == "holding"
    yield catalog_path
    proc.stdin.write("\n")
    proc.stdin.close()
    proc.wait(timeout=30)


