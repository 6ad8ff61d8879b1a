"""Licences where people choose covers: cover.licences keeps photos under other licences
off the covers (with a reason), and the contact sheet and route_cards show licence and credit."""

import pytest

from tagger.covers import licence_allowed
from tagger.sheet import write_contact_sheet
from tests.export_helpers import build_crag

FREE = ("CC-BY*", "CC BY*", "CC0*", "public domain")


@pytest.mark.parametrize("licences, patterns, allowed", [
    (("CC BY 4.0",), FREE, True),
    (("cc0 1.0",), FREE, True),
    (("All rights reserved",), FREE, False),
    (("All rights reserved", "CC BY-SA 4.0"), FREE, True),  # one allowed sighting is enough
    ((), FREE, False),                                       # no licence stated
    ((), ("*",), True),
    (("All rights reserved",), ("*",), True),
])
def test_licence_patterns(licences, patterns, allowed):
    assert licence_allowed(licences, patterns) is allowed


def covers(catalog):
    return dict(catalog.query("SELECT r.external_id, coalesce(c.sha256, c.reason) "
                              "FROM route_covers c JOIN routes r USING (route_id) "
                              "WHERE c.kind = 'cover'"))


def test_all_licences_by_default(catalog_path):
    catalog, sha = build_crag(catalog_path)
    assert covers(catalog)["r2"] == sha["glory2"]  # all rights reserved, still a cover today


def test_only_all_rights_reserved_photos_means_no_cover(catalog_path):
    catalog, sha = build_crag(catalog_path, cover_licences=FREE)
    chosen = covers(catalog)
    assert chosen["r1"] == sha["glory"]
    assert chosen["r2"] == "no cover: only all-rights-reserved photos (1 glory-shot(s))"
    area = catalog.scalar("SELECT sha256 FROM area_covers WHERE area_id = 1")
    assert area == sha["glory"]  # the area's cover obeys the licences too


def test_other_disallowed_licences_are_named(catalog_path):
    catalog, _ = build_crag(catalog_path, cover_licences=("CC0*",))
    assert covers(catalog)["r1"] == ("no cover: its 1 glory-shot(s) are under licences "
                                     "cover.licences does not allow (CC BY 4.0)")


def test_sheet_and_route_cards_show_licence_and_credit(catalog_path, tmp_path):
    catalog, sha = build_crag(catalog_path)
    card = catalog.query_dicts("SELECT * FROM route_cards WHERE route = 'Arete'")[0]
    assert (card["cover_licence"], card["cover_credit"]) == ("CC BY 4.0", "Ann")
    assert (card["topo_licence"], card["topo_credit"]) == ("CC0 1.0", "Bob")
    write_contact_sheet(catalog, tmp_path / "sheet")
    page = (tmp_path / "sheet" / "area-1.html").read_text()
    assert "<bdi>Ann</bdi> · <bdi>CC BY 4.0</bdi>" in page
    assert "<bdi>Bob</bdi> · <bdi>CC0 1.0</bdi>" in page
    assert "All rights reserved" in page


def test_an_excluded_photo_is_never_a_cover_nor_on_the_sheet(catalog_path, tmp_path):
    from catalog.exclusions import exclude_photos
    from tagger.cover_catalog import choose_covers
    from tests.tagger_helpers import ColourArtifact

    catalog, sha = build_crag(catalog_path)
    exclude_photos(catalog, [sha["glory"]], "takedown request")
    choose_covers(catalog, ColourArtifact().model_id)
    assert covers(catalog)["r1"] == "no glory-shot among its 1 photo(s) (1 topo)"
    assert sha["glory"] not in {r[0] for r in catalog.query("SELECT sha256 FROM area_covers")}
    write_contact_sheet(catalog, tmp_path / "sheet")
    assert sha["glory"] not in (tmp_path / "sheet" / "area-1.html").read_text()
