"""The HTML contact sheet: a page per area, thumbnails, and crawled text escaped."""

import json

import pytest
from click.testing import CliRunner

from catalog import open_catalog
from cragcat.cli import report
from cragcat.errors import UsageError
from tagger.cover_catalog import choose_covers
from tagger.sheet import write_contact_sheet
from tagger.tagging import TagOptions, tag_catalog
from tests.tagger_helpers import ColourArtifact, add_area, add_photo, add_route, add_sighting

SCRIPT = '<script>alert("pwned")</script>'


@pytest.fixture
def crag(catalog_path):
    with open_catalog(catalog_path) as catalog:
        with catalog.transaction() as tx:
            add_area(tx, 1, "Sunny <b>Slab</b>")
            add_area(tx, 2, "Shady Wall")
            add_route(tx, 1, 1, "Arete")
            add_route(tx, 2, 1, f"Corner {SCRIPT}")
            add_route(tx, 3, 2, "Chimney")
            glory = add_photo(catalog, tx, "glory", "glory")
            topo = add_photo(catalog, tx, "topo", "topo")
            butt = add_photo(catalog, tx, "butt", "butt")
            add_sighting(tx, glory, 1, 1, caption=f"Sunset on the arete {SCRIPT}",
                         credit='"Ann" & <Bob>')
            add_sighting(tx, topo, 1, 1, caption="the topo")
            add_sighting(tx, butt, 2, 1, caption="from below")
            tx.execute("UPDATE routes SET url = 'javascript:alert(1)' WHERE route_id = 2")
        artifact = ColourArtifact()
        tag_catalog(catalog, artifact, TagOptions.from_settings(workers=0, backend="eager"))
        choose_covers(catalog, artifact.model_id)
        yield catalog, dict(glory=glory, topo=topo, butt=butt)


def test_a_page_per_area_with_covers_topos_and_thumbnails(crag, tmp_path):
    catalog, sha = crag
    sheet = write_contact_sheet(catalog, tmp_path / "sheet")
    assert (sheet.pages, sheet.routes, sheet.photos) == (2, 3, 3)
    index = sheet.index.read_text()
    assert 'href="area-1.html"' in index and 'href="area-2.html"' in index
    sunny = (tmp_path / "sheet" / "area-1.html").read_text()
    assert f'thumbs/{sha["glory"]}.jpg' in sunny and 'class="cover"' in sunny
    assert "glory 1.00" in sunny and "topo 1.00" in sunny and "butt 1.00" in sunny
    assert "no cover: no glory-shot among its 1 photo(s) (1 butt)" in sunny
    for photo in sha.values():
        assert (tmp_path / "sheet" / "thumbs" / f"{photo}.jpg").stat().st_size > 0


def test_crawled_text_is_escaped(crag, tmp_path):
    catalog, _ = crag
    write_contact_sheet(catalog, tmp_path / "sheet")
    sunny = (tmp_path / "sheet" / "area-1.html").read_text()
    assert "<script>" not in sunny and "<b>Slab" not in sunny
    assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;" in sunny
    assert "Sunny &lt;b&gt;Slab&lt;/b&gt;" in sunny
    assert "&quot;Ann&quot; &amp; &lt;Bob&gt;" in sunny
    assert "javascript:" not in sunny  # only http(s) URLs become links


def test_one_area_only_and_an_unknown_area(crag, tmp_path):
    catalog, _ = crag
    sheet = write_contact_sheet(catalog, tmp_path / "one", area="shady wall")
    assert sheet.pages == 1 and (tmp_path / "one" / "area-2.html").exists()
    assert not (tmp_path / "one" / "area-1.html").exists()
    with pytest.raises(UsageError, match="no area of that name"):
        write_contact_sheet(catalog, tmp_path / "none", area="Atlantis")


def test_report_sheet_command(crag, tmp_path):
    catalog, _ = crag
    path = str(catalog.path)
    catalog.close()
    out = tmp_path / "cli-sheet"
    result = CliRunner().invoke(report, ["sheet", "--out", str(out), "--catalog", path, "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["index"] == str(out / "index.html") and figures["area_pages"] == 2
    assert (out / "index.html").exists()
    missing_out = CliRunner().invoke(report, ["sheet", "--catalog", path])
    assert missing_out.exit_code == 2 and "--out" in missing_out.output
    # `report NAME` still shows a view.
    view = CliRunner().invoke(report, ["route_cards", "--format", "csv", "--catalog", path])
    assert view.exit_code == 0 and "Arete" in view.stdout


def test_a_catalog_without_tags_says_what_to_run(catalog_path, tmp_path):
    open_catalog(catalog_path).close()
    result = CliRunner().invoke(report, ["sheet", "--out", str(tmp_path / "s"),
                                         "--catalog", str(catalog_path)])
    assert result.exit_code == 2 and "run tag-catalog first" in result.output
