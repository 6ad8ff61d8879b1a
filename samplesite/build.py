"""Generate a sample site into a cache folder (or reuse the cached one).

    site_dir = build_site("small", seed=0)

A site folder holds ``manifest.json`` (the ground truth), ``labels.csv`` and
``www/`` (what the server serves). Generation is deterministic: the same
size and seed give the same bytes, whatever the number of worker processes.
A site is written to a temporary folder and renamed into place when complete,
so a killed or concurrent build never leaves a half-written site to reuse.
"""

from __future__ import annotations

import os
import random
import shutil
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from cragcat.errors import UsageError
from samplesite import pages
from samplesite.badfiles import write_bad_files
from samplesite.guidebook import SCRIPT_NAME, SIZES, build_areas, build_routes
from samplesite.manifest import (DEDUP_RULES, FORMAT_VERSION, area_entry, expected, photo_entry,
                                 route_entry, write_labels, write_manifest)
from samplesite.plan import PRIVATE_PAGE, Planner, Shot
from samplesite.profile import SAMPLE_PROFILE
from samplesite.render import render_job, render_jobs

GENERATOR_VERSION = 5  # bump when the output changes, so old cached sites are not reused
PAGE_SIZE = {"tiny": 4, "small": 6, "large": 8}
CRAWL_DELAY = 0.05  # seconds; small so that polite test crawls stay quick
ROBOTS_DISALLOWED = ["/private/", "/edit/", "/search"]
GRAPHQL_PATH = "/graphql"
MEDIA_BASE = "/media"
PARALLEL_FROM = 40  # fewer jobs than this are painted in-process


def configured(name: str):
    """A sample_site setting from the config file (./config.toml, $CRAGCAT_CONFIG) or default."""
    from cragcat.settings import load_settings
    return load_settings()[f"sample_site.{name}"]


def site_name(size: str, seed: int) -> str:
    return f"{size}-seed{seed}-v{GENERATOR_VERSION}"


def build_site(size: str, seed: int = 0, cache_dir: str | os.PathLike | None = None,
               workers: int | None = None) -> Path:
    """The folder of the ``size`` site for ``seed``, generating it if not cached."""
    if size not in SIZES:
        raise UsageError(f"unknown sample site size {size!r}; choose one of {', '.join(SIZES)}")
    cache = Path(os.path.expanduser(cache_dir if cache_dir is not None else configured("cache_dir")))
    target = cache / site_name(size, seed)
    if (target / "manifest.json").is_file():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    scratch = cache / f".{target.name}.tmp-{os.getpid()}-{random.getrandbits(32):08x}"
    try:
        generate(size, seed, scratch, workers if workers is not None else configured("workers"))
        try:
            os.rename(scratch, target)
        except OSError:  # another process finished the same site first
            if not (target / "manifest.json").is_file():
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target


def generate(size: str, seed: int, out: Path, workers: int | None = None) -> dict:
    """Write the whole site into ``out``; returns the manifest."""
    plan = SIZES[size]
    r = random.Random(f"samplesite:{seed}:{size}:world")
    areas = build_areas(plan, r)
    routes = build_routes(plan, areas, r)
    planner = Planner(plan, routes, areas, r)
    planner.lay_out()
    www = out / "www"
    www.mkdir(parents=True)
    facts = paint_all([job.task() for job in planner.jobs], seed, www, workers)
    for shot in planner.shots:
        shot.file = facts[shot.path]
    bad = write_bad_files(www, sample_jpeg(planner.shots, www), r)
    bad.append({"path": f"/media/missing/{r.getrandbits(48):012x}.jpeg", "problem": "not_found",
                "what": "a gallery image that 404s"})
    write_pages(www, planner, areas, routes, bad, PAGE_SIZE[size], r)
    bad += page_level_bad_items(routes, planner.shots)
    (www / "robots.txt").write_text(robots_txt(CRAWL_DELAY))
    (www / "sitemap.xml").write_text(sitemap_xml(areas, routes))
    manifest = {
        "format": FORMAT_VERSION, "generator": GENERATOR_VERSION, "size": size, "seed": seed,
        "start_path": "/", "graphql": GRAPHQL_PATH, "media_base": MEDIA_BASE,
        "robots_disallowed": ROBOTS_DISALLOWED, "crawl_delay": CRAWL_DELAY,
        "sitemap": "/sitemap.xml", "profile": SAMPLE_PROFILE, "dedup_rules": DEDUP_RULES,
        "expected": expected(planner.shots, www),
        "areas": [area_entry(a) for a in areas],
        "routes": [route_entry(rt, planner.shots) for rt in routes],
        "photos": [photo_entry(s) for s in planner.shots],
        "bad": bad,
    }
    manifest["labels"] = write_labels(out / "labels.csv", planner.shots)
    write_manifest(out / "manifest.json", manifest)
    return manifest


def paint_all(tasks: list, seed: int, www: Path, workers: int | None) -> dict[str, dict]:
    """Paint every job, in worker processes when there are enough of them."""
    workers = workers or os.cpu_count() or 1
    if workers == 1 or len(tasks) < PARALLEL_FROM:
        facts: dict[str, dict] = {}
        for task in tasks:
            facts.update(render_job(task, seed, www))
        return facts
    batch = max(1, len(tasks) // (workers * 8))
    batches = [(tasks[k:k + batch], seed, str(www)) for k in range(0, len(tasks), batch)]
    facts = {}
    with ProcessPoolExecutor(workers) as pool:
        for part in pool.map(render_jobs, batches):
            facts.update(part)
    return facts


def sample_jpeg(shots: list[Shot], www: Path) -> bytes:
    """The bytes of the first plain JPEG photo, to cut short into a truncated one."""
    shot = next(s for s in shots if s.file["format"] == "jpeg" and s.dup_kind == "original")
    return (www / shot.path.lstrip("/")).read_bytes()


def write_pages(www: Path, planner: Planner, areas, routes, bad, page_size: int, r) -> None:
    by_owner = pages.galleries(planner.shots, bad, routes[0], page_size)
    html: dict[str, str] = {"/": pages.home_page([a for a in areas if a.parent is None], routes, r)}
    for area in areas:
        html.update(pages.area_page(area, by_owner.get(area.path, []), r))
    for k, route in enumerate(routes):
        html.update(pages.route_page(route, by_owner.get(route.path, []), r, malformed=k % 7 == 3))
    html[PRIVATE_PAGE] = pages.private_page([s for s in planner.shots if not s.crawlable], r)
    for path, text in html.items():
        target = www / path.lstrip("/") / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)


def page_level_bad_items(routes, shots: list[Shot]) -> list[dict]:
    script_route = next(rt for rt in routes if rt.name == SCRIPT_NAME)
    script_caption = next(s for shot in shots for s in shot.sightings if s.caption == SCRIPT_NAME)
    malformed = [rt.path for k, rt in enumerate(routes) if k % 7 == 3]
    return [
        {"path": script_route.path, "problem": "markup_in_route_name", "text": SCRIPT_NAME},
        {"path": script_caption.page, "problem": "markup_in_caption", "text": SCRIPT_NAME},
        {"path": pages.DEAD_PAGE, "problem": "not_found", "what": "a linked page that 404s"},
        {"path": pages.LOOP_START, "problem": "redirect_loop",
         "what": "/legacy/loop-a and /legacy/loop-b redirect to each other"},
        {"path": pages.PRIVATE_BAIT, "problem": "private_address",
         "what": "a link to a private-range address; nothing may fetch it"},
        *({"path": url, "problem": "external_host", "what": "a link to another site"}
          for url in pages.EXTERNAL_LINKS),
        *({"path": p, "problem": "malformed_html", "what": "unclosed and mis-nested tags"}
          for p in malformed),
    ]


def robots_txt(crawl_delay: float) -> str:
    rules = "".join(f"Disallow: {p}\n" for p in ROBOTS_DISALLOWED)
    return (f"# Sample Guidebook\nUser-agent: *\nCrawl-delay: {crawl_delay:g}\n{rules}"
            f"Allow: /\n\nUser-agent: GreedyBot\nDisallow: /\n\n"
            f"Sitemap: {pages.ORIGIN}/sitemap.xml\n")


def sitemap_xml(areas, routes) -> str:
    urls = ["/"] + [a.path for a in areas] + [rt.path for rt in routes]
    body = "".join(f"<url><loc>{pages.ORIGIN}{u}</loc></url>\n" for u in urls)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{body}</urlset>\n')
