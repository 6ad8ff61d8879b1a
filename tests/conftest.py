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


def real_openbeta_schema():
    """The real OpenBeta schema (graphql-core), its files merged as
    ../shared/openbeta-schema/SOURCE.md says; skips where the folder is absent."""
    import re

    from graphql import build_schema

    parts, seen = ["scalar Date", "scalar MUUID"], set()
    for path in sorted(shared_folder("openbeta-schema").glob("*.gql")):
        text = path.read_text()
        for root in ("Query", "Mutation"):
            if re.search(rf"^type {root}\b", text, re.M):
                if root in seen:
                    text = re.sub(rf"^type {root}\b", f"extend type {root}", text, flags=re.M)
                seen.add(root)
        parts.append(text)
    return build_schema("\n".join(parts))


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




# --- the sample guidebook site (samplesite) ----------------------------------

@pytest.fixture(scope="session")
def sample_site_cache(request, tmp_path_factory) -> Path:
    """Generated sample sites, kept between test runs in pytest's cache folder
    (in a temporary folder when the cache plugin is off)."""
    cache = getattr(request.config, "cache", None)
    if cache is None:
        return tmp_path_factory.mktemp("sample-sites")
    return Path(cache.mkdir("sample-sites"))


@pytest.fixture(scope="session")
def tiny_site_dir(sample_site_cache) -> Path:
    """The tiny sample site (seed 0) on disk: manifest.json, labels.csv, www/."""
    from samplesite import build_site
    return build_site("tiny", seed=0, cache_dir=sample_site_cache)


@pytest.fixture
def tiny_site(tiny_site_dir):
    """The tiny sample site served on 127.0.0.1, port 0, without faults.

    Yields a ServedSite: .url, .manifest, .site_dir, .request_log(), .stop()."""
    from samplesite import serve_in_thread
    with serve_in_thread(tiny_site_dir) as site:
        yield site


@pytest.fixture
def sample_site(tiny_site):
    """The served sample site tests crawl: the tiny one (same object as tiny_site)."""
    yield tiny_site


@pytest.fixture
def site_factory(sample_site_cache):
    """site_factory(size="tiny", faults=None, seed=0, crawl_delay=None) -> a served site,
    stopped at the end of the test."""
    from samplesite import build_site, serve_in_thread
    started = []

    def make(size="tiny", faults=None, seed=0, crawl_delay=None):
        site = serve_in_thread(build_site(size, seed=seed, cache_dir=sample_site_cache),
                               faults=faults, crawl_delay=crawl_delay)
        started.append(site)
        return site

    yield make
    for site in started:
        site.stop()
