"""cragcat.api: the README's Python API example runs end to end on the tiny sample site."""

import re
from pathlib import Path

import pytest
import torch

from catalog.classes import CLASSES
from cragcat import api
from tests import crawler_images as imgs
from tests.conftest import ROOT
from trainer.architecture import preprocessing, resolve
from trainer.artifact import save_artifact
from trainer.backbones import create_model


def readme_example() -> str:
    section = (ROOT / "README.md").read_text().split("## Python API", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


@pytest.mark.slow  # a crawl, a training and a tagging run: about 15 s of CPU
def test_the_readme_python_example_runs_end_to_end(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # the example writes crag.duckdb and models/ where it runs
    exec(compile(readme_example(), "README.md", "exec"), {})
    printed = capsys.readouterr().out
    assert "'images':" in printed and "'probabilities': {'glory':" in printed
    with api.open_catalog(tmp_path / "crag.duckdb") as catalog:
        assert catalog.scalar("SELECT count(*) FROM tags WHERE status = 'tagged'") > 0
        assert catalog.scalar("SELECT count(*) FROM models") == 1


def test_predict_names_a_class_per_photo_or_gives_the_reason(tmp_path):
    torch.manual_seed(0)
    arch = resolve("efficientnet_lite0")
    pre = preprocessing(arch)
    model = tmp_path / "lite0.safetensors"
    save_artifact(model, create_model("efficientnet_lite0", 3, "none").eval(), {
        "backbone": "efficientnet_lite0", "architecture": arch.as_dict(),
        "classes": list(CLASSES), "threshold": 0.0, "image_size": 32, "mean": pre.mean,
        "std": pre.std, "interpolation": pre.interpolation})
    photo, broken = tmp_path / "photo.jpg", tmp_path / "broken.jpg"
    photo.write_bytes(imgs.jpeg(seed=1))
    broken.write_bytes(b"not a photo")
    good, bad = api.predict([photo, broken], model)
    assert good["predicted"] in CLASSES and set(good["probabilities"]) == set(CLASSES)
    assert abs(sum(good["probabilities"].values()) - 1.0) < 1e-4
    assert bad["predicted"] is None and bad["reason"].startswith("cannot read photo")


def test_a_report_of_a_new_catalog_is_plain_rows(tmp_path):
    assert api.report(tmp_path / "new.duckdb", "summary")[0]["images"] == 0
