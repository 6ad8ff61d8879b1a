"""`train` and its subcommands: labels import/export, find-lr, sweep, export.

Thin: each command parses options and calls one function of the stage.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from catalog import open_configured_catalog
from cragcat.command import Run, stage_options
from cragcat.errors import UsageError
from cragcat.settings import registry
from trainer.settings import train_options

FIND_LR = ("train.find_lr_steps", "train.find_lr_min", "train.find_lr_max")
TRAIN_SETTINGS = tuple(name for name in registry().settings
                       if name.startswith("train.") and name not in FIND_LR)


@click.group(name="train", invoke_without_command=True)
@stage_options(*TRAIN_SETTINGS)
def train(run: Run):
    """Fine-tune a classifier on the catalog's labelled photos: glory, butt or topo.

    \b
    train                         train with config.toml's settings (flags override)
    train --head probe            a head on the frozen backbone's features instead
    train labels import FILE      add labels from a CSV (sha256,label or url,label)
    train labels export           all labels as CSV
    train find-lr                 learning-rate range test: a plot and a suggested --lr
    train sweep SPACE.toml        random or grid search over settings
    train export ARTIFACT --int8  a compact copy of a model, measured
    train export ARTIFACT --onnx  ONNX (or --torchscript) + its preprocessing JSON
    """
    if click.get_current_context().invoked_subcommand is not None:
        return
    from trainer.run import train as train_model

    with open_configured_catalog(run.settings) as catalog:
        figures = train_model(catalog, train_options(run.settings), run.console)
    shown = figures
    if not run.console.json_mode:
        _show_per_class(run, figures)
        shown = {k: v for k, v in figures.items() if k not in ("confusion", "per_class")}
    run.console.done("model trained", shown, [
        f"look at {figures['out_dir']} (curves.png, confusion.png, misclassified/index.html)",
        f"tag-catalog --model {figures['artifact']}",
        f"train export {figures['artifact']} --int8   (a smaller copy)"])


def _show_per_class(run: Run, figures: dict) -> None:
    rows = [(name, f"{c['precision']:.3f}", f"{c['recall']:.3f}", f"{c['f1']:.3f}", c["support"])
            for name, c in figures["per_class"].items()]
    run.console.table(["class", "precision", "recall", "F1", "test photos"], rows,
                      title="test split")


@train.group(name="labels")
def labels():
    """Import or export human labels."""


@labels.command(name="import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@stage_options("train.classes")
def labels_import(run: Run, file: Path):
    """Add labels from FILE: a CSV with header sha256,label or url,label."""
    from trainer.labels import import_labels

    if not file.is_file():
        raise UsageError(f"{file}: no such labels file")
    with open_configured_catalog(run.settings) as catalog:
        result = import_labels(catalog, file, run.settings["train.classes"])
    if result.refused and not run.console.json_mode:
        run.console.table(["line", "value", "reason"], result.refused[:50],
                          title=f"refused rows ({len(result.refused)})")
    run.console.done("labels imported", {
        "added": result.added, "changed": result.changed, "unchanged": result.unchanged,
        "refused": len(result.refused), "refused_by_reason": result.reasons()},
        ["train   (fine-tune a model on the labelled photos)"])


@labels.command(name="export")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the CSV here [default: standard output].")
@stage_options()
def labels_export(run: Run, out: Path | None):
    """Write every label as CSV (sha256,label,origin,split)."""
    from trainer.labels import export_labels

    with open_configured_catalog(run.settings, read_only=True) as catalog:
        text = export_labels(catalog)
    count = text.count("\n") - 1
    if out is None:
        sys.stdout.write(text)
        if run.console.json_mode:  # the CSV, then the promised JSON line
            run.console.done("labels exported", {"labels": count, "file": None})
        return
    out.write_text(text, encoding="utf-8")
    run.console.done("labels exported", {"labels": count, "file": str(out)},
                     [f"train labels import {out}   (on another catalog)"])


@train.command(name="find-lr")
@click.option("--plot", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("lr-range.png"), show_default=True, help="Where to write the plot.")
@stage_options(*TRAIN_SETTINGS, *FIND_LR)
def find_lr(run: Run, plot: Path):
    """Learning-rate range test: writes a plot and suggests --lr."""
    from trainer.findlr import find_lr as range_test

    with open_configured_catalog(run.settings) as catalog:
        figures = range_test(catalog, train_options(run.settings), run.console, plot)
    run.console.done("learning-rate range test", figures,
                     [f"train --lr {figures['suggested_lr']:.2g}", f"look at {plot}"])


@train.command(name="sweep")
@click.argument("space", type=click.Path(dir_okay=False, path_type=Path))
@stage_options(*TRAIN_SETTINGS)
def sweep(run: Run, space: Path):
    """Search settings (random or grid, with pruning) as described in SPACE.toml."""
    from trainer.run import new_run_id
    from trainer.sweep import read_space, run_sweep

    if not space.is_file():
        raise UsageError(f"{space}: no such sweep space file")
    parsed = read_space(space)
    config = train_options(run.settings)
    out_dir = Path(config.out) / f"sweep-{new_run_id()}"
    with open_configured_catalog(run.settings) as catalog:
        figures = run_sweep(catalog, config, parsed, run.console, out_dir)
    run.console.done("sweep finished", figures,
                     [f"look at {figures['plot']} and {figures['results']}"]
                     + ([f"tag-catalog --model {figures['artifact']}"] if figures["artifact"]
                        else []))


@train.command(name="export")
@click.argument("artifact", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--fp16", "kind", flag_value="fp16", help="Half-precision weights.")
@click.option("--int8", "kind", flag_value="int8", help="int8 weights, one scale per channel.")
@click.option("--onnx", "kind", flag_value="onnx",
              help="ONNX (opset 17) + preprocessing JSON, for ONNX Runtime and others.")
@click.option("--torchscript", "kind", flag_value="torchscript",
              help="TorchScript (torch.jit.load) + preprocessing JSON.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the copy [default: beside ARTIFACT, .fp16/.int8/.onnx/"
                   ".torchscript.pt added].")
@stage_options("train.workers")
def export(run: Run, artifact: Path, kind: str | None, out: Path | None):
    """Write a compact copy of ARTIFACT (its size and test accuracy next to the original's),
    or the model for another runtime (ONNX, TorchScript) with its preprocessing as JSON."""
    from trainer.export import export_artifact

    if kind is None:
        raise UsageError("choose --fp16, --int8, --onnx or --torchscript")
    if kind in ("onnx", "torchscript"):
        from trainer.portable import export_portable
        figures = export_portable(artifact, kind, out)
        return run.console.done(f"{kind} model written", figures,
                                [f"read {figures['preprocessing']} for the input it expects"])
    with open_configured_catalog(run.settings) as catalog:
        figures = export_artifact(catalog, artifact, kind, out, run.settings["train.workers"])
    run.console.done(f"{kind} copy written", figures,
                     [f"tag-catalog --model {figures['artifact']}"])


main = train
