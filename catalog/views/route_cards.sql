-- Every route's cover and best topo: a person's pin, else the current model's suggestion (dropped when a person rejected or excluded it), with the reasons and who chose.
-- kept: yes
-- order: area, route, route_id
WITH suggested AS (
    SELECT c.route_id, c.kind, c.sha256, c.score, c.reason
    FROM route_covers c JOIN current_model cm ON c.model_id = cm.model_id
), decided AS (
    SELECT r.route_id, k.kind, s.sha256 AS suggested, s.score, s.reason,
           ch.action, ch.sha256 AS chosen, ch.reviewer, ch.reason AS why,
           ch.action = 'pin' AND ch.sha256 NOT IN (SELECT sha256 FROM excluded_photos)
               AS pinned,
           s.sha256 IN (SELECT sha256 FROM excluded_photos) AS excluded,
           ch.action = 'reject' AND ch.sha256 = s.sha256 AS rejected
    FROM routes r CROSS JOIN (VALUES ('cover'), ('topo')) k(kind)
    LEFT JOIN suggested s ON s.route_id = r.route_id AND s.kind = k.kind
    LEFT JOIN route_choices ch ON ch.route_id = r.route_id AND ch.kind = k.kind
), shown AS (
    SELECT route_id, kind,
           CASE WHEN pinned THEN chosen WHEN excluded OR rejected THEN NULL
                ELSE suggested END AS sha256,
           CASE WHEN pinned OR excluded OR rejected THEN NULL ELSE score END AS score,
           CASE WHEN pinned THEN 'pinned by ' || coalesce(reviewer, 'a person')
                                 || coalesce(': ' || why, '')
                WHEN excluded THEN 'the suggested photo is excluded'
                WHEN rejected THEN 'rejected by ' || coalesce(reviewer, 'a person')
                                   || ': ' || why
                ELSE reason END AS reason,
           CASE WHEN pinned OR rejected THEN 'person' ELSE 'model' END AS chosen_by
    FROM decided
), stated AS (
    -- each shown photo's licence and credit as its own route's page stated them first
    SELECT sh.route_id, sh.kind,
           first(s.licence ORDER BY s.route_id = sh.route_id DESC, s.sighting_id) AS licence,
           first(s.credit ORDER BY s.route_id = sh.route_id DESC, s.sighting_id) AS credit
    FROM shown sh JOIN sightings s ON s.sha256 = sh.sha256
    GROUP BY sh.route_id, sh.kind
), route_photos AS (
    SELECT route_id, count(DISTINCT sha256) AS photos
    FROM sightings
    WHERE route_id IS NOT NULL AND sha256 NOT IN (SELECT sha256 FROM excluded_photos)
    GROUP BY route_id
)
SELECT a.name AS area, r.name AS route, r.grade,
       c.sha256 AS cover_sha256, round(c.score, 3) AS cover_score, c.reason AS cover_reason,
       c.chosen_by AS cover_chosen_by,
       t.sha256 AS topo_sha256, round(t.score, 3) AS topo_score, t.reason AS topo_reason,
       t.chosen_by AS topo_chosen_by,
       coalesce(p.photos, 0) AS photos,
       r.route_id, r.url,
       cs.licence AS cover_licence, cs.credit AS cover_credit,
       ts.licence AS topo_licence, ts.credit AS topo_credit
FROM routes r
JOIN current_model cm ON TRUE
LEFT JOIN areas a ON a.area_id = r.area_id
LEFT JOIN shown c ON c.route_id = r.route_id AND c.kind = 'cover'
LEFT JOIN shown t ON t.route_id = r.route_id AND t.kind = 'topo'
LEFT JOIN route_photos p ON p.route_id = r.route_id
LEFT JOIN stated cs ON cs.route_id = r.route_id AND cs.kind = 'cover'
LEFT JOIN stated ts ON ts.route_id = r.route_id AND ts.kind = 'topo'
