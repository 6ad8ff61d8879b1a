"""config.toml and the table in docs/configuration.md must list every setting with its default."""

import tomllib

from cragcat.settings import registry
from cragcat.settings_docs import (CONFIGURATION_PAGE, ROOT, TABLE_BEGIN, render_config,
                                   render_table)


def _get(data, dotted):
    for part in dotted.split("."):
        data = data[part]
    return data


def test_config_toml_lists_every_setting_with_its_default():
    shipped = tomllib.loads((ROOT / "config.toml").read_text())
    reg = registry()
    missing = []
    for name, setting in reg.settings.items():
        try:
            assert _get(shipped, name) == setting.default, name
        except KeyError:
            missing.append(name)
    for table in reg.tables.values():
        for entry in table.presets:
            for s in table.settings:
                try:
                    _get(shipped, f"{table.name}.{entry}.{s.name}")
                except KeyError:
                    missing.append(f"{table.name}.{entry}.{s.name}")
    assert not missing, f"missing from config.toml (run make docs): {missing}"
    assert (ROOT / "config.toml").read_text() == render_config(reg), "run make docs"


def test_configuration_page_lists_every_setting():
    page = CONFIGURATION_PAGE.read_text()
    reg = registry()
    missing = [n for n in reg.settings if f"| `{n}` |" not in page]
    missing += [f"{t.name}.NAME.{s.name}" for t in reg.tables.values() for s in t.settings
                if f"| `{t.name}.NAME.{s.name}` |" not in page]
    assert not missing, f"missing from docs/configuration.md (run make docs): {missing}"
    assert TABLE_BEGIN + "\n" + render_table(reg) in page, "run make docs"


def test_shipped_config_loads_cleanly():
    from cragcat.settings import load_settings
    settings = load_settings(ROOT / "config.toml")
    assert settings["catalog.path"] == "catalog.duckdb"
