"""Image references: a page (or API answer) shows an image URL; the bytes come later.

Each reference is kept in ``image_refs``. When the image's bytes have been
ingested, every reference to its URL becomes a sighting; a reference found
after that becomes a sighting at once. One image URL is fetched once however
many pages show it. All statements are set-based: one per batch, not per row.
"""

from __future__ import annotations

from typing import Sequence

from catalog.sightings import Sighting, sighting_key_sql
from crawler.frontier import Frontier, _columns

# a reference is a Sighting whose bytes have not arrived yet (image_refs columns, in order)
_REF_FIELDS = ("image_url", "page_url", "area_id", "route_id", "caption", "credit", "licence",
               "votes", "rating", "photo_page", "photo_id")


_KEY = sighting_key_sql("p.sha256", "r.page_url", "r.image_url", "r.route_id", "r.area_id")

_MATERIALISE = f"""
    INSERT INTO sightings (sighting_key, sha256, source_id, image_url, page_url, area_id,
                           route_id, caption, credit, licence, votes, rating, photo_id)
    SELECT {_KEY}, p.sha256, r.source_id, r.image_url, r.page_url, r.area_id, r.route_id,
           r.caption, r.credit, r.licence, r.votes, r.rating, r.photo_id
    FROM image_refs r JOIN pages p ON p.url = r.image_url
    WHERE p.state = 'done' AND p.sha256 IS NOT NULL AND r.image_url IN (SELECT unnest(?))
    ON CONFLICT DO NOTHING RETURNING sighting_id"""


def add_refs(tx, frontier: Frontier, found: Sequence[tuple[Sighting, int]]) -> int:
    """Keep (reference, depth) pairs and queue their new URLs; return sightings recorded
    now (for images whose bytes are already in)."""
    if not found:
        return 0
    depth_of = {}
    for ref, depth in found:
        depth_of.setdefault(ref.image_url, depth)
    refs = list({(r.image_url, r.page_url): r for r, _ in reversed(found)}.values())[::-1]
    tx.execute(
        """INSERT INTO image_refs (image_url, page_url, source_id, area_id, route_id, caption,
                                   credit, licence, votes, rating, photo_page, photo_id)
           SELECT image_url, page_url, ?, area_id, route_id, caption, credit, licence, votes,
                  rating, photo_page, photo_id FROM
             (SELECT unnest(?) AS image_url, unnest(?) AS page_url,
                     unnest(?::INTEGER[]) AS area_id, unnest(?::INTEGER[]) AS route_id,
                     unnest(?::VARCHAR[]) AS caption, unnest(?::VARCHAR[]) AS credit,
                     unnest(?::VARCHAR[]) AS licence, unnest(?::INTEGER[]) AS votes,
                     unnest(?::DOUBLE[]) AS rating, unnest(?::VARCHAR[]) AS photo_page,
                     unnest(?::VARCHAR[]) AS photo_id)
           ON CONFLICT DO NOTHING""",
        [frontier.source_id, *_columns([tuple(getattr(r, f) for f in _REF_FIELDS) for r in refs])])
    frontier.enqueue_many(tx, [(r.image_url, "image", depth_of[r.image_url], r.page_url, None)
                               for r in refs])
    return sightings_for(tx, sorted(depth_of))


def sightings_for(tx, image_urls: Sequence[str]) -> int:
    """Every reference to these (now ingested) image URLs becomes a sighting; return how
    many are new."""
    if not image_urls:
        return 0
    return len(tx.execute(_MATERIALISE, [list(image_urls)]).fetchall())
