-- Crawl failures by reason: how many URLs, an example, and when the last one failed.
SELECT e.reason,
       count(*) AS failures,
       count(DISTINCT e.url) AS urls,
       min(e.url) AS example_url,
       any_value(e.detail) AS example_detail,
       max(e.failed_at) AS last_failed_at,
       string_agg(DISTINCT src.name, ', ') AS sources
FROM crawl_errors e
LEFT JOIN sources src ON src.source_id = e.source_id
GROUP BY e.reason
ORDER BY failures DESC, e.reason
