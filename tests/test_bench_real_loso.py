"""The leave-one-source-out benchmark's pieces: Cirque topos drawn from route lines,
sources dealt into folds, the cover trial, the table, the feature probe's heads, and
one real fold (tiny model, real training) end to end."""

import json

import numpy as np
import pytest
import torch
from PIL import Image, ImageChops

from bench.cirque_topos import read_problems, write_topos
from bench.feature_probe import (calibrated_tags, class_thresholds, fit_head,
                                 prototype_override)
from bench.real_covers import cover_trial
from bench.real_loso import LosoPlan, build_master, run_fold
from bench.real_loso_report import loso_rows
from bench.real_sources import source_folds
from catalog import open_catalog
from cragcat.console import Console
from cragcat.settings import load_settings
from tagger.covers import CoverSafety
from trainer.settings import train_options

CLASSES = ["glory", "butt", "topo"]


def test_cirque_lines_are_drawn_over_their_photo(tmp_path):
    plain = tmp_path / "plain"
    plain.mkdir()
    Image.new("RGB", (640, 480), (120, 110, 100)).save(plain / "boulder.jpg")
    Image.new("RGB", (640, 480), (90, 90, 90)).save(plain / "no-lines.jpg")
    features = [{"properties": {"topo": "boulder", "line": "[[300,400],[320,200],[330,60]]",
                                "color": "red", "order": "1"}},
                {"properties": {"topo": "boulder", "line": "[[100,420],[140,90]]",
                                "color": "white", "order": "2"}},
                {"properties": {"topo": "no-lines", "line": "[[5,5]]", "color": "red"}},
                {"properties": {"topo": "missing-photo", "line": "[[1,1],[2,2]]"}}]
    (plain / "problems.geojson").write_text(json.dumps({"features": features}))
    assert list(read_problems(plain)) == ["boulder"]
    pairs = write_topos(plain, tmp_path / "drawn")
    assert [(p.name, d.name) for p, d in pairs] == [("boulder.jpg", "cirque__boulder.jpg")]
    with Image.open(pairs[0][0]) as a, Image.open(pairs[0][1]) as b:
        diff = ImageChops.difference(a.convert("RGB"), b.convert("RGB")).convert("L")
        changed = int((np.asarray(diff) > 40).sum())
        assert a.size == b.size
        assert 2000 < changed < 640 * 480 // 5  # bold lines, most of the rock untouched
        assert b.getpixel((320, 200))[0] > 180  # the red line runs through its points


def test_sources_are_dealt_whole_into_balanced_folds():
    sizes = {"a": 170, "b": 160, "c": 130, "d": 40, "e": 10, "f": 5, "g": 3}
    folds = source_folds(sizes, 3)
    dealt = [s for fold in folds for s in fold]
    assert sorted(dealt) == sorted(sizes)  # every source held out exactly once
    totals = sorted(sum(sizes[s] for s in fold) for fold in folds)
    assert totals[-1] - totals[0] <= 40
    assert source_folds({"a": 3}, 5) == [["a"]]


def verdict(sha, truth, tagged, glory, butt, source="s"):
    probs = {"glory": glory, "butt": butt, "topo": round(1 - glory - butt, 6)}
    return {"sha256": sha, "source": source, "truth": truth, "tagged": tagged,
            "confidence": max(probs.values()), "probabilities": probs,
            "width": 1200, "height": 800}


def test_the_cover_trial_counts_butt_covers_and_routes_that_lose_theirs():
    rows = [verdict("a1", "butt", "glory", 0.95, 0.05), verdict("a2", "topo", "topo", 0, 0),
            verdict("a3", "topo", "topo", 0, 0),
            verdict("b1", "glory", "glory", 0.99, 0.001), verdict("b2", "butt", "butt", 0, 1),
            verdict("b3", "glory", "glory", 0.93, 0.04)]
    plain = cover_trial(rows, CoverSafety())
    assert (plain.routes, plain.covers, plain.butt_covers, plain.lost) == (2, 2, 1, 0)
    safe = cover_trial(rows, CoverSafety(max_butt=0.02))
    assert (safe.covers, safe.butt_covers, safe.topo_covers, safe.lost) == (1, 0, 0, 1)


def test_the_loso_table_has_a_row_per_source_and_one_for_all():
    folds = [{"verdicts": [verdict("a1", "glory", "other", 0.6, 0.1, "big"),
                           verdict("a2", "butt", "glory", 0.97, 0.02, "big"),
                           verdict("a3", "topo", "other", 0.3, 0.0, "big")]},
             {"verdicts": [verdict("b1", "topo", "topo", 0.0, 0.0, "small")]}]
    rows = loso_rows(folds, CLASSES, CoverSafety(max_butt=0.01))
    assert [r[0] for r in rows] == ["big", "small", "**all sources**"]
    big = rows[0]
    assert big[1:5] == ["3", "0.667", "0.333", "0.000"]  # a3's top class is topo
    assert big[5] == "1.00/0.00/1.00"
    assert big[6:10] == ["1 of 1", "1 of 1", "1 / 0", "1 of 1"]
    assert rows[2][2] == "0.750"


def test_the_probe_head_learns_and_its_calibration_guards_glory():
    torch.manual_seed(1)
    centres = torch.eye(3, 8) * 3
    y = torch.arange(3).repeat_interleave(20)
    x = centres[y] + 0.3 * torch.randn(60, 8)
    x = x / x.norm(dim=1, keepdim=True)
    head = fit_head(x, y, steps=50)  # real forward and backward passes (L-BFGS)
    assert (head(x).argmax(1) == y).float().mean() == 1.0
    probs = head(x).softmax(1)
    limits = class_thresholds(probs, y, 0.97)
    assert all(0 < t <= 1 for t in limits)
    swapped = prototype_override(torch.tensor([[3.0, 1.0, 0.0]]), x[20:21], x, y)
    assert swapped.argmax(1).item() == 1  # nearer the butt prototype: glory and butt swap
    logits = torch.log(probs)
    sources = ["a"] * 30 + ["b"] * 30
    _, tagged = calibrated_tags(logits, y, sources, 0.97, guard=True)
    assert not ((tagged == 0) & (y == 1)).any()


@pytest.mark.slow
def test_one_fold_trains_without_its_source_and_tags_it(tmp_path):
    photos = tmp_path / "photos"
    colours = {"glory": (200, 40, 40), "butt": (40, 200, 40), "topo": (40, 40, 200)}
    noise = np.random.default_rng(0)
    for label, colour in colours.items():
        (photos / label).mkdir(parents=True)
        for i in range(8):  # distinct noise, so no two photos are near-duplicates
            pixels = np.clip(noise.normal(colour, 50, (40, 48, 3)), 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(photos / label / f"{label}{i}.png")
    config = train_options(load_settings(None, {
        "train.epochs": 1, "train.image_size": 32, "train.batch_size": 8, "train.workers": 0,
        "train.weights": "none", "train.freeze": "none", "train.split": [0.5, 0.25, 0.25]}))
    plan = LosoPlan(tmp_path / "work", config, site_dir=None, folds=2)
    plan.work.mkdir()
    build_master(plan, [photos], Console(quiet=True))
    with open_catalog(plan.work / "master.duckdb", read_only=True,
                      store=plan.work / "master-store") as catalog:
        splits = catalog.query("SELECT sha256, split FROM splits ORDER BY sha256")
    # a third of the train split forms the held-out source (val and test stay whole)
    sources = {sha: ("held" if split == "train" and i % 3 == 0 else "kept")
               for i, (sha, split) in enumerate(splits)}
    result = run_fold(plan, 0, ["held"], sources, Console(quiet=True))
    held = {sha for sha, s in sources.items() if s == "held"}
    assert {v["sha256"] for v in result["verdicts"]} == held
    assert all(v["source"] == "held" and v["truth"] in CLASSES for v in result["verdicts"])
    assert result["epochs"] == 1 and result["train_seconds"] > 0
