"""OGC API – Features at ``/ogc`` on the app's own port, for QGIS, ArcGIS and GDAL, plus stable vector tiles and a
MapLibre style of every layer in the map's colours.

pygeoapi (``pygeoapi.api``) answers the OGC requests; its configuration is made here from the declarations and the
current collections (layers/ogcdata.py), and a new ``API`` object is made whenever the store's change log moves
on, so an uploaded or removed layer appears or disappears without a restart. pygeoapi's own Starlette module is not
imported: it reads its configuration from files named by environment variables once, at import.

URLs (under server.baseUrlPath):
  /ogc                                 landing page (…/collections, …/collections/{id}/items?bbox=&limit=&offset=&crs=)
  /ogc/tiles/{id}/{z}/{x}/{y}.pbf      Mapbox Vector Tiles of a collection (one layer named after the collection id)
  /ogc/styles/map.json                 one MapLibre style with every layer; /ogc/styles/{id}.json for one
With accounts configured every one of them needs HTTP Basic or a Bearer token (layers/auth.py).
"""

from __future__ import annotations

import asyncio
import gzip
import threading
from functools import lru_cache

from typing import TYPE_CHECKING

from core.declarations import ACCURACY, UNSURE

if TYPE_CHECKING:  # GeoPandas and pygeoapi load on the first /ogc request, not while the app starts
    from layers.ogcdata import Collection, Collections, Snapshot

ROUTE = "ogc"
PROVIDER = "layers.ogcdata.CatalogProvider"
EXTENT = 4096
BUFFER = 64
MAX_TILE_ZOOM = 18
#: Large layers (over layers/userlayers.py's LARGE_FEATURES) have vector tiles from this zoom on.
LARGE_MIN_ZOOM = 12
#: Properties each vector tile feature carries (what the style and a click need).
TILE_FIELDS = ("id", "name", "status", "accuracy", "town")
TITLE = "巢湖市制造业规划图"
#: The labels' font (Debian's fonts-noto-cjk; a style's font is named "<family> <style>").
LABEL_FONT = "Noto Sans CJK SC Regular"
#: Colour of a collection with no declaration (office layers, corrections).
OTHER_COLORS = ("#e8590c", "#5f3dc4", "#087f5b", "#c2255c")


def pygeoapi_config(snapshot: Snapshot, url: str) -> dict:
    """pygeoapi's configuration for the collections of a snapshot, served at `url`."""
    from layers.ogcdata import CRS_URIS, STORAGE_URI

    resources = {}
    for c in snapshot.collections.values():
        resources[c.id] = {
            "type": "collection", "title": c.title, "description": c.description, "keywords": list(c.keywords) or [c.title],
            "links": [],
            "extents": {"spatial": {"bbox": c.bbox, "crs": CRS_URIS[0]}},
            "providers": [{"type": "feature", "name": PROVIDER, "data": c.id, "id_field": "id", "title_field": "name",
                           "crs": list(CRS_URIS), "storage_crs": STORAGE_URI}],
        }
    return {
        "server": {"bind": {"host": "127.0.0.1", "port": 0}, "url": url, "mimetype": "application/json; charset=UTF-8",
                   "encoding": "utf-8", "languages": ["zh-CN"], "pretty_print": False,
                   "limits": {"default_items": 1000, "max_items": 10000},
                   "map": {"url": "", "attribution": ""}, "admin": False},
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {"title": TITLE, "description": f"{TITLE}：规划图层、位置校正与本单位图层（OGC API – Features）",
                               "keywords": ["巢湖市", "制造业", "规划"], "keywords_type": "theme", "terms_of_service": "",
                               "url": url},
            "license": {"name": "内部使用", "url": url},
            "provider": {"name": TITLE, "url": url},
            "contact": {"name": TITLE, "position": "", "address": "", "city": "巢湖市", "stateorprovince": "安徽省",
                        "postalcode": "", "country": "中国", "phone": "", "fax": "", "email": "", "url": url,
                        "hours": "", "instructions": "", "role": "pointOfContact"},
        },
        "resources": resources,
    }


class Service:
    """The collections of the store in effect and the pygeoapi API object made for their current version."""

    def __init__(self, collections: Collections):
        self.collections = collections
        self._apis: dict[tuple[int, str], object] = {}
        self._lock = threading.Lock()

    def api(self, url: str):
        """(pygeoapi API for the current snapshot served at `url`, the snapshot)."""
        from pygeoapi.api import API

        snapshot = self.collections.current()
        key = (snapshot.version, url)
        with self._lock:
            api = self._apis.get(key)
            if api is None:
                self._apis = {k: v for k, v in self._apis.items() if k[0] == snapshot.version}
                api = self._apis[key] = API(pygeoapi_config(snapshot, url), {})
        return api, snapshot


def _service() -> Service:
    if "service" not in _SERVICE:
        from layers.catalog import load_catalog
        from layers.ogcdata import SOURCE, Collections
        from store import open_store

        SOURCE["current"] = Collections(open_store, load_catalog)
        _SERVICE["service"] = Service(SOURCE["current"])
    return _SERVICE["service"]


_SERVICE: dict[str, Service] = {}


#: The path /ogc is served under (with server.baseUrlPath), set by ogc_routes.
_PREFIX = {"path": f"/{ROUTE}"}


def _url(request) -> str:
    """The absolute URL of /ogc as the client reached it (pygeoapi's links and the style's tile URLs start with it)."""
    return str(request.url.replace(path=_PREFIX["path"], query="", fragment="")).rstrip("/")


async def _pygeoapi(request, function, *args):
    """Run a pygeoapi API function for a Starlette request (in a worker thread: it reads the store)."""
    from pygeoapi.api import APIRequest, apply_gzip
    from starlette.responses import HTMLResponse, JSONResponse, Response

    loop = asyncio.get_running_loop()
    api, _ = await loop.run_in_executor(None, _service().api, _url(request))
    api_request = await APIRequest.from_starlette(request, api.locales)
    if not api_request.is_valid():
        headers, status, content = api.get_format_exception(api_request)
    else:
        def call():
            asyncio.set_event_loop(loop)
            return function(api, api_request, *args)

        headers, status, content = await loop.run_in_executor(None, call)
        content = apply_gzip(headers, content)
    if headers.get("Content-Type") == "text/html":
        response = HTMLResponse(content=content, status_code=status)
    elif isinstance(content, dict):
        response = JSONResponse(content, status_code=status)
    else:
        response = Response(content, status_code=status)
    response.headers.update(headers)
    return response


async def _landing(request):
    import pygeoapi.api as core

    return await _pygeoapi(request, core.landing_page)


async def _conformance(request):
    import pygeoapi.api as core

    return await _pygeoapi(request, core.conformance)


async def _openapi(request):
    from starlette.responses import JSONResponse

    loop = asyncio.get_running_loop()
    api, _ = await loop.run_in_executor(None, _service().api, _url(request))
    return JSONResponse(await loop.run_in_executor(None, _openapi_document, api),
                        media_type="application/vnd.oai.openapi+json;version=3.0")


def _openapi_document(api) -> dict:
    from pygeoapi.openapi import get_oas

    return get_oas(api.config)


async def _collections(request):
    import pygeoapi.api as core

    return await _pygeoapi(request, core.describe_collections, request.path_params.get("collection_id"))


async def _queryables(request):
    import pygeoapi.api.itemtypes as items

    return await _pygeoapi(request, items.get_collection_queryables, request.path_params["collection_id"])


async def _items(request):
    import pygeoapi.api.itemtypes as items

    return await _pygeoapi(request, items.get_collection_items, request.path_params["collection_id"])


async def _item(request):
    import pygeoapi.api.itemtypes as items

    p = request.path_params
    return await _pygeoapi(request, items.get_collection_item, p["collection_id"], p["item_id"])


# ---------------------------------------------------------------- vector tiles and the style

def tile(collection: Collection, z: int, x: int, y: int) -> bytes:
    """Tile z/x/y of a collection as MVT (empty bytes where it has nothing): every feature, clipped to the tile."""
    import numpy as np
    import shapely

    from geo.tiling import tile_geometries, tile_lonlat_bounds
    from layers.tilesources import encode_mvt

    pad = BUFFER * 256 / EXTENT
    west, south, east, north = tile_lonlat_bounds(z, x, y, pad)
    idx = np.sort(collection.tree.query(shapely.box(west, south, east, north)))
    if not len(idx):
        return b""
    geoms = np.asarray(collection.frame.geometry.values)[idx]
    polygons = bool(shapely.get_type_id(geoms).min(initial=3) >= 3)  # only polygons are simplified (as a coverage)
    tolerance = 0.5 if z < 16 and polygons else 0.0
    local, _ = tile_geometries(geoms, z, x, y, EXTENT, BUFFER, tolerance)
    keep = ~(shapely.is_empty(local) | shapely.is_missing(local))
    frame = collection.frame
    columns = {c: frame[c].reset_index(drop=True) for c in TILE_FIELDS if c in frame}
    return encode_mvt(collection.id, local[keep], idx[keep], columns)


def min_zoom(collection: Collection) -> int:
    """The first zoom a collection has tiles at: 0, or LARGE_MIN_ZOOM for a large layer (as the app's own map,
    which draws those from pictures when zoomed out; layers/large.py)."""
    from layers.userlayers import LARGE_FEATURES

    return LARGE_MIN_ZOOM if len(collection.frame) > LARGE_FEATURES else 0


@lru_cache(maxsize=4096)
def _tile_bytes(version: int, cid: str, z: int, x: int, y: int) -> bytes:
    snapshot = _service().collections.current()
    collection = snapshot.collections.get(cid)
    return b"" if collection is None else gzip.compress(tile(collection, z, x, y), 6)


async def _tile(request):
    from starlette.responses import Response

    p = request.path_params
    z, x, y = p["z"], p["x"], p["y"]
    loop = asyncio.get_running_loop()
    snapshot = await loop.run_in_executor(None, _service().collections.current)
    collection = snapshot.collections.get(p["collection_id"])
    if collection is None or not (0 <= z <= MAX_TILE_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z):
        return Response(status_code=404)
    if z < min_zoom(collection):  # a county's parcels are not cut into tiles at county scale
        return Response(status_code=204)
    data = await loop.run_in_executor(None, _tile_bytes, snapshot.version, p["collection_id"], z, x, y)
    headers = {"Cache-Control": "no-cache", "ETag": f'"{snapshot.version}-{z}-{x}-{y}"'}
    if len(data) <= 20:  # gzip of nothing
        return Response(status_code=204, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        return Response(data, media_type="application/x-protobuf", headers={**headers, "Content-Encoding": "gzip"})
    return Response(gzip.decompress(data), media_type="application/x-protobuf", headers=headers)


def _colors(c: Collection, i: int) -> tuple[str, str, float, float]:
    """(stroke, fill, fill opacity, width) of a collection as the map draws it."""
    from layers.ogcdata import CORRECTIONS_ID

    if c.spec is not None:
        return c.spec.color, c.spec.fill_color or c.spec.color, c.spec.fill_opacity, c.spec.weight
    color = OTHER_COLORS[i % len(OTHER_COLORS)] if c.id != CORRECTIONS_ID else "#e03131"
    return color, color, 0.3, 2.0


def _dash(accuracy: str) -> list[float]:
    return [float(v) / 2 for v in (ACCURACY[accuracy]["dash"] or "1 0").split()]


def style_layers(c: Collection, i: int) -> list[dict]:
    """MapLibre style layers of one collection: fill, outline (dashed where the position is approximate or
    schematic), circle for points, name labels where the map labels them. Each layer type draws only its own
    geometries (fill: polygons, line: lines and polygon outlines, circle: points), so no geometry filter is needed."""
    stroke, fill, opacity, width = _colors(c, i)
    kinds = set(c.frame.geom_type.dropna())
    src, lyr = c.id, c.id
    out = []
    if kinds & {"Polygon", "MultiPolygon"}:
        out.append({"id": f"{c.id}-fill", "type": "fill", "source": src, "source-layer": lyr,
                    "paint": {"fill-color": fill, "fill-opacity": opacity}})
    if kinds & {"Polygon", "MultiPolygon", "LineString", "MultiLineString"}:
        status_colors = c.spec.status_colors if c.spec else {}
        color = (["match", ["get", "status"], *[v for kv in status_colors.items() for v in kv], stroke]
                 if status_colors else stroke)
        for acc in ("located", *UNSURE):
            # legacy filter syntax: MapLibre and QGIS's style converter both read it
            match = ["==", "accuracy", acc] if acc in UNSURE else ["!in", "accuracy", *UNSURE]
            paint = {"line-color": color, "line-width": width}
            if acc in UNSURE:
                paint["line-dasharray"] = _dash(acc)
            out.append({"id": f"{c.id}-line-{acc}", "type": "line", "source": src, "source-layer": lyr,
                        "filter": match, "paint": paint})
    if kinds & {"Point", "MultiPoint"}:
        radius = c.spec.radius if c.spec else 5
        out.append({"id": f"{c.id}-circle", "type": "circle", "source": src, "source-layer": lyr,
                    "paint": {"circle-color": fill, "circle-opacity": opacity, "circle-radius": radius,
                              "circle-stroke-color": stroke, "circle-stroke-width": 1.5}})
    if c.spec is not None and (c.spec.labels or c.spec.near_labels):
        out.append({"id": f"{c.id}-label", "type": "symbol", "source": src, "source-layer": lyr,
                    "minzoom": c.spec.label_minzoom,
                    "layout": {"text-field": ["get", "name"], "text-size": 12, "text-font": [LABEL_FONT],
                               "symbol-placement": "line" if c.spec.near_labels else "point"},
                    "paint": {"text-color": "#333333", "text-halo-color": "#ffffff", "text-halo-width": 1.5}})
    return out


def style(snapshot: Snapshot, url: str, only: str | None = None) -> dict:
    """A MapLibre style (version 8) of every collection (or only one), tiles from /ogc/tiles."""
    sources, layers = {}, []
    for i, c in enumerate(snapshot.collections.values()):
        if only is not None and c.id != only:
            continue
        sources[c.id] = {"type": "vector", "tiles": [f"{url}/tiles/{c.id}/{{z}}/{{x}}/{{y}}.pbf"],
                         "minzoom": min_zoom(c), "maxzoom": 16, "bounds": c.bbox}
        layers += style_layers(c, i)
    return {"version": 8, "name": TITLE if only is None else snapshot.collections[only].title,
            "metadata": {"chaohu:version": snapshot.version}, "sources": sources, "layers": layers}


async def _style(request):
    from starlette.responses import JSONResponse, Response

    name = request.path_params["name"]
    loop = asyncio.get_running_loop()
    snapshot = await loop.run_in_executor(None, _service().collections.current)
    only = None if name == "map" else name
    if only is not None and only not in snapshot.collections:
        return Response(status_code=404)
    return JSONResponse(style(snapshot, _url(request), only))


def ogc_routes() -> list:
    """The Starlette routes of /ogc (under server.baseUrlPath), every one behind layers/auth.py's check."""
    from starlette.applications import Starlette
    from starlette.responses import RedirectResponse
    from starlette.routing import Mount, Route
    from streamlit import config

    from layers.auth import read_only

    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    prefix = _PREFIX["path"] = f"/{base}/{ROUTE}" if base else f"/{ROUTE}"
    sub = Starlette(routes=[
        Route("/", _landing),
        Route("/conformance", _conformance),
        Route("/openapi", _openapi),
        Route("/collections", _collections),
        Route("/collections/{collection_id}", _collections),
        Route("/collections/{collection_id}/queryables", _queryables),
        Route("/collections/{collection_id}/items", _items),
        Route("/collections/{collection_id}/items/{item_id}", _item),
        Route("/tiles/{collection_id}/{z:int}/{x:int}/{y:int}.pbf", _tile),
        Route("/styles/{name}.json", _style),
    ])

    async def to_landing(request):
        return RedirectResponse(str(request.url.replace(path=request.url.path + "/")))

    return [Route(prefix, read_only(to_landing_app(to_landing))), Mount(prefix, app=read_only(sub))]


def to_landing_app(endpoint):
    """An ASGI app of one request handler (so the bare /ogc goes through the same check)."""
    from starlette.requests import Request

    async def app(scope, receive, send):
        response = await endpoint(Request(scope, receive))
        await response(scope, receive, send)

    return app
