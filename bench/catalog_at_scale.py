"""A simulated 10-million-photo catalog: build it with bulk SQL, time what people run on it.

    nice -n 10 python bench/catalog_at_scale.py                 # 10M images, 12M sightings
    nice -n 10 python bench/catalog_at_scale.py --images 1000000 --sightings 1200000

Synthetic rows only (no image files): images (one in ten a near-duplicate of the
one before), sightings over 300,000 routes in 20,000 crags, one model's tags on
every canonical image but the last million, human labels on one image in a
hundred. Times: the file size, every named report (its first 100 rows, as
``report NAME --limit 100`` shows them, and all its rows counted), route_cards
for one crag, the review_queue's top 100, photo_tags accuracy by SQL, the cover
choice for all routes, and merging a million tagging results the way
``tag-catalog --engine ray`` does. A query over --limit-s seconds is
interrupted and reported as such.

The catalog lives under --work (default /tmp) and is deleted at the end, unless
``--keep FOLDER`` builds it there and keeps it; ``--reuse FOLDER`` times a kept
catalog again without building (read-only steps only: reports, and covers with
--covers; no merge). ``--views REV`` times the report views of git revision REV
(e.g. the commit before a view was rewritten) on the same file: they replace
the views for the run, and the next opening by cragcat puts its own back::

    python bench/catalog_at_scale.py --keep /tmp/scale-10m               # build once
    python bench/catalog_at_scale.py --reuse /tmp/scale-10m --views 5b2c2aa
    python bench/catalog_at_scale.py --reuse /tmp/scale-10m --covers
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from catalog import open_catalog  # noqa: E402
from catalog.kept import keep_reports, kept_table  # noqa: E402
from catalog.reports import (Report, available_reports,  # noqa: E402
                             in_dependency_order, parse_report, report_query)
from tagger.cover_catalog import choose_covers  # noqa: E402
from tagger.ray_engine import MERGE_ROWS, export_work, merge_results  # noqa: E402
from crawler.ingest import (INSERT_IMAGE_ROWS, Examined, image_row_columns,  # noqa: E402
                            record_images)
from tagger.loader import Photo  # noqa: E402
from tagger.tagging import TagSummary, write_tags  # noqa: E402

MODEL = "5" * 64
CLASSES = ["glory", "butt", "topo"]


def build(catalog, images: int, sightings: int, routes: int, untagged: int) -> None:
    """Every table filled by a few bulk INSERT ... SELECT statements."""
    crags = max(1, routes // 15)
    sql = f"""
    INSERT INTO sources (source_id, kind, name, base_url)
        VALUES (1, 'html', 'simulated', 'http://127.0.0.1/');
    INSERT INTO areas (area_id, source_id, external_id, name, parent_id, path)
        SELECT i, 1, 'a' || i, 'Region ' || i, NULL, 'Region ' || i FROM range(1, 51) t(i);
    INSERT INTO areas (area_id, source_id, external_id, name, parent_id, path)
        SELECT 50 + i, 1, 'a' || (50 + i), 'Crag ' || i, 1 + i % 50,
               'Region ' || (1 + i % 50) || ' > Crag ' || i FROM range(1, {crags} + 1) t(i);
    INSERT INTO routes (route_id, source_id, external_id, area_id, name, grade, url)
        SELECT i, 1, 'r' || i, 51 + i % {crags}, 'Route ' || i, '6a',
               'http://127.0.0.1/route/' || i FROM range(1, {routes} + 1) t(i);
    INSERT INTO images (sha256, bytes, format, width, height, mode, phash, cluster_id,
                        is_canonical, original_path, derivative_path, sharpness, first_seen)
        SELECT sha256(i::VARCHAR), 150000 + i % 500000, 'JPEG', 1200 + (i % 7) * 100, 800,
               'RGB', hash(i), sha256((i - (i % 10 = 9)::INT)::VARCHAR), i % 10 <> 9,
               'originals/' || i || '.jpg', 'derivatives/' || i || '.jpg',
               50 + hash(i * 3) % 500, TIMESTAMP '2026-01-01' + to_seconds(i)
        FROM range({images}) t(i);
    INSERT INTO sightings (sighting_id, sighting_key, sha256, source_id, image_url, page_url,
                           area_id, route_id, caption, credit, votes)
        SELECT i, sha256('s' || i), sha256((i % {images})::VARCHAR), 1,
               'http://127.0.0.1/img/' || i || '.jpg',
               'http://127.0.0.1/route/' || (1 + hash(i * 7) % {routes}),
               (51 + (1 + hash(i * 7) % {routes}) % {crags})::INTEGER,
               CASE WHEN i % 20 <> 0 THEN (1 + hash(i * 7) % {routes})::INTEGER END,
               'photo ' || i, 'climber ' || (i % 5000), (hash(i * 11) % 40)::INTEGER
        FROM range({sightings}) t(i);
    INSERT INTO labels (sha256, label, origin)
        SELECT sha256(i::VARCHAR), ['glory', 'butt', 'topo'][(1 + hash(i) % 3)::BIGINT], 'folder'
        FROM range(0, {images}, 100) t(i);
    INSERT INTO models (model_id, path, backbone, classes, threshold)
        VALUES ('{MODEL}', 'models/sim.safetensors', 'efficientnet_lite0',
                ['glory', 'butt', 'topo'], 0.5);
    INSERT INTO tag_runs (run_id, model_id, status, backend) VALUES (1, '{MODEL}', 'finished', 'onnx');
    INSERT INTO tags (sha256, model_id, status, class, confidence, probabilities, run_id)
        SELECT sha256, '{MODEL}', 'tagged', CASE WHEN p[1] >= 0.5 THEN
                   ['glory', 'butt', 'topo'][list_position(p, list_max(p))::BIGINT] ELSE 'other' END,
               list_max(p), map(['glory', 'butt', 'topo'], p), 1
        FROM (SELECT sha256(i::VARCHAR) AS sha256,
                     CASE WHEN hash(i) % 3 = 0 THEN [0.80, 0.15, 0.05]::DOUBLE[]
                          WHEN hash(i) % 3 = 1 THEN [0.10, 0.60, 0.30]::DOUBLE[]
                          ELSE [0.20, 0.35, 0.45]::DOUBLE[] END AS p
              FROM range({images - untagged}) t(i) WHERE i % 10 <> 9);
    CHECKPOINT;
    """
    for statement in filter(str.strip, sql.split(";")):
        catalog.con.execute(statement)


class Timer:
    """Time SQL with a limit: a query past ``limit_s`` is interrupted, not waited for."""

    def __init__(self, catalog, limit_s: float):
        self.catalog, self.limit_s, self.figures = catalog, limit_s, {}

    def sql(self, name: str, sql: str, first: int | None = None):
        """A cursor of its own: a result read only in part is closed with it."""
        cursor = self.catalog.con.cursor()
        watchdog = threading.Timer(self.limit_s, cursor.interrupt)
        started, cpu = time.perf_counter(), time.process_time()
        watchdog.start()
        try:
            cursor.execute(sql)
            rows = cursor.fetchmany(first) if first else cursor.fetchall()
            self.figures[name] = self._seconds(started, cpu)
        except Exception as exc:  # an interrupted query: recorded, not fatal
            self.figures[name] = f"> {self.limit_s:g} s ({type(exc).__name__})"
            rows = None
        finally:
            watchdog.cancel()
            cursor.close()
        print(f"  {name:<48} {self.figures[name]}", flush=True)
        return rows

    @staticmethod
    def _seconds(started: float, cpu: float) -> str:
        """Wall seconds and CPU seconds over all threads: on a shared machine the
        second says what the work costs, the first what someone waited."""
        return (f"{time.perf_counter() - started:.3f} s wall, "
                f"{time.process_time() - cpu:.3f} s CPU")

    def step(self, name: str, function):
        started, cpu = time.perf_counter(), time.process_time()
        result = function()
        self.figures[name] = self._seconds(started, cpu)
        print(f"  {name:<48} {self.figures[name]}", flush=True)
        return result


def time_reports(timer: Timer, reports: list[Report], kept: bool = False) -> None:
    """Each report as ``report NAME --limit 100`` asks for it, then all its rows counted;
    ``kept``: read from the kept tables, as `report NAME` does while they are current."""
    def source(name: str) -> str:
        return kept_table(name) if kept and available_reports()[name].kept else name
    label = "kept: " if kept else ""
    for report in sorted(reports, key=lambda r: r.name):
        if kept and not report.kept:
            continue
        table = source(report.name) if kept else None
        timer.sql(f"{label}report {report.name} (first 100 rows)",
                  report_query(report, 100, table), first=100)
        timer.sql(f"{label}report {report.name} (all rows, counted)",
                  f"SELECT count(*) FROM {table or report.name}")
    cards, queue, tags = source("route_cards"), source("review_queue"), source("photo_tags")
    timer.sql(f"{label}route_cards for one crag", f"SELECT * FROM {cards} WHERE area = 'Crag 123'")
    timer.sql(f"{label}route_cards for one route (the review app's route page)",
              f"SELECT * FROM {cards} WHERE route_id = 4321")
    timer.sql(f"{label}review_queue top 100", f"SELECT * FROM {queue} LIMIT 100")
    timer.sql(f"{label}photo_tags accuracy by SQL",
              f"SELECT avg((human_label = predicted_class)::INTEGER) FROM {tags} "
              "WHERE human_label IS NOT NULL AND status = 'tagged'")


def keep_and_time(timer: Timer, catalog) -> None:
    """`report --keep`: every kept report computed and written once (the batch step
    tag-catalog ends with on a big catalog), then read as `report NAME` reads it."""
    started, cpu = time.perf_counter(), time.process_time()
    for report in keep_reports(catalog):
        timer.figures[f"keep {report.name}"] = f"{report.seconds:.3f} s wall, {report.rows:,} rows"
        print(f"  keep {report.name:<43} {timer.figures[f'keep {report.name}']}", flush=True)
    timer.figures["keep every kept report"] = Timer._seconds(started, cpu)
    print(f"  {'keep every kept report':<48} {timer.figures['keep every kept report']}")
    timer.figures["file MB with kept reports"] = round(catalog.path.stat().st_size / 1e6)



def merge_million(catalog, timer: Timer, work: Path, rows: int, sizes: list[int]) -> None:
    """Export the untagged photos as tag-catalog --engine ray does, merge random results:
    an equal share of them at each batch size in ``sizes`` (results per transaction)."""
    shas = untagged(catalog, timer, work)
    share = min(rows, len(shas)) // len(sizes)
    merge = Merger(catalog)
    for n, size in enumerate(sizes):
        timer.step(f"tagging merge of {share:,} results ({size}/txn)",
                   lambda: merge.run(shas[n * share:(n + 1) * share], size, merge_results))


def merge_both_ways(catalog, timer: Timer, work: Path, rows: int, sizes: list[int]) -> None:
    """``rows`` untagged photos' results at each size, half of them merged as before this
    session (INSERT OR REPLACE for every batch), half as now (a plain INSERT, replacing only
    on a conflict), batch by batch in turn so that the machine's load falls on both alike.
    The photos are first untagged (tags from the build's simulated merge, run 2), so the
    catalog ends as it began."""
    with catalog.transaction() as tx:
        tx.execute("DELETE FROM tags WHERE sha256 IN (SELECT sha256 FROM tags WHERE run_id = 2 "
                   "AND model_id = ? LIMIT ?)", [MODEL, rows * len(sizes)])
    shas = untagged(catalog, timer, work)
    share = min(rows, len(shas)) // len(sizes)
    merge = Merger(catalog)
    for n, size in enumerate(sizes):
        part = shas[n * share:(n + 1) * share]
        batches = [part[start:start + size] for start in range(0, len(part), size)]
        in_turn(timer, f"tagging merge {{way}}, {len(part) // 2:,} results ({size}/txn)", {
            "before": lambda i: merge.run(batches[i], size, replace_every_batch),
            "now": lambda i: merge.run(batches[i], size, merge_results)}, len(batches))


def ingest_both_ways(catalog, timer: Timer, commits: int, size: int = 64) -> None:
    """A folder-import shard's image rows (``size`` new photos, as `crawl --engine ray`
    commits one) written ``commits`` times each way, in turn: as before this session
    (INSERT ... ON CONFLICT DO NOTHING) and as now (the held keys looked up through the
    index, then a plain INSERT). Each in a transaction rolled back: the file is unchanged."""
    def shard(i: int) -> list:
        return [(Examined(sha256=f"{i:032x}{n:032x}", size=1, format="JPEG", width=1,
                          height=1, mode="RGB", phash=n, sharpness=1.0, extension="jpg",
                          original=b"", derivative=b""), ("o", "d")) for n in range(size)]

    def rolled_back(write):
        def commit(i: int) -> None:
            catalog.con.execute("BEGIN TRANSACTION")
            write(catalog.con, shard(i))
            catalog.con.execute("ROLLBACK")
        return commit
    in_turn(timer, f"ingest commit of {size} new photos {{way}} (per commit)", {
        "before": rolled_back(conflict_clause_insert), "now": rolled_back(record_images)},
        2 * commits, per=commits)


def in_turn(timer: Timer, name: str, ways: dict, rounds: int, per: int = 1) -> None:
    """Call ``ways[way](i)`` for i in range(rounds), the ways taking turns, and record
    each way's wall and CPU seconds (divided by ``per``) under ``name`` with its way."""
    spent = {way: [0.0, 0.0] for way in ways}
    for i in range(rounds):
        way = list(ways)[i % len(ways)]
        wall, cpu = time.perf_counter(), time.process_time()
        ways[way](i)
        spent[way][0] += time.perf_counter() - wall
        spent[way][1] += time.process_time() - cpu
    for way, (wall, cpu) in spent.items():
        label = name.format(way=way)
        timer.figures[label] = f"{wall / per:.4f} s wall, {cpu / per:.4f} s CPU"
        print(f"  {label:<48} {timer.figures[label]}", flush=True)


def conflict_clause_insert(tx, rows) -> None:
    """crawler.ingest.record_images as it was before this session: no lookup, a conflict
    clause."""
    tx.execute(INSERT_IMAGE_ROWS.replace("RETURNING", "ON CONFLICT DO NOTHING RETURNING"),
               [list(c) for c in zip(*image_row_columns(rows))]).fetchall()


def untagged(catalog, timer: Timer, work: Path):
    timer.step("tagging work list export", lambda: export_work(catalog, MODEL, False, work))
    import pyarrow.parquet as pq
    return pq.read_table(work, columns=["sha256"]).column("sha256").to_numpy(
        zero_copy_only=False)


class Merger:
    """Random results for given photos, merged ``size`` per transaction by ``way``."""

    def __init__(self, catalog):
        self.catalog, self.rng = catalog, np.random.default_rng(0)
        self.summary = TagSummary(2, MODEL)
        self.artifact = type("Sim", (), {"classes": CLASSES, "meta": {}})()

    def run(self, shas, size: int, way) -> None:
        for start in range(0, len(shas), size):
            part = shas[start:start + size]
            probabilities = self.rng.dirichlet([1.0] * 3, size=len(part)).astype(np.float32)
            way(self.catalog, self.summary, {
                "sha256": part, "probabilities": probabilities,
                "reason": np.array([""] * len(part), dtype=object)}, self.artifact, 0.5)


def replace_every_batch(catalog, summary, results, artifact, threshold) -> None:
    """The merge as it was before this session: INSERT OR REPLACE, one transaction."""
    with catalog.transaction() as tx:
        write_tags(tx, summary.run_id, summary.model_id, CLASSES,
                   [Photo(str(s), "") for s in results["sha256"]],
                   torch.from_numpy(results["probabilities"]), threshold, None, True)


def views_of(revision: str) -> list[Report]:
    """The report views as git revision ``revision`` had them, in dependency order."""
    root = Path(__file__).resolve().parent.parent

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True,
                              text=True).stdout
    files = [f for f in git("ls-tree", "--name-only", revision, "catalog/views/").split()
             if f.endswith(".sql")]
    return in_dependency_order({Path(f).stem: parse_report(Path(f).stem, git("show", f"{revision}:{f}"))
                                for f in files})


def install_views(catalog, reports: list[Report]) -> None:
    """Replace the catalog's views with ``reports`` for this run; forgetting the views'
    digest makes the next opening by cragcat put its own views back."""
    for report in reports:
        catalog.con.execute(f"CREATE OR REPLACE VIEW {report.name} AS\n"
                            f"{report.sql.strip().rstrip(';')}")
    catalog.con.execute("DELETE FROM cragcat_meta WHERE key = 'views'")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=10_000_000)
    parser.add_argument("--sightings", type=int, default=12_000_000)
    parser.add_argument("--routes", type=int, default=300_000)
    parser.add_argument("--merge", type=int, default=1_000_000)
    parser.add_argument("--merge-rows", default=f"{MERGE_ROWS},8192",
                        help="results per transaction, each given an equal share")
    parser.add_argument("--work", default="/tmp")
    parser.add_argument("--keep", default="", help="build the catalog in this folder and keep it")
    parser.add_argument("--reuse", default="", help="time the catalog kept in this folder")
    parser.add_argument("--views", default="", help="time the report views of this git revision")
    parser.add_argument("--limit-s", type=float, default=300.0)
    parser.add_argument("--skip-covers", action="store_true")
    parser.add_argument("--covers", action="store_true", help="with --reuse: time the covers too")
    parser.add_argument("--skip-reports", action="store_true")
    parser.add_argument("--merge-both-ways", type=int, default=0, metavar="N",
                        help="with --reuse: merge N untagged photos' results at each "
                             "--merge-rows size, half as before this session (INSERT OR "
                             "REPLACE), half as now, in turn")
    parser.add_argument("--ingest-both-ways", type=int, default=0, metavar="N",
                        help="N commits of a 64-photo shard's image rows, each way: with "
                             "the conflict clause as before this session, and as now")
    parser.add_argument("--kept", action="store_true",
                        help="keep the kept reports as tables (report --keep), time that "
                             "and every report read from them")
    parser.add_argument("--memory-limit", default="",
                        help="DuckDB's memory_limit (e.g. 2GB): past it, DuckDB spills to disk")
    parser.add_argument("--out", default="", help="write the figures here as JSON")
    args = parser.parse_args()
    torch.set_num_threads(1)
    kept = args.keep or args.reuse
    folder = Path(kept or Path(args.work) / f"cragcat-scale-{args.images}")
    if not args.reuse:
        shutil.rmtree(folder, ignore_errors=True)
    try:
        run(args, folder)
    finally:
        if not kept:
            shutil.rmtree(folder, ignore_errors=True)


def run(args, folder: Path) -> None:
    with open_catalog(folder / "catalog.duckdb") as catalog:
        catalog.con.execute("SET enable_progress_bar = false")
        if args.memory_limit:
            catalog.con.execute(f"SET memory_limit = '{args.memory_limit}'")
        timer = Timer(catalog, args.limit_s)
        reports = list(available_reports().values())
        if args.views:
            reports = views_of(args.views)
            install_views(catalog, reports)
        if not args.reuse:
            print(f"{args.images:,} images, {args.sightings:,} sightings, {args.routes:,} routes")
            timer.step("build (bulk SQL)", lambda: build(catalog, args.images, args.sightings,
                                                          args.routes, args.merge))
        timer.figures["file MB"] = round((folder / "catalog.duckdb").stat().st_size / 1e6)
        print(f"  file size: {timer.figures['file MB']} MB", flush=True)
        if not args.reuse:  # first, so that a --reuse run times the reports on the same rows
            merge_million(catalog, timer, folder / "work.parquet", args.merge,
                          [int(n) for n in args.merge_rows.split(",")])
            catalog.con.execute("CHECKPOINT")
            timer.figures["file MB after merge"] = round(
                (folder / "catalog.duckdb").stat().st_size / 1e6)
        if args.ingest_both_ways:
            ingest_both_ways(catalog, timer, args.ingest_both_ways)
        if args.merge_both_ways:
            merge_both_ways(catalog, timer, folder / "work.parquet", args.merge_both_ways,
                            [int(n) for n in args.merge_rows.split(",")])
        if not args.skip_reports:
            time_reports(timer, reports)
        if args.kept:
            catalog.con.execute("CHECKPOINT")
            keep_and_time(timer, catalog)
            catalog.con.execute("CHECKPOINT")
            time_reports(timer, reports, kept=True)
        if (args.covers or not args.reuse) and not args.skip_covers:
            timer.step("cover choice for all routes", lambda: choose_covers(catalog, MODEL))
    timer.figures["peak RSS MB"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(f"  peak RSS: {timer.figures['peak RSS MB']} MB", flush=True)
    if args.out:
        Path(args.out).write_text(json.dumps(timer.figures, indent=1))


if __name__ == "__main__":
    main()
