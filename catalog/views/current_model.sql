-- The model the reports show: the one that tagged the catalog most recently (model_comparison compares them all).
-- rows: one
WITH last_tagged AS (
    SELECT model_id, max(tagged_at) AS last_tagged_at, count(*) AS tags
    FROM tags
    GROUP BY model_id
    ORDER BY last_tagged_at DESC, model_id
    LIMIT 1
)
SELECT l.model_id,
       m.backbone,
       m.threshold,
       m.test_accuracy,
       m.created_at AS trained_at,
       l.last_tagged_at,
       l.tags,
       (SELECT backend FROM tag_runs r WHERE r.model_id = l.model_id AND r.backend IS NOT NULL
         ORDER BY r.started_at DESC LIMIT 1) AS backend,
       m.path AS artifact_path
FROM last_tagged l
LEFT JOIN models m USING (model_id)
