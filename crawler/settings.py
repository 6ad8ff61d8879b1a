"""Settings of the crawl stage: sources, politeness, limits, ingest and dedup."""

import soupsieve

from cragcat.settings import Setting, Table
from crawler.duration import check_duration_or_empty

SOURCES = ("html", "openbeta", "folder")


def check_user_agent(text: str) -> None:
    """Refuse a User-Agent whose braces name anything but {version} and {contact}
    (a stray {0} would otherwise fail at the first request)."""
    try:
        text.format(version="", contact="")
    except (IndexError, KeyError, ValueError):
        raise ValueError("a text whose only {fields} are {version} and {contact} "
                         "(write {{ and }} for a brace)") from None


def check_css(selector: str) -> None:
    """Refuse a selector soupsieve cannot compile now, not at the first page."""
    if not selector:
        return
    try:
        soupsieve.compile(selector)
    except soupsieve.SelectorSyntaxError as exc:
        raise ValueError(f"a CSS selector ({str(exc).splitlines()[0]})") from None


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
            "{version} and {contact} are filled in. Keep it honest.", flag="",
            validate=check_user_agent),
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
    Setting("crawl.image_seconds", float, 30.0, "Most CPU-bound seconds one image's decode "
            "and derivative may take in a worker process (a progressive JPEG of thousands of "
            "scans); past it the image fails with reason too-slow. 0: no limit.", min=0.0,
            flag=""),
    Setting("crawl.image_workers", int, 2, "Workers for the CPU work of a crawl (image "
            "decode, derivative, hashes; HTML pages), run beside the fetching so that every "
            "core is used.", min=1, max=64,
            flag=""),
    Setting("crawl.image_processes", bool, True, "Run the image workers as processes "
            "(no contention with fetching for Python's lock; costs about a second to "
            "start them); false: threads.", flag=""),
    Setting("crawl.engine", str, "local", "Folder import: 'local' examines files in this "
            "machine's image workers; 'ray' shards them across a Ray cluster's tasks (needs "
            "pip install 'cragcat[ray]' and, on a cluster, a store path every node mounts); "
            "the rows are committed here either way.", choices=("local", "ray")),
    Setting("crawl.address", str, "", "Ray engine: the cluster to join (host:port of its "
            "head, or 'auto'); empty starts a local Ray runtime on this machine's cores."),
    Setting("crawl.ray_shard", int, 64, "Ray engine: files per Ray task; a task's rows are "
            "committed in one transaction, and a stopped import redoes at most the shards "
            "in flight.", min=1, max=100_000, flag=""),
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
            "its pictures differ in at most this many cells of an 8x8 grid (and nowhere "
            "along a long thin stroke, a drawn route line): a copy differs nowhere or in "
            "one spot (a watermark, 0-3 cells on the sample site), route lines drawn over a "
            "photo differ along their length (2-50 cells).", min=0, max=64,
            flag=""),
    Setting("openbeta.api_url", str, "https://api.openbeta.io/", "The OpenBeta GraphQL "
            "endpoint.", flag="--api-url"),
    Setting("openbeta.media_url", str, "https://media.openbeta.io", "Base URL that OpenBeta "
            "mediaUrl paths are relative to.", flag="--media-url"),
    Setting("openbeta.area", str, "", "Root area for the openbeta source: a uuid or an exact "
            "area name.", flag="--area"),
]


# keys of a profile given to _css that hold something other than a CSS selector (the
# URL patterns are checked as regular expressions where the profile is loaded)
_CHECKS = {"area_url_pattern": None, "route_url_pattern": None,
           "grade_system": None, "area_id_attr": None, "route_id_attr": None}


def _css(key: str, help_text: str, default: str = "") -> Setting:
    return Setting(key, str, default, help_text, validate=_CHECKS.get(key, check_css))


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
    _css("strip", "CSS selector of elements removed before anything is read (edit links, "
         "icons, a word such as 'Climbing' inside an area's name)."),
    _css("photo_page", "CSS selector, inside a photo element (or the element itself), of "
         "the link to the photo's own page; when set, that page is fetched (same hosts, "
         "scope, robots.txt, delay, max_depth and max_pages as any page) for the photo's "
         "credit, full caption and licence."),
    _css("photo_page_caption", "CSS selector of the caption on a photo's own page; it "
         "replaces the (often truncated) caption of the page that shows the photo."),
    _css("photo_page_credit", "CSS selector of the credit (photographer) on a photo's own "
         "page."),
    _css("photo_page_licence", "CSS selector of the licence on a photo's own page."),
    _css("area_url_pattern", "Regular expression searched in a page's URL path: a match "
         "makes the page an area page and its first group is the site's own id of the area "
         "(areas.external_id), e.g. /area/(\\d+)."),
    _css("route_url_pattern", "Regular expression searched in a page's URL path: a match "
         "makes the page a route page and its first group is the site's own id of the "
         "route (routes.external_id), e.g. /route/(\\d+)."),
    _css("grade_system", "The grade system of a bare-number grade such as 22 (ewbank or "
         "uiaa); empty: a bare number is a grade only when the page names its system."),
    _css("area_id_attr", "Attribute of the area name element holding the site's own id "
         "(gallery pages of one area share it); empty: the page URL is the id."),
    _css("route_id_attr", "Attribute of the route name element holding the site's own id; "
         "empty: the page URL is the id."),
)

# Mountain Project as it has served pages from 2020 to 2024 (tests/data/guidebooks has
# the pages these selectors are tested on; docs/profiles.md explains each choice).
# One request at a time and a long delay: robots.txt's Crawl-delay wins when larger.
MOUNTAIN_PROJECT_PRESET = {
    "start_urls": ["https://www.mountainproject.com/route-guide"],
    "allowed_hosts": ["www.mountainproject.com", "mountainproject.com"],
    "image_hosts": ["cdn2.apstatic.com", "mountainproject.com"],
    "scope": ["/area/", "/route/", "/photo/"],
    "delay": 10.0, "concurrency": 1,
    "area_links": "div.lef-nav-row a",
    "route_links": "#left-nav-route-table a",
    # every child area and route is listed on one page: there is no next page to follow
    "next_page": "",
    # photo cards (2020: a lazy data-src; 2024: data-src and a caption row) and the
    # carousel (srcset) of area and route pages
    "photo": "div.card-with-photo, #photo-carousel .carousel-item",
    "photo_img": "img",
    "caption": ".title-row",
    "area_name": "h1", "route_name": "h1",
    # the h2 holds every grade system side by side; crawler.grades takes the first
    "route_grade": "h2.inline-block",
    "route_type": "table.description-details tr:first-child td:nth-of-type(2)",
    "breadcrumb": ".mb-half.small.text-warm a",
    # 'Climbing' after an area's name, the edit icon after a route's
    "strip": "h1 .hidden-md-down, h1 a, h1 img",
    # credits and full captions are on each photo's own page, /photo/<id>/<slug>
    "photo_page": "a.photo-card, a.photo-link",
    "photo_page_caption": ".photo-detail .photo-caption",
    "photo_page_credit": ".photo-detail .photo-by a",
    "photo_page_licence": ".photo-detail a[rel=license]",
    "area_url_pattern": r"^/area/(\d+)",
    "route_url_pattern": r"^/route/(\d+)",
}

# theCrag: areas and routes under /en/climbing/; a crag page shows its phototopos and
# its route list (paged), a route page its grade, style tags and photos.
THECRAG_PRESET = {
    "start_urls": ["https://www.thecrag.com/en/climbing/world"],
    "allowed_hosts": ["www.thecrag.com"],
    "image_hosts": ["image.thecrag.com"],
    "scope": ["/en/climbing/"],
    "delay": 10.0, "concurrency": 1,
    "area_links": "div.area .name a",
    "route_links": "div.route .name a",
    "next_page": "ul.pagination li.next a",
    "photo": "div.topo-block, div.photo-item",
    "photo_img": "img",
    "caption": ".caption", "credit": ".attribution .author", "licence": "a.licence",
    "area_name": "h1 .primary-node-name",
    # a route page's heading has a headline (grade, style); an area's has none
    "route_name": "div.heading:has(.headline) h1 .primary-node-name",
    "route_grade": ".headline .r-grade",
    "route_type": ".headline .tags",
    "breadcrumb": ".crumbs a",
    "area_url_pattern": r"/area/(\d+)$",
    "route_url_pattern": r"/route/(\d+)$",
    # theCrag shows an Australian grade as a bare number (Ewbank)
    "grade_system": "ewbank",
}

TABLES = [Table("crawl.profile", "Site profiles for the html source: one "
                "[crawl.profile.NAME] table per site (crawl --profile NAME).",
                PROFILE_SETTINGS, presets={"mountainproject": MOUNTAIN_PROJECT_PRESET,
                                           "thecrag": THECRAG_PRESET})]
