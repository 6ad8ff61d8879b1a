"""The one writer of ``labels``: what a person says a photo shows.

Labels come from a CSV (`train labels import`, the sample site's labels.csv),
from folder names (`crawl --source folder --labels-from-folders`) and from the
benchmarks. A CSV is a person correcting labels, so it may ``relabel``; a folder
name is weaker, so an earlier label is kept and the disagreement counted.
"""

from __future__ import annotations

from collections import Counter


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
    written = {**fresh, **differing} if relabel else fresh
    if written:
        tx.execute("INSERT OR REPLACE INTO labels (sha256, label, origin) "
                   "SELECT unnest(?), unnest(?), ?",
                   [list(written), list(written.values()), origin])
    return verdicts
