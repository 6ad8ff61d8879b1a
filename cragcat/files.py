"""Files cragcat writes get the user's usual permissions.

``tempfile.mkstemp`` creates files 0600 (right for secrets, wrong for photos
and models a web server or a colleague should read); a file written that way
and swapped into place gets the mode a plain ``open()`` would have given it.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def umask() -> int:
    """The process's umask, read without changing it (os.umask sets as it reads,
    which would race with threads creating files)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def as_if_opened(fd_or_path: int | str | os.PathLike) -> None:
    """Give a file made by mkstemp the mode ``open()`` would have (0666 less the umask)."""
    os.chmod(fd_or_path, 0o666 & ~umask())
