"""What a run leaves for a person to look at: curves, confusion matrix, misclassified photos."""

from __future__ import annotations

import html
import shutil
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, never a window
import matplotlib.pyplot as plt  # noqa: E402


def plot_curves(epochs: list[dict], path: Path) -> Path:
    """Loss and accuracy per epoch, train and validation, side by side."""
    numbers = [e["epoch"] for e in epochs]
    fig, (loss_ax, acc_ax) = plt.subplots(1, 2, figsize=(10, 4))
    for key, style in (("train", "-o"), ("val", "--o")):
        loss_ax.plot(numbers, [e[f"{key}_loss"] for e in epochs], style, label=key)
        acc_ax.plot(numbers, [e[f"{key}_accuracy"] for e in epochs], style, label=key)
    for ax in (loss_ax, acc_ax):
        ax.set_xticks(numbers)
    loss_ax.set(title="loss", xlabel="epoch")
    acc_ax.set(title="accuracy", xlabel="epoch", ylim=(0, 1.02))
    loss_ax.legend()
    acc_ax.legend()
    return save_figure(fig, path)


def plot_confusion(confusion: list[list[int]], classes: list[str], path: Path,
                   title: str = "test split") -> Path:
    fig, ax = plt.subplots(figsize=(1.6 + 1.2 * len(classes), 1.2 + 1.1 * len(classes)))
    ax.imshow(confusion, cmap="Blues")
    ax.set_xticks(range(len(classes)), classes)
    ax.set_yticks(range(len(classes)), classes)
    ax.set(xlabel="predicted", ylabel="true", title=f"confusion matrix, {title}")
    peak = max(max(row) for row in confusion) or 1
    for i, row in enumerate(confusion):
        for j, value in enumerate(row):
            ax.text(j, i, str(value), ha="center", va="center",
                    color="white" if value > peak / 2 else "black")
    return save_figure(fig, path)


def plot_threshold(curve: list[tuple[float, float, float]], chosen: float, path: Path) -> Path:
    """Precision and coverage on validation against the 'other' threshold."""
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot([c[0] for c in curve], [c[1] for c in curve], "-o", label="precision")
    ax.plot([c[0] for c in curve], [c[2] for c in curve], "-s", label="coverage")
    ax.axvline(chosen, color="grey", linestyle=":", label=f"chosen {chosen:.3f}")
    ax.set(xlabel="threshold", title="validation: precision vs coverage", ylim=(0, 1.02))
    ax.legend()
    return save_figure(fig, path)


def plot_lr_range(lrs: list[float], losses: list[float], suggested: float, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(lrs, losses)
    ax.set_xscale("log")
    ax.axvline(suggested, color="red", linestyle=":", label=f"suggested {suggested:.2g}")
    ax.set(xlabel="learning rate", ylabel="smoothed loss", title="learning-rate range test")
    ax.legend()
    return save_figure(fig, path)


def save_figure(fig, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def write_misclassified(folder: Path, mistakes: list[dict]) -> Path:
    """Copy each wrong test photo to ``folder/true/predicted/`` and write index.html.

    ``mistakes``: dicts with sha256, true, predicted, confidence, source (Path).
    """
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for mistake in mistakes:
        target = folder / mistake["true"] / mistake["predicted"] / f"{mistake['sha256']}.jpg"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(mistake["source"], target)
        rows.append(_figure(target.relative_to(folder), mistake))
    page = folder / "index.html"
    page.write_text(_page(rows, len(mistakes)), encoding="utf-8")
    return page


def _figure(relative: Path, mistake: dict) -> str:
    e = html.escape
    caption = (f"true <b>{e(mistake['true'])}</b>, predicted <b>{e(mistake['predicted'])}</b> "
               f"({mistake['confidence']:.2f})<br><code>{e(mistake['sha256'][:12])}</code>")
    return (f'<figure><img src="{e(relative.as_posix(), quote=True)}" loading="lazy" '
            f'alt="{e(mistake["sha256"], quote=True)}"><figcaption>{caption}</figcaption></figure>')


def _page(figures: list[str], count: int) -> str:
    body = "\n".join(figures) if figures else "<p>No test photo was misclassified.</p>"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Misclassified test photos</title>
<style>body{{font-family:sans-serif;margin:1em}} figure{{display:inline-block;margin:6px;
width:220px;vertical-align:top}} img{{width:220px;height:220px;object-fit:cover}}</style>
</head><body><h1>Misclassified test photos ({count})</h1>
{body}
</body></html>
"""
