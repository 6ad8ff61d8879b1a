-- Routes the current model found no cover for, and why: where a photographer is needed.
-- kept: yes
SELECT area, route, grade, photos, cover_reason AS reason, route_id, url
FROM route_cards
WHERE cover_sha256 IS NULL
ORDER BY photos DESC, area, route
