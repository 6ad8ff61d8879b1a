"""Label import/export through the `train labels` commands."""

import json

from click.testing import CliRunner

from catalog import open_catalog
from cragcat.cli import main
from tests.trainer_photos import labelled_catalog


def _shas(path):
    with open_catalog(path) as catalog:
        return [r[0] for r in catalog.query("SELECT sha256 FROM images ORDER BY sha256")]


def _invoke(*args):
    return CliRunner().invoke(main, ["train", *args], catch_exceptions=False)


def test_import_by_sha256_and_url_with_refused_rows(tmp_path):
    path = labelled_catalog(tmp_path / "c.duckdb", per_class=2)
    shas = _shas(path)
    with open_catalog(path) as catalog, catalog.transaction() as tx:
        tx.execute("DELETE FROM labels")
        tx.execute("INSERT INTO sightings (sighting_key, sha256, image_url) VALUES "
                   "('k1', ?, 'http://127.0.0.1/p/one.jpg')", [shas[1]])
    (tmp_path / "a.csv").write_text(
        "sha256,label\n" f"{shas[0]},topo\n" f"{shas[2].upper()},butt\n"
        "0123,glory\n" f"{'f' * 64},glory\n" f"{shas[3]},cat\n\n", encoding="utf-8")
    result = _invoke("labels", "import", str(tmp_path / "a.csv"), "--catalog", str(path),
                     "--json")
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output.strip().splitlines()[-1])
    assert figures["added"] == 2 and figures["refused"] == 3
    assert figures["refused_by_reason"] == {"not-a-sha256": 1, "unknown-photo": 1,
                                            "unknown-class": 1}
    (tmp_path / "b.csv").write_text("url,label,note\nhttp://127.0.0.1/p/one.jpg,glory,x\n"
                                    "http://127.0.0.1/p/none.jpg,glory,y\n", encoding="utf-8")
    result = _invoke("labels", "import", str(tmp_path / "b.csv"), "--catalog", str(path),
                     "--json")
    figures = json.loads(result.output.strip().splitlines()[-1])
    assert figures["added"] == 1 and figures["refused_by_reason"] == {"unknown-url": 1}
    with open_catalog(path) as catalog:
        labels = dict(catalog.query("SELECT sha256, label FROM labels"))
    assert labels == {shas[0]: "topo", shas[2]: "butt", shas[1]: "glory"}


def test_relabel_counts_as_changed_and_export_round_trips(tmp_path):
    path = labelled_catalog(tmp_path / "c.duckdb", per_class=2)
    result = _invoke("labels", "export", "--catalog", str(path), "--out",
                     str(tmp_path / "out.csv"))
    assert result.exit_code == 0
    text = (tmp_path / "out.csv").read_text()
    assert text.startswith("sha256,label,origin,split\n") and text.count("\n") == 7
    first = text.splitlines()[1].split(",")
    (tmp_path / "re.csv").write_text(f"sha256,label\n{first[0]},topo\n", encoding="utf-8")
    result = _invoke("labels", "import", str(tmp_path / "out.csv"), "--catalog", str(path),
                     "--json")
    assert json.loads(result.output.strip().splitlines()[-1])["unchanged"] == 6
    result = _invoke("labels", "import", str(tmp_path / "re.csv"), "--catalog", str(path),
                     "--json")
    assert json.loads(result.output.strip().splitlines()[-1])["changed"] == (
        0 if first[1] == "topo" else 1)


def test_bad_header_is_a_usage_error_and_imports_nothing(tmp_path):
    path = labelled_catalog(tmp_path / "c.duckdb", per_class=1)
    (tmp_path / "bad.csv").write_text("hash,class\nabc,glory\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["train", "labels", "import", str(tmp_path / "bad.csv"),
                                       "--catalog", str(path)])
    assert result.exit_code == 2
    assert "the header must name a sha256 (or url) column and a label" in result.output
    with open_catalog(path) as catalog:
        assert catalog.scalar("SELECT count(*) FROM labels") == 3
