"""The real-photo benchmark's outputs: the markdown table, the butt-shot list and the
contact sheet of the real test photos (built from the tagger's sheet pieces)."""

from __future__ import annotations

from pathlib import Path

from tagger.sheet import SheetPhoto, ThumbnailCopier, e, figure, page

COLUMNS = ["model", "trained on", "evaluated on", "n", "accuracy", "glory P/R/F1",
           "butt P/R/F1", "topo P/R/F1", "coverage", "threshold", "confusion (rows true g/b/t)"]


def _prf(stats: dict | None) -> str:
    if not stats or not stats["support"] and not stats["precision"]:
        return "-"
    return f"{stats['precision']:.2f}/{stats['recall']:.2f}/{stats['f1']:.2f}"


def _thresholds(model: dict) -> str:
    strict = "".join(f", {k} {v:.3f}" for k, v in model.get("class_thresholds", {}).items())
    return f"{model['threshold']:.3f}{strict}"


def _confusion(matrix: list[list[int]]) -> str:
    return " ".join("[" + " ".join(str(n) for n in row) + "]" for row in matrix)


def table_rows(results: list[dict], classes: list[str]) -> list[list[str]]:
    """One row per (model, evaluation set), in COLUMNS order."""
    rows = []
    for model in results:
        for set_name, scores in model["scores"].items():
            rows.append([model["name"], model["trained_on"], set_name, str(scores["count"]),
                         f"{scores['accuracy']:.3f}",
                         *(_prf(scores["per_class"].get(c)) for c in classes),
                         f"{scores['coverage']:.3f}", _thresholds(model),
                         _confusion(scores["confusion"])])
    return rows


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def butt_rows(results: list[dict]) -> list[list[str]]:
    """Each real butt-shot under each model: split, verdict, confidence, P(glory)."""
    rows = []
    for model in results:
        for b in model["butts"]:
            rows.append([model["name"], b["sha256"][:12], b["split"], b["tagged"],
                         f"{b['confidence']:.3f}", f"{b['probabilities'].get('glory', 0):.3f}"])
    return rows


BUTT_COLUMNS = ["model", "photo", "split", "tagged", "confidence", "p(glory)"]


def write_sheet(store_dir: Path, verdicts: list, out_dir: Path, title: str) -> Path:
    """One HTML page: the real test photos by true class, mistakes first in each group."""
    out_dir.mkdir(parents=True, exist_ok=True)
    thumb = ThumbnailCopier(store_dir, out_dir)
    sections = []
    for truth in sorted({v.truth for v in verdicts}):
        group = sorted((v for v in verdicts if v.truth == truth),
                       key=lambda v: (v.top == v.truth, v.confidence))
        wrong = sum(v.top != v.truth for v in group)
        cells = "".join(figure(SheetPhoto(v.sha256, v.tagged, v.confidence, "tagged",
                                          v.derivative_path, _caption(v), None), thumb,
                               "" if v.top == v.truth else "wrong") for v in group)
        sections.append(f"<section class=\"route\"><h2>true {e(truth)}: {len(group)} photos, "
                        f"{wrong} wrong</h2><div class=\"row\">{cells}</div></section>")
    style = "<style>figure.wrong img { outline: 4px solid #cf222e; }</style>"
    index = out_dir / "index.html"
    index.write_text(page(title, "real test photos; red outline = top class wrong",
                          style + "".join(sections)), encoding="utf-8")
    return index


def _caption(v) -> str:
    probs = ", ".join(f"{k} {p:.2f}" for k, p in sorted(v.probabilities.items()))
    return f"top {v.top}; {probs}"
