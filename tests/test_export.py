"""`cragcat export covers|tags|folder` and `report --out` on a small real catalog, each
file read back with the tool its receiver would use: DuckDB and pyarrow for Parquet,
the csv module for CSV, json for JSON, torchvision's ImageFolder for the folders."""

import csv
import json

import duckdb
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from torchvision.datasets import ImageFolder

from catalog.exclusions import exclude_photos
from cragcat.cli import main
from tests.export_helpers import FORMULA_CAPTION, LARGE_URL, build_crag


@pytest.fixture
def crag(catalog_path):
    catalog, sha = build_crag(catalog_path)
    yield catalog, sha
    catalog.close()


def cli(catalog_path, *args, code=0):
    result = CliRunner().invoke(main, [*args, "--catalog", str(catalog_path)])
    assert result.exit_code == code, result.output
    return result


def exported(catalog, catalog_path, tmp_path, what, name, *extra):
    catalog.close()  # the export opens the file itself, as a user's shell would
    out = tmp_path / name
    cli(catalog_path, "export", what, "--out", str(out), *extra)
    return out


def duck(sql):
    """What a data person types into DuckDB."""
    return duckdb.connect().execute(sql).fetchall()


def csv_rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_route_covers_by_the_sites_ids_in_parquet(crag, catalog_path, tmp_path):
    catalog, sha = crag
    out = exported(catalog, catalog_path, tmp_path, "covers", "covers.parquet")
    table = pq.read_table(out)
    rows = {r["route_external_id"]: r for r in table.to_pylist()}
    assert set(rows) == {"r1", "r2", "r3"}
    arete = rows["r1"]
    assert arete["cover_sha256"] == sha["glory"] and arete["cover_class"] == "glory"
    assert sorted(arete["cover_image_urls"]) == sorted(
        [LARGE_URL, f"http://127.0.0.1/img/{sha['glory'][:8]}.jpg"])
    assert (arete["cover_licence"], arete["cover_credit"]) == ("CC BY 4.0", "Ann")
    assert arete["cover_pinned"] is False and arete["cover_confidence"] > 0.9
    assert (arete["topo_sha256"], arete["topo_licence"], arete["topo_credit"]) == (
        sha["topo"], "CC0 1.0", "Bob")
    assert arete["area_path"] == "Sunny Slab" and arete["source"] == "html"
    chimney = rows["r3"]
    assert chimney["cover_sha256"] is None
    assert chimney["cover_reason"] == "no glory-shot among its 1 photo(s) (1 butt)"
    assert duck(f"SELECT count(*) FROM '{out}'") == [(3,)]


def test_area_covers_and_csv_and_json_forms(crag, catalog_path, tmp_path):
    catalog, sha = crag
    catalog.close()
    cli(catalog_path, "export", "covers", "--areas", "--out", str(tmp_path / "areas.json"))
    areas = {r["area_external_id"]: r for r in json.loads((tmp_path / "areas.json").read_text())}
    assert areas["a1"]["cover_sha256"] == sha["glory"] and areas["a1"]["area"] == "Sunny Slab"
    assert areas["a2"]["cover_sha256"] is None
    cli(catalog_path, "export", "covers", "--format", "csv", "--out", str(tmp_path / "c.txt"))
    rows = {r["route_external_id"]: r for r in csv_rows(tmp_path / "c.txt")}
    assert LARGE_URL in json.loads(rows["r1"]["cover_image_urls"])
    assert rows["r1"]["cover_pinned"] == "false"


def test_a_pin_wins_a_reject_empties_and_an_exclusion_hides(crag, catalog_path, tmp_path):
    catalog, sha = crag
    with catalog.transaction() as tx:  # the review UI's rows, written here by hand
        tx.execute("INSERT INTO cover_choices (route_id, kind, action, sha256, reason, reviewer) "
                   "VALUES (3, 'cover', 'pin', ?, 'the only photo', 'ann'), "
                   "(1, 'topo', 'reject', ?, 'wrong crag', 'bob')", [sha["butt"], sha["topo"]])
    exclude_photos(catalog, [sha["glory"]], "takedown request", "carol")
    out = exported(catalog, catalog_path, tmp_path, "covers", "covers.json")
    rows = {r["route_external_id"]: r for r in json.loads(out.read_text())}
    assert rows["r3"]["cover_sha256"] == sha["butt"] and rows["r3"]["cover_pinned"] is True
    assert rows["r3"]["cover_reason"] == "pinned by ann: the only photo"
    assert rows["r1"]["topo_sha256"] is None and "rejected by bob" in rows["r1"]["topo_reason"]
    assert rows["r1"]["cover_sha256"] is None
    assert rows["r1"]["cover_reason"] == ("no cover: its photo was excluded by a person: "
                                          "takedown request")
    tags = exported_again(catalog_path, tmp_path, "tags", "tags.json")
    assert sha["glory"] not in {t["sha256"] for t in tags}
    assert sha["glory"] not in (tmp_path / "covers.json").read_text()


def exported_again(catalog_path, tmp_path, what, name):
    cli(catalog_path, "export", what, "--out", str(tmp_path / name))
    return json.loads((tmp_path / name).read_text())


def test_tags_keep_probabilities_as_a_map(crag, catalog_path, tmp_path):
    catalog, sha = crag
    out = exported(catalog, catalog_path, tmp_path, "tags", "tags.parquet")
    table = pq.read_table(out)
    assert str(table.schema.field("probabilities").type) == "map<string, double ('probabilities')>"
    assert duck(f"SELECT DISTINCT typeof(probabilities) FROM '{out}'") == [
        ("MAP(VARCHAR, DOUBLE)",)]
    rows = table.to_pylist()
    assert len(rows) == 5  # one per sighting
    glory = next(r for r in rows if r["sha256"] == sha["glory"] and r["route_external_id"])
    assert dict(glory["probabilities"])["glory"] > 0.9 and glory["predicted_class"] == "glory"
    assert glory["human_label"] == "glory" and glory["licence"] == "CC BY 4.0"
    assert glory["cluster"] == sha["glory"] and glory["area_external_id"] == "a1"
    assert glory["caption"] == FORMULA_CAPTION  # Parquet keeps the text as it is


def test_csv_cells_never_start_a_formula(crag, catalog_path, tmp_path):
    catalog, _ = crag
    out = exported(catalog, catalog_path, tmp_path, "tags", "tags.csv")
    rows = csv_rows(out)
    assert "'" + FORMULA_CAPTION in {r["caption"] for r in rows}
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@")), value
        assert set(json.loads(row["probabilities"])) == {"glory", "butt", "topo"}


def test_report_out_keeps_types_through_copy(crag, catalog_path, tmp_path):
    catalog, _ = crag
    catalog.close()
    cli(catalog_path, "report", "photo_tags", "--out", str(tmp_path / "p.parquet"))
    kinds = {row[0]: row[1] for row in duck(f"DESCRIBE SELECT * FROM '{tmp_path / 'p.parquet'}'")}
    assert kinds["probabilities"] == "MAP(VARCHAR, DOUBLE)" and kinds["near_duplicate"] == "BOOLEAN"
    cli(catalog_path, "report", "photo_tags", "--format", "csv", "--out", str(tmp_path / "p.csv"))
    assert json.loads(csv_rows(tmp_path / "p.csv")[0]["probabilities"])
    cli(catalog_path, "report", "summary", "--out", str(tmp_path / "s.json"))
    summary = json.loads((tmp_path / "s.json").read_text())[0]
    assert summary["labels_by_class"] == {"glory": 2} and summary["routes"] == 3
    cli(catalog_path, "report", "--sql", "SELECT '=1+1' AS sum, -3 AS n", "--out",
        str(tmp_path / "q.csv"))
    assert csv_rows(tmp_path / "q.csv") == [{"sum": "'=1+1", "n": "-3"}]


def test_report_stdout_csv_is_neutralised_with_maps_as_json(crag, catalog_path):
    catalog, _ = crag
    catalog.close()
    out = cli(catalog_path, "report", "--sql", "SELECT caption, map(['a'], [1.5::DOUBLE]) AS m "
              "FROM sightings WHERE caption LIKE '=%'", "--format", "csv").output
    rows = list(csv.DictReader(out.splitlines()))
    assert rows == [{"caption": "'" + FORMULA_CAPTION, "m": '{"a": 1.5}'}]


def test_bad_export_requests_are_one_line(crag, catalog_path, tmp_path):
    catalog, _ = crag
    catalog.close()
    result = cli(catalog_path, "export", "tags", "--out", str(tmp_path / "t.xlsx"), code=2)
    assert "cannot tell the format" in result.output and "Traceback" not in result.output
    result = cli(catalog_path, "report", "summary", "--format", "parquet", code=2)
    assert "add --out" in result.output
    result = cli(catalog_path, "report", "--sql", "CREATE TABLE x (a INT)", "--out",
                 str(tmp_path / "x.csv"), code=1)
    assert "Traceback" not in result.output


def test_image_folders_read_by_torchvision(crag, catalog_path, tmp_path):
    catalog, sha = crag
    with catalog.transaction() as tx:
        tx.execute("INSERT INTO labels (sha256, label, origin) VALUES (?, 'topo', 'test'), "
                   "(?, 'butt', 'test')", [sha["topo"], sha["butt"]])
        tx.execute("INSERT INTO splits (sha256, split) VALUES (?, 'train'), (?, 'train'), "
                   "(?, 'train'), (?, 'val')",
                   [sha["glory"], sha["topo"], sha["butt"], sha["glory2"]])
    out = exported(catalog, catalog_path, tmp_path, "folder", "photos", "--split",
                   "--from", "derivatives")
    train = ImageFolder(str(out / "train"))
    assert train.classes == ["butt", "glory", "topo"] and len(train) == 3
    image, target = train[train.classes.index("glory")]
    assert image.size[0] > 0 and train.classes[target] == "glory"
    assert len(ImageFolder(str(out / "val"))) == 1
    provenance = {r["sha256"]: r for r in csv_rows(out / "provenance.csv")}
    assert provenance[sha["glory"]]["path"] == f"train/glory/{sha['glory']}.jpg"
    assert provenance[sha["glory"]]["label_origin"] == "human"
    assert provenance[sha["glory"]]["licence"] in ("CC BY 4.0",)
    cli(catalog_path, "export", "folder", "--out", str(out), code=2)  # not empty: refused


def test_model_labels_and_both(crag, catalog_path, tmp_path):
    catalog, sha = crag
    exclude_photos(catalog, [sha["butt"]], "private person")
    out = exported(catalog, catalog_path, tmp_path, "folder", "model", "--labels", "model")
    assert sorted(ImageFolder(str(out)).classes) == ["glory", "topo"]
    assert len(ImageFolder(str(out))) == 3  # the excluded butt-shot is left out
    cli(catalog_path, "export", "folder", "--out", str(tmp_path / "both"), "--labels", "both")
    origins = {r["sha256"]: r["label_origin"] for r in csv_rows(tmp_path / "both" / "provenance.csv")}
    assert origins == {sha["glory"]: "human", sha["glory2"]: "human", sha["topo"]: "model"}
