"""Ingest: decode once, refuse bad bytes with a reason, store by SHA-256, keep every sighting."""

import hashlib
import io
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import imagehash
import pytest
from PIL import Image

from catalog import open_catalog
from catalog.store import DERIVATIVE_SHORT_SIDE
from crawler.folder import crawl_folder
from crawler.ingest import (ImageRejected, derivative_size, examine, examine_and_store,
                            record_images, store_files)
from crawler.options import CrawlOptions
from tests import crawler_images as imgs


def test_a_jpeg_is_examined_into_the_contract():
    data = imgs.jpeg(seed=1, width=640, height=480)
    found = examine(data, "image/jpeg")
    assert found.sha256 == hashlib.sha256(data).hexdigest()
    assert (found.format, found.width, found.height, found.size) == ("JPEG", 640, 480, len(data))
    derivative = Image.open(io.BytesIO(found.derivative))
    assert derivative.format == "JPEG" and derivative.mode == "RGB"
    assert min(derivative.size) == DERIVATIVE_SHORT_SIDE and derivative.size == (341, 256)
    # pHash of the derivative before its JPEG encoding: nearly that of the stored file.
    assert bin(found.phash ^ int(str(imagehash.phash(derivative)), 16)).count("1") <= 4
    assert 0 <= found.phash < 2 ** 64
    assert found.sharpness > 0


def test_small_images_are_never_upscaled():
    assert derivative_size(200, 100) == (200, 100)
    assert derivative_size(1000, 500) == (512, 256)
    assert derivative_size(500, 1000) == (256, 512)


def test_exif_orientation_is_applied_to_size_and_derivative():
    found = examine(imgs.rotated_jpeg(seed=2))
    assert (found.width, found.height) == (240, 320)


@pytest.mark.parametrize("mode", ["CMYK", "L", "P", "RGBA", "LA", "I;16"])
def test_other_modes_become_rgb(mode):
    picture = imgs.photo(300, 300, seed=3)
    if mode == "I;16":
        picture = picture.convert("L").convert("I").point(lambda v: v * 200).convert("I;16")
    else:
        picture = picture.convert(mode)
    fmt = "JPEG" if mode in ("CMYK", "L") else "PNG"
    found = examine(imgs.encode(picture, fmt))
    derivative = Image.open(io.BytesIO(found.derivative))
    assert derivative.mode == "RGB" and derivative.size == (256, 256)
    assert found.mode == picture.mode or (mode == "I;16" and found.mode.startswith("I"))


def test_transparent_pixels_become_white():
    picture = Image.new("RGBA", (50, 50), (255, 0, 0, 0))
    found = examine(imgs.encode(picture, "PNG"))
    derivative = Image.open(io.BytesIO(found.derivative))
    r, g, b = derivative.getpixel((25, 25))
    assert min(r, g, b) > 240


def test_an_animation_gives_its_first_frame():
    found = examine(imgs.animated_gif(seed=4))
    assert (found.format, found.width, found.height) == ("GIF", 120, 90)


@pytest.mark.parametrize("data, content_type, reason", [
    (imgs.SVG, "image/svg+xml", "svg"),
    (imgs.SVG, "image/jpeg", "svg"),
    (imgs.HTML, "image/jpeg", "not-an-image"),
    (b"\x00\x01garbage" * 20, None, "not-an-image"),
    (b"", "image/jpeg", "empty"),
    (imgs.png_header_only(100_000, 100_000), "image/png", "decompression-bomb"),
    (imgs.jpeg(seed=5)[:-2000], "image/jpeg", "truncated"),
    (imgs.jpeg(seed=5)[:-2], "image/jpeg", "truncated"),
    (imgs.jpeg(seed=5)[:200], "image/jpeg", "truncated"),
    (b"\xff\xd8\xff" + b"\x00" * 300 + b"\xff\xd9", "image/jpeg", "corrupt"),
    (imgs.corrupt_png(seed=5), "image/png", "corrupt"),
])
def test_bad_bytes_are_refused_with_a_reason(data, content_type, reason):
    with pytest.raises(ImageRejected) as caught:
        examine(data, content_type)
    assert caught.value.reason == reason


def test_a_worker_process_stores_the_files_and_sends_back_reasons(tmp_path):
    # the crawl's image pool: bytes in, files in the store, a small result (or reason) out
    good, cut = imgs.jpeg(seed=8, width=640, height=480), imgs.jpeg(seed=9)[:-2]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context) as pool:
        found, paths = pool.submit(examine_and_store, good, "image/jpeg", 10**8,
                                   str(tmp_path)).result()
        with pytest.raises(ImageRejected) as caught:
            pool.submit(examine_and_store, cut, "image/jpeg", 10**8, str(tmp_path)).result()
    assert (caught.value.reason, caught.value.detail) == (
        "truncated", "the JPEG end-of-image marker is missing")
    assert found.sha256 == hashlib.sha256(good).hexdigest() and found.original == b""
    assert (tmp_path / paths[0]).read_bytes() == good
    assert Image.open(tmp_path / paths[1]).size == (341, 256)


def test_the_pixel_limit_is_a_setting():
    data = imgs.jpeg(seed=6, width=1000, height=1000)
    with pytest.raises(ImageRejected, match="decompression-bomb"):
        examine(data, max_pixels=500_000)
    assert examine(data, max_pixels=1_000_000).width == 1000


def test_a_mislabelled_image_is_kept_and_the_disagreement_noted():
    found = examine(imgs.encode(imgs.photo(seed=7), "PNG"), "image/jpeg")
    assert found.format == "PNG" and not found.declared_type_agrees
    assert examine(imgs.jpeg(seed=7), "image/jpeg; charset=binary").declared_type_agrees


def test_ingest_stores_by_content_and_records_one_row_per_sha256(catalog_path):
    catalog = open_catalog(catalog_path)
    data = imgs.jpeg(seed=8)
    sha = hashlib.sha256(data).hexdigest()
    examined = examine(data, "image/jpeg")
    paths = store_files(catalog.store_dir, examined)
    with catalog.transaction() as tx:
        first = record_images(tx, [(examined, paths)])
        again = record_images(tx, [(examined, store_files(catalog.store_dir, examined))])
    assert (first, again) == ({sha}, set())
    row = catalog.query_dicts("SELECT * FROM images")[0]
    assert row["sha256"] == sha and row["cluster_id"] == sha and row["is_canonical"]
    assert row["original_path"] == f"originals/{sha[:2]}/{sha[2:4]}/{sha}.jpg"
    assert (catalog.store_dir / row["original_path"]).read_bytes() == data
    assert Image.open(catalog.store_dir / row["derivative_path"]).format == "JPEG"


def test_a_refused_image_writes_no_row_and_no_file(catalog_path, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "z.jpg").write_bytes(imgs.HTML)
    catalog = open_catalog(catalog_path)
    tally = crawl_folder(catalog, tmp_path / "in", CrawlOptions.from_settings(source="folder"))
    assert (tally.images_failed, dict(tally.failures)) == (1, {"not-an-image": 1})
    assert catalog.scalar("SELECT count(*) FROM images") == 0
    assert catalog.scalar("SELECT count(*) FROM sightings") == 0
    assert not catalog.store_dir.exists() or not any(catalog.store_dir.rglob("*.*"))
