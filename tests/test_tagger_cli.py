"""tag-catalog end to end with CliRunner and a real (small, random-weight) model artifact."""

import json

import pytest
import torch
from click.testing import CliRunner

from catalog import open_catalog
from cragcat.cli import main
from trainer.artifact import save_artifact
from trainer.architecture import preprocessing, resolve
from trainer.backbones import create_model
from tests.tagger_helpers import add_area, add_photo, add_route, add_sighting

REQUIRED_FIGURES = {"tagged", "skipped", "failed", "by_class", "routes_with_cover",
                    "routes_without_cover"}


@pytest.fixture(scope="module")
def artifact_file(tmp_path_factory):
    """EfficientNet-Lite0 (random weights) at 32 px, saved by the trainer's own code."""
    torch.manual_seed(0)
    arch = resolve("efficientnet_lite0")
    pre = preprocessing(arch)
    path = tmp_path_factory.mktemp("models") / "lite0.safetensors"
    save_artifact(path, create_model("efficientnet_lite0", 3, "none").eval(), {
        "backbone": "efficientnet_lite0", "architecture": arch.as_dict(),
        "classes": ["glory", "butt", "topo"], "threshold": 0.0, "image_size": 32,
        "mean": pre.mean, "std": pre.std, "interpolation": pre.interpolation,
        "metrics": {"test_accuracy": 0.5}})
    return path


@pytest.fixture
def crag(catalog_path):
    with open_catalog(catalog_path) as catalog, catalog.transaction() as tx:
        add_area(tx, 1, "Crag")
        add_route(tx, 1, 1, "Arete")
        for i, colour in enumerate(["glory", "butt", "topo", "glory"]):
            add_sighting(tx, add_photo(catalog, tx, f"p{i}", colour), 1, 1)
        add_photo(catalog, tx, "bad", corrupt=True)
    return catalog_path


def tag(catalog_path, *args):
    result = CliRunner().invoke(main, ["tag-catalog", "--catalog", str(catalog_path), "--json",
                                       "--workers", "0", *args])
    return result, (json.loads(result.stdout.strip().splitlines()[-1])
                    if result.exit_code == 0 else None)


def test_tag_catalog_with_a_model_path_then_the_latest_model(crag, artifact_file):
    result, figures = tag(crag, "--model", str(artifact_file))
    assert result.exit_code == 0, result.output
    assert REQUIRED_FIGURES <= set(figures)
    assert (figures["tagged"], figures["skipped"], figures["failed"]) == (4, 0, 1)
    assert sum(figures["by_class"].values()) == 4
    assert figures["routes_with_cover"] + figures["routes_without_cover"] == 1
    # Without --model the artifact recorded in the catalog is used; nothing is new.
    result, again = tag(crag)
    assert result.exit_code == 0, result.output
    # The corrupt photo counts as skipped too: only --retag tries failed photos again.
    assert (again["tagged"], again["skipped"], again["model_id"]) == (0, 5, figures["model_id"])
    with open_catalog(crag) as catalog:
        runs = catalog.query("SELECT status, backend FROM tag_runs ORDER BY run_id")
    assert runs[0] == ("finished", "onnx") and runs[1][0] == "finished"  # a small run


def test_the_threshold_flag_makes_other(crag, artifact_file):
    result, figures = tag(crag, "--model", str(artifact_file), "--threshold", "0.99")
    assert result.exit_code == 0, result.output
    assert figures["by_class"] == {"other": 4}  # a random model is never that sure
    assert figures["routes_with_cover"] == 0


def test_no_model_yet_is_a_clear_error(crag):
    result = CliRunner().invoke(main, ["tag-catalog", "--catalog", str(crag)])
    assert result.exit_code == 1 and "run `train` first" in result.output


def test_a_missing_model_file_is_a_usage_error(crag, tmp_path):
    result = CliRunner().invoke(main, ["tag-catalog", "--catalog", str(crag), "--model",
                                       str(tmp_path / "nope.safetensors")])
    assert result.exit_code == 2 and "no such artifact file" in result.output
