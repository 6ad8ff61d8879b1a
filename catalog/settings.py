"""Settings of the catalog."""

from cragcat.settings import Setting

SETTINGS = [
    Setting("catalog.path", str, "catalog.duckdb",
            "The DuckDB catalog file; created on first use.", flag=""),
    Setting("catalog.store", str, "",
            "Folder for image files (originals and model-ready derivatives); "
            "empty means '<catalog name>-store' beside the catalog file.", flag=""),
]
