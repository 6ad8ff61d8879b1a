"""Reading a page with a profile: links, photos (src, srcset, lazy data-src), junk HTML."""

from crawler.html import absolute, image_url, largest_srcset, parse_page
from crawler.profile import SiteProfile
from samplesite.settings import PRESETS

SAMPLE_PRESET = PRESETS["crawl.profile"]["sample"]  # the sample site ships its profile

PROFILE = SiteProfile("sample", ("http://127.0.0.1/",), frozenset({"127.0.0.1"}), frozenset(),
                      ("/",), frozenset(), 0.0, 1,
                      {k: v for k, v in SAMPLE_PRESET.items() if isinstance(v, str)},
                      other_links=False, area_id_attr="data-area-id",
                      route_id_attr="data-route-id")

ROUTE_PAGE = b"""<!DOCTYPE html><html><body>
<nav class="breadcrumb"><a href="/">Home</a> &rsaquo; <a href="../../areas/north/">North</a></nav>
<h1 class="route-name" data-route-id="r-1">Lazy &lt;Flake&gt;</h1>
<p><span class="route-grade">6a+</span> <span class="route-type">sport</span></p>
<div class="beta"><p>Crux at the <i>second bolt</b></i><p>Descent<td>chains</span><div class=note>x
<div class="gallery">
<figure class="photo"><img src="/media/a.jpg" alt=""><figcaption><span class="caption">High
  up</span> Photo: <span class="credit">Nina</span> <a class="licence" href="x">CC BY 4.0</a>
  </figcaption></figure>
<figure class="photo"><img srcset="/media/b-small.jpg 400w, /media/b.jpg 1200w, /media/b-mid.jpg 800w"
  sizes="100vw"></figure>
<figure class="photo"><img class="lazy" src="data:image/gif;base64,R0lGOD" data-src="c.jpg"></figure>
<figure class="photo"><img src="data:image/gif;base64,R0lGOD"></figure>
</div>
<a class="next-page" href="photos/2/#top">More</a> <a href="/edit/route/x">Edit</a>
<a href="mailto:someone@example.org">mail</a>
</body></html>"""


def test_a_route_page_is_read():
    found = parse_page(PROFILE, "http://127.0.0.1/routes/lazy/", ROUTE_PAGE)
    assert (found.kind, found.name, found.external_id) == ("route", "Lazy <Flake>", "r-1")
    assert (found.grade, found.route_type) == ("6a+", "sport")
    assert [c.url for c in found.crumbs] == ["http://127.0.0.1/", "http://127.0.0.1/areas/north/"]
    assert [p.url for p in found.photos] == ["http://127.0.0.1/media/a.jpg",
                                             "http://127.0.0.1/media/b.jpg",
                                             "http://127.0.0.1/routes/lazy/c.jpg"]
    first = found.photos[0]
    assert (first.caption, first.credit, first.licence) == ("High up", "Nina", "CC BY 4.0")
    assert found.links == ["http://127.0.0.1/routes/lazy/photos/2/"]


def test_other_links_are_followed_only_when_the_profile_says_so():
    profile = PROFILE.__class__(**{**PROFILE.__dict__, "other_links": True})
    found = parse_page(profile, "http://127.0.0.1/routes/lazy/", ROUTE_PAGE)
    assert "http://127.0.0.1/edit/route/x" in found.links
    assert not any(link.startswith("mailto:") for link in found.links)


def test_srcset_and_urls():
    assert largest_srcset("a.jpg 1x, b.jpg 2x") == "b.jpg"
    assert largest_srcset("a.jpg") == "a.jpg"
    assert absolute("http://h/x/y", "../z#frag") == "http://h/z"
    assert absolute("http://h/", "javascript:void(0)") is None
    assert absolute("http://h/", "  ") is None


def test_a_page_of_junk_gives_an_empty_reading():
    found = parse_page(PROFILE, "http://127.0.0.1/", b"\x00\xff<<<>>>not html at all<div")
    assert (found.kind, found.photos, found.links) == ("page", [], [])


def test_an_img_without_a_usable_source_is_skipped():
    from bs4 import BeautifulSoup
    img = BeautifulSoup('<img src="data:image/png;base64,AAAA">', "lxml").img
    assert image_url(img, "http://h/") is None


def _with(**changes) -> SiteProfile:
    return PROFILE.__class__(**{**PROFILE.__dict__, **changes})


def test_url_patterns_decide_the_kind_and_give_the_sites_id():
    import re
    profile = _with(route_url_pattern=re.compile(r"^/routes/(\w+)/"), route_id_attr="")
    found = parse_page(profile, "http://127.0.0.1/routes/lazy/", ROUTE_PAGE)
    assert (found.kind, found.external_id) == ("route", "lazy")


def test_stripped_furniture_is_not_part_of_a_name():
    profile = _with(selectors={**PROFILE.selectors, "strip": "h1 .hidden"})
    page = ROUTE_PAGE.replace(b"Lazy &lt;Flake&gt;</h1>",
                              b"Lazy &lt;Flake&gt; <span class='hidden'>Climbing</span></h1>")
    assert parse_page(profile, "http://127.0.0.1/routes/lazy/", page).name == "Lazy <Flake>"


def test_a_photo_page_link_is_found_inside_the_photo_or_as_the_photo_itself():
    page = b"""<html><body><h1 class="route-name">R</h1>
    <a class="photo card" href="/photo/1/a"><img data-src="/p/1.jpg"></a>
    <div class="photo"><img src="/p/2.jpg"><a class="more" href="/photo/2/b">more</a></div>
    <div class="photo"><img src="/p/3.jpg"></div></body></html>"""
    profile = _with(selectors={**PROFILE.selectors, "photo": ".photo",
                               "photo_page": "a.card, a.more"})
    found = parse_page(profile, "http://127.0.0.1/routes/r/", page)
    assert [p.page for p in found.photos] == ["http://127.0.0.1/photo/1/a",
                                              "http://127.0.0.1/photo/2/b", None]


def test_the_page_records_which_selectors_matched():
    found = parse_page(PROFILE, "http://127.0.0.1/routes/lazy/", ROUTE_PAGE)
    assert {"route_name", "photo", "caption", "next_page", "breadcrumb"} <= found.matched
    assert "area_name" not in found.matched and "area_links" not in found.matched
