"""Settings of the sample guidebook site."""

from cragcat.settings import Setting

SETTINGS = [
    Setting("sample_site.cache_dir", str, "~/.cache/cragcat/sample-sites",
            "Folder where generated sample sites are kept and reused (never committed); "
            "~ is your home folder."),
    Setting("sample_site.workers", int, 0,
            "Processes that paint photos when generating a site; 0 means one per CPU core.",
            min=0, max=64),
]
