-- Photos the current model is least sure about, smallest margin between its top two classes first: a labelling queue.
SELECT p.sha256, p.predicted_class, p.confidence, p.margin, p.human_label,
       p.probabilities,
       (SELECT any_value(s.page_url) FROM sightings s WHERE s.sha256 = p.sha256) AS seen_on,
       p.derivative_path
FROM photo_tags p
WHERE p.status = 'tagged' AND NOT p.near_duplicate
  AND (p.predicted_class = 'other' OR p.margin < 0.5)
ORDER BY p.margin, p.sha256
