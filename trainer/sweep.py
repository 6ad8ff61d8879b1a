"""`train sweep SPACE.toml`: random or grid search over train settings with Optuna.

SPACE.toml::

    [sweep]
    method = "random"        # random | grid
    trials = 8               # random only; grid runs every combination
    prune = true             # stop trials whose val accuracy trails the median
    seed = 0

    [params]                 # any train.* setting, without the "train." prefix
    lr = { low = 1e-4, high = 3e-3, log = true }
    optimizer = ["adamw", "sgd"]
    image_size = [128, 160]

    [fixed]                  # settings every trial shares
    epochs = 4

Each trial is an ordinary run (a train_runs row, its own folder); the score is
its best validation accuracy. The best trial's artifact is kept; the others'
are deleted (their metrics, plots and catalog rows stay).
"""

from __future__ import annotations

import csv
import json
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

from catalog.models import forget_model
from cragcat.console import Console
from cragcat.errors import ConfigError
from cragcat.extras import require
from cragcat.settings import registry
from trainer.errors import TrainingCollapsed
from trainer.outputs import save_figure
from trainer.run import ARTIFACT_NAME, CHECKPOINT_NAME, train
from trainer.settings import TrainOptions


@dataclass
class Param:
    """One searched setting: a list of choices or a numeric range."""

    name: str
    choices: list | None = None
    low: float | None = None
    high: float | None = None
    log: bool = False

    def suggest(self, trial):
        if self.choices is not None:
            return trial.suggest_categorical(self.name, self.choices)
        setting = registry()[f"train.{self.name}"]
        if setting.type is int:
            return trial.suggest_int(self.name, int(self.low), int(self.high), log=self.log)
        return trial.suggest_float(self.name, self.low, self.high, log=self.log)


@dataclass
class Space:
    method: str
    trials: int
    prune: bool
    seed: int
    params: list[Param]
    fixed: dict


def read_space(path: Path) -> Space:
    """Parse and validate SPACE.toml against the settings registry."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read sweep space ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    head = data.get("sweep", {})
    method = head.get("method", "random")
    if method not in ("random", "grid"):
        raise ConfigError(f"{path}: sweep.method = {method!r}, expected 'random' or 'grid'")
    params = [_param(path, name, spec) for name, spec in data.get("params", {}).items()]
    if not params:
        raise ConfigError(f"{path}: [params] names no setting to search")
    if method == "grid" and any(p.choices is None for p in params):
        raise ConfigError(f"{path}: a grid sweep needs a list of values for every parameter")
    fixed = {name: _checked(path, name, value) for name, value in data.get("fixed", {}).items()}
    trials = head.get("trials", 8)
    if method == "grid":
        trials = 1
        for p in params:
            trials *= len(p.choices)
    return Space(method, int(trials), bool(head.get("prune", True)), int(head.get("seed", 0)),
                 params, fixed)


def _checked(path: Path, name: str, value):
    setting = registry().settings.get(f"train.{name}")
    if setting is None:
        raise ConfigError(f"{path}: '{name}' is not a train setting "
                          "(see docs/configuration.md)")
    try:
        return setting.check(value)
    except ValueError as exc:
        raise ConfigError(f"{path}: {name} = {value!r}, expected {exc}") from None


def _param(path: Path, name: str, spec) -> Param:
    if isinstance(spec, list):
        return Param(name, choices=[_checked(path, name, v) for v in spec])
    if isinstance(spec, dict) and {"low", "high"} <= spec.keys():
        low, high = _checked(path, name, spec["low"]), _checked(path, name, spec["high"])
        return Param(name, low=low, high=high, log=bool(spec.get("log", False)))
    raise ConfigError(f"{path}: params.{name} must be a list of values or "
                      "{ low = ..., high = ..., log = true|false }")


def run_sweep(catalog, base: TrainOptions, space: Space, console, out_dir: Path) -> dict:
    """Run the trials; keep the best one's artifact; write the table and plot."""
    require("sweep", "train sweep")
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = (optuna.samplers.GridSampler({p.name: p.choices for p in space.params},
                                           seed=space.seed)
               if space.method == "grid" else optuna.samplers.RandomSampler(seed=space.seed))
    pruner = optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=1) if space.prune \
        else optuna.pruners.NopPruner()
    study = optuna.create_study(direction="maximize", sampler=sampler, pruner=pruner)
    rows: list[dict] = []
    study.optimize(lambda trial: _trial(trial, catalog, base, space, console, out_dir, rows),
                   n_trials=space.trials)
    return _conclude(catalog, rows, space, console, out_dir)


def _trial(trial, catalog, base, space, console, out_dir, rows) -> float:
    import optuna

    params = {p.name: p.suggest(trial) for p in space.params}
    config = replace(base, **space.fixed, **params)
    row = {"trial": trial.number, **params, "state": "running", "val_accuracy": None,
           "test_accuracy": None, "run_id": None, "artifact": None}
    rows.append(row)
    console.info(f"trial {trial.number}: " + ", ".join(f"{k}={v}" for k, v in params.items()))

    def report(figures: dict) -> bool:
        trial.report(figures["val_accuracy"], figures["epoch"])
        return trial.should_prune()

    try:
        result = train(catalog, config, Console(quiet=True),
                       out_dir / f"trial-{trial.number:03d}", report)
    except TrainingCollapsed as exc:
        row["state"] = "collapsed"
        console.warn(str(exc))
        return 0.0
    row["run_id"] = result["run_id"]
    if result.get("status") == "pruned":
        row["state"] = "pruned"
        row["val_accuracy"] = max(e["val_accuracy"] for e in result["epochs"])
        raise optuna.TrialPruned()
    row.update(state="complete", val_accuracy=result["val_accuracy"],
               test_accuracy=result["test_accuracy"], artifact=result["artifact"],
               model_id=result["model_id"])
    return result["val_accuracy"]


def _conclude(catalog, rows: list[dict], space: Space, console, out_dir: Path) -> dict:
    complete = [r for r in rows if r["state"] == "complete"]
    best = max(complete, key=lambda r: (r["val_accuracy"], -r["trial"])) if complete else None
    for row in rows:
        row["best"] = row is best
        if row is not best:
            _drop_artifact(catalog, row, out_dir)
    names = [p.name for p in space.params]
    columns = ["trial", *names, "state", "val_accuracy", "test_accuracy", "best"]
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / "results.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns + ["run_id"])
        writer.writerows([[r.get(c) for c in columns] + [r["run_id"]] for r in rows])
    plot_params(rows, names, out_dir / "params.png")
    if best is not None:
        with catalog.transaction() as tx:
            tx.execute("UPDATE train_runs SET message = concat_ws('; ', message, ?) "
                       "WHERE run_id = ?", [f"best of sweep {out_dir.name}", best["run_id"]])
    console.table(columns, [[r.get(c) if c != "best" else ("*" if r["best"] else "")
                             for c in columns] for r in rows], title="sweep results")
    return {"trials": len(rows), "complete": len(complete),
            "pruned": sum(r["state"] == "pruned" for r in rows),
            "best_trial": best["trial"] if best else None,
            "best_params": {n: best[n] for n in names} if best else None,
            "best_val_accuracy": best["val_accuracy"] if best else None,
            "best_test_accuracy": best["test_accuracy"] if best else None,
            "artifact": best["artifact"] if best else None,
            "results": str(out_dir / "results.csv"), "plot": str(out_dir / "params.png")}


def _drop_artifact(catalog, row: dict, out_dir: Path) -> None:
    folder = out_dir / f"trial-{row['trial']:03d}"
    for name in (ARTIFACT_NAME, CHECKPOINT_NAME):
        (folder / name).unlink(missing_ok=True)
    if row.get("model_id"):
        with catalog.transaction() as tx:
            forget_model(tx, row["model_id"])
    row["artifact"] = None


def plot_params(rows: list[dict], names: list[str], path: Path) -> Path:
    """One panel per parameter: its value against the trial's val accuracy; best in red."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(names), figsize=(4 * len(names), 3.5), squeeze=False)
    scored = [r for r in rows if r["val_accuracy"] is not None]
    for ax, name in zip(axes[0], names):
        values = [r[name] for r in scored]
        numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
        labels = sorted({json.dumps(v) for v in values})
        xs = values if numeric else [labels.index(json.dumps(v)) for v in values]
        colours = ["red" if r["best"] else ("grey" if r["state"] == "pruned" else "C0")
                   for r in scored]
        ax.scatter(xs, [r["val_accuracy"] for r in scored], c=colours)
        if not numeric:
            ax.set_xticks(range(len(labels)), [json.loads(v) for v in labels])
        elif name in ("lr", "weight_decay"):
            ax.set_xscale("log")
        ax.set(xlabel=name, ylabel="val accuracy")
    return save_figure(fig, path)

