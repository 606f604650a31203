"""Leftovers outside the store: copies of uploaded files that a killed upload left in the temporary folder."""

from __future__ import annotations

import shutil
import tempfile
import time
from datetime import timedelta
from pathlib import Path

#: The prefix loaders/files.py gives the folder an upload is unpacked into.
UPLOAD_PREFIX = "chaohu-load-"


def stale_upload_copies(older_than: timedelta = timedelta(hours=1), folder: Path | None = None) -> int:
    """Delete `chaohu-load-*` folders not touched for `older_than` (a live upload keeps writing to its own); how many."""
    folder = Path(folder or tempfile.gettempdir())
    cutoff = time.time() - older_than.total_seconds()
    removed = 0
    for path in folder.glob(f"{UPLOAD_PREFIX}*"):
        try:
            newest = max([path.stat().st_mtime] + [p.stat().st_mtime for p in path.rglob("*")])
        except OSError:
            continue
        if newest < cutoff:
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
    return removed
