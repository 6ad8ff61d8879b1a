-- Every route's suggested cover and best topo under the current model, with the reasons.
SELECT a.name AS area, r.name AS route, r.grade,
       c.sha256 AS cover_sha256, round(c.score, 3) AS cover_score, c.reason AS cover_reason,
       t.sha256 AS topo_sha256, round(t.score, 3) AS topo_score,
       (SELECT count(DISTINCT s.sha256) FROM sightings s WHERE s.route_id = r.route_id) AS photos,
       r.route_id, r.url,
       (SELECT first(s.licence ORDER BY s.route_id = r.route_id DESC, s.sighting_id)
          FROM sightings s WHERE s.sha256 = c.sha256) AS cover_licence,
       (SELECT first(s.credit ORDER BY s.route_id = r.route_id DESC, s.sighting_id)
          FROM sightings s WHERE s.sha256 = c.sha256) AS cover_credit,
       (SELECT first(s.licence ORDER BY s.route_id = r.route_id DESC, s.sighting_id)
          FROM sightings s WHERE s.sha256 = t.sha256) AS topo_licence,
       (SELECT first(s.credit ORDER BY s.route_id = r.route_id DESC, s.sighting_id)
          FROM sightings s WHERE s.sha256 = t.sha256) AS topo_credit
FROM routes r
JOIN current_model cm ON TRUE
LEFT JOIN areas a ON a.area_id = r.area_id
LEFT JOIN route_covers c ON c.route_id = r.route_id AND c.model_id = cm.model_id AND c.kind = 'cover'
LEFT JOIN route_covers t ON t.route_id = r.route_id AND t.model_id = cm.model_id AND t.kind = 'topo'
ORDER BY a.path, a.name, r.name
