-- Photos of each area (its routes' included) by the current model's class, with each class's share.
WITH area_photos AS (
    SELECT DISTINCT coalesce(r.area_id, s.area_id) AS area_id, s.sha256
    FROM sightings s
    LEFT JOIN routes r ON r.route_id = s.route_id
    WHERE coalesce(r.area_id, s.area_id) IS NOT NULL
), counted AS (
    SELECT a.area_id, a.name AS area, a.path,
           count(*) AS photos,
           count(*) FILTER (WHERE p.predicted_class = 'glory') AS glory,
           count(*) FILTER (WHERE p.predicted_class = 'butt') AS butt,
           count(*) FILTER (WHERE p.predicted_class = 'topo') AS topo,
           count(*) FILTER (WHERE p.predicted_class = 'other') AS other,
           count(*) FILTER (WHERE p.status <> 'tagged') AS not_tagged
    FROM area_photos ap
    JOIN areas a USING (area_id)
    JOIN photo_tags p ON p.sha256 = ap.sha256
    GROUP BY ALL
)
SELECT area, path, photos, glory, butt, topo, other, not_tagged,
       round(glory / photos, 3) AS glory_share,
       round(butt / photos, 3) AS butt_share,
       round(topo / photos, 3) AS topo_share,
       round(other / photos, 3) AS other_share,
       area_id
FROM counted
ORDER BY path, area
