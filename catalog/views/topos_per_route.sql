-- Topos of each route under the current model: how many, the best one, and all of them.
-- kept: yes
WITH route_topos AS (
    SELECT s.route_id, p.sha256, p.confidence
    FROM sightings s
    JOIN photo_tags p ON p.sha256 = s.sha256
    WHERE s.route_id IS NOT NULL AND p.predicted_class = 'topo'
    GROUP BY ALL
)
SELECT rc.area, rc.route, rc.grade,
       count(rt.sha256) AS topos,
       rc.topo_sha256 AS best_topo,
       rc.topo_score AS best_topo_score,
       list(rt.sha256 ORDER BY rt.confidence DESC) FILTER (WHERE rt.sha256 IS NOT NULL)
           AS all_topos,
       rc.route_id
FROM route_cards rc
LEFT JOIN route_topos rt ON rt.route_id = rc.route_id
GROUP BY ALL
ORDER BY topos DESC, rc.area, rc.route
