"""Files replaced whole or not at all: write beside the target, flush to disk, then rename over it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def fsync_path(path: Path) -> None:
    """Flush a file (or a folder's entries) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_bytes(path: str | Path, data: bytes) -> Path:
    """Replace `path` with `data` atomically: a reader sees the old file or the new one, never a part."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # readable like any file the app writes (mkstemp makes it private)
        os.replace(tmp, path)
        fsync_path(path.parent)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_text(path: str | Path, text: str) -> Path:
    """Replace `path` with UTF-8 `text` atomically."""
    return write_bytes(path, text.encode("utf-8"))


def write_if_changed(path: str | Path, data: bytes) -> bool:
    """Write atomically only when the content differs; True when the file was (re)written."""
    path = Path(path)
    if path.is_file() and path.read_bytes() == data:
        return False
    write_bytes(path, data)
    return True
