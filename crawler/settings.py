"""Settings of the crawl stage: sources, politeness, limits, ingest and dedup."""

from cragcat.settings import Setting, Table
from crawler.duration import check_duration_or_empty

SOURCES = ("html", "openbeta", "folder")

SETTINGS = [
    Setting("crawl.source", str, "html", "Where photos come from: an html site described by a "
            "profile, the OpenBeta API, or a local folder.", choices=SOURCES),
    Setting("crawl.profile_name", str, "sample", "The site profile (a [crawl.profile.NAME] "
            "table) that describes the html site to crawl.", flag="--profile"),
    Setting("crawl.start", list, [], "Start URLs for an html crawl; when given they replace "
            "the profile's start_urls.", item_type=str),
    Setting("crawl.labels_from_folders", bool, False, "Folder source: record each sub-folder's "
            "name (glory / butt / topo and synonyms such as glory-shot, rear, topos) as a "
            "human label."),
    Setting("crawl.contact", str, "", "An email address or URL where a site owner can reach "
            "whoever runs the crawl; it is sent in the User-Agent. Set it before crawling a "
            "real site."),
    Setting("crawl.user_agent", str, "cragcat/{version} (+{contact})", "The User-Agent header; "
            "{version} and {contact} are filled in. Keep it honest.", flag=""),
    Setting("crawl.max_pages", int, 0, "Stop after fetching this many pages or API calls in "
            "one run (0: no limit).", min=0),
    Setting("crawl.max_images", int, 0, "Stop after this many images in one run (0: no limit).",
            min=0),
    Setting("crawl.max_depth", int, 20, "Do not follow links more than this many hops from a "
            "start URL (deeper links are recorded as skipped).", min=0),
    Setting("crawl.refresh_after", str, "", "Fetch pages again (with ETag / Last-Modified "
            "conditional requests) when the last fetch is older than this, e.g. 7d; empty: "
            "never.", validate=check_duration_or_empty),
    Setting("crawl.concurrency", int, 8, "Requests in flight at once over all hosts (the "
            "global cap; each host also has its own limit).", min=1, max=256),
    Setting("crawl.host_concurrency", int, 1, "Requests in flight at once to one host when no "
            "profile says otherwise (OpenBeta and its media host).", min=1, max=64),
    Setting("crawl.delay", float, 1.0, "Seconds between the starts of two requests to one host "
            "when no profile says otherwise; robots.txt Crawl-delay wins when larger.",
            min=0.0),
    Setting("crawl.timeout", float, 30.0, "Seconds to wait for a connection, or for the next "
            "bytes of a response, before giving up on a try.", min=0.1),
    Setting("crawl.max_bytes", int, 30_000_000, "Largest response accepted, in bytes; enforced "
            "while the body streams in.", min=1024),
    Setting("crawl.max_pixels", int, 50_000_000, "Largest image accepted, in pixels (width x "
            "height), checked before decoding: the guard against decompression bombs.",
            min=1, flag=""),
    Setting("crawl.retries", int, 3, "Extra tries after a connection error, timeout, 5xx, 408 "
            "or 429.", min=0, max=20),
    Setting("crawl.backoff", float, 0.5, "Seconds before the first retry; doubled for each "
            "further one, with random jitter.", min=0.0, flag=""),
    Setting("crawl.backoff_max", float, 60.0, "Longest wait before a retry, in seconds; also "
            "caps what a Retry-After header may ask for.", min=0.0, flag=""),
    Setting("crawl.private_hosts", list, [], "Hosts that may resolve to private, loopback or "
            "other non-public addresses (the address guard refuses them otherwise); a "
            "profile adds its own.", item_type=str, flag=""),
    Setting("crawl.batch_size", int, 32, "Frontier rows committed together; a killed crawl "
            "loses at most this much work.", min=1, max=10_000, flag=""),
    Setting("openbeta.api_url", str, "https://api.openbeta.io/", "The OpenBeta GraphQL "
            "endpoint.", flag="--api-url"),
    Setting("openbeta.media_url", str, "https://media.openbeta.io", "Base URL that OpenBeta "
            "mediaUrl paths are relative to.", flag="--media-url"),
    Setting("openbeta.area", str, "", "Root area for the openbeta source: a uuid or an exact "
            "area name.", flag="--area"),
]

TABLES: list[Table] = []
