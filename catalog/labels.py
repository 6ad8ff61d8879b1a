"""The one writer of ``labels`` (the label in force per photo) and ``label_history``
(every label ever given: who gave it, when, from where and what it replaced).

Labels come from a CSV (`train labels import`, the sample site's labels.csv),
from folder names (`crawl --source folder --labels-from-folders`), from the
benchmarks and from people in `cragcat review`. A CSV is a person correcting
labels, so it may ``relabel``; a folder name is weaker, so an earlier label is
kept and the disagreement counted. Both tables change in the caller's
transaction, so a label is never in force without its history row; undoing is
a new history row, never a deletion.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from catalog.connection import Catalog
from cragcat.errors import UsageError


@dataclass(frozen=True)
class LabelChange:
    """One recorded label: its history row, the photo, the new and the replaced label."""

    history_id: int
    sha256: str
    label: str | None
    replaced: str | None


def record_labels(tx, labels: dict[str, str], origin: str, relabel: bool = False) -> Counter:
    """Record sha256 -> label; counts of 'new', 'same' (already so labelled) and, for a
    photo labelled otherwise before, 'changed' (``relabel``) or 'conflict' (kept)."""
    verdicts: Counter = Counter(new=0)
    if not labels:
        return verdicts
    existing = dict(tx.execute("SELECT sha256, label FROM labels WHERE sha256 IN "
                               "(SELECT unnest(?))", [list(labels)]).fetchall())
    fresh = {sha: label for sha, label in labels.items() if sha not in existing}
    differing = {sha: label for sha, label in labels.items()
                 if sha in existing and existing[sha] != label}
    verdicts["new"] = len(fresh)
    verdicts["same"] = len(labels) - len(fresh) - len(differing)
    verdicts["changed" if relabel else "conflict"] = len(differing)
    write_labels(tx, {**fresh, **differing} if relabel else fresh, origin)
    return verdicts


def write_labels(tx, labels: dict[str, str | None], origin: str, reviewer: str | None = None,
                 undoes: int | None = None) -> list[LabelChange]:
    """Set each photo's label (None: no label) inside ``tx``; returns the history rows."""
    if not labels:
        return []
    current = dict(tx.execute("SELECT sha256, label FROM labels WHERE sha256 IN "
                              "(SELECT unnest(?))", [list(labels)]).fetchall())
    shas = list(labels)
    rows = tx.execute(
        "INSERT INTO label_history (sha256, label, replaced, origin, reviewer, undoes) "
        "SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), ?, ?, ? "
        "RETURNING history_id, sha256, label, replaced",
        [shas, [labels[s] for s in shas], [current.get(s) for s in shas], origin, reviewer,
         undoes]).fetchall()
    _set_current(tx, labels, origin)
    return sorted((LabelChange(*row) for row in rows), key=lambda c: c.history_id)


def _set_current(tx, labels: dict[str, str | None], origin: str) -> None:
    given = {sha: label for sha, label in labels.items() if label is not None}
    withdrawn = [sha for sha, label in labels.items() if label is None]
    if given:
        tx.execute("INSERT OR REPLACE INTO labels (sha256, label, origin, labelled_at) "
                   "SELECT unnest(?), unnest(?), ?, current_timestamp",
                   [list(given), list(given.values()), origin])
    if withdrawn:
        tx.execute("DELETE FROM labels WHERE sha256 IN (SELECT unnest(?))", [withdrawn])


def label_photos(catalog: Catalog, labels: dict[str, str | None], origin: str,
                 reviewer: str | None = None) -> list[LabelChange]:
    """Record labels in a transaction of their own, committed when this returns."""
    with catalog.transaction() as tx:
        return write_labels(tx, labels, origin, reviewer)


def undo_label(catalog: Catalog, history_id: int, reviewer: str | None = None) -> LabelChange:
    """Put back the label that history row ``history_id`` replaced, as a new row."""
    with catalog.transaction() as tx:
        row = tx.execute("SELECT sha256, replaced FROM label_history WHERE history_id = ?",
                         [history_id]).fetchone()
        if row is None:
            raise UsageError(f"no label #{history_id} to undo")
        sha, replaced = row
        return write_labels(tx, {sha: replaced}, "undo", reviewer, undoes=history_id)[0]
