"""Optional parts of cragcat: which packages each install extra brings.

Most users crawl, train and tag; serving the sample site (``[site]``) and
searching settings with Optuna (``[sweep]``) are extras. Code that needs one
calls :func:`require` first, so a missing package is one line that says what
to install, not an ImportError from deep inside a library.
"""

from __future__ import annotations

import importlib.util

from cragcat.errors import CragcatError

EXTRAS = {
    "site": ("starlette", "uvicorn", "graphql"),  # the sample site's server and its GraphQL API
    "sweep": ("optuna",),                          # train sweep
    "ray": ("ray", "pyarrow"),                     # --engine ray: tagging, folder import
}


class MissingExtra(CragcatError):
    """A package of an optional extra is not installed. Exit code 1."""


def missing(extra: str) -> list[str]:
    """The packages of ``extra`` that cannot be imported here."""
    return [name for name in EXTRAS[extra] if importlib.util.find_spec(name) is None]


def require(extra: str, needed_by: str) -> None:
    """Raise MissingExtra, naming the pip command, when ``extra`` is not installed."""
    absent = missing(extra)
    if absent:
        raise MissingExtra(f"{needed_by} needs {', '.join(absent)}, which is not installed: "
                           f"pip install 'cragcat[{extra}]'")
