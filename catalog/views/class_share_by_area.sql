-- Photos of each area (its routes' included) by the current model's class, with each class's share.
-- kept: yes
-- Counted per area_id over the tags table itself (not photo_tags, which is a row per photo
-- of the whole catalog), and only then joined to the areas' names.
WITH area_photos AS (
    SELECT DISTINCT coalesce(r.area_id, s.area_id) AS area_id, s.sha256
    FROM sightings s
    LEFT JOIN routes r ON r.route_id = s.route_id
    WHERE coalesce(r.area_id, s.area_id) IS NOT NULL
), classed AS (
    SELECT ap.area_id, t.class, coalesce(t.status, 'untagged') AS status
    FROM area_photos ap
    JOIN images i ON i.sha256 = ap.sha256
    LEFT JOIN tags t ON t.sha256 = coalesce(i.cluster_id, i.sha256)
                    AND t.model_id = (SELECT model_id FROM current_model)
), counted AS (
    SELECT area_id,
           count(*) AS photos,
           count(*) FILTER (WHERE class = 'glory') AS glory,
           count(*) FILTER (WHERE class = 'butt') AS butt,
           count(*) FILTER (WHERE class = 'topo') AS topo,
           count(*) FILTER (WHERE class = 'other') AS other,
           count(*) FILTER (WHERE status <> 'tagged') AS not_tagged
    FROM classed
    GROUP BY area_id
)
SELECT a.name AS area, a.path, c.photos, c.glory, c.butt, c.topo, c.other, c.not_tagged,
       round(c.glory / c.photos, 3) AS glory_share,
       round(c.butt / c.photos, 3) AS butt_share,
       round(c.topo / c.photos, 3) AS topo_share,
       round(c.other / c.photos, 3) AS other_share,
       c.area_id
FROM counted c
JOIN areas a USING (area_id)
ORDER BY a.path, a.name
