"""The sample guidebook site: a generated, served crawl target whose truth is known.

    site_dir = build_site("tiny", seed=0)          # generate (or reuse) the site
    with serve_in_thread(site_dir) as site:        # serve it on 127.0.0.1, port 0
        site.url, site.manifest, site.request_log()
"""

from cragcat.extras import require
from samplesite.build import build_site
from samplesite.guidebook import SIZES

__all__ = ["build_site", "serve_in_thread", "ServedSite", "SIZES"]


def __getattr__(name: str):
    # the server needs the [site] extra; generating a site does not
    if name in ("serve_in_thread", "ServedSite"):
        require("site", "serving the sample site")
        from samplesite import server
        return getattr(server, name)
    raise AttributeError(f"module 'samplesite' has no attribute {name!r}")
