"""Read one guidebook page with a site profile: what it is, what it links to, its photos.

Pure: bytes and a URL in, :class:`PageFindings` out. Junk HTML (unclosed or
mis-nested tags, stray end tags) is parsed leniently by lxml through
BeautifulSoup; what cannot be found is simply absent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urljoin, urlsplit

from bs4 import BeautifulSoup, Tag
from w3lib.url import canonicalize_url

from crawler.profile import PHOTO_PAGE_KEYS, SiteProfile


@dataclass(frozen=True)
class PhotoRef:
    """A photo shown on a page, with what the page says about it."""

    url: str
    caption: str | None = None
    credit: str | None = None
    licence: str | None = None
    page: str | None = None  # the photo's own page (credit, full caption, licence)


@dataclass(frozen=True)
class Crumb:
    name: str
    url: str


@dataclass
class PageFindings:
    """What a page is (area, route or other page) and what it points to."""

    kind: str = "page"
    name: str | None = None
    external_id: str | None = None
    grade: str | None = None
    route_type: str | None = None
    crumbs: list[Crumb] = field(default_factory=list)
    links: list[str] = field(default_factory=list)   # pages to visit, selectors' first
    unfollowable: list[str] = field(default_factory=list)  # mailto:, javascript:, ftp: ...
    photos: list[PhotoRef] = field(default_factory=list)
    matched: frozenset[str] = frozenset()  # the profile's selectors found on this page


@dataclass(frozen=True)
class PhotoPageFindings:
    """What a photo's own page says about it."""

    caption: str | None = None
    credit: str | None = None
    licence: str | None = None
    matched: frozenset[str] = frozenset()


def absolute(base: str, href: str | None) -> str | None:
    """An absolute http(s) URL in canonical form, or None for data:, mailto:, javascript: ...

    Canonical (w3lib, as Scrapy does): query arguments sorted, escapes normalised, no
    fragment, so ``?a=1&b=2`` and ``?b=2&a=1`` are one frontier row. Done here, once per
    URL as a page is parsed (in a worker), never on the fetch path."""
    if not href or not href.strip():
        return None
    url = urldefrag(urljoin(base, href.strip()))[0]
    if urlsplit(url).scheme not in ("http", "https"):
        return None
    try:
        return canonicalize_url(url)
    except ValueError:
        return url  # not a URL w3lib can read (a bad port): the fetch fails it with a reason


def largest_srcset(srcset: str) -> str | None:
    """The candidate with the largest width (w) or density (x) descriptor."""
    best, best_size = None, -1.0
    for candidate in re.split(r",\s+", srcset.strip()):
        parts = candidate.strip().split()
        if not parts:
            continue
        size = 1.0
        if len(parts) > 1:
            match = re.fullmatch(r"(\d+(?:\.\d+)?)([wx])", parts[1])
            size = float(match[1]) if match else 1.0
        if size > best_size:
            best, best_size = parts[0].rstrip(","), size
    return best


def image_url(img: Tag, base: str) -> str | None:
    """srcset's largest candidate, else a lazy data-src, else src (never a data: URI)."""
    for value in (largest_srcset(img.get("srcset", "")) if img.get("srcset") else None,
                  img.get("data-src"), img.get("src")):
        url = absolute(base, value)
        if url:
            return url
    return None


def _clean(element: Tag) -> str:
    """The element's text with runs of whitespace folded to one space."""
    return " ".join(element.get_text(" ", strip=True).split())


def _text(scope: Tag, selector: str) -> str | None:
    if not selector:
        return None
    found = scope.select_one(selector)
    return (_clean(found) if found else "") or None


def parse_page(profile: SiteProfile, url: str, content: bytes) -> PageFindings:
    soup = _soup(profile, content)
    findings = PageFindings()
    _identify(profile, soup, findings, url)
    findings.crumbs = [Crumb(_clean(a), link)
                       for a in _select(soup, profile.selector("breadcrumb"))
                       if (link := absolute(url, a.get("href")))]
    findings.photos = _photos(profile, soup, url)
    findings.links = _links(profile, soup, url)
    findings.unfollowable = _unfollowable(soup, url)
    findings.matched = _matched(soup, profile, profile.page_selectors())
    return findings


def parse_photo_page(profile: SiteProfile, content: bytes) -> PhotoPageFindings:
    """A photo's own page: its caption, credit and licence as that page gives them."""
    soup = _soup(profile, content)
    keys = [k for k in PHOTO_PAGE_KEYS if profile.selector(k)]
    return PhotoPageFindings(*(_text(soup, profile.selector(k)) for k in PHOTO_PAGE_KEYS),
                             matched=_matched(soup, profile, keys))


def _soup(profile: SiteProfile, content: bytes):
    """The parsed page less the furniture the profile strips (edit links, icons, a word
    such as "Climbing" inside an area's name)."""
    soup = BeautifulSoup(content, "lxml")
    for element in _select(soup, profile.selector("strip")):
        element.decompose()
    return soup


def _matched(soup, profile: SiteProfile, keys: list[str]) -> frozenset[str]:
    """Which of these selectors find anything on the page (the quality report's counts)."""
    return frozenset(k for k in keys if soup.select_one(profile.selector(k)) is not None)


def _select(soup, selector: str) -> list[Tag]:
    return soup.select(selector) if selector else []


def _identify(profile: SiteProfile, soup, findings: PageFindings, url: str) -> None:
    """Route, area or other page: by the profile's URL patterns (which also give the
    site's id) when it has them, else by which name selector finds something."""
    kind, external_id = _kind_from_url(profile, url)
    route = _first(soup, profile.selector("route_name"))
    area = _first(soup, profile.selector("area_name"))
    if kind is None:
        kind = "route" if route is not None else "area" if area is not None else "page"
    name_element = route if kind == "route" else area if kind == "area" else None
    if name_element is None or not _clean(name_element):
        return
    findings.kind, findings.name = kind, _clean(name_element)
    attr = profile.route_id_attr if kind == "route" else profile.area_id_attr
    findings.external_id = external_id or (name_element.get(attr) if attr else None) or url
    if kind == "route":
        findings.grade = _text(soup, profile.selector("route_grade"))
        findings.route_type = _text(soup, profile.selector("route_type"))


def _kind_from_url(profile: SiteProfile, url: str) -> tuple[str | None, str | None]:
    path = urlsplit(url).path
    for kind, pattern in (("route", profile.route_url_pattern),
                          ("area", profile.area_url_pattern)):
        match = pattern.search(path) if pattern else None
        if match:
            return kind, match.group(1)
    return None, None


def _first(soup, selector: str) -> Tag | None:
    return soup.select_one(selector) if selector else None


def _photos(profile: SiteProfile, soup, url: str) -> list[PhotoRef]:
    photos = []
    for element in _select(soup, profile.selector("photo")):
        img = element if element.name == "img" else element.select_one(
            profile.selector("photo_img") or "img")
        link = image_url(img, url) if img is not None else None
        if link:
            photos.append(PhotoRef(link, _text(element, profile.selector("caption")),
                                   _text(element, profile.selector("credit")),
                                   _text(element, profile.selector("licence")),
                                   _photo_page(profile, element, url)))
    return photos


def _photo_page(profile: SiteProfile, element: Tag, base: str) -> str | None:
    """The photo's own page: the photo_page link inside the photo element (or the element
    itself when it is that link)."""
    selector = profile.selector("photo_page")
    if not selector:
        return None
    link = element if element.css.match(selector) else element.select_one(selector)
    return absolute(base, link.get("href")) if link is not None else None


def _links(profile: SiteProfile, soup, url: str) -> list[str]:
    anchors = []
    for key in ("area_links", "route_links", "next_page"):
        anchors += _select(soup, profile.selector(key))
    if profile.other_links:
        anchors += soup.find_all("a", href=True)
    found = (absolute(url, a.get("href")) for a in anchors)
    return list(dict.fromkeys(link for link in found if link and not _is_image(link)))


def _unfollowable(soup, url: str) -> list[str]:
    """Links of another scheme than http(s) (mailto:, ftp:), kept to be recorded as
    skipped; javascript: and data: are code or content, not places."""
    found = (urljoin(url, a["href"].strip()) for a in soup.find_all("a", href=True))
    return list(dict.fromkeys(
        link for link in found
        if urlsplit(link).scheme not in ("http", "https", "javascript", "data", "")))


def _is_image(url: str) -> bool:
    """A link straight to a picture is not a page (photos come from photo elements)."""
    return urlsplit(url).path.lower().endswith(IMAGE_SUFFIXES)


IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff", ".svg")
