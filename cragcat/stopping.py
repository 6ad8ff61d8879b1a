"""SIGTERM stops a stage the way Ctrl-C does, so it can record how it ended.

Job schedulers, ``kill`` and container runtimes stop a process with SIGTERM,
whose default action ends Python without running a single ``except`` or
``finally``: a training run killed that way stayed ``running`` in the catalog
forever. Inside :func:`sigterm_as_interrupt` the signal raises
KeyboardInterrupt instead, which the stages already handle (exit 130).
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set signal handlers; its caller decides there
        return

    def stop(signum, frame):
        raise KeyboardInterrupt(f"stopped by signal {signal.Signals(signum).name}")
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
