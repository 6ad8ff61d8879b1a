-- Every model's tags scored against the human labels of the same stored test split (abstentions as 'other' count as wrong).
WITH test AS (
    SELECT sp.sha256, l.label, coalesce(i.cluster_id, sp.sha256) AS canonical_sha256
    FROM splits sp
    JOIN labels l ON l.sha256 = sp.sha256
    LEFT JOIN images i ON i.sha256 = sp.sha256
    WHERE sp.split = 'test'
), verdicts AS (
    SELECT t.model_id, test.label, t.class
    FROM test
    JOIN tags t ON t.sha256 = test.canonical_sha256 AND t.status = 'tagged'
), scored AS (
    SELECT m.model_id, m.backbone, m.created_at AS trained_at, m.threshold,
           m.test_accuracy AS trainer_test_accuracy,
           count(v.class) AS tagged,
           count(*) FILTER (WHERE v.class = v.label) AS correct,
           count(*) FILTER (WHERE v.class = 'other') AS abstained
    FROM models m
    LEFT JOIN verdicts v ON v.model_id = m.model_id
    GROUP BY ALL
)
SELECT s.model_id, s.backbone, s.trained_at, s.threshold,
       (SELECT count(*) FROM test) AS test_photos,
       s.tagged, s.correct, s.abstained,
       round(s.correct / nullif(s.tagged, 0), 4) AS accuracy,
       round(s.correct / nullif(s.tagged - s.abstained, 0), 4) AS accuracy_when_sure,
       round(s.trainer_test_accuracy, 4) AS trainer_test_accuracy,
       s.model_id = (SELECT model_id FROM current_model) AS is_current
FROM scored s
ORDER BY accuracy DESC NULLS LAST, s.trained_at DESC
