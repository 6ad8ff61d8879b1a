"""config.toml and the README's table must list every setting with its default."""

import tomllib

from cragcat.settings import registry
from cragcat.settings_docs import README_BEGIN, ROOT, render_config, render_readme_table


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


def test_readme_table_lists_every_setting():
    readme = (ROOT / "README.md").read_text()
    reg = registry()
    missing = [n for n in reg.settings if f"| `{n}` |" not in readme]
    missing += [f"{t.name}.NAME.{s.name}" for t in reg.tables.values() for s in t.settings
                if f"| `{t.name}.NAME.{s.name}` |" not in readme]
    assert not missing, f"missing from README.md (run make docs): {missing}"
    assert README_BEGIN + "\n" + render_readme_table(reg) in readme, "run make docs"


def test_shipped_config_loads_cleanly():
    from cragcat.settings import load_settings
    settings = load_settings(ROOT / "config.toml")
    assert settings["catalog.path"] == "catalog.duckdb"
