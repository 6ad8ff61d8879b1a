-- Photos (near-duplicates counted together) that appear on more than one route.
-- kept: yes
-- A photo is shared when its routes' smallest and largest ids differ: one cheap aggregate
-- finds those few photos first, and only their sightings are counted and named; a
-- canonical photo's class is its own tag's.
WITH seen AS (
    SELECT coalesce(i.cluster_id, i.sha256) AS canonical_sha256, s.sha256, s.route_id
    FROM sightings s
    JOIN images i ON i.sha256 = s.sha256
    WHERE s.route_id IS NOT NULL
), shared AS (
    SELECT canonical_sha256
    FROM seen
    GROUP BY canonical_sha256
    HAVING min(route_id) <> max(route_id)
), counted AS (
    SELECT seen.canonical_sha256,
           count(DISTINCT seen.route_id) AS routes,
           count(DISTINCT seen.sha256) AS copies,
           string_agg(DISTINCT r.name, ', ' ORDER BY r.name) AS route_names
    FROM seen
    JOIN routes r ON r.route_id = seen.route_id
    WHERE seen.canonical_sha256 IN (SELECT canonical_sha256 FROM shared)
    GROUP BY seen.canonical_sha256
)
SELECT c.canonical_sha256, t.class AS predicted_class, c.routes, c.copies, c.route_names
FROM counted c
LEFT JOIN tags t ON t.sha256 = c.canonical_sha256
                AND t.model_id = (SELECT model_id FROM current_model)
WHERE c.routes > 1
ORDER BY c.routes DESC, c.copies DESC, c.canonical_sha256
