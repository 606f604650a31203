"""The office's shared store: planners' layers, documents (the 汇报 tour), settings, accounts and the change log.

``open_store()`` gives the store the settings point at: PostGIS when ``CHAOHU_DATABASE_URL`` is set, else the
workspace GeoPackage. Both engines share ``base.Store``'s interface and behaviour.
"""

from __future__ import annotations

import threading
from pathlib import Path

from typing import TYPE_CHECKING

from core import settings as app_settings
from store.errors import ConflictError, LoginError, StoreError, StoreUnavailable
from store.labels import LOCAL_USER

if TYPE_CHECKING:  # the engines import GeoPandas and SQLAlchemy: loaded when a store is opened, not before
    from store.base import Store

_OPEN: dict[tuple[str, str], Store] = {}
_LOCK = threading.Lock()


def open_store(url: str | None = None, gpkg: str | Path | None = None) -> Store:
    """The store at `url` (PostGIS) or `gpkg` (GeoPackage), else the one the settings name; one object per place per process."""
    if url is None and gpkg is None:
        current = app_settings.current()
        url, gpkg = current.database_url or None, current.workspace_gpkg
    key = ("postgis", url) if url else ("gpkg", str(Path(gpkg).resolve()))
    with _LOCK:
        store = _OPEN.get(key)
        if store is None:
            if url:
                from store.postgis import PostgisStore

                store = PostgisStore(url)
            else:
                from store.gpkg import GpkgStore

                store = GpkgStore(gpkg)
            _OPEN[key] = store
    return store


def open_target(target: str) -> Store:
    """A store named on the command line: a postgresql:// URL, or a .gpkg file path."""
    if "://" in target:
        return open_store(url=target)
    return open_store(gpkg=target)


def forget_stores() -> None:
    """Drop the cached store objects (tests that restart a database or move a workspace)."""
    with _LOCK:
        for store in _OPEN.values():
            store.engine.dispose()
        _OPEN.clear()


__all__ = ["open_store", "open_target", "forget_stores", "LOCAL_USER", "StoreError", "StoreUnavailable", "ConflictError",
           "LoginError"]
