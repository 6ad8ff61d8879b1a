"""`crawl check-profile URL`: what a site profile finds on one page (as Scrapy's `parse`).

The page is fetched through the crawl's own fetcher (robots.txt, the address
guard, the byte limit), then every selector of the profile is tried on it:
how many elements it matches and the first one's text or link. Nothing is
written to the catalog.
"""

from __future__ import annotations


from bs4 import BeautifulSoup

from crawler.crawl import fetcher_for, run_async
from crawler.fetch import FetchFailed, Fetched
from crawler.html import parse_page
from crawler.options import CrawlOptions
from crawler.profile import PHOTO_PAGE_KEYS, SELECTOR_KEYS, SiteProfile
from crawler.throttle import HostPolicy
from cragcat.console import Console
from cragcat.errors import CragcatError


class PageUnavailable(CragcatError):
    """The page to check could not be fetched (the reason a crawl would record)."""


def check_profile(options: CrawlOptions, url: str, console: Console) -> dict:
    """Fetch ``url`` and show what each of the profile's selectors finds there."""
    profile = options.profile
    fetched = run_async(_fetch_one(options, profile, url))
    soup = BeautifulSoup(fetched.content, "lxml")
    rows = [_selector_row(soup, key, profile.selector(key)) for key in SELECTOR_KEYS]
    findings = parse_page(profile, fetched.url, fetched.content)
    console.table(["selector", "CSS", "matches", "first match"], rows,
                  title=f"profile {profile.name} on {fetched.url}")
    figures = {"url": fetched.url, "status": fetched.status, "kind": findings.kind,
               "name": findings.name, "photos": len(findings.photos),
               "links": len(findings.links),
               # photo-page selectors are read on a photo's own page, not on this one
               "selectors_matching_nothing": [r[0] for r in rows if r[1] and r[2] == 0
                                              and r[0] not in PHOTO_PAGE_KEYS]}
    steps = []
    if figures["selectors_matching_nothing"]:
        steps.append("fix the selectors that match nothing in [crawl.profile."
                     f"{profile.name}], then check again")
    console.done("profile checked", figures, steps)
    return figures


async def _fetch_one(options: CrawlOptions, profile: SiteProfile, url: str) -> Fetched:
    policy = HostPolicy(profile.delay, profile.concurrency)
    hosts = {host: policy for host in profile.allowed_hosts | profile.image_hosts}
    async with fetcher_for(options, hosts, profile.private_hosts) as fetcher:
        try:
            fetched = await fetcher.fetch(url)
        except FetchFailed as exc:
            raise PageUnavailable(f"{url}: {exc}") from None
    if not 200 <= fetched.status < 300:
        raise PageUnavailable(f"{url}: http-{fetched.status}")
    return fetched


def _selector_row(soup, key: str, selector: str) -> tuple[str, str, int, str]:
    if not selector:
        return key, "", 0, "(not set)"
    found = soup.select(selector)
    first = ""
    if found:
        element = found[0]
        text = " ".join(element.get_text(" ", strip=True).split())
        first = text or element.get("href") or element.get("src") or f"<{element.name}>"
    return key, selector, len(found), first[:80]
