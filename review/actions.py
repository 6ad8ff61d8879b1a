"""What the app's buttons and keys change: each a row through a catalog writer,
committed before the page hears that it worked."""

from __future__ import annotations

import re

from catalog import Catalog
from catalog.choices import clear_choice, pin_photo, reject_photo
from catalog.exclusions import exclude_photos, restore_photos
from catalog.labels import undo_label, write_labels
from cragcat.errors import UsageError
from review.reads import LABELS

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def known_photos(catalog: Catalog, shas) -> list[str]:
    """The given photos, each checked to be a sha256 the catalog holds."""
    if not isinstance(shas, list) or not shas:
        raise UsageError("sha256s must be a non-empty list")
    bad = [s for s in shas if not isinstance(s, str) or not _SHA256.match(s)]
    if bad:
        raise UsageError(f"not a sha256: {str(bad[0])[:80]!r}")
    found = {r[0] for r in catalog.query(
        "SELECT sha256 FROM images WHERE sha256 IN (SELECT unnest(?::VARCHAR[]))", [shas])}
    missing = [s for s in shas if s not in found]
    if missing:
        raise UsageError(f"no photo {missing[0][:12]} in this catalog")
    return list(dict.fromkeys(shas))


def label(catalog: Catalog, body: dict, reviewer: str) -> dict:
    """One or more label actions ({"labels": [{"sha256s", "label"}, ...]}, or one of them
    as the body) in one transaction: the page sends what was pressed meanwhile together."""
    groups = body.get("labels", [body])
    if not isinstance(groups, list) or not groups or not all(isinstance(g, dict) for g in groups):
        raise UsageError("labels must be a non-empty list of {sha256s, label}")
    for group in groups:
        if group.get("label") not in LABELS:
            raise UsageError(f"label must be one of {', '.join(LABELS)}")
    known = set(known_photos(catalog, [sha for g in groups for sha in g.get("sha256s") or []]))
    with catalog.transaction() as tx:
        ids = [ids for run in distinct_runs(groups, known) for ids in write_run(tx, run, reviewer)]
    return {"history_ids": ids if "labels" in body else ids[0]}


def distinct_runs(groups: list[dict], known: set[str]) -> list[list[dict]]:
    """Consecutive groups cut where a photo comes again (a label changed meanwhile), so
    each run is written in one statement and the later label wins, in order."""
    runs, seen = [[]], set()
    for group in groups:
        shas = [s for s in group.get("sha256s") or [] if s in known]
        if seen & set(shas):
            runs.append([])
            seen = set()
        runs[-1].append({"sha256s": shas, "label": group["label"]})
        seen |= set(shas)
    return runs


def write_run(tx, run: list[dict], reviewer: str) -> list[list[int]]:
    changes = write_labels(tx, {sha: g["label"] for g in run for sha in g["sha256s"]},
                           "review", reviewer)
    by_sha = {c.sha256: c.history_id for c in changes}
    return [[by_sha[sha] for sha in g["sha256s"]] for g in run]


def undo(catalog: Catalog, body: dict, reviewer: str) -> dict:
    ids = body.get("history_ids")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, int) for i in ids):
        raise UsageError("history_ids must be a non-empty list of numbers")
    restored = [undo_label(catalog, i, reviewer) for i in reversed(ids)]
    return {"restored": {c.sha256: c.label for c in restored}}


def choose(catalog: Catalog, body: dict, reviewer: str) -> dict:
    """Pin, reject or clear a route's cover or topo."""
    route_id, kind, action = body.get("route_id"), body.get("kind"), body.get("action")
    if not isinstance(route_id, int):
        raise UsageError("route_id must be a number")
    if action == "clear":
        return {"choice_id": clear_choice(catalog, route_id, kind, reviewer)}
    sha = known_photos(catalog, [body.get("sha256")])[0]
    if action == "pin":
        return {"choice_id": pin_photo(catalog, route_id, kind, sha, reviewer,
                                       body.get("reason") or None)}
    if action == "reject":
        return {"choice_id": reject_photo(catalog, route_id, kind, sha,
                                          str(body.get("reason") or ""), reviewer)}
    raise UsageError("action must be pin, reject or clear")


def exclude(catalog: Catalog, body: dict, reviewer: str) -> dict:
    shas = known_photos(catalog, body.get("sha256s"))
    if body.get("action", "exclude") == "restore":
        return {"rows": restore_photos(catalog, shas, reviewer, body.get("reason") or None)}
    return {"rows": exclude_photos(catalog, shas, str(body.get("reason") or ""), reviewer)}
