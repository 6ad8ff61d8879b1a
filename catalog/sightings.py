"""The Sighting shape every source produces: where an image was seen, and what the page said.

One image (one SHA-256) has any number of sightings; a duplicate image still
records its sighting, so provenance is never lost.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Sighting:
    """Where an image was seen: page, route or area, and what the page said about it.

    A crawl also uses it for a reference whose bytes are still to come (crawler.refs,
    ``source_id`` left to the frontier's source)."""

    source_id: int | None = None
    image_url: str | None = None
    page_url: str | None = None
    area_id: int | None = None
    route_id: int | None = None
    caption: str | None = None
    credit: str | None = None
    licence: str | None = None
    votes: int | None = None
    rating: float | None = None
    photo_id: str | None = None   # the source's own id of the photo (OpenBeta's media id)
    photo_page: str | None = None  # a reference's: the photo's own page (image_refs only)

    def key(self, sha256: str) -> str:
        """Stable identity of (image, page, image URL, route, area): the same sighting
        twice is one row. SIGHTING_KEY_SQL computes the same in SQL."""
        parts = [sha256, self.page_url or "", self.image_url or "",
                 str(self.route_id or ""), str(self.area_id or "")]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def sighting_key_sql(sha: str, page: str, image: str, route: str, area: str) -> str:
    """SQL for Sighting.key over the named columns (for set-based inserts)."""
    parts = [sha] + [f"coalesce({c}::VARCHAR, '')" for c in (page, image, route, area)]
    return f"sha256(concat_ws(chr(31), {', '.join(parts)}))"
