"""What the review app's pages show, read from the catalog (always read-only)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from catalog import Catalog
from catalog.classes import CLASSES, OTHER
from catalog.kept import current_kept_table
from catalog.reports import available_reports
from catalog.store import derivative_path, original_path

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
LABELS = (*CLASSES, OTHER)   # `0` in the queue: none of these, a human `other`

# Unlabelled, not excluded photos: the model's 'other' first, then the smallest margin
# between its top two classes, then photos it has not tagged yet.
QUEUE_SQL = """
SELECT p.sha256, p.predicted_class, p.confidence, p.margin, p.probabilities, p.status,
       p.canonical_sha256, p.near_duplicate
FROM photo_tags p
WHERE p.human_label IS NULL
  AND p.sha256 NOT IN (SELECT sha256 FROM excluded_photos)
  AND p.sha256 NOT IN (SELECT unnest(?::VARCHAR[]))
ORDER BY p.status <> 'tagged', p.predicted_class IS DISTINCT FROM 'other', p.margin,
         p.near_duplicate, p.sha256
LIMIT ?
"""

SEEN_SQL = """
SELECT s.sha256, any_value(s.caption) AS caption, any_value(s.credit) AS credit,
       any_value(s.licence) AS licence, any_value(s.page_url) AS page_url,
       any_value(r.name) AS route, any_value(a.name) AS area
FROM sightings s LEFT JOIN routes r USING (route_id)
LEFT JOIN areas a ON a.area_id = coalesce(s.area_id, r.area_id)
WHERE s.sha256 IN (SELECT unnest(?::VARCHAR[]))
GROUP BY s.sha256
"""

TWINS_SQL = """
SELECT i.sha256, t.sha256 FROM images i
JOIN images t ON coalesce(t.cluster_id, t.sha256) = coalesce(i.cluster_id, i.sha256)
             AND t.sha256 <> i.sha256
WHERE i.sha256 IN (SELECT unnest(?::VARCHAR[]))
  AND t.sha256 NOT IN (SELECT sha256 FROM labels)
  AND t.sha256 NOT IN (SELECT sha256 FROM excluded_photos)
ORDER BY t.sha256
"""


def queue(catalog: Catalog, limit: int, leave_out: list[str]) -> list[dict]:
    """The next photos to label, with the model's view and where each was seen."""
    rows = catalog.query_dicts(QUEUE_SQL, [leave_out, limit])
    shas = [r["sha256"] for r in rows]
    seen = {r["sha256"]: r for r in catalog.query_dicts(SEEN_SQL, [shas])}
    twins: dict[str, list[str]] = {}
    for sha, twin in catalog.query(TWINS_SQL, [shas]):
        twins.setdefault(sha, []).append(twin)
    for row in rows:
        row["probabilities"] = {k: round(v, 3) for k, v in (row["probabilities"] or {}).items()}
        row.update({k: v for k, v in seen.get(row["sha256"], {}).items() if k != "sha256"})
        row["near_duplicates"] = twins.get(row["sha256"], [])
    return rows


def stored_file(store: Path, sha256: str, original: bool) -> Path | None:
    """The photo's file found by the store's content-addressed layout, without opening
    the catalog (so photos load while a long write holds it)."""
    if not _SHA256.match(sha256):
        return None
    if not original:
        path = store / derivative_path(sha256)
        return path if path.is_file() else None
    found = sorted((store / original_path(sha256, "x")).parent.glob(f"{sha256}.*"))
    return found[0] if len(found) == 1 and found[0].is_file() else None


def photo_file(catalog: Catalog, sha256: str, original: bool) -> Path | None:
    """The photo's file, only when it lies inside the catalog's store."""
    column = "original_path" if original else "derivative_path"
    relative = catalog.scalar(f"SELECT {column} FROM images WHERE sha256 = ?", [sha256])
    if relative is None:
        return None
    store = Path(catalog.store_dir).resolve()
    path = (store / relative).resolve()
    return path if path.is_relative_to(store) and path.is_file() else None


def areas(catalog: Catalog) -> list[dict]:
    """Areas with their routes' cards (cover and topo as route_cards shows them)."""
    # its kept copy while current: every route's card is seconds of work at millions of photos
    source = current_kept_table(catalog.con, available_reports()["route_cards"])
    cards = catalog.query_dicts(
        f"SELECT c.*, r.area_id FROM {source or 'route_cards'} c JOIN routes r USING (route_id) "
        "ORDER BY c.route, c.route_id")  # the view leaves its order to its readers
    if not cards:   # no model yet: the routes without covers
        cards = catalog.query_dicts(
            "SELECT r.route_id, r.name AS route, r.grade, r.area_id, NULL AS cover_sha256, "
            "'no model has tagged the catalog yet' AS cover_reason, NULL AS cover_chosen_by, "
            "NULL AS topo_sha256, NULL AS topo_chosen_by, 0 AS photos FROM routes r")
    found = catalog.query_dicts("SELECT area_id, name, path, url FROM areas ORDER BY path, name")
    by_area: dict = {}
    for card in cards:
        by_area.setdefault(card["area_id"], []).append(card)
    for area in found:
        area["routes"] = sorted(by_area.get(area["area_id"], []), key=lambda c: c["route"])
    return [a for a in found if a["routes"]]


def route(catalog: Catalog, route_id: int) -> dict | None:
    """One route: its card, the choice in force and every photo seen on it."""
    found = catalog.query_dicts(
        "SELECT r.route_id, r.name AS route, r.grade, r.url, a.name AS area, a.area_id "
        "FROM routes r LEFT JOIN areas a USING (area_id) WHERE r.route_id = ?", [route_id])
    if not found:
        return None
    info = found[0]
    card = catalog.query_dicts("SELECT * FROM route_cards WHERE route_id = ?", [route_id])
    info["card"] = card[0] if card else {}
    info["choices"] = {r["kind"]: r for r in catalog.query_dicts(
        "SELECT * FROM route_choices WHERE route_id = ?", [route_id])}
    info["photos"] = catalog.query_dicts(
        """SELECT s.sha256, p.predicted_class, p.confidence, p.human_label,
                  any_value(s.caption) AS caption, any_value(s.credit) AS credit,
                  any_value(s.licence) AS licence, any_value(s.page_url) AS page_url,
                  bool_or(s.sha256 IN (SELECT sha256 FROM excluded_photos)) AS excluded,
                  any_value(e.reason) AS excluded_reason
           FROM sightings s JOIN photo_tags p USING (sha256)
           LEFT JOIN excluded_photos e USING (sha256)
           WHERE s.route_id = ? GROUP BY ALL
           ORDER BY excluded, p.predicted_class, p.confidence DESC, s.sha256""", [route_id])
    return info


def progress(catalog: Catalog) -> dict:
    """Labels by class and by reviewer, what is queued, the model on unseen labels."""
    return {
        "by_class": catalog.query("SELECT label, count(*) FROM labels GROUP BY ALL ORDER BY 1"),
        "by_reviewer": catalog.query(
            "SELECT coalesce(reviewer, origin), count(*) FILTER (WHERE undoes IS NULL), "
            "count(*) FILTER (WHERE undoes IS NOT NULL) FROM label_history "
            "GROUP BY ALL ORDER BY 2 DESC"),
        "queued": catalog.scalar(
            "SELECT count(*) FROM photo_tags WHERE human_label IS NULL "
            "AND sha256 NOT IN (SELECT sha256 FROM excluded_photos)"),
        "excluded": catalog.scalar("SELECT count(*) FROM excluded_photos"),
        "unseen": catalog.query_one(
            """SELECT count(*), avg(CASE WHEN p.predicted_class = l.label THEN 1 ELSE 0 END)
               FROM labels l JOIN photo_tags p USING (sha256)
               WHERE p.status = 'tagged'
                 AND l.sha256 NOT IN (SELECT sha256 FROM splits WHERE split = 'train')"""),
    }


def runs(catalog: Catalog) -> list[dict]:
    """Training runs, newest first, with their figures and the PNGs they wrote."""
    found = catalog.query_dicts(
        """SELECT t.run_id, t.started_at, t.status, t.artifact_path, t.model_id, t.message,
                  m.test_accuracy, m.threshold, m.backbone,
                  t.model_id = (SELECT model_id FROM current_model) AS current
           FROM train_runs t LEFT JOIN models m USING (model_id)
           ORDER BY t.started_at DESC""")
    for run in found:
        folder = run_folder(run)
        run["plots"] = [name for name in PLOTS if folder and (folder / name).is_file()]
        metrics = folder / "metrics.json" if folder else None
        run["metrics"] = (json.loads(metrics.read_text()) if metrics and metrics.is_file()
                          else {})
    return found


PLOTS = ("curves.png", "confusion.png", "threshold.png")


def run_folder(run: dict) -> Path | None:
    return Path(run["artifact_path"]).parent if run.get("artifact_path") else None
