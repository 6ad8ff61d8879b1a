-- What the catalog holds: sources, areas, routes, pages by state, images, clusters, sightings, labels and tags by class.
-- kept: yes
-- rows: one
SELECT
    (SELECT count(*) FROM sources) AS sources,
    (SELECT count(*) FROM areas) AS areas,
    (SELECT count(*) FROM routes) AS routes,
    (SELECT count(*) FROM pages) AS pages,
    (SELECT count(*) FILTER (WHERE state = 'queued') FROM pages) AS pages_queued,
    (SELECT count(*) FILTER (WHERE state = 'done') FROM pages) AS pages_done,
    (SELECT count(*) FILTER (WHERE state = 'failed') FROM pages) AS pages_failed,
    (SELECT count(*) FILTER (WHERE state = 'skipped') FROM pages) AS pages_skipped,
    (SELECT count(*) FROM images) AS images,
    -- a cluster of more than one image is one whose near-duplicates point to it
    (SELECT count(DISTINCT cluster_id) FROM images WHERE NOT is_canonical)
        AS near_duplicate_clusters,
    (SELECT count(*) FROM sightings) AS sightings,
    (SELECT count(*) FROM labels) AS labels,
    (SELECT coalesce(json_group_object(label, n), '{}')
       FROM (SELECT label, count(*) AS n FROM labels GROUP BY label ORDER BY label)
    ) AS labels_by_class,
    (SELECT count(*) FROM tags WHERE status = 'tagged') AS tags,
    (SELECT coalesce(json_group_object(class, n), '{}')
       FROM (SELECT class, count(*) AS n FROM tags WHERE status = 'tagged' GROUP BY class ORDER BY class)
    ) AS tags_by_class,
    (SELECT count(*) FROM models) AS models
