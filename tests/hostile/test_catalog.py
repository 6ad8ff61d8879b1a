"""Catalog mistakes made every day: a misspelt path, a group option, a read-only folder,
another connection, a damaged file, a queue that should come back as labels."""

import ctypes
import os
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner

from catalog import open_catalog
from cragcat.cli import main
from tests.conftest import ROOT
from tests.trainer_photos import labelled_catalog


def invoke(*args):
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize("command", [["report", "summary"], ["report", "--sql", "SELECT 1"],
                                     ["train", "labels", "export"], ["tag-catalog"]])
def test_a_misspelt_catalog_is_refused_not_created(command, tmp_path):
    missing = tmp_path / "catalgo.duckdb"
    result = invoke(*command, "--catalog", str(missing))
    assert result.exit_code == 2, result.output
    assert f"no catalog at {missing}" in result.output
    assert not missing.exists()


def test_a_group_catalog_option_is_honoured(tmp_path):
    path = labelled_catalog(tmp_path / "mine.duckdb", per_class=1)
    result = invoke("train", "--catalog", str(path), "labels", "export")
    assert result.exit_code == 0, result.output
    assert len(result.output.strip().splitlines()) == 1 + 3  # header + one per class
    assert not (tmp_path / "catalog.duckdb").exists()


def test_the_review_queue_csv_comes_back_as_labels(tmp_path):
    path = labelled_catalog(tmp_path / "c.duckdb", per_class=1)
    header = invoke("report", "review_queue", "--format", "csv", "--catalog", str(path))
    assert header.exit_code == 0, header.output
    columns = header.output.strip().splitlines()[0].split(",")
    with open_catalog(path, read_only=True) as catalog:
        sha = catalog.scalar("SELECT sha256 FROM labels WHERE label = 'topo'")
    row = {name: "" for name in columns} | {"sha256": sha, "human_label": "glory"}
    unlabelled = {name: "" for name in columns} | {"sha256": "0" * 64}
    queue = tmp_path / "queue.csv"
    queue.write_text("\n".join([",".join(columns), ",".join(row[c] for c in columns),
                                ",".join(unlabelled[c] for c in columns)]) + "\n")
    result = invoke("train", "labels", "import", str(queue), "--catalog", str(path), "--json")
    assert result.exit_code == 0, result.output
    assert '"changed": 1' in result.output and '"refused": 0' in result.output


READ_ONLY_HOLDER = textwrap.dedent("""
    import sys, duckdb
    con = duckdb.connect(sys.argv[1], read_only=True)   # a notebook reading the catalog
    print("reading", flush=True)
    sys.stdin.readline()
""")


def test_a_report_reads_beside_a_read_only_connection(tmp_path):
    path = labelled_catalog(tmp_path / "c.duckdb", per_class=1)
    notebook = subprocess.Popen([sys.executable, "-c", READ_ONLY_HOLDER, str(path)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert notebook.stdout.readline().strip() == "reading"
        result = invoke("report", "summary", "--json", "--catalog", str(path))
    finally:
        notebook.communicate("\n", timeout=30)
    assert result.exit_code == 0, result.output
    assert '"labels": 3' in result.output


def test_a_reader_refuses_a_catalog_that_needs_migrating(tmp_path):
    path = tmp_path / "old.duckdb"
    with open_catalog(path) as catalog, catalog.transaction() as tx:
        tx.execute("DELETE FROM schema_migrations WHERE version = "
                   "(SELECT max(version) FROM schema_migrations)")
    before = path.read_bytes()
    result = invoke("report", "summary", "--catalog", str(path))
    assert result.exit_code == 1
    assert "needs migrating" in result.output and "Traceback" not in result.output
    assert path.read_bytes() == before


def test_a_catalog_cut_in_half_is_called_damaged_and_left_alone(tmp_path):
    whole = labelled_catalog(tmp_path / "whole.duckdb", per_class=4)
    data = whole.read_bytes()
    cut = tmp_path / "cut.duckdb"
    cut.write_bytes(data[:len(data) // 2])
    for command in (["report", "summary"], ["train", "labels", "export"]):
        result = invoke(*command, "--catalog", str(cut))
        assert result.exit_code == 1, result.output
        assert f"catalog {cut} is damaged" in result.output
        assert "Traceback" not in result.output
    assert cut.read_bytes() == data[:len(data) // 2]


def without_root_overrides():
    """For a child run as root: drop the capabilities that let root write any folder
    (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), so folder permissions hold as for anyone."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def as_a_user(args: list[str]) -> subprocess.CompletedProcess:
    drop = without_root_overrides if os.getuid() == 0 else None
    return subprocess.run([sys.executable, "-m", "cragcat", *args], capture_output=True,
                          text=True, cwd=ROOT, preexec_fn=drop, timeout=120)


def test_a_catalog_in_a_read_only_folder_is_read_and_never_written(tmp_path):
    folder = tmp_path / "read-only"
    folder.mkdir()
    try:
        path = labelled_catalog(folder / "c.duckdb", per_class=1)
        folder.chmod(0o555)
        report = as_a_user(["report", "summary", "--json", "--catalog", str(path)])
        assert report.returncode == 0, report.stderr
        assert '"labels": 3' in report.stdout
        crawl = as_a_user(["crawl", "--source", "folder", str(folder), "--catalog", str(path)])
        assert crawl.returncode == 1, crawl.stderr
        assert crawl.stderr.strip().splitlines() == [
            f"error: the catalog's folder {folder} is not writable (DuckDB writes c.duckdb.wal "
            "beside it): make it writable or pass --catalog with a path in a writable folder; "
            "reading commands (report) work as they are"]
    finally:
        folder.chmod(0o755)
