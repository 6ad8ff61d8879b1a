"""The project's own errors.

Domain code raises these; the command layer (cragcat.command) turns them into
one line on stderr and an exit code. Anything else escaping a command is a bug.
"""


class CragcatError(Exception):
    """A run that cannot go on. Exit code 1; the message says what to do."""

    exit_code = 1


class ConfigError(CragcatError):
    """A bad setting: unknown key, wrong type or out of range. Exit code 2.

    The message names the file (or flag), the key and what is expected.
    """

    exit_code = 2


class UsageError(CragcatError):
    """A command was called in a way that cannot work. Exit code 2."""

    exit_code = 2


class CatalogError(CragcatError):
    """The catalog file cannot be used: foreign, newer schema, or damaged."""


class CatalogInUse(CatalogError):
    """Another process holds the catalog (DuckDB's lock); ``holder`` is what DuckDB
    says holds it (a program and its PID), when it says."""

    def __init__(self, path, holder: str = ""):
        by = holder or "another process"
        super().__init__(
            f"catalog {path} is in use by {by}; "
            "wait for it to finish or pass --catalog PATH to use another file"
        )
        self.path = path
        self.holder = holder


class CatalogMissing(CatalogError):
    """A command that only uses a catalog was given a path where there is none
    (a misspelt --catalog must not become a new, empty catalog). Exit code 2."""

    exit_code = 2

    def __init__(self, path):
        super().__init__(f"no catalog at {path}: check --catalog (crawl creates a catalog, "
                         "the other commands use one)")
        self.path = path


class DiskFull(CragcatError):
    """No space left where cragcat writes (the store or the catalog): the run stops,
    what was committed is kept, and the same command continues once there is room."""

    def __init__(self, where: str):
        super().__init__(f"no space left on the disk of {where}: what was committed is kept; "
                         "free some space and run the same command again to continue")
        self.where = where

    def __reduce__(self):  # raised in a worker process, it travels back whole
        return DiskFull, (self.where,)


class ItemRejected(CragcatError):
    """One crawled item (a page, an image) that cragcat will not keep, with a short
    stable ``reason`` word stored in the catalog and a ``detail`` for people. Raised
    per item and turned into a failed row, never a crashed run."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
