"""The sample site's crawl profile: where things are in its HTML.

The crawler's ``html`` source reads a site profile (the ``sample`` preset of
the ``crawl.profile`` settings table is this dict). Values are CSS selectors
unless noted; ``caption``, ``credit``, ``licence`` and ``photo_img`` are
relative to one ``photo`` element.

Page types of the sample site (see samplesite.pages)::

    /                         home: nav.breadcrumb, h1.site-name,
                              ul.area-list > li > a.area-link (countries),
                              links to other sites, a private-address bait link,
                              links robots.txt forbids, a dead link, a redirect loop
    /areas/SLUG/              area: nav.breadcrumb a (root first), h1.area-name,
                              ul.area-list a.area-link (child areas),
                              table.routes tr > td a.route-link, td.route-grade,
                              td.route-type (routes of a sector),
                              div.gallery > figure.photo (crags and sectors),
                              a.next-page (first gallery page only)
    /areas/SLUG/photos/N/     more of the area's gallery; a.next-page to N+1
    /routes/SLUG/             route: nav.breadcrumb a, h1.route-name,
                              span.route-grade, span.route-type, div.beta,
                              div.gallery > figure.photo, a.next-page
    /routes/SLUG/photos/N/    more of the route's gallery (same h1.route-name)

    figure.photo              img (src, or srcset only, or a data: placeholder
                              in src with the photo in data-src),
                              figcaption > span.caption, span.credit,
                              a.licence (text is the licence name)

Links are root-relative, relative (``../../routes/x/``) or absolute
(``http://127.0.0.1:PORT/...``).
"""

SAMPLE_PROFILE = {
    "start_path": "/",
    "allowed_hosts": ["127.0.0.1"],
    "area_links": "a.area-link",
    "route_links": "a.route-link",
    "photo": "figure.photo",
    "photo_img": "img",
    "caption": "figcaption .caption",
    "credit": "figcaption .credit",
    "licence": "figcaption .licence",
    "next_page": "a.next-page",
    "area_name": "h1.area-name",
    "route_name": "h1.route-name",
    "route_grade": ".route-grade",
    "route_type": ".route-type",
    "breadcrumb": "nav.breadcrumb a",
}
