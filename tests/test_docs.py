"""The docs/ site builds with MkDocs in strict mode: a broken link, a missing page or a
bad heading anchor fails the test suite, not a reader."""

import os
import subprocess
import sys

from cragcat.settings_docs import ROOT


def test_docs_build_strictly(tmp_path):
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet",
                             "--config-file", str(ROOT / "mkdocs.yml"),
                             "--site-dir", str(tmp_path / "site")],
                            capture_output=True, text=True, cwd=ROOT,
                            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "site" / "configuration" / "index.html").is_file()
