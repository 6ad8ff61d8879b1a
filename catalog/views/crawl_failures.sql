-- Crawl failures and skips by source, state and reason, with an example URL each.
SELECT s.kind AS source_kind, s.name AS source, p.kind, p.state, p.reason,
       count(*) AS urls, min(p.url) AS example_url
FROM pages p LEFT JOIN sources s USING (source_id)
WHERE p.state IN ('failed', 'skipped')
GROUP BY ALL
ORDER BY urls DESC, source, reason
