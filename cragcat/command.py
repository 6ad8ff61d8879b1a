"""Plumbing every command shares: common options, settings, errors -> exit codes.

A stage's command is thin::

    @click.command()
    @stage_options("train.epochs", "train.backbone")
    def train(run: Run, **kwargs): ...

``stage_options`` adds ``--config``, ``--catalog``, ``--quiet``, ``--json`` and
one flag per named setting (help and default taken from the registry), loads
the settings (defaults < config file < flags) into a :class:`Run`, and turns
the project's errors into one line on stderr and an exit code: 2 for bad
usage or config, 1 for a failure, 130 when interrupted.
"""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import click

from cragcat.console import Console
from cragcat.errors import CragcatError
from cragcat.settings import Setting, Settings, load_settings, registry


@dataclass
class Run:
    """What a command body gets: resolved settings and a console."""

    settings: Settings
    console: Console

    @property
    def catalog_path(self) -> Path:
        return Path(self.settings["catalog.path"])


def _param_name(setting: Setting) -> str:
    return "setting__" + setting.name.replace(".", "__")


def _setting_option(setting: Setting) -> Callable:
    default = setting.default
    shown = ", ".join(map(str, default)) if isinstance(default, list) else default
    help_text = f"{setting.help} [default: {shown!s}; setting {setting.name}]"
    name = _param_name(setting)
    if setting.type is bool:
        flag = setting.option
        return click.option(f"{flag}/--no-{flag[2:]}", name, default=None, help=help_text)
    click_type = {str: str, int: int, float: float}.get(setting.type, str)
    if setting.choices:
        click_type = click.Choice([str(c) for c in setting.choices])
    if setting.type is list:
        return click.option(setting.option, name, multiple=True, default=None,
                            type=setting.item_type or str, help=help_text + " (repeatable)")
    return click.option(setting.option, name, type=click_type, default=None, help=help_text)


def stage_options(*setting_names: str) -> Callable:
    """Decorate a command body ``fn(run, **kwargs)`` with the shared options."""
    settings = [registry()[name] for name in setting_names]

    def decorate(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def callback(config, catalog_path, quiet, json_mode, **kwargs):
            console = Console(quiet=quiet, json_mode=json_mode)
            config, catalog_path = _inherited(config, catalog_path)
            overrides: dict[str, Any] = {"catalog.path": catalog_path}
            for setting in settings:
                value = kwargs.pop(_param_name(setting))
                if setting.type is list and value == ():
                    value = None
                overrides[setting.name] = value
            with reported_errors(console):
                run = Run(load_settings(config, overrides), console)
                return fn(run, **kwargs)

        for setting in reversed(settings):
            callback = _setting_option(setting)(callback)
        callback = click.option("--json", "json_mode", is_flag=True,
                                help="Print one JSON object as the last line of output.")(callback)
        callback = click.option("--quiet", "-q", is_flag=True,
                                help="Print only errors and the final figures.")(callback)
        catalog_default = registry()["catalog.path"].default
        callback = click.option("--catalog", "catalog_path", type=click.Path(dir_okay=False),
                                default=None,
                                help=f"Catalog file [default: {catalog_default}; "
                                     "setting catalog.path]")(callback)
        callback = click.option("--config", type=click.Path(dir_okay=False), default=None,
                                envvar="CRAGCAT_CONFIG", show_envvar=True,
                                help="Config file [default: ./config.toml when present]")(callback)
        return callback

    return decorate


def _inherited(config, catalog_path):
    """A group's --config/--catalog (``train --catalog X labels import``) hold for its
    subcommands unless they give their own: an option given is never ignored."""
    meta = click.get_current_context().meta
    config = config or meta.get("cragcat.config")
    catalog_path = catalog_path or meta.get("cragcat.catalog")
    meta["cragcat.config"], meta["cragcat.catalog"] = config, catalog_path
    return config, catalog_path


class reported_errors:
    """Turn project errors into a message and an exit code; never a traceback."""

    def __init__(self, console: Console):
        self.console = console

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc is None:
            return False
        if isinstance(exc, CragcatError):
            self.console.error(str(exc))
            sys.exit(exc.exit_code)
        if isinstance(exc, KeyboardInterrupt):
            self.console.error("interrupted; what was committed is kept — "
                               "run the same command again to continue")
            sys.exit(130)
        return False
