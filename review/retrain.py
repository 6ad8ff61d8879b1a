"""The Retrain button: `train` then `tag-catalog` in a background process, its output
kept line by line for the model page to stream.

Both run as separate processes with the app's catalog and config file, exactly as a
person would run them; while they hold the catalog the app answers "busy".
"""

from __future__ import annotations

import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class RetrainState:
    """What the page shows: the lines so far, and how it ended."""

    running: bool = False
    lines: list[str] = field(default_factory=list)
    outcome: str | None = None        # finished | failed: <step>
    runs: int = 0


class Retrainer:
    """Starts one retrain at a time; ``state`` is shared with the page."""

    def __init__(self, catalog: Path, config: Path | None):
        self.catalog, self.config = catalog, config
        self.state = RetrainState()
        self._lock = threading.Lock()

    def start(self) -> bool:
        """Start a retrain; False when one is already running."""
        with self._lock:
            if self.state.running:
                return False
            self.state = RetrainState(running=True, runs=self.state.runs + 1)
        threading.Thread(target=self._run, name="retrain", daemon=True).start()
        return True

    def _run(self) -> None:
        outcome = "finished"
        for step in ("train", "tag-catalog"):
            self.state.lines.append(f"$ {step}")
            if self._step(step) != 0:
                outcome = f"failed: {step}"
                break
        self.state.lines.append(f"retrain {outcome}")
        self.state.outcome, self.state.running = outcome, False

    def _step(self, step: str) -> int:
        command = [sys.executable, "-m", "cragcat", step, "--catalog", str(self.catalog)]
        if self.config:
            command += ["--config", str(self.config)]
        with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, bufsize=1) as proc:
            for line in proc.stdout:
                if line.strip():
                    self.state.lines.append(line.rstrip())
            return proc.wait()
