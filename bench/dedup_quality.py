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
is a miss. The same plain photos then get the sample site's copy kinds (re-encoded,
resized, cropped, watermarked: samplesite.encoding) and must merge with them: the
real-photo check that the rule against drawn lines splits no copy.

Last, every candidate pair of the three cases is judged again, alternately, by the
check before the stroke rule (changed cells alone, aligned on the 1 % crop steps
only) and by the check as it is: merges per case, and CPU seconds per pair.
Needs the bench extra: pip install -e '.[bench]'.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import random
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
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


@dataclass
class Crawled:
    """cragcat's verdicts on one folder."""

    pairs: set        # pairs of SHA-256 in one cluster
    candidates: set   # pairs with close pHashes (before the pixel check)
    seconds: float    # import + dedup, wall
    found: list       # a Candidate per pair with close pHashes


@dataclass(frozen=True)
class Candidate:
    """A pair with close pHashes, and its two derivatives."""

    pair: tuple       # (SHA-256, SHA-256), sorted
    files: tuple


def run_cragcat(folder: Path, work: Path) -> Crawled:
    from catalog import open_catalog
    from crawler.folder import import_folder
    started = time.perf_counter()
    catalog = open_catalog(work / "catalog.duckdb")
    import_folder(catalog, folder)
    seconds = time.perf_counter() - started
    clusters: dict[str, set] = {}
    for sha, cluster in catalog.query("SELECT sha256, cluster_id FROM images"):
        clusters.setdefault(cluster, set()).add(sha)
    rows = catalog.query("SELECT n.sha256_a, n.sha256_b, a.derivative_path, b.derivative_path "
                         "FROM near_duplicates n JOIN images a ON a.sha256 = n.sha256_a "
                         "JOIN images b ON b.sha256 = n.sha256_b")
    store = Path(catalog.store_dir)
    found = [Candidate(tuple(sorted(r[:2])), (store / r[2], store / r[3])) for r in rows]
    return Crawled(pairs_of(clusters.values()), {c.pair for c in found}, seconds, found)


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
    with tempfile.TemporaryDirectory(prefix="bench-dedup-") as tmp:
        work = Path(tmp)
        judged = {"sample site": site_case(args.size, args.seed, work / "site"),
                  "Cirque topo over its photo": cirque_case(work / "cirque"),
                  "Cirque photo and its copies": copies_case(work / "copies")}
        before_and_after(judged)


def site_case(size: str, seed: int, work: Path) -> list:
    """The sample site's ground truth: precision, recall, topo pairs merged; returns each
    candidate pair with whether it should merge."""
    from samplesite import build_site
    site_dir = build_site(size, seed=seed)
    manifest = json.loads((site_dir / "manifest.json").read_text())
    folder = work / "photos"
    folder.mkdir(parents=True)
    group_of, truth = photo_folder(site_dir, manifest, folder)
    ours = run_cragcat(folder, work)
    theirs, their_seconds = run_imagededup(folder)
    overlays = {tuple(sorted((o["topo_sha256"], o["plain_sha256"])))
                for o in manifest["expected"]["topo_overlays"]}
    print(f"site: {size}, {len(group_of)} unique photos, {len(truth)} true near-duplicate "
          f"pairs, {len(overlays)} topo-over-photo pairs that must stay apart")
    print("| method | precision | recall | topo pairs merged | seconds |")
    print("|---|---|---|---|---|")
    rows = [("cragcat (pHash <= 8 + pixel check)", ours.pairs, ours.seconds),
            ("cragcat pHash candidates only", ours.candidates, None),
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
    return [(v, v.pair in truth) for v in ours.found]


def cirque_plain_dir() -> Path | None:
    from bench.real_sources import REAL_PHOTOS_2
    plain_dir = REAL_PHOTOS_2 / "plain-boulders"
    if not plain_dir.is_dir():
        print(f"{plain_dir} is absent: the real Cirque cases are skipped")
        return None
    return plain_dir


def stem_of(folder: Path) -> dict:
    return {hashlib.sha256(f.read_bytes()).hexdigest(): f.stem for f in folder.iterdir()}


def named(pairs, stems: dict) -> set:
    """Pairs of SHA-256 as pairs of file stems."""
    return {tuple(sorted((stems.get(a, a), stems.get(b, b)))) for a, b in pairs}


def cirque_case(work: Path) -> list:
    """Real topos over their own photos: how many of the pairs each method merges."""
    from bench.cirque_topos import write_topos
    plain_dir = cirque_plain_dir()
    if plain_dir is None:
        return []
    folder = work / "photos"
    pairs = write_topos(plain_dir, folder)  # drawn topos: cirque__NAME.jpg
    for plain, _ in pairs:  # a temporary copy, deleted with the work folder
        shutil.copyfile(plain, folder / f"plain__{plain.name}")
    names = {tuple(sorted((f"plain__{p.stem}", d.stem))) for p, d in pairs}
    ours = run_cragcat(folder, work)
    stems = stem_of(folder)
    merged = named(ours.pairs, stems)
    theirs, _ = run_imagededup(folder)
    print(f"real case: {len(pairs)} Cirque boulder photos, each with its route lines drawn "
          f"over it (must stay apart)")
    print(f"| method | topo pairs merged |\n|---|---|\n"
          f"| cragcat (pHash <= 8 + pixel check) | {len(merged & names)} of {len(names)} |\n"
          f"| imagededup PHash find_duplicates (default 10) | "
          f"{len({tuple(sorted(p)) for p in theirs} & names)} of {len(names)} |")
    return [(v, False) for v in ours.found]


def copies_case(work: Path) -> list:
    """Real photos' copies, made as the sample site makes them, must merge with them."""
    from PIL import Image
    from samplesite.encoding import NEAR_KINDS, encode, variant
    plain_dir = cirque_plain_dir()
    if plain_dir is None:
        return []
    folder = work / "photos"
    folder.mkdir(parents=True)
    r = random.Random(0)
    photos = sorted(plain_dir.glob("*.jpg"))
    for photo in photos:  # temporary copies, deleted with the work folder
        shutil.copyfile(photo, folder / f"{photo.stem}__plain.jpg")
        with Image.open(photo) as image:
            image = image.convert("RGB")
            for kind in NEAR_KINDS:
                copy, encoding = variant(image, kind, r, r.choice(CREDITS))
                (folder / f"{photo.stem}__{kind}.jpg").write_bytes(encode(copy, encoding))
    groups: dict[str, set] = {}
    for f in folder.iterdir():
        groups.setdefault(f.stem.split("__")[0], set()).add(f.stem)
    truth = pairs_of(groups.values())
    ours, stems = run_cragcat(folder, work), stem_of(folder)
    merged = named(ours.pairs, stems)
    precision, recall = score(merged, truth)
    whole = sum(1 for g in groups.values() if pairs_of([g]) <= merged)
    print(f"real copies: {len(photos)} Cirque photos, each with {len(NEAR_KINDS)} copies "
          f"({', '.join(NEAR_KINDS)}), {len(truth)} true pairs\n"
          f"| precision | recall | photos whose copies all form one cluster |\n|---|---|---|\n"
          f"| {precision:.3f} | {recall:.3f} | {whole} of {len(groups)} |")
    return [(v, named([v.pair], stems) <= truth) for v in ours.found]


CREDITS = ("Paul Dubois", "Nina Kask", "Ada Climber", "cragcat.example")


def before_and_after(judged: dict) -> None:
    """Every candidate pair judged again, alternately, by the check before the stroke rule
    (changed cells alone, aligned on the 1 % crop steps only: HALF_STEP 0) and by the
    check as it is; merges per case and CPU per pair (one thread, derivatives decoded
    each time as the crawl does)."""
    from PIL import Image
    from crawler import compare
    from crawler.options import CrawlOptions
    limit = CrawlOptions.from_settings(None, source="folder").dedup.max_edited_cells
    half_step, seconds, pairs = compare.HALF_STEP, [0.0, 0.0], 0

    def before(a, b) -> bool:
        compare.HALF_STEP = 0.0
        try:
            return compare.changed_cells(compare.aligned_difference(a, b) > compare.CHANGED) \
                <= limit
        finally:
            compare.HALF_STEP = half_step

    def after(a, b) -> bool:
        return compare.edits(a, b).is_copy(limit)
    print("| case | candidate pairs | should merge, merged: before / now | "
          "must stay apart, merged: before / now |\n|---|---|---|---|")
    for case, candidates in judged.items():
        merged = {True: [0, 0, 0], False: [0, 0, 0]}  # should merge -> [pairs, before, now]
        for candidate, should in candidates:
            row = merged[should]
            row[0] += 1
            for k, check in enumerate((before, after)):
                started = time.process_time()
                with Image.open(candidate.files[0]) as a, Image.open(candidate.files[1]) as b:
                    row[k + 1] += check(a, b)
                seconds[k] += time.process_time() - started
            pairs += 1
        print(f"| {case} | {len(candidates)} | " + " | ".join(
            f"{merged[s][1]} / {merged[s][2]} of {merged[s][0]}" for s in (True, False)) + " |")
    ms = [1000 * t / max(1, pairs) for t in seconds]
    print(f"pixel check, CPU per candidate pair ({pairs} pairs, one thread): before "
          f"{ms[0]:.1f} ms, now {ms[1]:.1f} ms ({ms[1] / max(ms[0], 1e-9):.2f}x)")


if __name__ == "__main__":
    main()
