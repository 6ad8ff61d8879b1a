"""The leave-one-source-out table: out-of-fold verdicts scored per source and overall."""

from __future__ import annotations

from collections import defaultdict

from bench.real_covers import cover_trial
from bench.real_report import markdown_table
from bench.real_scores import Verdict, score_verdicts
from tagger.covers import CoverSafety, DEFAULT_COVER_SAFETY

COLUMNS = ["held-out source", "n", "top-1", "coverage", "tag precision",
           "recall glory/butt/topo", "butts tagged glory", "butts top glory",
           "butt covers plain / safe", "routes losing cover"]


def as_verdicts(rows: list[dict]) -> list[Verdict]:
    return [Verdict(r["sha256"], r["truth"], max(r["probabilities"], key=r["probabilities"].get),
                    r["tagged"], r["confidence"], r["probabilities"], "") for r in rows]


def score_row(name: str, rows: list[dict], classes: list[str], safety: CoverSafety) -> list[str]:
    scores = score_verdicts(as_verdicts(rows), classes)
    recall = "/".join(f"{scores.per_class[c]['recall']:.2f}" if scores.per_class[c]["support"]
                      else "-" for c in classes)
    butts = [r for r in rows if r["truth"] == "butt"]
    tagged_glory = sum(r["tagged"] == "glory" for r in butts)
    top_glory = sum(max(r["probabilities"], key=r["probabilities"].get) == "glory"
                    for r in butts)
    plain, safe = cover_trial(rows, CoverSafety()), cover_trial(rows, safety)
    precision = "-" if scores.tagged_precision is None else f"{scores.tagged_precision:.3f}"
    return [name, str(scores.count), f"{scores.accuracy:.3f}", f"{scores.coverage:.3f}",
            precision, recall, f"{tagged_glory} of {len(butts)}", f"{top_glory} of {len(butts)}",
            f"{plain.butt_covers} / {safe.butt_covers}", f"{safe.lost} of {safe.routes}"]


def loso_rows(folds: list[dict], classes: list[str],
              safety: CoverSafety = DEFAULT_COVER_SAFETY) -> list[list[str]]:
    """One row per held-out source (biggest first), then all of them together."""
    by_source: dict[str, list[dict]] = defaultdict(list)
    for fold in folds:
        for row in fold["verdicts"]:
            by_source[row["source"]].append(row)
    rows = [score_row(source, found, classes, safety) for source, found in
            sorted(by_source.items(), key=lambda kv: (-len(kv[1]), kv[0]))]
    everything = [r for found in by_source.values() for r in found]
    if everything:
        rows.append(score_row("**all sources**", everything, classes, safety))
    return rows


def report_text(summary: dict, classes: list[str]) -> str:
    folds = summary["folds"]
    parts = [markdown_table(COLUMNS, loso_rows(folds, classes)), ""]
    for fold in folds:
        strict = "".join(f", {k} {v:.3f}" for k, v in fold["class_thresholds"].items())
        parts.append(f"fold {fold['fold']}: {len(fold['verdicts'])} held-out photos from "
                     f"{len(fold['sources'])} source(s); trained in {fold['train_seconds']}s, "
                     f"{fold['epochs']} epochs (best {fold['best_epoch']}); threshold "
                     f"{fold['threshold']:.3f}{strict}")
    return "\n".join(parts)
