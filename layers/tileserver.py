"""The app's own tile server: large layers' tiles at ``/api/tiles/{layer}/{version}/{style}/{z}/{x}/{y}.{ext}``.

``streamlit run streamlit_app.py`` serves ``st.App(…, routes=tile_routes())`` (Streamlit ≥ 1.57 runs on
Starlette), so no separate server and no internet is involved. A layer's URL names the store's layer id and a
version that changes whenever its data does, so the browser may cache a tile for good and **any app process
serves any layer** (several processes behind HAProxy):

- made tiles are files under ``<workspace>/tiles/<layer>-<version>/tiles/`` shared by every process, each
  written atomically (tmp + rename) under a lock (``fcntl.flock`` on one of 64 lock files), so two processes
  never make the same tile twice and nobody reads half a tile; a small LRU cache in memory sits in front;
- a process that loaded the layer (``register``) makes tiles from it; any other reads the layer's shared copy
  ``<workspace>/tiles/<layer>-<version>/features`` (``tilesources.write_shared``: written once per version,
  memory-mapped by every process), and when even that is missing the ``resolver`` (``layers/large.py``) finds
  the layer in the store and writes it — one process builds, the others wait on the same lock.

Tiles are made by a small thread pool (the same tile is never made twice at once) and the tiles of the first
view are made ahead (``prewarm``) while the page loads.
"""

from __future__ import annotations

import asyncio
import ctypes
import fcntl
import functools
import gzip
import os
import re
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from core import settings
from core.atomic import write_bytes
from geo.chinacoords import gcj02_to_wgs84, wgs84_to_gcj02
from geo.tiling import lonlat_tile_range
from layers.tilekeys import key_parts, store_loader, tile_key
from layers.tilesources import CoordShift, SharedSource, Tile, write_shared

ROUTE = "api/tiles"
#: The tile route as seen from inside the st_folium component iframe (``<base>/component/<name>/index.html``).
COMPONENT_URL = f"../../{ROUTE}"
#: Coordinates a layer can be drawn in: as stored, or shifted onto GCJ-02 for the 高德 basemap.
STYLES = {"wgs84": None, "gcj02": CoordShift("gcj02", wgs84_to_gcj02, gcj02_to_wgs84)}
#: A style in a URL: the coordinates, then the fill of a layer drawn in one colour (e.g. ``wgs84-e8590c``).
STYLE_RE = re.compile(r"^(wgs84|gcj02)(?:-([0-9a-f]{6}))?$")
#: Bytes of made tiles kept in memory per process (the shared files are the real cache).
CACHE_BYTES = 32 * 1024 * 1024
MAX_ZOOM = 22
#: Lock files per layer version: a tile takes the lock its position hashes to.
LOCK_STRIPES = 64


def parse_style(style: str) -> tuple[CoordShift | None, str | None] | None:
    """(coordinate shift, '#rrggbb' or None) of a URL style, or None when it is no style."""
    m = STYLE_RE.match(style)
    if not m:
        return None
    return STYLES[m.group(1)], f"#{m.group(2)}" if m.group(2) else None


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


@contextmanager
def _locked(path: Path):
    """Hold an exclusive flock on `path` (created when missing): across processes and threads, released on exit."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


class TileServer:
    """Layers' tile sources (loaded here or shared on disk), the caches and the workers that make tiles."""

    def __init__(self, workers: int | None = None, cache_bytes: int = CACHE_BYTES, root: Path | None = None):
        #: Layers loaded by this process (key → source): their tiles are made from memory.
        self.sources: dict[str, object] = {}
        self.cache = TileCache(cache_bytes)
        self.made: dict[str, int] = {}
        #: Finds a layer version in the store when nobody has written its shared copy: (layer, version) → None
        #: when the store has no such version, else a function loading its source (called under the lock).
        self.resolver: Callable[[str, str], Callable[[], object] | None] | None = None
        self._root = root
        self._shared: dict[str, SharedSource] = {}
        self._pending: dict[tuple, Future] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=workers or min(4, os.cpu_count() or 2),
                                        thread_name_prefix="chaohu-tiles")

    @property
    def root(self) -> Path:
        """Where the shared files live: ``<workspace>/tiles`` (of the workspace the settings name now)."""
        return self._root or settings.current().workspace_dir / "tiles"

    def folder(self, key: str) -> Path:
        """The folder of one layer version (its shared copy, made tiles and locks)."""
        layer, version = key_parts(key)
        return self.root / f"{layer}-{version}"

    def register(self, source, key: str) -> str:
        """Serve a source loaded by this process under `key` (``tile_key(layer, version)``); returns the key."""
        if key_parts(key) is None:
            raise ValueError(f"not a tile key: {key!r}")
        with self._lock:
            self.sources[key] = source
            self.made.setdefault(key, 0)
        return key

    def unregister(self, key: str, source=None) -> None:
        """Stop making a layer's tiles from memory (only if from `source`, when given: another frame of the same
        version may have replaced it) and forget them here; the shared files stay."""
        with self._lock:
            if source is not None and self.sources.get(key) is not source:
                return
            self.sources.pop(key, None)
        self.cache.drop(key)

    def share(self, key: str) -> None:
        """Write the shared copy of a registered layer in the background, unless it exists (first writer wins)."""
        source = self.sources.get(key)
        if source is not None and not (self.folder(key) / "features").is_dir():
            self._pool.submit(self._write_shared, key, source)

    def _write_shared(self, key: str, source) -> None:
        folder = self.folder(key)
        with _locked(folder / "features.lock"):
            write_shared(folder / "features", source)

    def source(self, key: str):
        """The source of a layer version: loaded here, else its shared copy (written from the store when missing,
        by this process or by the one holding the lock); None when the store has no such layer version."""
        if key_parts(key) is None:
            return None
        source = self.sources.get(key) or self._shared.get(key)
        if source is not None:
            return source
        features = self.folder(key) / "features"
        if not features.is_dir():
            loader = self.resolver(*key_parts(key)) if self.resolver else None
            if loader is None:
                return None
            with _locked(self.folder(key) / "features.lock"):
                if not features.is_dir():
                    write_shared(features, loader())
                    _release_memory()
        shared = SharedSource(features)
        with self._lock:
            self._shared[key] = shared
            self.made.setdefault(key, 0)
        return shared

    def _tile_path(self, key: str, style: str, z: int, x: int, y: int) -> Path:
        return self.folder(key) / "tiles" / style / str(z) / str(x) / str(y)

    def _make(self, cache_key: tuple, source) -> Tile:
        """One tile (in a worker): from the shared files, else made (under the tile's lock) and written there."""
        key, style, z, x, y = cache_key
        media = "image/png" if source.format_at(z) == "png" else "application/x-protobuf"
        path = self._tile_path(key, style, z, x, y)
        try:
            tile = _read(path, media)
            if tile is None:
                stripe = zlib.crc32(f"{style}/{z}/{x}/{y}".encode()) % LOCK_STRIPES
                with _locked(self.folder(key) / "locks" / f"{stripe}.lock"):
                    tile = _read(path, media)  # made by another process while this one waited
                    if tile is None:
                        shift, colour = parse_style(style)
                        tile = source.tile(z, x, y, shift, colour)
                        if tile.media_type == "application/x-protobuf" and tile.data:
                            tile = Tile(gzip.compress(tile.data, 6), tile.media_type, tile.features)  # sent as is
                        write_bytes(path, tile.data)
                        with self._lock:
                            self.made[key] = self.made.get(key, 0) + 1
                        if tile.features > HEAVY_TILE:
                            _release_memory()
            self.cache.put(cache_key, tile)
            return tile
        finally:
            with self._lock:
                self._pending.pop(cache_key, None)

    def future(self, key: str, style: str, z: int, x: int, y: int) -> Future | None:
        """A future of tile z/x/y of a layer (done at once when cached), or None for an unknown layer/style.

        The layer must be known to this process already (``register`` or ``source``).
        """
        source = self.sources.get(key) or self._shared.get(key)
        if source is None or parse_style(style) is None or not (0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z):
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
                pending = self._pool.submit(self._make, cache_key, source)
                self._pending[cache_key] = pending
            return pending

    def tile(self, key: str, style: str, z: int, x: int, y: int) -> Tile | None:
        """Tile z/x/y of a layer, made now if need be (blocking); None for an unknown layer."""
        if self.source(key) is None:
            return None
        fut = self.future(key, style, z, x, y)
        return None if fut is None else fut.result()

    def prewarm(self, key: str, style: str, zoom: int) -> None:
        """Start making the tiles of one zoom covering the whole layer (the map's first view)."""
        source = self.sources.get(key)
        if source is not None:
            for z, x, y in source.first_tiles(zoom):
                self.future(key, style, z, x, y)

    def stats(self, key: str) -> dict | None:
        """How many tiles of a layer this process made, beside how many a full tile set of its zooms would hold."""
        source = self.source(key)
        if source is None:
            return None
        full = 0
        for z in range(source.minzoom, source.maxzoom + 1):
            x0, y0, x1, y1 = lonlat_tile_range(source.bounds, z)
            full += (x1 - x0 + 1) * (y1 - y0 + 1)
        return {"made": self.made.get(key, 0), "full_set": full, "cache_bytes": self.cache.bytes,
                "minzoom": source.minzoom, "detail_zoom": source.detail_zoom, "maxzoom": source.maxzoom,
                "shared": (self.folder(key) / "features").is_dir()}


def _read(path: Path, media_type: str) -> Tile | None:
    """A made tile from its shared file (empty: the layer has nothing there), or None when not made yet."""
    try:
        return Tile(path.read_bytes(), media_type)
    except FileNotFoundError:
        return None


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
    """GET …/api/tiles/{layer}/{version}/{style}/{z}/{x}/{y}.{ext}: the tile, or 404 for a layer version the store
    does not have (or a picture asked for at a vector zoom)."""
    from starlette.responses import Response

    p = request.path_params
    key = tile_key(p["layer"], p["version"])
    source = await asyncio.to_thread(SERVER.source, key)
    if source is None or source.format_at(p["z"]) != p["ext"]:
        return Response(status_code=404)
    fut = SERVER.future(key, p["style"], p["z"], p["x"], p["y"])
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
    """GET …/api/tiles/{layer}/{version}/stats.json: tiles this process made for a layer (tests and benchmarks)."""
    from starlette.responses import JSONResponse, Response

    p = request.path_params
    stats = await asyncio.to_thread(SERVER.stats, tile_key(p["layer"], p["version"]))
    return Response(status_code=404) if stats is None else JSONResponse(stats)


def tile_routes() -> list:
    """The Starlette routes to give ``st.App``: tiles and per-layer stats, under server.baseUrlPath."""
    from starlette.routing import Route
    from streamlit import config

    SERVER.resolver = store_loader  # a layer nobody here loaded is found in the store
    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    prefix = f"/{base}/{ROUTE}" if base else f"/{ROUTE}"
    return [
        Route(prefix + "/{layer}/{version}/{style}/{z:int}/{x:int}/{y:int}.{ext}", _tile_endpoint, methods=["GET"]),
        Route(prefix + "/{layer}/{version}/stats.json", _stats_endpoint, methods=["GET"]),
    ]


def url_template(key: str, style: str, ext: str, base: str = COMPONENT_URL) -> str:
    """The Leaflet URL template of a layer version's tiles (key: ``tile_key(layer, version)``)."""
    return f"{base.rstrip('/')}/{key}/{style}/{{z}}/{{x}}/{{y}}.{ext}"
