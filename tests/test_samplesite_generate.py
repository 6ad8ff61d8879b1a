"""Generating the sample site: deterministic bytes, a manifest that tells the truth
about every file on disk, and the variety the crawler and classifier need."""

import csv
import hashlib
import io
import json
from collections import Counter
from pathlib import Path

import pytest
from PIL import Image, ImageOps

from cragcat.errors import UsageError
from samplesite import build_site
from samplesite.build import generate
from samplesite.encoding import NEAR_KINDS
from samplesite.photos import paint
from samplesite.render import job_random


def tree_digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def manifest(tiny_site_dir):
    return json.loads((tiny_site_dir / "manifest.json").read_text())


def test_same_seed_gives_the_same_bytes_whatever_the_worker_count(tiny_site_dir, tmp_path):
    generate("tiny", 0, tmp_path / "again", workers=1)  # the cached one was painted by a pool
    again, cached = tree_digest(tmp_path / "again"), tree_digest(tiny_site_dir)
    assert len(again) > 80
    assert again == cached


def test_another_seed_paints_other_photos():
    one = paint("glory", "side", 900, 600, job_random(0, "job3"))
    other = paint("glory", "side", 900, 600, job_random(1, "job3"))
    assert one.tobytes() != other.tobytes()
    assert one.tobytes() == paint("glory", "side", 900, 600, job_random(0, "job3")).tobytes()


def test_build_site_reuses_the_cached_site_and_refuses_unknown_sizes(tiny_site_dir, sample_site_cache):
    before = (tiny_site_dir / "manifest.json").stat().st_mtime_ns
    assert build_site("tiny", seed=0, cache_dir=sample_site_cache) == tiny_site_dir
    assert (tiny_site_dir / "manifest.json").stat().st_mtime_ns == before
    assert not [p for p in sample_site_cache.iterdir() if ".tmp-" in p.name]
    with pytest.raises(UsageError, match="unknown sample site size 'huge'"):
        build_site("huge", cache_dir=sample_site_cache)


def test_manifest_has_the_agreed_fields(manifest):
    for key in ("photos", "bad", "robots_disallowed", "graphql", "media_base", "areas", "routes",
                "expected", "profile"):
        assert key in manifest, key
    for photo in manifest["photos"]:
        assert {"path", "sha256", "class", "dup_group", "dup_kind", "routes", "sightings"} <= photo.keys()
        assert photo["class"] in ("glory", "butt", "topo", "other")
    for bad in manifest["bad"]:
        assert bad["path"] and bad["problem"]
    assert manifest["graphql"] == "/graphql" and manifest["media_base"] == "/media"


def test_tiny_is_about_ten_routes_and_sixty_photos(manifest):
    assert len(manifest["routes"]) == 10
    assert 58 <= len(manifest["photos"]) <= 66
    kinds = [a["kind"] for a in manifest["areas"]]
    assert {"country", "region", "crag", "sector"} == set(kinds)


def test_every_photo_file_is_what_the_manifest_says(tiny_site_dir, manifest):
    www = tiny_site_dir / "www"
    for photo in manifest["photos"]:
        data = (www / photo["path"].lstrip("/")).read_bytes()
        assert hashlib.sha256(data).hexdigest() == photo["sha256"], photo["path"]
        with Image.open(io.BytesIO(data)) as img:
            assert img.format.lower() == photo["format"]
            assert img.mode == photo["mode"]
            upright = ImageOps.exif_transpose(img)
            assert upright.size == (photo["width"], photo["height"]), photo["path"]
        assert 640 <= max(photo["width"], photo["height"]) <= 4000 or photo["dup_kind"] == "resized"


def test_photos_vary_in_format_mode_and_orientation(manifest):
    photos = manifest["photos"]
    assert {"jpeg", "png", "webp"} <= {p["format"] for p in photos}
    assert {"RGB", "L", "CMYK"} <= {p["mode"] for p in photos}
    assert {6, 8} <= {p["orientation"] for p in photos}
    assert Counter(p["format"] for p in photos).most_common(1)[0][0] == "jpeg"


def test_all_four_classes_and_every_duplicate_kind_are_present(manifest):
    photos = manifest["photos"]
    assert {"glory", "butt", "topo", "other"} == {p["class"] for p in photos}
    kinds = {p["dup_kind"] for p in photos}
    assert {"original", "exact", "topo_over_photo", *NEAR_KINDS} <= kinds


def test_exact_copies_share_bytes_and_sit_on_other_routes(manifest):
    by_group = {}
    for p in manifest["photos"]:
        by_group.setdefault(p["dup_group"], []).append(p)
    copies = [p for p in manifest["photos"] if p["dup_kind"] == "exact"]
    assert copies
    for copy in copies:
        original = next(p for p in by_group[copy["dup_group"]] if p["dup_kind"] == "original")
        assert copy["sha256"] == original["sha256"] and copy["path"] != original["path"]
    assert any(len(p["routes"]) > 1 for p in manifest["photos"]), "a URL shown on two routes"


def test_near_duplicates_are_one_cluster_and_a_topo_overlay_is_another(manifest):
    photos = manifest["photos"]
    expected = manifest["expected"]
    cluster = next(c for c in expected["near_duplicate_clusters"] if c["dup_group"] == "g00001")
    members = {p["sha256"] for p in photos if p["dup_group"] == "g00001"}
    assert set(cluster["sha256"]) == members and len(members) == 5  # original + 4 variants
    overlay = next(p for p in photos if p["dup_kind"] == "topo_over_photo")
    plain = next(p for p in photos if p["dup_group"] == overlay["base_group"])
    assert overlay["class"] == "topo" and overlay["dup_group"] != plain["dup_group"]
    assert overlay["sha256"] != plain["sha256"]
    assert {"topo_sha256": overlay["sha256"], "plain_sha256": plain["sha256"]}.items() <= \
        expected["topo_overlays"][0].items()
    assert expected["unique_images"] == len({p["sha256"] for p in photos if p["crawlable"]})


def test_labels_csv_has_one_row_per_labelled_image(tiny_site_dir, manifest):
    with open(tiny_site_dir / "labels.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    truth = {p["sha256"]: p["class"] for p in manifest["photos"] if p["class"] != "other" and p["crawlable"]}
    assert {r["sha256"]: r["label"] for r in rows} == truth
    assert len(rows) == len(truth) == manifest["labels"]
    assert (tiny_site_dir / "labels.csv").read_text().startswith("sha256,label\n")


def test_every_sighting_names_its_page_route_and_credit(manifest):
    routes = {r["uuid"]: r for r in manifest["routes"]}
    for photo in manifest["photos"]:
        for s in photo["sightings"]:
            assert s["page"].startswith(("/routes/", "/areas/", "/private/"))
            assert s["credit"] and s["licence"]
            if s["route"]:
                assert s["page"].startswith(routes[s["route"]]["path"])
                assert photo["path"] in routes[s["route"]]["photos"]


@pytest.mark.slow
def test_small_is_about_sixty_routes_and_six_hundred_photos(sample_site_cache):
    site_dir = build_site("small", seed=0, cache_dir=sample_site_cache)
    manifest = json.loads((site_dir / "manifest.json").read_text())
    assert len(manifest["routes"]) == 60 and len(manifest["photos"]) == 600
    by_class = manifest["expected"]["images_by_class"]
    assert min(by_class[c] for c in ("glory", "butt", "topo")) >= 100
    assert len(manifest["expected"]["near_duplicate_clusters"]) >= 5
