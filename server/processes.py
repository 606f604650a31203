"""Looking at and ending the processes of a run by their pid: alive, ours, healthy, stopped."""

from __future__ import annotations

import http.client
import os
import time
import urllib.request
from pathlib import Path

from server.config import HEALTH_PATH


def alive(pid: int | None) -> bool:
    """Whether the process runs (a zombie waiting for its parent does not)."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[0] != "Z"


def runs(pid: int | None, marker: str) -> bool:
    """Whether `pid` is alive and its command line contains `marker` (a pid reused by another program is not ours)."""
    if not alive(pid):
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return False
    return marker in cmdline


def healthy(url: str, timeout: float = 2.0) -> bool:
    """Whether the Streamlit (or HAProxy in front of it) at `url` answers its health endpoint with 200."""
    try:
        with urllib.request.urlopen(f"{url}{HEALTH_PATH}", timeout=timeout) as r:
            return r.status == 200
    except (OSError, http.client.HTTPException):  # refused, reset, timed out, an error status: not healthy
        return False


def signal_group(pid: int, sig: int) -> None:
    """Send `sig` to the process group `pid` leads (each replica and HAProxy lead their own)."""
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def wait_gone(pids: list[int], timeout: float) -> list[int]:
    """Wait until every pid has ended (or `timeout`); the pids still alive."""
    deadline = time.monotonic() + timeout
    left = [p for p in pids if alive(p)]
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = [p for p in left if alive(p)]
    return left
