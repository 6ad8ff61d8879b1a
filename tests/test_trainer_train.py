"""`train` end to end on small real photos in a real catalog, with real forward/backward
passes of efficientnet_lite0 at a small input size."""

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner
from safetensors.torch import save_file

from catalog import open_catalog
from cragcat.cli import main
from tests.trainer_photos import labelled_catalog, offline_env, one_thread  # noqa: F401
from trainer.artifact import load_artifact
from trainer.backbones import create_model

# these tests are about fine-tuning (its epochs, curves, checkpoints), whatever the default head
FAST = ["--head", "finetune", "--image-size", "48", "--batch-size", "8", "--workers", "0",
        "--threads", "1"]


def invoke(tmp: Path, *args):
    config = tmp / "empty.toml"
    config.touch()
    return CliRunner().invoke(main, ["train", *args, "--config", str(config)])


def last_json(result) -> dict:
    assert result.exit_code == 0, result.output
    return json.loads(result.output.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def trained(tmp_path_factory, one_thread):
    """One short run shared by the tests that inspect its outputs."""
    tmp = tmp_path_factory.mktemp("trained")
    catalog = labelled_catalog(tmp / "c.duckdb", per_class=15, twins=2)
    result = invoke(tmp, "--catalog", str(catalog), "--epochs", "3", "--out",
                    str(tmp / "runs"), "--json", *FAST)
    return tmp, catalog, last_json(result)


def test_short_run_trains_above_chance_and_writes_every_output(trained):
    _, catalog, figures = trained
    for key in ("artifact", "test_accuracy", "test_loss", "per_class", "threshold"):
        assert key in figures
    assert figures["test_accuracy"] > 0.6 and figures["val_accuracy"] > 0.6
    assert figures["threshold"] >= 0.9
    assert set(figures["per_class"]) == {"glory", "butt", "topo"}
    out = Path(figures["out_dir"])
    for name in ("curves.png", "confusion.png", "threshold.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "misclassified" / "index.html").is_file()
    assert (out / "checkpoint.safetensors").is_file()
    metrics = json.loads((out / "metrics.json").read_text())
    assert len(metrics["confusion"]) == 3 and metrics["test_count"] >= 3
    artifact = load_artifact(figures["artifact"])
    assert artifact.model_id == figures["model_id"] and artifact.image_size == 48
    assert artifact.threshold == figures["threshold"]
    assert artifact.metrics["test_accuracy"] == figures["test_accuracy"]
    assert len(artifact.meta["labels_hash"]) == 64


def test_run_is_recorded_in_the_catalog(trained):
    _, catalog, figures = trained
    with open_catalog(catalog) as cat:
        status, config, collapsed, path = cat.query_one(
            "SELECT status, config, collapsed, artifact_path FROM train_runs WHERE run_id = ?",
            [figures["run_id"]])
        epochs = cat.query("SELECT epoch, train_loss, val_accuracy, lr, seconds FROM "
                           "train_epochs WHERE run_id = ? ORDER BY epoch", [figures["run_id"]])
        model = cat.query_one("SELECT test_accuracy, threshold, bytes FROM models "
                              "WHERE model_id = ?", [figures["model_id"]])
        splits = cat.scalar("SELECT count(*) FROM splits")
    assert status == "finished" and not collapsed and path == figures["artifact"]
    config = json.loads(config)
    assert config["epochs"] == 3 and config["backbone"] == "efficientnet_lite0"
    assert [e[0] for e in epochs] == [1, 2, 3] and all(e[4] > 0 for e in epochs)
    assert model[0] == figures["test_accuracy"] and model[2] == figures["bytes"]
    assert splits == 51


def test_export_int8_is_small_and_reports_both_accuracies(trained):
    tmp, catalog, figures = trained
    result = invoke(tmp, "export", figures["artifact"], "--int8", "--catalog", str(catalog),
                    "--json")
    report = last_json(result)
    assert report["bytes"] * 3 < report["original_bytes"]
    assert report["original_test_accuracy"] == figures["test_accuracy"]
    assert abs(report["test_accuracy"] - report["original_test_accuracy"]) <= 0.2
    assert load_artifact(report["artifact"]).meta["dtype"] == "int8"
    assert invoke(tmp, "export", figures["artifact"], "--catalog", str(catalog)).exit_code == 2


def test_same_seed_repeats_a_cpu_run(tmp_path):
    catalog = labelled_catalog(tmp_path / "c.duckdb", per_class=5)
    runs = []
    for _ in range(2):
        figures = last_json(invoke(tmp_path, "--catalog", str(catalog), "--epochs", "2",
                                   "--out", str(tmp_path / "runs"), "--json", *FAST))
        with open_catalog(catalog) as cat:
            runs.append(cat.query("SELECT train_loss, val_loss, lr FROM train_epochs "
                                  "WHERE run_id = ? ORDER BY epoch", [figures["run_id"]]))
    assert runs[0] == runs[1] and len(runs[0]) == 2


def _biased_checkpoint(path: Path) -> Path:
    """lite0 weights whose head always says 'glory': a model that has collapsed."""
    model = create_model("efficientnet_lite0", 3, "pretrained")
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    state["classifier.weight"] = torch.zeros_like(state["classifier.weight"])
    state["classifier.bias"] = torch.tensor([1000.0, 0.0, 0.0])
    save_file(state, str(path))
    return path


def test_forced_collapse_stops_the_run_with_a_flag_and_a_cause(tmp_path):
    catalog = labelled_catalog(tmp_path / "c.duckdb", per_class=5)
    weights = _biased_checkpoint(tmp_path / "glory-only.safetensors")
    result = invoke(tmp_path, "--catalog", str(catalog), "--weights", str(weights),
                    "--freeze", "backbone", "--lr", "0", "--epochs", "4",
                    "--collapse-epochs", "2", "--class-weights", "--out", str(tmp_path / "r"),
                    *FAST)
    assert result.exit_code == 1
    assert "predicted only 'glory' for 2 epochs" in result.output
    assert "double imbalance correction" in result.output
    with open_catalog(catalog) as cat:
        status, collapsed, message = cat.query_one(
            "SELECT status, collapsed, message FROM train_runs")
        epochs = cat.scalar("SELECT count(*) FROM train_epochs")
    assert status == "collapsed" and collapsed and "glory" in message and epochs == 2


def test_nan_loss_is_a_collapse(tmp_path):
    catalog = labelled_catalog(tmp_path / "c.duckdb", per_class=6)
    result = invoke(tmp_path, "--catalog", str(catalog), "--optimizer", "sgd", "--lr", "10",
                    "--momentum", "1.0", "--weight-decay", "1.0", "--schedule", "constant",
                    "--epochs", "5", "--out", str(tmp_path / "r"), *FAST, "--batch-size", "2")
    assert result.exit_code == 1
    assert "the loss became nan" in result.output and "learning rate (10)" in result.output


def test_frozen_backbone_trains_only_the_head(tmp_path):
    catalog = labelled_catalog(tmp_path / "c.duckdb", per_class=4)
    figures = last_json(invoke(tmp_path, "--catalog", str(catalog), "--freeze", "backbone",
                               "--epochs", "1", "--out", str(tmp_path / "r"), "--json", *FAST))
    trained = load_artifact(figures["artifact"]).model
    start = create_model("efficientnet_lite0", 3, "pretrained")
    assert torch.equal(trained.conv_stem.weight, start.conv_stem.weight)
    assert not torch.equal(trained.classifier.weight, start.classifier.weight)


def test_find_lr_writes_a_plot_and_a_suggestion(tmp_path):
    catalog = labelled_catalog(tmp_path / "c.duckdb", per_class=4)
    plot = tmp_path / "lr.png"
    figures = last_json(invoke(tmp_path, "find-lr", "--catalog", str(catalog), "--plot",
                               str(plot), "--find-lr-steps", "8", "--json", *FAST))
    assert plot.read_bytes()[:4] == b"\x89PNG"
    assert 1e-6 <= figures["suggested_lr"] <= 1.0 and 3 <= figures["steps"] <= 8


def test_sweep_keeps_only_the_best_artifact(tmp_path):
    catalog = labelled_catalog(tmp_path / "c.duckdb", per_class=4)
    space = tmp_path / "space.toml"
    space.write_text('[sweep]\nmethod = "grid"\nprune = false\n'
                     '[params]\nlr = [0.003, 0.0000001]\n[fixed]\nepochs = 1\n')
    figures = last_json(invoke(tmp_path, "sweep", str(space), "--catalog", str(catalog),
                               "--out", str(tmp_path / "runs"), "--json", *FAST))
    assert figures["trials"] == 2 and figures["complete"] == 2
    assert Path(figures["plot"]).is_file()
    rows = Path(figures["results"]).read_text().splitlines()
    assert rows[0].startswith("trial,lr,state,val_accuracy,test_accuracy,best")
    kept = list((tmp_path / "runs").rglob("model.safetensors"))
    assert [str(p) for p in kept] == [figures["artifact"]]
    with open_catalog(catalog) as cat:
        assert cat.scalar("SELECT count(*) FROM models") == 1
        assert cat.scalar("SELECT count(*) FROM train_runs WHERE message LIKE '%best of sweep%'") \
            == 1


def test_bad_sweep_space_is_a_config_error(tmp_path):
    space = tmp_path / "space.toml"
    space.write_text('[params]\nlearning_rate = [0.1]\n')
    result = invoke(tmp_path, "sweep", str(space), "--catalog", str(tmp_path / "c.duckdb"))
    assert result.exit_code == 2 and "'learning_rate' is not a train setting" in result.output


def test_too_few_labels_is_a_clear_error(tmp_path):
    open_catalog(tmp_path / "empty.duckdb").close()
    result = invoke(tmp_path, "--catalog", str(tmp_path / "empty.duckdb"))
    assert result.exit_code == 1
    assert "labelled photo" in result.output and "--labels-from-folders" in result.output


OFFLINE = """
import sys
from click.testing import CliRunner
from cragcat.cli import main
for backbone in ("resnet18", "timm/test_efficientnet"):
    result = CliRunner().invoke(main, ["train", "--catalog", sys.argv[1], "--out", sys.argv[2],
                                       "--backbone", backbone, "--weights", "pretrained"])
    print("exit", result.exit_code, " ".join(result.output.split()))
"""


def test_pretrained_offline_fails_with_the_offline_options(tmp_path):
    """torchvision downloads through urllib, timm through the Hugging Face hub: both
    fail here without a byte leaving loopback, and the command names the way out."""
    catalog = labelled_catalog(tmp_path / "c.duckdb", per_class=4)
    env, closed = offline_env(tmp_path)
    with closed:
        proc = subprocess.run([sys.executable, "-c", OFFLINE, str(catalog), str(tmp_path / "r")],
                              env=env, cwd=tmp_path, capture_output=True, text=True, timeout=180)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("exit")]
    assert len(lines) == 2, proc.stdout + proc.stderr
    for line, backbone in zip(lines, ("resnet18", "timm/test_efficientnet")):
        assert line.startswith("exit 1 ")
        assert f"cannot download pretrained weights for '{backbone}'" in line
        for option in ("--backbone efficientnet_lite0", "--weights PATH", "--weights none"):
            assert option in line
        assert "Traceback" not in line


def test_sigterm_ends_a_run_as_interrupted_in_the_catalog(tmp_path):
    """A scheduler's SIGTERM mid-training: the run row says interrupted, not running."""
    catalog = labelled_catalog(tmp_path / "c.duckdb", per_class=6)
    (tmp_path / "empty.toml").touch()
    proc = subprocess.Popen(
        [sys.executable, "-m", "cragcat", "train", "--catalog", str(catalog), "--epochs", "500",
         "--out", str(tmp_path / "runs"), "--config", str(tmp_path / "empty.toml"), *FAST],
        cwd=Path(__file__).resolve().parent.parent, stderr=subprocess.PIPE, text=True)
    try:
        for line in proc.stderr:  # wait until epochs are running
            if line.startswith("epoch 1:"):
                break
        proc.terminate()
        rest = proc.stderr.read()
        assert proc.wait(timeout=60) == 130, rest
    finally:
        proc.kill()
    with open_catalog(catalog, read_only=True) as con:
        status, message = con.query_one("SELECT status, message FROM train_runs")
    assert status == "interrupted", message


def test_a_terminal_sees_a_bar_that_moves_with_every_training_batch(tmp_path):
    """On a real pseudo-terminal (not a mock), train draws a per-batch bar with the loss."""
    catalog = labelled_catalog(tmp_path / "c.duckdb", per_class=6)
    (tmp_path / "empty.toml").touch()
    controller, terminal = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "cragcat", "train", "--catalog", str(catalog), "--epochs", "2",
         "--out", str(tmp_path / "runs"), "--config", str(tmp_path / "empty.toml"), *FAST],
        cwd=Path(__file__).resolve().parent.parent, stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=terminal, env={**os.environ, "TERM": "xterm"})
    os.close(terminal)
    shown = _read_until_closed(controller)
    assert proc.wait(timeout=120) == 0, shown
    assert "training batches (loss " in shown and "epoch 2:" in shown


def _read_until_closed(fd: int) -> str:
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the terminal's other end closed: the process is done
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks).decode("utf-8", "replace")
