-- How well each html site profile harvests what its pages say: sightings, and the share with a caption, a credit and a licence.
-- rows: one per html source
SELECT s.name AS profile,
       count(g.sighting_id) AS sightings,
       round(avg(CASE WHEN g.caption IS NOT NULL THEN 1.0 ELSE 0.0 END), 3) AS with_caption,
       round(avg(CASE WHEN g.credit IS NOT NULL THEN 1.0 ELSE 0.0 END), 3) AS with_credit,
       round(avg(CASE WHEN g.licence IS NOT NULL THEN 1.0 ELSE 0.0 END), 3) AS with_licence,
       (SELECT count(*) FROM routes r WHERE r.source_id = s.source_id) AS routes,
       (SELECT count(*) FROM routes r WHERE r.source_id = s.source_id
          AND r.grade_system IS NOT NULL) AS routes_with_grade,
       (SELECT count(*) FROM routes r WHERE r.source_id = s.source_id
          AND len(r.route_types) > 0) AS routes_with_type
FROM sources s LEFT JOIN sightings g ON g.source_id = s.source_id
WHERE s.kind = 'html'
GROUP BY s.source_id, s.name
ORDER BY s.name
