-- Training runs, newest first: status, epochs, best validation and test accuracy, artifact.
SELECT r.run_id,
       r.status,
       r.collapsed,
       count(e.epoch) AS epochs,
       max(e.val_accuracy) AS best_val_accuracy,
       m.test_accuracy,
       m.threshold,
       json_extract_string(r.config, '$.backbone') AS backbone,
       CAST(json_extract(r.config, '$.image_size') AS INTEGER) AS image_size,
       round(sum(e.seconds), 1) AS seconds,
       r.artifact_path,
       r.message
FROM train_runs r
LEFT JOIN train_epochs e USING (run_id)
LEFT JOIN models m ON m.model_id = r.model_id
GROUP BY ALL
ORDER BY any_value(r.started_at) DESC
