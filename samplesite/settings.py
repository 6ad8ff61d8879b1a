"""Settings of the sample guidebook site, and the crawl profile it offers for itself."""

from cragcat.settings import Setting
from samplesite.profile import SAMPLE_PROFILE

SETTINGS = [
    Setting("sample_site.cache_dir", str, "~/.cache/cragcat/sample-sites",
            "Folder where generated sample sites are kept and reused (never committed); "
            "~ is your home folder."),
    Setting("sample_site.workers", int, 0,
            "Processes that paint photos when generating a site; 0 means one per CPU core.",
            min=0, max=64),
]

# The `sample` entry of the crawler's [crawl.profile.NAME] table, shipped as
# data by the site that owns the HTML (the crawler never imports this package):
# its selectors, and how to crawl it: on loopback, fast, following every link so
# that its traps (robots-disallowed pages, a private-address link, a redirect
# loop, a dead page) are met and recorded.
SAMPLE_PROFILE_NAME = "sample"
PRESETS = {"crawl.profile": {SAMPLE_PROFILE_NAME: {
    **{key: value for key, value in SAMPLE_PROFILE.items() if key != "start_path"},
    "private_hosts": ["127.0.0.1"], "delay": 0.0, "concurrency": 4, "other_links": True,
    "area_id_attr": "data-area-id", "route_id_attr": "data-route-id",
}}}
