"""What `cragcat export` hands back to a site: read-only queries over the catalog.

Each export is one SQL query, shaped for the people who receive it: a site
gets its own ids (route and area external ids, image URLs, the source's photo
ids), a data person gets typed columns (probabilities as a MAP). Photos a
person excluded (``excluded_photos``, near-duplicates included) never appear:
an excluded cover or topo is left empty with the exclusion as its reason.
"""

from __future__ import annotations

# The cover or topo in force for each route under the current model: a person's
# pin replaces the model's suggestion; a reject of the suggested photo leaves none.
_ROUTE_CHOICES = """
WITH model AS (SELECT model_id FROM current_model),
kinds AS (SELECT unnest(['cover', 'topo']) AS kind),
suggested AS (
    SELECT r.route_id, k.kind, rc.sha256, rc.score, rc.reason,
           (SELECT model_id FROM model) AS model_id
    FROM routes r CROSS JOIN kinds k
    LEFT JOIN route_covers rc ON rc.route_id = r.route_id AND rc.kind = k.kind
        AND rc.model_id = (SELECT model_id FROM model)
), in_force AS (
    SELECT s.route_id, s.kind, s.model_id,
           CASE WHEN ch.action = 'pin' THEN ch.sha256
                WHEN ch.action = 'reject' AND ch.sha256 = s.sha256 THEN NULL
                ELSE s.sha256 END AS sha256,
           CASE WHEN ch.action = 'pin' THEN NULL ELSE s.score END AS score,
           CASE WHEN ch.action = 'pin'
                    THEN concat_ws(': ', 'pinned by ' || coalesce(ch.reviewer, 'a person'),
                                   ch.reason)
                WHEN ch.action = 'reject' AND ch.sha256 = s.sha256
                    THEN concat_ws(': ', 'no ' || s.kind || ': the suggested photo was '
                                   || 'rejected by ' || coalesce(ch.reviewer, 'a person'),
                                   ch.reason)
                WHEN s.model_id IS NULL THEN 'no ' || s.kind || ': the catalog is not tagged yet'
                ELSE coalesce(s.reason, 'no ' || s.kind || ' chosen yet: run tag-catalog')
           END AS reason,
           coalesce(ch.action = 'pin', FALSE) AS pinned
    FROM suggested s
    LEFT JOIN route_choices ch ON ch.route_id = s.route_id AND ch.kind = s.kind
)
SELECT f.route_id, f.kind, f.model_id, f.pinned,
       CASE WHEN x.sha256 IS NULL THEN f.sha256 END AS sha256,
       CASE WHEN x.sha256 IS NULL THEN f.score END AS score,
       CASE WHEN x.sha256 IS NULL THEN f.reason
            ELSE concat_ws(': ', 'no ' || f.kind || ': its photo was excluded by a person',
                           x.reason) END AS reason
FROM in_force f
LEFT JOIN excluded_photos x ON x.sha256 = f.sha256
"""

# Per chosen photo: every URL it was seen at, the source's ids of it, and the
# licence and credit of a sighting on the same route (or area) where there is one.
_PHOTO_FACTS = """
SELECT c.{owner}, c.kind, c.sha256,
       list(DISTINCT s.image_url ORDER BY s.image_url) FILTER (WHERE s.image_url IS NOT NULL)
           AS image_urls,
       list(DISTINCT s.photo_id ORDER BY s.photo_id) FILTER (WHERE s.photo_id IS NOT NULL)
           AS photo_ids,
       first(s.licence ORDER BY (s.{owner} = c.{owner}) DESC NULLS LAST,
             s.licence IS NULL, s.sighting_id) AS licence,
       first(s.credit ORDER BY (s.{owner} = c.{owner}) DESC NULLS LAST,
             s.credit IS NULL, s.sighting_id) AS credit
FROM chosen c JOIN sightings s ON s.sha256 = c.sha256
GROUP BY ALL
"""


def _photo_columns(kind: str) -> str:
    return f"""
       {kind}.sha256 AS {kind}_sha256, {kind}_f.image_urls AS {kind}_image_urls,
       {kind}_f.photo_ids AS {kind}_photo_ids,
       {kind}_t.predicted_class AS {kind}_class, {kind}_t.confidence AS {kind}_confidence,
       round({kind}.score, 4) AS {kind}_score, {kind}.reason AS {kind}_reason,
       {kind}.pinned AS {kind}_pinned,
       {kind}_f.licence AS {kind}_licence, {kind}_f.credit AS {kind}_credit"""


def _photo_joins(kind: str, owner: str, chosen: str) -> str:
    return f"""
LEFT JOIN {chosen} {kind} ON {kind}.{owner} = o.{owner} AND {kind}.kind = '{kind}'
LEFT JOIN facts {kind}_f ON {kind}_f.{owner} = o.{owner} AND {kind}_f.kind = '{kind}'
LEFT JOIN photo_tags {kind}_t ON {kind}_t.sha256 = {kind}.sha256"""


ROUTE_COVERS_SQL = f"""
WITH chosen AS ({_ROUTE_CHOICES}),
facts AS ({_PHOTO_FACTS.format(owner="route_id")})
SELECT src.kind AS source, src.name AS source_name,
       o.external_id AS route_external_id, o.name AS route, o.grade, o.url AS route_url,
       a.external_id AS area_external_id, a.path AS area_path,
       {_photo_columns("cover")},
       {_photo_columns("topo")},
       cover.model_id
FROM routes o
LEFT JOIN sources src ON src.source_id = o.source_id
LEFT JOIN areas a ON a.area_id = o.area_id
{_photo_joins("cover", "route_id", "chosen")}
{_photo_joins("topo", "route_id", "chosen")}
ORDER BY src.kind, src.name, a.path, o.name, o.external_id
"""

# An area's cover as the model chose it (people pin route covers, not area covers).
_AREA_CHOICES = """
SELECT a.area_id, 'cover' AS kind, cm.model_id, FALSE AS pinned,
       CASE WHEN x.sha256 IS NULL THEN ac.sha256 END AS sha256,
       CASE WHEN x.sha256 IS NULL THEN ac.score END AS score,
       CASE WHEN cm.model_id IS NULL THEN 'no cover: the catalog is not tagged yet'
            WHEN x.sha256 IS NOT NULL
                THEN concat_ws(': ', 'no cover: its photo was excluded by a person', x.reason)
            ELSE coalesce(ac.reason, 'no cover chosen yet: run tag-catalog') END AS reason
FROM areas a
LEFT JOIN current_model cm ON TRUE
LEFT JOIN area_covers ac ON ac.area_id = a.area_id AND ac.model_id = cm.model_id
LEFT JOIN excluded_photos x ON x.sha256 = ac.sha256
"""

AREA_COVERS_SQL = f"""
WITH chosen AS ({_AREA_CHOICES}),
facts AS ({_PHOTO_FACTS.format(owner="area_id")})
SELECT src.kind AS source, src.name AS source_name,
       o.external_id AS area_external_id, o.name AS area, o.path AS area_path,
       o.url AS area_url, parent.external_id AS parent_external_id,
       {_photo_columns("cover")},
       cover.model_id
FROM areas o
LEFT JOIN sources src ON src.source_id = o.source_id
LEFT JOIN areas parent ON parent.area_id = o.parent_id
{_photo_joins("cover", "area_id", "chosen")}
ORDER BY src.kind, src.name, o.path, o.name, o.external_id
"""

TAGS_SQL = """
SELECT src.kind AS source, src.name AS source_name,
       s.page_url, r.external_id AS route_external_id,
       coalesce(a.external_id, ra.external_id) AS area_external_id,
       s.image_url, s.photo_id, s.sha256,
       p.canonical_sha256 AS cluster, p.near_duplicate,
       p.predicted_class, p.confidence, p.probabilities, p.status, p.human_label, p.model_id,
       s.licence, s.credit, s.caption
FROM sightings s
JOIN photo_tags p ON p.sha256 = s.sha256
LEFT JOIN sources src ON src.source_id = s.source_id
LEFT JOIN routes r ON r.route_id = s.route_id
LEFT JOIN areas a ON a.area_id = s.area_id
LEFT JOIN areas ra ON ra.area_id = r.area_id
WHERE s.sha256 NOT IN (SELECT sha256 FROM excluded_photos)
ORDER BY s.sighting_id
"""

EXPORTS = {"covers": ROUTE_COVERS_SQL, "area-covers": AREA_COVERS_SQL, "tags": TAGS_SQL}
