"""`crawl_runs` rows: when a crawl started, how it ended, what it counted."""

from __future__ import annotations

import json


def start_run(catalog, source_id: int) -> int:
    """A new run row. A run still marked running was killed: only one process can
    write the catalog, so it is not running now."""
    with catalog.transaction() as tx:
        tx.execute("UPDATE crawl_runs SET status = 'interrupted' WHERE status = 'running'")
        row = tx.execute("INSERT INTO crawl_runs (source_id, status) VALUES (?, 'running') "
                         "RETURNING run_id", [source_id]).fetchone()
    return int(row[0])


def finish_run(catalog, run_id: int, status: str, figures: dict) -> None:
    with catalog.transaction() as tx:
        tx.execute("UPDATE crawl_runs SET status = ?, finished_at = current_timestamp, "
                   "counts = ? WHERE run_id = ?", [status, json.dumps(figures), run_id])
