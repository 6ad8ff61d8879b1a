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
    Setting("crawl.delay", float, 1.0, "Seconds between two requests to one host when no "
            "profile says otherwise (from the end of one to the start of the next when one "
            "runs at a time; start to start otherwise); robots.txt Crawl-delay wins when "
            "larger.", min=0.0),
    Setting("crawl.timeout", float, 30.0, "Seconds to wait for a connection, or for the next "
            "bytes of a response, before giving up on a try.", min=0.1),
    Setting("crawl.max_bytes", int, 30_000_000, "Largest response accepted, in bytes; enforced "
            "while the body streams in.", min=1024),
    Setting("crawl.max_pixels", int, 50_000_000, "Largest image accepted, in pixels (width x "
            "height), checked before decoding: the guard against decompression bombs.",
            min=1, flag=""),
    Setting("crawl.image_workers", int, 2, "Workers for the CPU work of a crawl (image "
            "decode, derivative, hashes; HTML pages), run beside the fetching so that every "
            "core is used.", min=1, max=64,
            flag=""),
    Setting("crawl.image_processes", bool, True, "Run the image workers as processes "
            "(no contention with fetching for Python's lock; costs about a second to "
            "start them); false: threads.", flag=""),
    Setting("crawl.retries", int, 3, "Extra tries after a connection error, timeout, 5xx, 408 "
            "or 429.", min=0, max=20),
    Setting("crawl.backoff", float, 0.5, "Seconds before the first retry; doubled for each "
            "further one, with random jitter.", min=0.0, flag=""),
    Setting("crawl.backoff_max", float, 60.0, "Longest wait before a retry, in seconds; also "
            "caps what a Retry-After header may ask for.", min=0.0, flag=""),
    Setting("crawl.private_hosts", list, [], "Hosts that may resolve to private, loopback or "
            "other non-public addresses (the address guard refuses them otherwise); a "
            "profile adds its own.", item_type=str, flag=""),
    Setting("dedup.max_distance", int, 8, "Near-duplicate candidates: images whose 64-bit "
            "pHashes differ in at most this many bits. 8 because on the sample site's ground "
            "truth every copy (re-encoded, resized, 1-3% cropped, watermarked) is within 8 of "
            "its original while the closest unrelated photos are 10 apart; larger values also "
            "make the candidate search slower.", min=0, max=24, flag=""),
    Setting("dedup.max_edited_cells", int, 4, "A candidate pair is merged only when, aligned, "
            "its pictures differ in at most this many cells of an 8x8 grid: a copy differs "
            "nowhere or in one spot (a watermark, 0-2 cells on the sample site), route lines "
            "drawn over a photo differ along their length (17 or more).", min=0, max=64,
            flag=""),
    Setting("openbeta.api_url", str, "https://api.openbeta.io/", "The OpenBeta GraphQL "
            "endpoint.", flag="--api-url"),
    Setting("openbeta.media_url", str, "https://media.openbeta.io", "Base URL that OpenBeta "
            "mediaUrl paths are relative to.", flag="--media-url"),
    Setting("openbeta.area", str, "", "Root area for the openbeta source: a uuid or an exact "
            "area name.", flag="--area"),
]


def _css(key: str, help_text: str, default: str = "") -> Setting:
    return Setting(key, str, default, help_text)


PROFILE_SETTINGS = (
    Setting("start_urls", list, [], "Where the crawl starts; `crawl --start URL` replaces "
            "them.", item_type=str),
    Setting("allowed_hosts", list, [], "Hosts whose pages are crawled (links elsewhere are "
            "recorded as skipped, reason off-site); empty: the start URLs' hosts.",
            item_type=str),
    Setting("image_hosts", list, [], "Further hosts that photos may be fetched from (a CDN).",
            item_type=str),
    Setting("scope", list, ["/"], "URL path prefixes to crawl on the allowed hosts (others: "
            "skipped, reason out-of-scope).", item_type=str),
    Setting("private_hosts", list, [], "Hosts the address guard lets resolve to private or "
            "loopback addresses (only for a site you run yourself).", item_type=str),
    Setting("delay", float, 1.0, "Seconds between two requests to one host (robots.txt "
            "Crawl-delay wins when larger).", min=0.0),
    Setting("concurrency", int, 1, "Requests in flight at once to one host.", min=1, max=64),
    Setting("other_links", bool, False, "Also follow every other link of a page (still within "
            "allowed_hosts, scope, robots.txt and max_depth); false: only the selectors' "
            "links."),
    _css("area_links", "CSS selector of links to areas (countries, crags, sectors)."),
    _css("route_links", "CSS selector of links to routes."),
    _css("next_page", "CSS selector of the link to the next page of a gallery or list."),
    _css("photo", "CSS selector of one photo element (caption, credit, licence and "
         "photo_img are looked up inside it)."),
    _css("photo_img", "CSS selector of the image inside a photo element; its src, the largest "
         "srcset candidate or a lazy data-src is taken.", "img"),
    _css("caption", "CSS selector of a photo's caption, inside the photo element."),
    _css("credit", "CSS selector of a photo's credit (photographer), inside the photo element."),
    _css("licence", "CSS selector of a photo's licence, inside the photo element."),
    _css("area_name", "CSS selector of an area page's name; its presence makes a page an "
         "area page."),
    _css("route_name", "CSS selector of a route page's name; its presence makes a page a "
         "route page."),
    _css("route_grade", "CSS selector of a route's grade on its page."),
    _css("route_type", "CSS selector of a route's type (sport, trad, boulder) on its page."),
    _css("breadcrumb", "CSS selector of the breadcrumb links, root first (the last one is "
         "the parent area)."),
    _css("area_id_attr", "Attribute of the area name element holding the site's own id "
         "(gallery pages of one area share it); empty: the page URL is the id."),
    _css("route_id_attr", "Attribute of the route name element holding the site's own id; "
         "empty: the page URL is the id."),
)

TABLES = [Table("crawl.profile", "Site profiles for the html source: one "
                "[crawl.profile.NAME] table per site (crawl --profile NAME).",
                PROFILE_SETTINGS)]
