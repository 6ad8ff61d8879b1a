"""Hostile images: a 16-bit PNG that decodes to a gigabyte of floats, a JPEG whose
header lies about its size, one that takes too long."""

import io
import json
import subprocess
import sys
import textwrap

import pytest
from PIL import Image

from crawler.ingest import ImageRejected, examine, examine_and_store
from tests import crawler_images as imgs
from tests.conftest import ROOT

PEAK = textwrap.dedent("""
    import json, resource, sys
    from crawler.ingest import examine
    data = open(sys.argv[1], "rb").read()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    examined = examine(data, "image/png", 50_000_000)
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    print(json.dumps({"size": [examined.width, examined.height], "grown_mib": grown / 1024}))
""")


def test_a_16_bit_png_is_examined_in_bounded_memory(tmp_path):
    path = tmp_path / "deep.png"
    Image.new("I;16", (6000, 6000), 1200).save(path)   # 36 megapixels, a few KB
    out = subprocess.run([sys.executable, "-c", PEAK, str(path)], capture_output=True,
                         text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["size"] == [6000, 6000]
    # the decoded 16-bit pixels (72 MB) and little more; float64 copies were 600 MB+
    assert result["grown_mib"] < 200, result


def lying_jpeg() -> bytes:
    """A 16x16 JPEG whose frame header says 7000x7000 (SOF0 height and width patched)."""
    data = bytearray(imgs.jpeg(seed=1, width=16, height=16))
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = (7000).to_bytes(2, "big") * 2
    return bytes(data)


def test_a_jpeg_whose_header_lies_about_its_size_is_refused():
    with pytest.raises(ImageRejected) as info:
        examine(lying_jpeg(), "image/jpeg", 50_000_000)
    assert info.value.reason == "truncated"
    assert "cannot hold a 7000x7000 JPEG" in info.value.detail


def test_image_work_past_its_time_limit_is_a_reason(tmp_path):
    big = io.BytesIO()
    Image.effect_noise((4000, 3000), 64).convert("RGB").save(big, "PNG")
    with pytest.raises(ImageRejected) as info:
        examine_and_store(big.getvalue(), "image/png", 50_000_000, str(tmp_path), 0.001)
    assert info.value.reason == "too-slow"
    assert not list(tmp_path.rglob("*.png"))  # nothing stored
