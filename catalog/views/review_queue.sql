-- Photos the current model is least sure about, smallest margin between its top two classes first: a labelling queue.
-- kept: yes
-- Built from the current model's tags (one per canonical photo), not from photo_tags: the
-- margins are computed once, on tags alone, before any photo is joined.
WITH margins AS (
    SELECT t.sha256, t.class, t.confidence, t.probabilities,
           list_sort(map_values(t.probabilities), 'DESC') AS sorted
    FROM tags t
    WHERE t.model_id = (SELECT model_id FROM current_model) AND t.status = 'tagged'
), unsure AS (
    SELECT sha256, class, confidence, probabilities,
           round(sorted[1] - coalesce(sorted[2], 0), 4) AS margin
    FROM margins
)
SELECT u.sha256, u.class AS predicted_class, round(u.confidence, 4) AS confidence, u.margin,
       l.label AS human_label, u.probabilities,
       (SELECT any_value(s.page_url) FROM sightings s WHERE s.sha256 = u.sha256) AS seen_on,
       i.derivative_path
FROM unsure u
JOIN images i ON i.sha256 = u.sha256 AND i.is_canonical
LEFT JOIN labels l ON l.sha256 = u.sha256
WHERE u.class = 'other' OR u.margin < 0.5
ORDER BY u.margin, u.sha256
