"""How much of what real guidebook pages say the shipped profiles harvest.

    python -m bench.profile_harvest [--site mountainproject|thecrag]

Serves the saved page structure of tests/data/guidebooks on 127.0.0.1 (never
a real site), crawls it with the shipped profile (delay 0, so it is quick),
and scores the catalog against the pages' truth (tests/data/guidebooks/
truth.json): photo cards harvested, captions, credits and licences where the
pages show one, grade system and value, route types, the sites' own ids, and
the area tree against the breadcrumbs. Also prints the baseline: the same
pages crawled with the README's former illustrative profile (the
``readme2024`` profile below), as a new user would have.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from click.testing import CliRunner

from catalog import open_catalog
from crawler.cli import crawl
from tests.crawler_server import serve
from tests.guidebook_pages import guidebook_app, harvest_figures, truth

# The profile README.md showed before the shipped ones (issue 17's "as a new user would")
README_PROFILE = """
[crawl.profile.readme2024]
allowed_hosts = ["127.0.0.1"]
scope = ["/area/", "/route/", "/photos/"]
private_hosts = ["127.0.0.1"]
delay = 0.0
concurrency = 4
area_links = ".lef-nav-row a"
route_links = "#left-nav-route-table a"
next_page = "a.next"
photo = ".photo-card"
photo_img = "img"
caption = ".photo-caption"
credit = ".photo-credit"
area_name = "h1"
route_name = "#route-page h1"
route_grade = ".rateYDS"
route_type = ".route-type"
breadcrumb = ".mb-half.small.text-warm a"
"""

CONFIG = """
[crawl]
private_hosts = ["127.0.0.1"]
retries = 0

[crawl.profile.{site}]
delay = 0.0
concurrency = 4
"""


def measure(site: str, profile: str, work: Path) -> dict:
    config = work / f"{profile}.toml"
    config.write_text(CONFIG.split("[crawl.profile")[0] + README_PROFILE
                      if profile == "readme2024" else CONFIG.format(site=profile))
    catalog = work / f"{profile}-{site}.duckdb"
    with serve(guidebook_app(site)) as served:
        starts = [a for p in truth(site)["start"] for a in ("--start", served.url + p)]
        result = CliRunner().invoke(crawl, ["--profile", profile, *starts, "--catalog",
                                            str(catalog), "--config", str(config), "--json"])
    if result.exit_code != 0:
        sys.exit(f"crawl failed: {result.output.strip().splitlines()[-1]}")
    report = json.loads(result.output.strip().splitlines()[-1]).get("profile", {})
    return {**harvest_figures(open_catalog(catalog, read_only=True), site),
            "broken_selectors": report.get("broken_selectors")}


def show(site: str, profile: str, figures: dict) -> None:
    print(f"\n{site} with the {profile} profile")
    for key, value in figures.items():
        if isinstance(value, tuple):
            right, total = value
            print(f"  {key:14s} {right:3d} of {total:3d}  ({right / total:.0%})")
        else:
            print(f"  {key:14s} {value}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", choices=["mountainproject", "thecrag"], action="append")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        for site in args.site or ["mountainproject", "thecrag"]:
            show(site, site, measure(site, site, Path(work)))
            if site == "mountainproject":
                show(site, "readme2024 (baseline)",
                     measure(site, "readme2024", Path(work)))


if __name__ == "__main__":
    main()
