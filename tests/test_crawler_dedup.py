"""Near-duplicate clusters: copies merge, a topo drawn over a photo stays apart."""

import io

import pytest
from PIL import Image, ImageDraw, ImageFont

from catalog import open_catalog
from crawler.compare import edited_cells
from crawler.dedup import deduplicate
from crawler.ingest import Ingester, Sighting
from tests import crawler_images as imgs


def variants(seed: int) -> dict[str, bytes]:
    base = imgs.photo(800, 600, seed)
    cropped = base.crop((16, 12, 784, 588))
    layer = Image.new("RGBA", base.size, (0, 0, 0, 0))  # a half-transparent mark in a corner
    draw = ImageDraw.Draw(layer)
    draw.text((36, 565), "(c) Ada Climber", fill=(255, 255, 255, 200),
              font=ImageFont.load_default(size=16))
    marked = Image.alpha_composite(base.convert("RGBA"), layer).convert("RGB")
    topo = base.copy()
    draw = ImageDraw.Draw(topo)
    for x, colour in ((200, (230, 30, 30)), (420, (250, 220, 0)), (640, (30, 120, 250))):
        draw.line([(x, 560), (x + 30, 350), (x - 20, 150), (x + 10, 40)], fill=colour, width=9)
        draw.ellipse([x - 16, 548, x + 16, 580], fill=(255, 255, 255), outline=(0, 0, 0))
    return {"original": imgs.encode(base, "JPEG", quality=92),
            "reencoded": imgs.encode(base, "JPEG", quality=45),
            "resized": imgs.encode(base.resize((480, 360), Image.LANCZOS), "JPEG", quality=85),
            "cropped": imgs.encode(cropped, "JPEG", quality=88),
            "watermarked": imgs.encode(marked, "JPEG", quality=88),
            "topo": imgs.encode(topo, "JPEG", quality=90),
            "other": imgs.encode(imgs.photo(800, 600, seed + 100), "JPEG", quality=90)}


@pytest.fixture
def catalog_with_variants(catalog_path):
    catalog = open_catalog(catalog_path)
    shas = {}
    with catalog.transaction() as tx:
        for name, data in variants(7).items():
            shas[name] = Ingester(catalog).ingest(tx, data, Sighting(image_url=name)).sha256
    return catalog, shas


def test_copies_merge_and_the_topo_stays_apart(catalog_with_variants):
    catalog, shas = catalog_with_variants
    report = deduplicate(catalog)
    clusters = dict(catalog.query("SELECT sha256, cluster_id FROM images"))
    copies = {clusters[shas[n]] for n in ("original", "reencoded", "resized", "cropped",
                                           "watermarked")}
    assert copies == {shas["original"]}  # largest, least compressed copy is canonical
    assert clusters[shas["topo"]] == shas["topo"] and clusters[shas["other"]] == shas["other"]
    canonical = {r[0] for r in catalog.query("SELECT sha256 FROM images WHERE is_canonical")}
    assert canonical == {shas["original"], shas["topo"], shas["other"]}
    assert report.merged_pairs >= 4 and report.kept_apart >= 1
    kept = catalog.query("SELECT reason FROM near_duplicates WHERE NOT merged")
    assert ("edited",) in kept


def test_dedup_is_incremental_and_idempotent(catalog_with_variants):
    catalog, shas = catalog_with_variants
    deduplicate(catalog)
    before = catalog.query("SELECT * FROM near_duplicates ORDER BY ALL")
    again = deduplicate(catalog)
    assert again.searched == 0
    assert catalog.query("SELECT * FROM near_duplicates ORDER BY ALL") == before


def test_the_pixel_check_tells_edits_from_copies():
    pictures = {n: Image.open(io.BytesIO(d)).convert("RGB").resize((341, 256))
                for n, d in variants(3).items()}
    original = pictures["original"]
    for name in ("reencoded", "resized", "cropped", "watermarked"):
        assert edited_cells(original, pictures[name]) <= 4, name
    assert edited_cells(original, pictures["topo"]) > 8
    assert edited_cells(original, pictures["other"]) > 8
