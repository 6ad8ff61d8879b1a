-- One row per photo (near-duplicates included, with their canonical image's tag): human label and the current model's class, confidence, margin and probabilities.
-- kept: yes
-- order: sha256
SELECT i.sha256,
       coalesce(i.cluster_id, i.sha256) AS canonical_sha256,
       NOT i.is_canonical AS near_duplicate,
       l.label AS human_label,
       t.class AS predicted_class,
       round(t.confidence, 4) AS confidence,
       round(list_extract(list_sort(map_values(t.probabilities), 'DESC'), 1)
             - coalesce(list_extract(list_sort(map_values(t.probabilities), 'DESC'), 2), 0), 4)
           AS margin,
       t.probabilities,
       coalesce(t.status, 'untagged') AS status,
       t.reason AS failure_reason,
       cm.model_id,
       i.width,
       i.height,
       i.derivative_path,
       t.tagged_at
FROM images i
LEFT JOIN current_model cm ON TRUE
LEFT JOIN tags t ON t.sha256 = coalesce(i.cluster_id, i.sha256) AND t.model_id = cm.model_id
LEFT JOIN labels l ON l.sha256 = i.sha256
