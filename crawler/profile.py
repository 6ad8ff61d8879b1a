"""A site profile: where a guidebook site keeps its areas, routes and photos.

A profile is one ``[crawl.profile.NAME]`` table of config.toml (see
crawler.settings.PROFILE_TABLE for every key). :func:`load_profile` turns the
resolved table entry into a :class:`SiteProfile`, with the command line's
start URLs in place of the profile's own when given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from cragcat.errors import ConfigError, UsageError

SELECTOR_KEYS = ("area_links", "route_links", "next_page", "photo", "photo_img", "caption",
                 "credit", "licence", "area_name", "route_name", "route_grade", "route_type",
                 "breadcrumb", "strip", "photo_page", "photo_page_caption", "photo_page_credit",
                 "photo_page_licence")
# selectors read on a photo's own page, not on the pages that show the photo
PHOTO_PAGE_KEYS = ("photo_page_caption", "photo_page_credit", "photo_page_licence")


@dataclass(frozen=True)
class SiteProfile:
    name: str
    start_urls: tuple[str, ...]
    allowed_hosts: frozenset[str]
    image_hosts: frozenset[str]
    scope: tuple[str, ...]
    private_hosts: frozenset[str]
    delay: float
    concurrency: int
    selectors: dict[str, str]
    other_links: bool = False
    area_id_attr: str = ""
    route_id_attr: str = ""
    area_url_pattern: re.Pattern | None = None   # group 1: the site's own id of an area
    route_url_pattern: re.Pattern | None = None
    grade_system: str = ""  # the system of a bare-number grade (22 -> ewbank)

    def on_site(self, url: str) -> bool:
        return (urlsplit(url).hostname or "") in self.allowed_hosts

    def in_scope(self, url: str) -> bool:
        return urlsplit(url).path.startswith(self.scope) if self.scope else True

    def image_host_ok(self, url: str) -> bool:
        host = urlsplit(url).hostname or ""
        return host in self.allowed_hosts or host in self.image_hosts

    def selector(self, key: str) -> str:
        return self.selectors.get(key, "")

    def page_selectors(self) -> list[str]:
        """The selector keys this profile sets that are read on area, route and gallery
        pages (the quality report counts the pages each matched on)."""
        return [k for k in SELECTOR_KEYS
                if self.selectors.get(k) and k not in PHOTO_PAGE_KEYS and k != "strip"]


def load_profile(settings, name: str, start: list[str] | None = None) -> SiteProfile:
    """The named profile from settings; ``start`` replaces its start URLs."""
    profiles = settings.table("crawl.profile")
    if name not in profiles:
        known = ", ".join(sorted(profiles)) or "none"
        raise ConfigError(f"no site profile named {name!r} (known: {known}); add a "
                          f"[crawl.profile.{name}] table to config.toml")
    entry = profiles[name]
    start_urls = tuple(start or entry["start_urls"])
    if not start_urls:
        raise UsageError(f"profile {name!r} has no start URL; pass --start URL")
    for url in start_urls:
        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
            raise UsageError(f"--start {url}: expected an http:// or https:// URL")
    # the start URLs' hosts are on the site by definition (the guard still judges them)
    hosts = {h.lower() for h in entry["allowed_hosts"]} | {urlsplit(u).hostname
                                                          for u in start_urls}
    return SiteProfile(
        name=name, start_urls=start_urls, allowed_hosts=frozenset(hosts),
        image_hosts=frozenset(h.lower() for h in entry["image_hosts"]),
        scope=tuple(entry["scope"]), private_hosts=frozenset(entry["private_hosts"]),
        delay=entry["delay"], concurrency=entry["concurrency"],
        selectors={k: entry[k] for k in SELECTOR_KEYS}, other_links=entry["other_links"],
        area_id_attr=entry["area_id_attr"], route_id_attr=entry["route_id_attr"],
        area_url_pattern=_pattern(name, "area_url_pattern", entry["area_url_pattern"]),
        route_url_pattern=_pattern(name, "route_url_pattern", entry["route_url_pattern"]),
        grade_system=entry["grade_system"])


def _pattern(profile: str, key: str, text: str) -> re.Pattern | None:
    """A URL pattern whose first group is the site's id; a bad one is a config error."""
    if not text:
        return None
    try:
        pattern = re.compile(text)
    except re.error as exc:
        raise ConfigError(f"[crawl.profile.{profile}] {key} = {text!r} is not a regular "
                          f"expression: {exc}") from None
    if pattern.groups < 1:
        raise ConfigError(f"[crawl.profile.{profile}] {key} = {text!r} needs a group, "
                          "(\\d+) for example, around the site's id")
    return pattern
