"""Near-duplicate quality on a sample site's ground truth: cragcat vs imagededup, same script.

    python bench/dedup_quality.py                  # the small sample site
    python bench/dedup_quality.py --size large

Every crawlable photo of the site (one file per SHA-256) is put in one folder.
cragcat imports it (crawler.folder: ingest + pHash candidates + the pixel
check) and its clusters give the predicted pairs; imagededup's PHash
``find_duplicates`` at its default threshold (10) runs on the same folder and
its reported duplicates give its pairs; a third row is cragcat's pHash
candidates without the pixel check. Truth: two photos are near duplicates
when they share a ``dup_group`` (a topo drawn over a photo has its own).
Pair precision and recall are printed for each, with ratios.

A real case follows where ``../shared/real-photos-2`` is present: the Cirque app's
plain boulder photos and the same photos with their route lines drawn as the app
draws them (bench.cirque_topos) go into one folder; a topo drawn over a photo must
not merge with it, so every (plain, drawn) pair cragcat or imagededup puts together
is a miss.
Needs the bench extra: pip install -e '.[bench]'.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def pairs_of(groups) -> set[tuple[str, str]]:
    found = set()
    for group in groups:
        members = sorted(group)
        found |= {(a, b) for i, a in enumerate(members) for b in members[i + 1:]}
    return found


def score(predicted: set, truth: set) -> tuple[float, float]:
    hits = len(predicted & truth)
    return hits / max(1, len(predicted)), hits / max(1, len(truth))


def photo_folder(site_dir: Path, manifest: dict, folder: Path) -> tuple[dict, set]:
    """One hard link per unique photo, named by SHA-256; returns (sha -> group, true pairs)."""
    group_of = {}
    for photo in manifest["photos"]:
        if photo["crawlable"] and photo["sha256"] not in group_of:
            group_of[photo["sha256"]] = photo["dup_group"]
            source = site_dir / "www" / photo["path"].lstrip("/")
            target = folder / f"{photo['sha256']}{source.suffix}"
            try:
                os.link(source, target)
            except OSError:
                target.write_bytes(source.read_bytes())
    groups: dict[str, set] = {}
    for sha, group in group_of.items():
        groups.setdefault(group, set()).add(sha)
    return group_of, pairs_of(groups.values())


def run_cragcat(folder: Path, work: Path) -> tuple[set, set, float]:
    from catalog import open_catalog
    from crawler.folder import import_folder
    started = time.perf_counter()
    catalog = open_catalog(work / "catalog.duckdb")
    import_folder(catalog, folder)
    seconds = time.perf_counter() - started
    clusters: dict[str, set] = {}
    for sha, cluster in catalog.query("SELECT sha256, cluster_id FROM images"):
        clusters.setdefault(cluster, set()).add(sha)
    candidates = {tuple(sorted(p)) for p in catalog.query(
        "SELECT sha256_a, sha256_b FROM near_duplicates")}
    return pairs_of(clusters.values()), candidates, seconds


def run_imagededup(folder: Path) -> tuple[set, float]:
    logging.disable(logging.WARNING)
    from imagededup.methods import PHash
    started = time.perf_counter()
    duplicates = PHash(verbose=False).find_duplicates(image_dir=str(folder))
    seconds = time.perf_counter() - started
    found = set()
    for name, others in duplicates.items():
        found |= {tuple(sorted((Path(name).stem, Path(o).stem))) for o in others}
    return found, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="small", choices=["tiny", "small", "large"])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    from samplesite import build_site
    site_dir = build_site(args.size, seed=args.seed)
    manifest = json.loads((site_dir / "manifest.json").read_text())
    with tempfile.TemporaryDirectory(prefix="bench-dedup-") as tmp:
        folder, work = Path(tmp) / "photos", Path(tmp)
        folder.mkdir()
        group_of, truth = photo_folder(site_dir, manifest, folder)
        ours, candidates, our_seconds = run_cragcat(folder, work)
        theirs, their_seconds = run_imagededup(folder)
    overlays = {tuple(sorted((o["topo_sha256"], o["plain_sha256"])))
                for o in manifest["expected"]["topo_overlays"]}
    print(f"site: {args.size}, {len(group_of)} unique photos, {len(truth)} true near-duplicate "
          f"pairs, {len(overlays)} topo-over-photo pairs that must stay apart")
    print("| method | precision | recall | topo pairs merged | seconds |")
    print("|---|---|---|---|---|")
    rows = [("cragcat (pHash <= 8 + pixel check)", ours, our_seconds),
            ("cragcat pHash candidates only", candidates, None),
            ("imagededup PHash find_duplicates (default 10)", theirs, their_seconds)]
    results = {}
    for name, predicted, seconds in rows:
        precision, recall = score(predicted, truth)
        results[name] = (precision, recall)
        shown = f"{seconds:.1f}" if seconds is not None else "-"
        print(f"| {name} | {precision:.3f} | {recall:.3f} | {len(predicted & overlays)} | "
              f"{shown} |")
    (p1, r1), (p2, r2) = results[rows[0][0]], results[rows[2][0]]
    print(f"ratio cragcat / imagededup: precision {p1 / max(p2, 1e-9):.2f}x, "
          f"recall {r1 / max(r2, 1e-9):.2f}x (targets: precision >= 0.99, recall >= 0.95)")
    with tempfile.TemporaryDirectory(prefix="bench-dedup-cirque-") as tmp:
        cirque_case(Path(tmp))



def cirque_case(work: Path) -> None:
    """Real topos over their own photos: how many of the pairs each method merges."""
    from bench.real_sources import REAL_PHOTOS_2
    from bench.cirque_topos import write_topos
    plain_dir = REAL_PHOTOS_2 / "plain-boulders"
    if not plain_dir.is_dir():
        print(f"{plain_dir} is absent: the real topo-over-photo case is skipped")
        return
    folder = work / "cirque"
    pairs = write_topos(plain_dir, folder)  # drawn topos: cirque__NAME.jpg
    for plain, _ in pairs:  # a temporary copy, deleted with the work folder
        shutil.copyfile(plain, folder / f"plain__{plain.name}")
    names = {tuple(sorted((f"plain__{p.stem}", d.stem))) for p, d in pairs}
    (work / "cirque-catalog").mkdir()
    ours, _, _ = run_cragcat(folder, work / "cirque-catalog")
    by_sha = {hashlib.sha256(f.read_bytes()).hexdigest(): f.stem for f in folder.iterdir()}
    merged = {tuple(sorted((by_sha.get(a, a), by_sha.get(b, b)))) for a, b in ours}
    theirs, _ = run_imagededup(folder)
    print(f"real case: {len(pairs)} Cirque boulder photos, each with its route lines drawn "
          f"over it (must stay apart)")
    print(f"| method | topo pairs merged |\n|---|---|\n"
          f"| cragcat (pHash <= 8 + pixel check) | {len(merged & names)} of {len(names)} |\n"
          f"| imagededup PHash find_duplicates (default 10) | "
          f"{len({tuple(sorted(p)) for p in theirs} & names)} of {len(names)} |")


if __name__ == "__main__":
    main()
