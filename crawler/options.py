"""One crawl's options, typed, built from the settings registry (the only place with defaults).

The command line, the Python API (cragcat.api) and the demo all build a
:class:`CrawlOptions` with :meth:`CrawlOptions.from_settings` and hand it to
crawler.harvest; every component takes its own part (Scrapy style: each is
built from settings and has one main method).
"""

from __future__ import annotations

from dataclasses import dataclass

from crawler.dedup import DedupSettings
from crawler.duration import parse_duration
from crawler.engine import Budget
from crawler.fetch import FetchSettings
from crawler.profile import SiteProfile, load_profile
from crawler.retry import RetryPolicy
from crawler.throttle import HostPolicy
from cragcat.settings import load_settings


@dataclass(frozen=True)
class CrawlOptions:
    """What one crawl run needs: where from, how politely, how much, how to dedup."""

    source: str                     # html | openbeta | folder
    profile: SiteProfile | None     # the html source's site profile
    max_depth: int
    labels_from_folders: bool       # folder source: sub-folder names as human labels
    refresh_after: float | None     # seconds; None: never fetch a page again
    fetch: FetchSettings
    retry: RetryPolicy
    concurrency: int                # requests in flight over all hosts
    host_policy: HostPolicy         # per host, where no profile says otherwise
    private_hosts: frozenset[str]
    budget: Budget
    dedup: DedupSettings
    openbeta_api_url: str
    openbeta_media_url: str
    openbeta_area: str
    engine: str = "local"           # folder source: local | ray
    ray_address: str = ""           # ray engine: the cluster; empty starts a local one
    ray_shard: int = 64             # ray engine: files per task

    @classmethod
    def from_settings(cls, settings=None, source: str | None = None,
                      profile: SiteProfile | None = None) -> "CrawlOptions":
        """From resolved settings (default: the registry's defaults < ./config.toml);
        ``source`` overrides crawl.source, ``profile`` the named site profile."""
        settings = settings or load_settings()
        source = source or settings["crawl.source"]
        if source == "html" and profile is None:
            profile = load_profile(settings, settings["crawl.profile_name"],
                                   settings["crawl.start"])
        refresh = settings["crawl.refresh_after"]
        return cls(
            source=source, profile=profile, max_depth=settings["crawl.max_depth"],
            labels_from_folders=settings["crawl.labels_from_folders"],
            refresh_after=parse_duration(refresh) if refresh else None,
            fetch=FetchSettings.from_settings(settings),
            retry=RetryPolicy(settings["crawl.retries"], settings["crawl.backoff"],
                              settings["crawl.backoff_max"]),
            concurrency=settings["crawl.concurrency"],
            host_policy=HostPolicy(settings["crawl.delay"], settings["crawl.host_concurrency"]),
            private_hosts=frozenset(settings["crawl.private_hosts"]),
            budget=Budget.from_settings(settings), dedup=DedupSettings.from_settings(settings),
            openbeta_api_url=settings["openbeta.api_url"],
            openbeta_media_url=settings["openbeta.media_url"],
            openbeta_area=settings["openbeta.area"], engine=settings["crawl.engine"],
            ray_address=settings["crawl.address"], ray_shard=settings["crawl.ray_shard"])
