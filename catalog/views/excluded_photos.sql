-- Photos a person excluded (with every near-duplicate of them), the reason and who decided: kept out of covers, sheets and exports, and never fetched again.
WITH latest AS (
    SELECT sha256, action, reason, reviewer, created_at
    FROM exclusions
    QUALIFY row_number() OVER (PARTITION BY sha256 ORDER BY exclusion_id DESC) = 1
), excluded AS (
    SELECT l.sha256, coalesce(i.cluster_id, l.sha256) AS cluster, l.reason, l.reviewer,
           l.created_at
    FROM latest l LEFT JOIN images i ON i.sha256 = l.sha256
    WHERE l.action = 'exclude'
)
SELECT i.sha256, e.sha256 AS excluded_as, e.reason, e.reviewer, e.created_at AS excluded_at
FROM images i JOIN excluded e ON coalesce(i.cluster_id, i.sha256) = e.cluster
UNION
SELECT e.sha256, e.sha256, e.reason, e.reviewer, e.created_at
FROM excluded e
ORDER BY excluded_at, sha256
