-- Photos (near-duplicates counted together) that appear on more than one route.
WITH seen AS (
    SELECT coalesce(i.cluster_id, i.sha256) AS canonical_sha256, s.sha256, s.route_id
    FROM sightings s
    JOIN images i ON i.sha256 = s.sha256
    WHERE s.route_id IS NOT NULL
)
SELECT seen.canonical_sha256,
       p.predicted_class,
       count(DISTINCT seen.route_id) AS routes,
       count(DISTINCT seen.sha256) AS copies,
       string_agg(DISTINCT r.name, ', ' ORDER BY r.name) AS route_names
FROM seen
JOIN routes r ON r.route_id = seen.route_id
LEFT JOIN photo_tags p ON p.sha256 = seen.canonical_sha256
GROUP BY ALL
HAVING count(DISTINCT seen.route_id) > 1
ORDER BY routes DESC, copies DESC, seen.canonical_sha256
