"""`cragcat demo`: the main job end to end on the bundled sample guidebook site.

sample site -> crawl -> labels -> train -> tag-catalog -> contact sheet, each
stage called as a function in this process (this module stands on the top
floor: it is the one place besides the command group that drives every stage) (the site is served from a thread
on 127.0.0.1, port 0), ending with where the sheet is and which SQL to try.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from catalog import open_configured_catalog
from cragcat.command import Run
from cragcat.errors import CragcatError
from cragcat.settings import load_settings

NEXT_SQL = [
    ("report route_cards --limit 10", "every route's cover and topo, with the reasons"),
    ("report review_queue --limit 10", "the photos the model is least sure about"),
    ("report class_share_by_area", "glory / butt / topo share per area"),
    ("report --sql \"SELECT predicted_class, human_label, count(*) FROM photo_tags "
     "GROUP BY ALL ORDER BY ALL\"", "the model against the site's labels"),
]


def next_steps(figures: dict) -> list[str]:
    """Where the contact sheet is, and which reports and SQL to try next."""
    steps = [f"open {figures['contact_sheet']} in a browser: a page per area with every "
             "route's cover, topos and photos"]
    return steps + [f"{command} --catalog {figures['catalog']}   ({why})"
                    for command, why in NEXT_SQL]


def stage_run(run: Run, **overrides: Any) -> Run:
    """The same settings (config file and flags included) with some overridden."""
    values = {**run.settings.as_dict(), **overrides}
    return Run(load_settings(run.settings.config_path, values), run.console)


def build_sample_site(run: Run, size: str) -> Path:
    from samplesite import build_site

    run.console.info(f"[bold]1/5[/] sample site '{size}' (generated once, then reused)")
    return build_site(size, seed=0, cache_dir=Path(run.settings["sample_site.cache_dir"])
                      .expanduser(), workers=run.settings["sample_site.workers"] or None)


def crawl_site(run: Run, site_dir: Path) -> dict:
    from crawler.harvest import harvest
    from crawler.options import CrawlOptions
    from crawler.profile import load_profile
    from samplesite import serve_in_thread
    from samplesite.settings import SAMPLE_PROFILE_NAME

    with serve_in_thread(site_dir) as site:
        run.console.info(f"[bold]2/5[/] crawling {site.url} with the "
                         f"'{SAMPLE_PROFILE_NAME}' profile")
        profile = load_profile(run.settings, SAMPLE_PROFILE_NAME, [site.url])
        options = CrawlOptions.from_settings(run.settings, source="html", profile=profile)
        with open_configured_catalog(run.settings, create=True) as catalog:
            return harvest(catalog, options, run.console)


def label_and_train(run: Run, site_dir: Path, out: Path) -> dict:
    from trainer.labels import import_labels
    from trainer.run import train
    from trainer.settings import train_options

    classes = run.settings["train.classes"]
    with open_configured_catalog(run.settings) as catalog:
        run.console.info("[bold]3/5[/] importing the site's labels.csv as human labels")
        import_labels(catalog, site_dir / "labels.csv", classes)
        run.console.info("[bold]4/5[/] training (defaults from config.toml)")
        config = replace(train_options(run.settings), out=str(out / "models"))
        return train(catalog, config, run.console)


def tag_and_draw(run: Run, artifact: str, out: Path) -> tuple[dict, Any, Any]:
    from tagger.cover_check import check_covers
    from tagger.run import tag_and_cover
    from tagger.tagging import TagOptions
    from tagger.sheet import write_contact_sheet

    run.console.info("[bold]5/5[/] tagging every photo, choosing covers, drawing the sheet")
    with open_configured_catalog(run.settings) as catalog:
        figures = tag_and_cover(catalog, artifact, TagOptions.from_settings(run.settings),
                                run.console)
        sheet = write_contact_sheet(catalog, out / "sheet")
        check = check_covers(catalog, figures["model_id"])
    return figures, sheet, check


def run_demo(run: Run) -> dict:
    """Run every stage; return the closing figures."""
    started = time.perf_counter()
    out = Path(run.settings["demo.out"])
    site_dir = build_sample_site(run, run.settings["demo.size"])
    crawled = crawl_site(run, site_dir)
    trained = label_and_train(run, site_dir, out)
    if "artifact" not in trained:
        raise CragcatError(f"training stopped ({trained.get('status', 'no model')}); "
                           "see train_runs for why")
    tagged, sheet, check = tag_and_draw(run, trained["artifact"], out)
    return {"catalog": str(run.catalog_path), "contact_sheet": str(sheet.index),
            "images": crawled.get("images_new", crawled.get("images")),
            "test_accuracy": trained.get("test_accuracy"),
            "tagged": tagged["tagged"], "by_class": tagged["by_class"],
            "routes_with_cover": tagged["routes_with_cover"],
            "routes_without_cover": tagged["routes_without_cover"],
            "covers_true_glory": f"{check.true_glory_covers}/{check.routes_with_cover}",
            "cover_precision": round(check.precision, 4),
            "cover_coverage": round(check.coverage, 4),
            "minutes": round((time.perf_counter() - started) / 60, 1)}
