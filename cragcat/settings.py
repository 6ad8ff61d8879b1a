"""One registry of settings: name, type, default, help.

Each stage declares its settings in ``<package>/settings.py`` as ``SETTINGS``
(a list of :class:`Setting`) and, for named groups such as site profiles,
``TABLES`` (a list of :class:`Table`); ``PRESETS`` (table name -> entry name ->
values) adds ready-made entries to any package's table, as data, such as the
sample site's crawl profile. The registry drives built-in defaults,
validation of config files and flags, each command's ``--help``, the shipped
``config.toml`` and the table in docs/configuration.md (see cragcat.settings_docs).

Precedence: built-in defaults < config file < command-line flags.
"""

from __future__ import annotations

import importlib
import math
import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

from cragcat.errors import ConfigError

# Packages whose settings.py declares settings, in the order the docs list them.
SETTING_MODULES = (
    "catalog.settings",
    "crawler.settings",
    "trainer.settings",
    "tagger.settings",
    "samplesite.settings",
    "review.settings",
)

CONFIG_ENV = "CRAGCAT_CONFIG"
DEFAULT_CONFIG_NAME = "config.toml"


@dataclass(frozen=True)
class Setting:
    """One setting. ``name`` is ``section.key`` (a table's keys are bare)."""

    name: str
    type: type
    default: Any
    help: str
    min: float | None = None
    max: float | None = None
    choices: tuple | None = None
    item_type: type | None = None  # for list settings
    flag: str | None = None  # click flag; None derives --key-name, "" means no flag
    validate: Callable[[Any], None] | None = None  # raises ValueError("expected ...")

    @property
    def key(self) -> str:
        return self.name.rsplit(".", 1)[-1]

    @property
    def option(self) -> str | None:
        if self.flag == "":
            return None
        return self.flag or "--" + self.key.replace("_", "-")

    def expected(self) -> str:
        """Words for what a valid value looks like, for error messages."""
        words = {str: "a string", int: "an integer", float: "a number",
                 bool: "true or false", list: "a list"}[self.type]
        if self.type is list and self.item_type is not None:
            words = f"a list of {_type_words(self.item_type)}"
        if self.choices:
            words = "one of " + ", ".join(repr(c) for c in self.choices)
        if self.min is not None and self.max is not None:
            words += f" from {self.min} to {self.max}"
        elif self.min is not None:
            words += f" >= {self.min}"
        elif self.max is not None:
            words += f" <= {self.max}"
        return words

    def check(self, value: Any) -> Any:
        """Return the value in canonical form, or raise ValueError(expected)."""
        value = _coerce(self.type, value, self.item_type)
        if value is None:
            raise ValueError(self.expected())
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(self.expected() + ", a finite number")  # NaN passes any < or >
        if self.choices and value not in self.choices:
            raise ValueError(self.expected())
        if self.min is not None and value < self.min:
            raise ValueError(self.expected())
        if self.max is not None and value > self.max:
            raise ValueError(self.expected())
        if self.validate is not None:
            self.validate(value)
        return value


@dataclass(frozen=True)
class Table:
    """A group of named entries, e.g. ``[crawl.profile.sample]``.

    Every entry has the same keys (``settings``); ``presets`` are entries
    that exist without any config file, such as the sample site's profile.
    """

    name: str
    help: str
    settings: tuple[Setting, ...]
    presets: dict[str, dict[str, Any]] = field(default_factory=dict)

    def setting(self, key: str) -> Setting | None:
        return next((s for s in self.settings if s.name == key), None)


def _type_words(t: type) -> str:
    return {str: "strings", int: "integers", float: "numbers", bool: "booleans"}[t]


def _coerce(t: type, value: Any, item_type: type | None = None) -> Any:
    """Accept ``value`` as type ``t`` (ints as floats); None when it does not fit."""
    if t is bool:
        return value if isinstance(value, bool) else None
    if t is int:
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    if t is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return float(value) if ok else None
    if t is str:
        return value if isinstance(value, str) else None
    if t is list:
        if isinstance(value, tuple):
            value = list(value)
        if not isinstance(value, list):
            return None
        if item_type is None:
            return value
        items = [_coerce(item_type, v) for v in value]
        return None if any(i is None for i in items) else items
    raise TypeError(f"unsupported setting type {t}")


class Registry:
    """All settings and tables of the installed stages."""

    def __init__(self, settings: list[Setting], tables: list[Table]):
        self.settings = {s.name: s for s in settings}
        self.tables = {t.name: t for t in tables}
        if len(self.settings) != len(settings) or len(self.tables) != len(tables):
            raise RuntimeError("a setting or table name is declared twice")

    @classmethod
    def load(cls, modules: tuple[str, ...] = SETTING_MODULES) -> "Registry":
        settings: list[Setting] = []
        tables: list[Table] = []
        presets: list[tuple[str, dict]] = []
        for name in modules:
            module = importlib.import_module(name)
            settings += list(getattr(module, "SETTINGS", []))
            tables += list(getattr(module, "TABLES", []))
            presets += list(getattr(module, "PRESETS", {}).items())
        registry = cls(settings, tables)
        for table_name, entries in presets:
            registry.add_presets(table_name, entries)
        return registry

    def add_presets(self, table_name: str, entries: dict[str, dict[str, Any]]) -> None:
        """Ready-made entries of a table; every key must be one of its settings."""
        table = self.tables[table_name]
        for entry, values in entries.items():
            unknown = [key for key in values if table.setting(key) is None]
            if unknown:
                raise RuntimeError(f"preset {table_name}.{entry}: unknown keys {unknown}")
            checked = {key: table.setting(key).check(value) for key, value in values.items()}
            self.tables[table_name] = table = replace(
                table, presets={**table.presets, entry: checked})

    def __getitem__(self, name: str) -> Setting:
        return self.settings[name]

    def defaults(self) -> dict[str, Any]:
        return {name: s.default for name, s in self.settings.items()}


class Settings:
    """Resolved settings for one command run. ``settings["train.epochs"]``."""

    def __init__(self, registry: Registry, values: dict[str, Any],
                 tables: dict[str, dict[str, dict[str, Any]]], config_path: Path | None):
        self.registry = registry
        self._values = values
        self._tables = tables
        self.config_path = config_path

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self._values.get(name, default)

    def table(self, name: str) -> dict[str, dict[str, Any]]:
        """All entries of a table, each with every key filled in."""
        return self._tables[name]

    def as_dict(self) -> dict[str, Any]:
        return dict(self._values)


_REGISTRY: Registry | None = None


def registry() -> Registry:
    global _REGISTRY
    if _REGISTRY is None:
        _REGISTRY = Registry.load()
    return _REGISTRY


def find_config(explicit: str | os.PathLike | None) -> Path | None:
    """--config PATH, else $CRAGCAT_CONFIG, else ./config.toml when present."""
    chosen = explicit or os.environ.get(CONFIG_ENV)
    if chosen:
        path = Path(chosen)
        if not path.is_file():
            origin = "--config" if explicit else CONFIG_ENV
            raise ConfigError(f"{path}: config file not found (from {origin})")
        return path
    default = Path(DEFAULT_CONFIG_NAME)
    return default if default.is_file() else None


def read_config(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start} is {exc.object[exc.start]:#x}"
                          "); save it as UTF-8") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file ({exc.strerror})") from None


def load_settings(config: str | os.PathLike | None = None,
                  overrides: dict[str, Any] | None = None,
                  reg: Registry | None = None) -> Settings:
    """Defaults, then the config file, then ``overrides`` (from flags)."""
    reg = reg or registry()
    path = find_config(config)
    values = reg.defaults()
    tables = {name: {entry: dict(_table_defaults(t), **preset)
                     for entry, preset in t.presets.items()}
              for name, t in reg.tables.items()}
    if path is not None:
        _apply_file(reg, read_config(path), path, values, tables)
    for name, value in (overrides or {}).items():
        if value is None:
            continue
        setting = reg[name]
        try:
            values[name] = setting.check(value)
        except ValueError as exc:
            raise ConfigError(f"{setting.option or name}: got {value!r}, expected {exc}") from None
    return Settings(reg, values, tables, path)


def _table_defaults(table: Table) -> dict[str, Any]:
    return {s.name: s.default for s in table.settings}


def _apply_file(reg: Registry, data: dict, path: Path, values: dict, tables: dict) -> None:
    for dotted, value in _flatten(reg, data):
        table_name = next((t for t in reg.tables if dotted.startswith(t + ".")), None)
        if table_name is not None:
            _apply_table_entry(reg.tables[table_name], dotted, value, path, tables)
            continue
        setting = reg.settings.get(dotted)
        if setting is None:
            raise ConfigError(f"{path}: unknown setting '{dotted}' "
                              f"(see docs/configuration.md)")
        values[dotted] = _checked(setting, dotted, value, path)


def _apply_table_entry(table: Table, dotted: str, value: Any, path: Path, tables: dict) -> None:
    rest = dotted[len(table.name) + 1:]
    if "." not in rest:
        raise ConfigError(f"{path}: '{dotted}' must be a table [{dotted}] of "
                          f"{table.help.rstrip('.').lower()}")
    entry, key = rest.split(".", 1)
    setting = table.setting(key)
    if setting is None:
        known = ", ".join(s.name for s in table.settings)
        raise ConfigError(f"{path}: unknown setting '{dotted}' (a {table.name} entry "
                          f"takes: {known})")
    target = tables[table.name].setdefault(entry, _table_defaults(table))
    target[key] = _checked(setting, dotted, value, path)


def _checked(setting: Setting, dotted: str, value: Any, path: Path) -> Any:
    try:
        return setting.check(value)
    except ValueError as exc:
        raise ConfigError(f"{path}: {dotted} = {value!r}, expected {exc}") from None


def _flatten(reg: Registry, data: dict, prefix: str = ""):
    """Yield (dotted name, value); stop descending at a known leaf setting."""
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and dotted not in reg.settings:
            yield from _flatten(reg, value, dotted + ".")
        else:
            yield dotted, value
