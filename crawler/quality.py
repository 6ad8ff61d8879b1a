"""How well a site profile reads its site: the quality report of an html crawl.

Per selector, the pages it found anything on: a selector that matched nothing
on a hundred pages is a broken profile, not an empty site. Per source, the
share of sightings with a caption, a credit and a licence (what decides
whether a photo may be a cover at all).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class ProfileQuality:
    """Counts of one run, filled as pages are recorded."""

    selectors: list[str]             # the page selectors the profile sets
    photo_page_selectors: list[str]  # the photo-page selectors it sets
    pages: int = 0                   # area, route and other pages read
    photo_pages: int = 0
    matched: Counter = field(default_factory=Counter)  # selector key -> pages it matched on

    def count_page(self, matched: frozenset[str]) -> None:
        self.pages += 1
        self.matched.update(matched)

    def count_photo_page(self, matched: frozenset[str]) -> None:
        self.photo_pages += 1
        self.matched.update(matched)

    def broken(self) -> list[str]:
        """Selectors that matched on no page although pages of their kind were read."""
        return [k for k in self.selectors if self.pages and not self.matched[k]] + \
            [k for k in self.photo_page_selectors if self.photo_pages and not self.matched[k]]

    def report(self, shares: dict[str, float | int | None]) -> dict:
        """The ``profile`` object of the run's figures (crawl --json, crawl_runs.counts)."""
        return {"pages": self.pages, "photo_pages": self.photo_pages,
                "selectors": {k: self.matched[k]
                              for k in self.selectors + self.photo_page_selectors},
                "broken_selectors": self.broken(), **shares}


def sighting_shares(con, source_id: int) -> dict[str, float | int | None]:
    """The source's sightings, and the share of them with caption, credit and licence."""
    total, caption, credit, licence = con.execute(
        """SELECT count(*), count(caption), count(credit), count(licence)
           FROM sightings WHERE source_id = ?""", [source_id]).fetchone()
    share = (lambda n: round(n / total, 3)) if total else (lambda n: None)
    return {"sightings": total, "with_caption": share(caption),
            "with_credit": share(credit), "with_licence": share(licence)}


def quality_lines(report: dict) -> list[str]:
    """The report as lines for the console, broken selectors first."""
    lines = [f"selector {k!r} matched on none of the pages it applies to: a broken "
             "profile, not an empty site; check it against the site's HTML"
             for k in report["broken_selectors"]]
    counts = ", ".join(f"{k} {n}" for k, n in report["selectors"].items())
    lines.append(f"profile: {report['pages']} pages, {report['photo_pages']} photo pages; "
                 f"pages matched per selector: {counts}")
    if report["sightings"]:
        lines.append(f"profile: of {report['sightings']} sightings, "
                     f"{report['with_caption']:.0%} with caption, "
                     f"{report['with_credit']:.0%} with credit, "
                     f"{report['with_licence']:.0%} with licence")
    return lines
