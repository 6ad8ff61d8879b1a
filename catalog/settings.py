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
    Setting("report.keep_from", int, 250_000,
            "Photos from which tag-catalog keeps the kept reports as tables when it ends "
            "(report --keep does it by hand): they then answer at once until the catalog "
            "next changes. Below it every report answers live in about a second or less. "
            "0: always; -1: never.", min=-1),
]
