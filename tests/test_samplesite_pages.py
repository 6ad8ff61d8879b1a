"""The HTML agrees with the manifest when read through SAMPLE_PROFILE's selectors:
a crawler that uses the profile finds every area, route and photo sighting."""

from collections import deque
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from bs4 import BeautifulSoup
from protego import Protego

from samplesite.pages import PLACEHOLDER, PRIVATE_BAIT
from samplesite.profile import SAMPLE_PROFILE as P


def image_url(img) -> str:
    """What a crawler should take from an img: data-src, else src, else srcset's first."""
    src = img.get("data-src") or img.get("src")
    if src and not src.startswith("data:"):
        return src
    return img["srcset"].split(",")[0].split()[0]


def text(node, selector):
    found = node.select_one(selector)
    return found.get_text(strip=True) if found else None


@pytest.fixture(scope="module")
def crawl(tiny_site_dir):
    """Walk the tiny site through the profile's selectors, politely."""
    from samplesite import serve_in_thread
    with serve_in_thread(tiny_site_dir) as site, httpx.Client(timeout=10) as client:
        robots = Protego.parse(client.get(site.url + "robots.txt").text)
        pages, queue, seen = {}, deque([urljoin(site.url, P["start_path"])]), set()
        while queue:
            url = queue.popleft()
            if url in seen or urlsplit(url).hostname not in P["allowed_hosts"] \
                    or not robots.can_fetch(url, "cragcat"):
                continue
            seen.add(url)
            answer = client.get(url)
            if answer.status_code != 200 or "html" not in answer.headers["content-type"]:
                continue
            soup = BeautifulSoup(answer.text, "lxml")
            pages[urlsplit(url).path] = soup
            for a in soup.select(f'{P["area_links"]}, {P["route_links"]}, {P["next_page"]}'):
                queue.append(urljoin(url, a["href"]))
        yield site, pages, site.request_log()


def test_profile_has_the_agreed_keys():
    for key in ("area_links", "route_links", "photo", "photo_img", "caption", "credit", "licence",
                "next_page", "area_name", "route_name", "route_grade", "route_type", "breadcrumb"):
        assert isinstance(P[key], str) and P[key]
    assert P["allowed_hosts"] == ["127.0.0.1"] and P["start_path"] == "/"


def test_links_reach_every_area_and_route(crawl):
    site, pages, _ = crawl
    for area in site.manifest["areas"]:
        assert text(pages[area["path"]], P["area_name"]) == area["name"]
    for route in site.manifest["routes"]:
        page = pages[route["path"]]
        assert text(page, P["route_name"]) == route["name"]
        assert text(page, P["route_grade"]) == route["grade"]
        assert text(page, P["route_type"]) == route["type"]


def test_breadcrumbs_name_the_area_chain(crawl):
    site, pages, _ = crawl
    areas = {a["uuid"]: a for a in site.manifest["areas"]}
    route = site.manifest["routes"][0]
    chain, area = [], areas[route["area"]]
    while area:
        chain.insert(0, area["name"])
        area = areas.get(area["parent"])
    crumbs = [a.get_text(strip=True) for a in pages[route["path"]].select(P["breadcrumb"])]
    assert crumbs == ["Home"] + chain


def gallery(site, pages, owner_pages):
    found = set()
    for path in owner_pages:
        for figure in pages[path].select(P["photo"]):
            img = figure.select_one(P["photo_img"])
            found.add((urlsplit(urljoin(site.url + path.lstrip("/"), image_url(img))).path,
                       text(figure, P["caption"]), text(figure, P["credit"]), text(figure, P["licence"])))
    return found


def test_galleries_show_every_sighting_with_caption_credit_and_licence(crawl):
    site, pages, _ = crawl
    bad_paths = {b["path"] for b in site.manifest["bad"]}
    for route in site.manifest["routes"]:
        owner_pages = [p for p in pages if p.startswith(route["path"])]
        assert set(route["pages"]) <= set(owner_pages)
        truth = {(photo["path"], s["caption"], s["credit"], s["licence"])
                 for photo in site.manifest["photos"] for s in photo["sightings"] if s["route"] == route["uuid"]}
        shown = gallery(site, pages, owner_pages)
        assert {item for item in shown if item[0] not in bad_paths} == truth, route["name"]


def test_area_galleries_show_the_photos_of_the_crag_or_sector(crawl):
    site, pages, _ = crawl
    shown_any = False
    for area in site.manifest["areas"]:
        truth = {(photo["path"], s["caption"], s["credit"], s["licence"])
                 for photo in site.manifest["photos"] for s in photo["sightings"]
                 if s["route"] is None and s["area"] == area["uuid"]}
        owner_pages = [p for p in pages if p.startswith(area["path"])]
        assert gallery(site, pages, owner_pages) == truth, area["name"]
        shown_any |= bool(truth)
    assert shown_any


def test_image_markup_mixes_src_srcset_and_lazy_data_src(crawl):
    _, pages, _ = crawl
    imgs = [img for soup in pages.values() for img in soup.select(f'{P["photo"]} {P["photo_img"]}')]
    assert any(i.get("data-src") and i.get("src") == PLACEHOLDER for i in imgs)
    assert any(i.get("srcset") and not i.get("src") for i in imgs)
    assert any(i.get("src", "").startswith("http://127.0.0.1:") for i in imgs)


def test_links_are_relative_absolute_and_root_relative(crawl):
    _, pages, _ = crawl
    hrefs = [a["href"] for soup in pages.values() for a in soup.select(P["route_links"])]
    assert any(h.startswith("../") for h in hrefs)
    assert any(h.startswith("http://127.0.0.1:") for h in hrefs)
    assert any(h.startswith("/") for h in hrefs)


def test_bait_and_forbidden_pages_are_linked_but_never_fetched(crawl):
    site, pages, log = crawl
    home_links = [a["href"] for a in pages["/"].select("a")]
    assert PRIVATE_BAIT in home_links
    assert any(h.startswith(p) for h in home_links for p in site.manifest["robots_disallowed"])
    fetched = [e["path"] for e in log]
    assert not any(path.startswith(tuple(site.manifest["robots_disallowed"])) for path in fetched)


def test_malformed_pages_still_show_their_gallery(crawl):
    site, pages, _ = crawl
    malformed = [b["path"] for b in site.manifest["bad"] if b["problem"] == "malformed_html"]
    assert malformed
    for path in malformed:
        route = next(r for r in site.manifest["routes"] if r["path"] == path)
        assert text(pages[path], P["route_name"]) == route["name"]
        assert "</b></i>" in str(pages[path]) or pages[path].select("div.note")
