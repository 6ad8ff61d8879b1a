"""The DuckDB catalog: schema, migrations, the one write path, report views."""

from catalog.connection import Catalog, latest_version, open_catalog, open_configured_catalog

__all__ = ["Catalog", "open_catalog", "open_configured_catalog", "latest_version"]
