"""Counters a crawl leaves behind: what the summary table and --json report."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from crawler.ingest import Outcome


@dataclass
class Tally:
    """Counts of one run. ``figures()`` is the --json object."""

    pages: int = 0             # pages and API responses fetched
    images_new: int = 0
    images_duplicate: int = 0
    images_failed: int = 0
    sightings: int = 0         # sightings recorded by this run
    skipped: int = 0           # frontier rows skipped (robots, off-site, too deep)
    retries: int = 0
    queued: int = 0            # frontier rows waiting, for progress (not a figure)
    failures: Counter = field(default_factory=Counter)  # reason -> count, pages and images

    def count(self, outcome: Outcome) -> None:
        if outcome.status == "new":
            self.images_new += 1
        elif outcome.status == "duplicate":
            self.images_duplicate += 1
        else:
            self.images_failed += 1
            self.failures[outcome.reason or "unknown"] += 1

    @property
    def images(self) -> int:
        return self.images_new + self.images_duplicate + self.images_failed

    def figures(self, **extra) -> dict:
        return {"pages": self.pages, "images_new": self.images_new,
                "images_duplicate": self.images_duplicate,
                "images_failed": self.images_failed, "sightings": self.sightings,
                "skipped": self.skipped, "retries": self.retries,
                "failures": dict(sorted(self.failures.items())), **extra}
