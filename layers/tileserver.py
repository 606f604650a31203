"""The app's own tile server: large layers' tiles made on request at ``/api/tiles/…`` and kept in memory.

``streamlit run streamlit_app.py`` serves ``st.App(…, routes=tile_routes())`` (Streamlit ≥ 1.57 runs on
Starlette), so no separate server and no internet is involved. A layer is registered once per loaded
GeoDataFrame (``register``); its URL carries a random key, so the browser may cache a tile for good.
Tiles are made by a small thread pool (the same tile is never made twice at once), kept in an LRU cache
bounded in bytes, and the tiles of the first view are made ahead (``prewarm``) while the page loads.
"""

from __future__ import annotations

import asyncio
import ctypes
import functools
import gzip
import os
import threading
import uuid
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor

from geo.chinacoords import gcj02_to_wgs84, wgs84_to_gcj02
from geo.tiling import lonlat_tile_range
from layers.tilesources import CoordShift, Tile

ROUTE = "api/tiles"
#: The tile route as seen from inside the st_folium component iframe (``<base>/component/<name>/index.html``).
COMPONENT_URL = f"../../{ROUTE}"
#: Coordinates a layer can be drawn in: as stored, or shifted onto GCJ-02 for the 高德 basemap.
STYLES = {"wgs84": None, "gcj02": CoordShift("gcj02", wgs84_to_gcj02, gcj02_to_wgs84)}
CACHE_BYTES = 256 * 1024 * 1024
MAX_ZOOM = 22


class TileCache:
    """Made tiles by (layer key, style, z, x, y), least recently used dropped first beyond max_bytes."""

    def __init__(self, max_bytes: int = CACHE_BYTES):
        self.max_bytes = max_bytes
        self.bytes = 0
        self._items: OrderedDict[tuple, Tile] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> Tile | None:
        """The tile, marked as recently used, or None."""
        with self._lock:
            tile = self._items.get(key)
            if tile is not None:
                self._items.move_to_end(key)
            return tile

    def put(self, key: tuple, tile: Tile) -> None:
        """Keep a tile, dropping the least recently used ones beyond the byte budget."""
        with self._lock:
            old = self._items.pop(key, None)
            self.bytes -= len(old.data) if old else 0
            self._items[key] = tile
            self.bytes += len(tile.data)
            while self.bytes > self.max_bytes and len(self._items) > 1:
                _, dropped = self._items.popitem(last=False)
                self.bytes -= len(dropped.data)

    def drop(self, layer_key: str) -> None:
        """Forget every tile of one layer."""
        with self._lock:
            for k in [k for k in self._items if k[0] == layer_key]:
                self.bytes -= len(self._items.pop(k).data)


class TileServer:
    """Registered tile sources, the cache and the workers that make tiles."""

    def __init__(self, workers: int | None = None, cache_bytes: int = CACHE_BYTES):
        self.sources: dict[str, object] = {}
        self.cache = TileCache(cache_bytes)
        self.made: dict[str, int] = {}
        self._pending: dict[tuple, Future] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=workers or min(4, os.cpu_count() or 2),
                                        thread_name_prefix="chaohu-tiles")

    def register(self, source) -> str:
        """Serve a source's tiles under a new random key; returns the key."""
        key = uuid.uuid4().hex[:16]
        with self._lock:
            self.sources[key] = source
            self.made[key] = 0
        return key

    def unregister(self, key: str) -> None:
        """Stop serving a layer and forget its tiles."""
        with self._lock:
            self.sources.pop(key, None)
        self.cache.drop(key)

    def _make(self, cache_key: tuple, source, shift) -> Tile:
        """Make one tile (in a worker), gzip vector tiles once, keep it in the cache."""
        _, _, z, x, y = cache_key
        try:
            tile = source.tile(z, x, y, shift)
            if tile.media_type == "application/x-protobuf" and tile.data:
                tile = Tile(gzip.compress(tile.data, 6), tile.media_type, tile.features)  # sent as is, gzip-encoded
            self.cache.put(cache_key, tile)
            if tile.features > HEAVY_TILE:
                _release_memory()
            with self._lock:
                self.made[cache_key[0]] = self.made.get(cache_key[0], 0) + 1
            return tile
        finally:
            with self._lock:
                self._pending.pop(cache_key, None)

    def future(self, key: str, style: str, z: int, x: int, y: int) -> Future | None:
        """A future of tile z/x/y of a layer (done at once when cached), or None for an unknown layer/style."""
        source = self.sources.get(key)
        if source is None or style not in STYLES or not (0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z):
            return None
        cache_key = (key, style, z, x, y)
        tile = self.cache.get(cache_key)
        if tile is not None:
            done: Future = Future()
            done.set_result(tile)
            return done
        with self._lock:
            pending = self._pending.get(cache_key)
            if pending is None:
                pending = self._pool.submit(self._make, cache_key, source, STYLES[style])
                self._pending[cache_key] = pending
            return pending

    def tile(self, key: str, style: str, z: int, x: int, y: int) -> Tile | None:
        """Tile z/x/y of a layer, made now if need be (blocking); None for an unknown layer."""
        fut = self.future(key, style, z, x, y)
        return None if fut is None else fut.result()

    def prewarm(self, key: str, style: str, zoom: int) -> None:
        """Start making the tiles of one zoom covering the whole layer (the map's first view)."""
        source = self.sources.get(key)
        if source is not None:
            for z, x, y in source.first_tiles(zoom):
                self.future(key, style, z, x, y)

    def stats(self, key: str) -> dict | None:
        """How many tiles of a layer were made, beside how many a full tile set of its zooms would hold."""
        source = self.sources.get(key)
        if source is None:
            return None
        full = 0
        for z in range(source.minzoom, source.maxzoom + 1):
            x0, y0, x1, y1 = lonlat_tile_range(source.bounds, z)
            full += (x1 - x0 + 1) * (y1 - y0 + 1)
        return {"made": self.made.get(key, 0), "full_set": full, "cache_bytes": self.cache.bytes,
                "minzoom": source.minzoom, "detail_zoom": source.detail_zoom, "maxzoom": source.maxzoom}


def _release_memory() -> None:
    """Hand freed heap memory back to the system (glibc's malloc_trim; a no-op elsewhere).

    Each worker thread gets its own malloc arena, which keeps the tens of MB a dense picture needed
    for a moment; without this the app's RSS would grow by that much per worker for good.
    """
    try:
        _libc().malloc_trim(0)
    except (OSError, AttributeError):
        pass


@functools.cache
def _libc():
    """The C library (glibc on the Debian machines this runs on)."""
    return ctypes.CDLL("libc.so.6")


#: Tiles with more features than this are followed by _release_memory.
HEAVY_TILE = 10_000

#: The one tile server of this process (the app and its route share it).
SERVER = TileServer()

_EMPTY_PNG = None


def _empty_png() -> bytes:
    """A 1×1 transparent PNG, sent for a picture tile where the layer has nothing."""
    global _EMPTY_PNG
    if _EMPTY_PNG is None:
        import io

        from PIL import Image

        buf = io.BytesIO()
        Image.new("RGBA", (1, 1), (0, 0, 0, 0)).save(buf, "PNG")
        _EMPTY_PNG = buf.getvalue()
    return _EMPTY_PNG


async def _tile_endpoint(request):
    """GET …/api/tiles/{key}/{style}/{z}/{x}/{y}.{ext}: the tile, or 404 for a layer this process does not serve."""
    from starlette.responses import Response

    p = request.path_params
    source = SERVER.sources.get(p["key"])
    if source is None or source.format_at(p["z"]) != p["ext"]:  # e.g. a picture asked for at a vector zoom
        return Response(status_code=404)
    fut = SERVER.future(p["key"], p["style"], p["z"], p["x"], p["y"])
    if fut is None:
        return Response(status_code=404)
    tile: Tile = await asyncio.wrap_future(fut)
    headers = {"Cache-Control": "public, max-age=31536000, immutable"}
    if tile.media_type == "image/png":
        return Response(tile.data or _empty_png(), media_type="image/png", headers=headers)
    if not tile.data:
        return Response(status_code=204, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        return Response(tile.data, media_type=tile.media_type, headers={**headers, "Content-Encoding": "gzip"})
    return Response(gzip.decompress(tile.data), media_type=tile.media_type, headers=headers)


async def _stats_endpoint(request):
    """GET …/api/tiles/{key}/stats.json: tiles made so far for a layer (for tests and benchmarks)."""
    from starlette.responses import JSONResponse, Response

    stats = SERVER.stats(request.path_params["key"])
    return Response(status_code=404) if stats is None else JSONResponse(stats)


def tile_routes() -> list:
    """The Starlette routes to give ``st.App``: tiles and per-layer stats, under server.baseUrlPath."""
    from starlette.routing import Route
    from streamlit import config

    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    prefix = f"/{base}/{ROUTE}" if base else f"/{ROUTE}"
    return [
        Route(prefix + "/{key}/{style}/{z:int}/{x:int}/{y:int}.{ext}", _tile_endpoint, methods=["GET"]),
        Route(prefix + "/{key}/stats.json", _stats_endpoint, methods=["GET"]),
    ]


def url_template(key: str, style: str, ext: str, base: str = COMPONENT_URL) -> str:
    """The Leaflet URL template of a registered layer's tiles."""
    return f"{base.rstrip('/')}/{key}/{style}/{{z}}/{{x}}/{{y}}.{ext}"
