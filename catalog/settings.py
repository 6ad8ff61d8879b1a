"""Settings of the catalog."""

from cragcat.settings import Setting

SETTINGS = [
    Setting("catalog.path", str, "catalog.duckdb",
            "The DuckDB catalog file; a crawl creates it, the other commands need it.",
            flag=""),
    Setting("catalog.store", str, "",
            "Folder for image files (originals and model-ready derivatives); "
            "empty means '<catalog name>-store' beside the catalog file.", flag=""),
    Setting("report.timeout", float, 300.0, "Seconds any report query may run before it "
            "is stopped with a message (0: no limit).", min=0.0),
]
