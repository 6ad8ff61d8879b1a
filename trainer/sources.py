"""Where a labelled photo came from: the catalog's own notion of a source.

A photo's source is the ``sources`` row its sightings name (a crawled site's profile,
an OpenBeta root, a folder it was imported from); with sightings in several, the
first recorded. The probe recipe calibrates on photos scored by a head that never
saw their source, because a model meets its next photos from a source it has not
seen either (bench/RESULTS.md: a glory guard fitted that way kept every real
butt-shot of an unseen source out of glory).
"""

from __future__ import annotations

NO_SOURCE = "(no sighting)"

PHOTO_SOURCES = """
SELECT s.sha256, min(s.source_id) AS source_id
FROM sightings s
WHERE s.sha256 = ANY(?) AND s.source_id IS NOT NULL
GROUP BY s.sha256
"""


def photo_sources(catalog, sha256s: list[str]) -> dict[str, str]:
    """sha256 -> its source as ``kind:name`` (NO_SOURCE for a photo without one)."""
    names = {sid: f"{kind}:{name}" for sid, kind, name in
             catalog.query("SELECT source_id, kind, name FROM sources")}
    found = {sha: names.get(sid, NO_SOURCE)
             for sha, sid in catalog.query(PHOTO_SOURCES, [list(sha256s)])}
    return {sha: found.get(sha, NO_SOURCE) for sha in sha256s}
