"""The `html` source: a guidebook site described by a profile.

Pages are read with crawler.html; this module decides what the findings
mean for the catalog: which area or route a page is, which links are
followed (on an allowed host, inside the scope, not too deep) and which are
recorded as skipped with a reason, and which photos become image references.
"""

from __future__ import annotations

from catalog.sightings import Sighting
from crawler import signature
from crawler.engine import Discoveries, PageRejected, Request
from crawler.fetch import Fetched, HopRule
from crawler.frontier import Frontier, FrontierItem
from crawler.grades import parse_grade, parse_route_types
from crawler.html import PageFindings, PhotoPageFindings, parse_page, parse_photo_page
from crawler.places import ensure_area, ensure_route, ensure_source, link_places
from crawler.profile import PHOTO_PAGE_KEYS, SiteProfile
from crawler.quality import ProfileQuality, sighting_shares


class HtmlSource:
    parse_anywhere = True  # parse() needs only the profile: it may run in a worker process

    def __init__(self, profile: SiteProfile, max_depth: int):
        self.profile = profile
        self.max_depth = max_depth
        self.source_id = 0
        self.quality = ProfileQuality(
            profile.page_selectors(), [k for k in PHOTO_PAGE_KEYS if profile.selector(k)])
        self._shares: dict = {}

    def open(self, tx) -> int:
        self.source_id = ensure_source(tx, "html", self.profile.name, self.profile.start_urls[0])
        return self.source_id

    def seed(self, tx, frontier: Frontier) -> None:
        for url in self.profile.start_urls:
            frontier.enqueue(tx, url, "page", 0)

    def request(self, item: FrontierItem) -> Request:
        return Request(item.url)

    def hop_rule(self, item: FrontierItem) -> HopRule:
        """A redirect passes the rules a link to its target would (not the depth)."""
        if item.kind == "image":
            return lambda url: None if self.profile.image_host_ok(url) else "off-site"
        return lambda url: self._refusal(url, 0)

    def parse(self, item: FrontierItem, fetched: Fetched) -> PageFindings | PhotoPageFindings:
        declared = (fetched.content_type or "").lower()
        kind = signature.sniff(fetched.content)
        if "html" not in declared and kind != "HTML":
            raise PageRejected("not-html", f"served as {declared or 'no content type'}, "
                                           f"bytes look like {kind}")
        if item.context.get("photo_of"):
            return parse_photo_page(self.profile, fetched.content)
        return parse_page(self.profile, fetched.url, fetched.content)

    def record(self, tx, item: FrontierItem, fetched: Fetched,
               findings: PageFindings | PhotoPageFindings, frontier: Frontier,
               found: Discoveries) -> None:
        if isinstance(findings, PhotoPageFindings):
            self.quality.count_photo_page(findings.matched)
            _record_photo_page(tx, item.url, findings)
            return
        self.quality.count_page(findings.matched)
        page_url = fetched.url
        if page_url != item.url:  # a redirect landed here: the landing page is read too
            frontier.enqueue(tx, page_url, "page", item.depth, discovered_from=item.url)
            frontier.finish(tx, page_url, 0, fetched.status, fetched.content_type,
                            fetched.etag, fetched.last_modified)
        area_id, route_id = self._place(tx, page_url, findings)
        depth = item.depth + 1
        for photo in findings.photos:
            if self.profile.image_host_ok(photo.url):
                found.refs.append((Sighting(image_url=photo.url, page_url=page_url,
                                            area_id=area_id, route_id=route_id,
                                            caption=photo.caption, credit=photo.credit,
                                            licence=photo.licence, photo_page=photo.page),
                                   depth))
                if photo.page:  # its own page, by the rules every page link follows
                    self._follow(photo.page, depth, page_url, found, {"photo_of": photo.url})
            else:
                found.skipped.append((photo.url, "image", "off-site", depth, page_url))
        found.skipped += [(link[:2000], "page", "unsupported-scheme", depth, page_url)
                          for link in findings.unfollowable]
        for link in findings.links:
            self._follow(link, depth, page_url, found)

    def _follow(self, link: str, depth: int, page_url: str, found: Discoveries,
                context: dict | None = None) -> None:
        """Queue a page link, or record why it is not followed."""
        reason = self._refusal(link, depth)
        if reason:
            found.skipped.append((link, "page", reason, depth, page_url))
        else:
            found.follow.append((link, "page", depth, page_url, context))

    def _place(self, tx, page_url: str, findings: PageFindings) -> tuple[int | None, int | None]:
        """(area_id, route_id) of the page's area or route, recorded on the way."""
        if findings.kind == "page" or not findings.name:
            return None, None
        trail = [c for c in findings.crumbs if c.url != page_url]
        parent_url = trail[-1].url if trail else None
        if findings.kind == "route":
            grade = parse_grade(findings.grade, self.profile.grade_system)
            route_id = ensure_route(tx, self.source_id, findings.external_id, findings.name,
                                    grade=findings.grade, route_type=findings.route_type,
                                    url=page_url, area_url=parent_url,
                                    grade_system=grade.system if grade else None,
                                    grade_value=grade.value if grade else None,
                                    route_types=parse_route_types(findings.route_type))
            return None, route_id
        path = " > ".join([c.name for c in trail[1:]] + [findings.name])
        area_id = ensure_area(tx, self.source_id, findings.external_id, findings.name,
                              path=path, url=page_url, parent_url=parent_url)
        return area_id, None

    def _refusal(self, link: str, depth: int) -> str | None:
        """Why a link is not followed (recorded as skipped), or None to follow it."""
        if not self.profile.on_site(link):
            return "off-site"
        if not self.profile.in_scope(link):
            return "out-of-scope"
        if depth > self.max_depth:
            return "too-deep"
        return None

    def finish(self, tx) -> None:
        link_places(tx, self.source_id)
        self._shares = sighting_shares(tx, self.source_id)

    def run_report(self) -> dict:
        """The profile quality report of this run (after finish)."""
        return {"profile": self.quality.report(self._shares or {
            "sightings": 0, "with_caption": None, "with_credit": None, "with_licence": None})}


def _record_photo_page(tx, photo_page: str, findings: PhotoPageFindings) -> None:
    """What a photo's own page says becomes fields of every reference that came with that
    page and of their sightings (a carousel's large copy and a card's small one alike);
    the page's full caption wins over a card's truncated one."""
    if not (findings.caption or findings.credit or findings.licence):
        return
    values = [findings.caption, findings.credit, findings.licence, photo_page]
    tx.execute("""UPDATE image_refs SET caption = coalesce(?, caption),
                                       credit = coalesce(?, credit),
                                       licence = coalesce(?, licence)
                  WHERE photo_page = ?""", values)
    tx.execute("""UPDATE sightings SET caption = coalesce(?, caption),
                                      credit = coalesce(?, credit),
                                      licence = coalesce(?, licence)
                  WHERE EXISTS (SELECT 1 FROM image_refs r WHERE r.photo_page = ?
                                AND r.image_url = sightings.image_url
                                AND r.page_url = sightings.page_url)""", values)
