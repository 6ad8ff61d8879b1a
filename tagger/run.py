"""One tag-catalog run: tag the catalog's photos, then choose covers and topos."""

from __future__ import annotations

from typing import Any

from catalog.kept import keep_reports, worth_keeping
from tagger.cover_catalog import choose_covers
from tagger.model import load_model
from tagger.tagging import TagOptions, summary_figures, tag_catalog


def ray_options(settings):
    """The Ray engine's options, or None for the local engine (tag.engine)."""
    if settings["tag.engine"] != "ray":
        return None
    from tagger.ray_engine import RayTagOptions
    return RayTagOptions(settings["tag.address"], settings["tag.ray_actors"])


def tag_and_cover(catalog, model_path: str | None, options: TagOptions, console,
                  on_ray=None) -> dict[str, Any]:
    """Tag with the artifact at ``model_path`` (default: the catalog's latest model),
    then choose every route's cover and topo; return the run's figures.
    ``on_ray`` (RayTagOptions) tags on a Ray cluster instead of in this process."""
    artifact = load_model(catalog, model_path)
    console.info(f"tagging with model {artifact.model_id[:12]} ({artifact.backbone}, "
                 f"threshold {options.threshold or artifact.threshold:g})")
    pending = catalog.scalar("SELECT count(*) FROM images WHERE is_canonical")
    with console.progress("tagging photos", total=pending) as progress:
        if on_ray is None:
            summary = tag_catalog(catalog, artifact, options, progress)
        else:
            from tagger.ray_engine import tag_catalog_on_ray
            summary = tag_catalog_on_ray(catalog, artifact, options, on_ray, progress)
    covers = choose_covers(catalog, artifact.model_id, options.cover_safety,
                           options.cover_licences)
    figures = summary_figures(summary)
    figures.update(routes_with_cover=covers.routes_with_cover,
                   routes_without_cover=covers.routes_without_cover,
                   routes_with_topo=covers.routes_with_topo,
                   areas_with_cover=covers.areas_with_cover)
    if worth_keeping(catalog, options.keep_reports_from):
        console.info("keeping the reports as tables (report.keep_from "
                     f"{options.keep_reports_from:,} photos)")
        figures.update(reports_kept=len(keep_reports(catalog)))
    return figures
