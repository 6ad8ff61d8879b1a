"""Export a work list (a query's rows) to a Parquet file that a cluster can read.

Distributed stages (Ray) never open the catalog: the one writing process
exports what is to be done, workers read the file, and their results come
back to that process, which merges them through ``Catalog.transaction()``.
The rows are streamed in record batches, so ten million rows never sit in
Python objects.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Sequence

EXPORT_BATCH_ROWS = 100_000


def export_worklist(catalog, sql: str, params: Sequence[Any], path: str | os.PathLike) -> int:
    """Write the rows of ``sql`` to ``path`` (Parquet, atomically); return how many."""
    import pyarrow.parquet as pq

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    relation = catalog.con.sql(sql, params=list(params))
    # DuckDB 2 renamed fetch_arrow_reader to to_arrow_reader; 1.x has only the first.
    reader = (getattr(relation, "to_arrow_reader", None) or relation.fetch_arrow_reader)(
        EXPORT_BATCH_ROWS)
    rows = 0
    with pq.ParquetWriter(partial, reader.schema) as writer:
        for batch in reader:
            writer.write_batch(batch)
            rows += batch.num_rows
    partial.replace(path)
    return rows
