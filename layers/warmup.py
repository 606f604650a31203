"""Import the heavy libraries in the background while the server starts, so the first page does not wait for them.

`streamlit run` imports streamlit_app.py to find the app before anyone connects; without this, the first page
spends ~3 s importing geopandas, folium, matplotlib, pypinyin … The warm-up starts at that first import (once
per process) and the first script run waits for it to finish instead of importing beside it: two threads
importing the same packages at once can deadlock on the packages' circular imports.
"""

from __future__ import annotations

import importlib
import threading

#: Imported ahead: libraries and the layers below the pages. Never views/ — a Streamlit component declared
#: before the server runs is never registered (its frame then gets 404).
MODULES = ("pandas", "geopandas", "pyproj", "sqlalchemy", "folium", "folium.plugins", "pypinyin", "openpyxl",
           "matplotlib.backends.backend_pdf", "mapbox_vector_tile", "store", "loaders.plan", "layers.catalog",
           "layers.mapview", "layers.large", "layers.query")
#: Longest a page waits for the warm-up (it then imports what is left itself).
WAIT_S = 60.0

_done = threading.Event()
_thread: list[threading.Thread] = []
_lock = threading.Lock()


def _import_all() -> None:
    try:
        for name in MODULES:
            importlib.import_module(name)
    except Exception:  # noqa: BLE001 — the page imports the module again and shows what is wrong, in Chinese
        pass
    finally:
        _done.set()


def start() -> None:
    """Start importing MODULES in a background thread (the first call in a process; later calls do nothing)."""
    with _lock:
        if not _thread:
            _thread.append(threading.Thread(target=_import_all, name="chaohu-warmup", daemon=True))
            _thread[0].start()


def wait() -> None:
    """Return once the warm-up has finished (at once when it never started)."""
    if _thread:
        _done.wait(WAIT_S)


__all__ = ["MODULES", "start", "wait"]
