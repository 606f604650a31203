"""Large layers from tiles made on request: pictures without holes, vectors with every vertex, points thinned,
tiles made once and served by the app's own route, clicks looked up on the server."""

import asyncio
import gc
import gzip
import io
import json
import threading
import time
import uuid

import geopandas as gpd
import mapbox_vector_tile
import numpy as np
import pytest
import shapely
from PIL import Image

from benchmarks.synthetic import parcels, points
from geo.chinacoords import gcj02_to_wgs84, wgs84_to_gcj02
from geo.raster import label_image
from geo.tiling import lonlat_tile_range, mercator_lonlat, tile_bounds, tile_lonlat_bounds, to_mercator
from layers import large
from layers.large import parcel_attributes, register
from layers.tilekeys import landuse_fields, point_source, polygon_source
from layers.tilekeys import tile_key
from layers.tileserver import SERVER, STYLES, TileServer, tile_routes
from layers.tilesources import EXTENT, Tile
from layers.userlayers import is_large


@pytest.fixture(scope="module")
def small():
    """2,000 synthetic parcels (Chinese field names)."""
    return parcels(2000, seed=7)


@pytest.fixture(scope="module")
def source(small):
    return polygon_source(small, "parcels")


def _decode(data: bytes, layer="parcels"):
    """(geometry in tile units, properties) of every feature of an MVT tile."""
    if not data:
        return []
    feats = mapbox_vector_tile.decode(data, default_options={"y_coord_down": True})[layer]["features"]
    return [(shapely.geometry.shape(f["geometry"]), f["properties"]) for f in feats]


def _tile_of(lon, lat, z):
    x0, y0, _, _ = lonlat_tile_range((lon, lat, lon, lat), z)
    return x0, y0


def _pixel_centres(z, x, y, size=256):
    """lon/lat of each pixel centre of tile z/x/y (row-major)."""
    minx, miny, maxx, maxy = tile_bounds(z, x, y)
    step = (maxx - minx) / size
    cx = minx + (np.arange(size) + 0.5) * step
    cy = maxy - (np.arange(size) + 0.5) * step
    lon, lat = mercator_lonlat(*np.meshgrid(cx, cy))
    return lon, lat, step


def test_overview_picture_covers_the_land_and_nothing_else(small, source):
    land = shapely.union_all(small.geometry.values)
    lon0, lat0 = shapely.get_coordinates(land.representative_point())[0]
    z = source.detail_zoom - 2  # parcels of about a pixel here: none may be lost
    x, y = _tile_of(lon0, lat0, z)
    tile = source.tile(z, x, y)
    assert tile.media_type == "image/png" and tile.features > 100
    alpha = np.asarray(Image.open(io.BytesIO(tile.data)).convert("RGBA"))[..., 3]
    merc_land = to_mercator(np.array([land]))[0]
    minx, _, maxx, maxy = tile_bounds(z, x, y)
    step = (maxx - minx) / 256
    cols, rows = np.meshgrid(np.arange(256), np.arange(256))
    pts = shapely.points(minx + (cols + 0.5) * step, maxy - (rows + 0.5) * step)
    inside = shapely.contains(merc_land, pts)
    far = shapely.distance(shapely.boundary(merc_land), pts) > 1.5 * step
    assert (inside & far).sum() > 1000
    assert (alpha[inside & far] > 0).all()  # no speckle: every pixel of the land is some parcel's
    assert (alpha[~inside & far] == 0).all()  # and nothing is painted off the land (the lake stays clear)


def test_label_image_keeps_holes_and_enclaves():
    z = 11
    x, y = _tile_of(117.75, 31.65, z)
    west, south, east, north = tile_lonlat_bounds(z, x, y)

    def box(a, b, c, d):  # fractions of the tile
        return shapely.box(west + a * (east - west), south + b * (north - south),
                           west + c * (east - west), south + d * (north - south))

    ring, hole = box(0.1, 0.1, 0.6, 0.6), box(0.2, 0.2, 0.4, 0.4)
    donut = shapely.Polygon(ring.exterior.coords, [hole.exterior.coords])
    enclave = box(0.2, 0.2, 0.3, 0.4)  # fills half of the hole
    multi = shapely.MultiPolygon([box(0.7, 0.1, 0.8, 0.2), box(0.85, 0.1, 0.95, 0.2)])
    image = label_image(np.array([donut, enclave, multi]), z, x, y, 256)
    lon, lat, _ = _pixel_centres(z, x, y)

    def label_at(fx, fy):
        lo, la = west + fx * (east - west), south + fy * (north - south)
        i = np.unravel_index(np.argmin((lon - lo) ** 2 + (lat - la) ** 2), lon.shape)
        return image[i]

    assert label_at(0.5, 0.5) == 1  # the donut
    assert label_at(0.25, 0.3) == 2  # the enclave in its hole
    assert label_at(0.35, 0.3) == 0  # the rest of the hole stays empty
    assert label_at(0.75, 0.15) == 3 and label_at(0.9, 0.15) == 3  # both parts of the multipolygon
    assert label_at(0.82, 0.15) == 0 and label_at(0.05, 0.05) == 0
    assert (image == 1).sum() == pytest.approx(256 * 256 * (0.25 - 0.04), rel=0.05)  # area, in pixels


def test_deepest_zoom_keeps_every_vertex(small, source):
    merc = to_mercator(small.geometry.values)
    checked, decoded = 0, {}
    for i in np.argsort(shapely.area(merc)):  # parcels inside one deepest tile, smallest first
        c = shapely.get_coordinates(shapely.point_on_surface(small.geometry.values[i]))[0]
        x, y = _tile_of(c[0], c[1], source.maxzoom)
        if checked >= 20 or not shapely.contains(shapely.box(*tile_bounds(source.maxzoom, x, y)), merc[i]):
            continue
        if (x, y) not in decoded:
            decoded[x, y] = {p["fid"]: g for g, p in _decode(source.tile(source.maxzoom, x, y).data)}
        g = decoded[x, y][int(i)]
        assert shapely.get_num_coordinates(g) == shapely.get_num_coordinates(merc[i]) and g.area > 0
        checked += 1
    assert checked >= 3


def test_detail_tiles_have_no_gaps_or_overlaps_and_carry_landuse(small, source):
    z = source.detail_zoom
    c = shapely.get_coordinates(shapely.point_on_surface(small.geometry.values[:1]))[0]
    x, y = _tile_of(c[0], c[1], z)
    feats = _decode(source.tile(z, x, y).data)
    assert len(feats) > 5
    props = feats[0][1]
    row = small.iloc[props["fid"]]
    assert props["地类编码"] == row["地类编码"] and props["地类名称"] == row["地类名称"] and props["layer"] == "parcels"
    geoms = [shapely.clip_by_rect(g, 0, 0, EXTENT, EXTENT) for g, _ in feats]
    union = shapely.union_all(geoms)
    assert sum(g.area for g in geoms) - union.area < 1e-3 * union.area
    slivers = [h for part in getattr(union, "geoms", [union]) for h in part.interiors
               if shapely.Polygon(h).area < 16]  # holes under 4×4 tile units ≈ 1/4 screen pixel
    assert not slivers
    original = sum(shapely.get_num_coordinates(small.geometry.values[[p["fid"] for _, p in feats]]))
    assert sum(shapely.get_num_coordinates(g) for g, _ in feats) < original  # simplified below the deepest zoom


def test_points_are_thinned_below_the_deepest_zoom_and_all_kept_there():
    pts = points(20000, seed=3)
    src = point_source(pts, "pts")
    lon, lat = pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy()
    x, y = _tile_of(np.median(lon), np.median(lat), 10)
    feats = _decode(src.tile(10, x, y).data, "pts")
    west, south, east, north = tile_lonlat_bounds(10, x, y)
    inside = ((lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)).sum()
    core = [p for g, p in feats if 0 <= g.x < EXTENT and 0 <= g.y < EXTENT]
    assert len(core) < inside / 2  # thinned
    assert sum(p.get("n", 1) for p in core) == pytest.approx(inside, abs=inside * 0.02)  # counts add up
    fid = int(np.argmin((lon - lon[0]) ** 2))
    x, y = _tile_of(lon[fid], lat[fid], src.maxzoom)
    deepest = {p["fid"] for _, p in _decode(src.tile(src.maxzoom, x, y).data, "pts")}
    w, s, e, n = tile_lonlat_bounds(src.maxzoom, x, y)
    assert set(np.flatnonzero((lon >= w) & (lon <= e) & (lat >= s) & (lat <= n)).tolist()) <= deepest


class _Counting:
    """A fake source that counts the tiles it makes (slowly, so that requests overlap)."""

    def __init__(self):
        self.calls, self.minzoom, self.maxzoom, self.detail_zoom = [], 8, 10, 9
        self.bounds = (117.6, 31.5, 117.9, 31.8)

    def tile(self, z, x, y, shift=None, colour=None):
        self.calls.append((z, x, y))
        time.sleep(0.05)
        return Tile(bytes(1000), "image/png", 1)

    def format_at(self, z):
        return "png"

    def first_tiles(self, z):
        return [(z, 0, 0)]


def test_tile_server_makes_each_tile_once_caches_and_forgets(tmp_path):
    server = TileServer(workers=2, cache_bytes=2500, root=tmp_path)
    src = _Counting()
    key = server.register(src, tile_key("counting", "v1"))
    futures = [server.future(key, "wgs84", 8, 1, 1) for _ in range(5)]
    assert all(f.result().data == bytes(1000) for f in futures)
    assert src.calls == [(8, 1, 1)]  # five simultaneous requests, one tile made
    assert server.tile(key, "wgs84", 8, 1, 1) is not None and len(src.calls) == 1  # from the cache
    for i in range(3):
        server.tile(key, "wgs84", 9, i, 0)
    assert server.cache.bytes <= 2500  # the least recently used were dropped from memory
    assert server.tile(key, "wgs84", 8, 1, 1).data == bytes(1000)
    assert len(src.calls) == 4  # 8/1/1 had been dropped from memory: read back from its shared file, not made again
    stats = server.stats(key)
    assert stats["made"] == 4 and stats["full_set"] > stats["made"]
    assert server.future(key, "mars", 8, 1, 1) is None and server.future(key, "wgs84", 8, 256, 0) is None
    server.unregister(key)
    assert server.future(key, "wgs84", 8, 1, 1) is None and server.cache.bytes == 0


def _get(app, path: str, headers=()) -> tuple[int, dict, bytes]:
    """One GET through an ASGI app, without a server: (status, headers, body)."""
    messages = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        messages.append(message)

    scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(), "query_string": b"",
             "headers": [(k.encode(), v.encode()) for k, v in headers], "scheme": "http", "http_version": "1.1",
             "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 1), "root_path": ""}
    # in a thread of its own: a Playwright fixture of another test may be running an event loop in this one
    worker = threading.Thread(target=lambda: asyncio.run(app(scope, receive, send)))
    worker.start()
    worker.join(60)
    start = next(m for m in messages if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body


def test_tile_route_serves_pictures_and_gzipped_vectors(small, source):
    from starlette.applications import Starlette

    app = Starlette(routes=tile_routes())
    key = SERVER.register(source, tile_key("parcels", uuid.uuid4().hex[:12]))
    try:
        lon, lat = shapely.get_coordinates(shapely.point_on_surface(small.geometry.values[:1]))[0]
        z = source.detail_zoom - 1
        x, y = _tile_of(lon, lat, z)
        status, headers, body = _get(app, f"/api/tiles/{key}/wgs84/{z}/{x}/{y}.png")
        assert status == 200 and headers["content-type"] == "image/png" and body.startswith(b"\x89PNG")
        assert _get(app, f"/api/tiles/{key}/wgs84/{z}/{x}/{y}.pbf")[0] == 404  # vectors start a zoom deeper
        z = source.detail_zoom
        x, y = _tile_of(lon, lat, z)
        status, headers, body = _get(app, f"/api/tiles/{key}/wgs84/{z}/{x}/{y}.pbf", [("accept-encoding", "gzip")])
        assert status == 200 and headers["content-encoding"] == "gzip"
        assert _decode(gzip.decompress(body))
        status, _, body = _get(app, f"/api/tiles/{key}/stats.json")
        assert status == 200 and json.loads(body)["made"] >= 2
        assert _get(app, f"/api/tiles/{'0' * 16}/{'0' * 12}/wgs84/10/{x}/{y}.png")[0] == 404  # no such layer
    finally:
        SERVER.unregister(key)


def test_tiles_follow_the_gcj02_basemap(small, source):
    """Under 高德 the tiles are shifted onto GCJ-02 like the GeoJSON overlays (≈ 500 m here)."""
    fid = 5
    lon, lat = shapely.get_coordinates(shapely.point_on_surface(small.geometry.values[fid:fid + 1]))[0]
    glon, glat = (float(v) for v in wgs84_to_gcj02(lon, lat))
    z = source.maxzoom
    x, y = _tile_of(glon, glat, z)
    feats = {p["fid"]: g for g, p in _decode(source.tile(z, x, y, STYLES["gcj02"]).data)}
    minx, _, maxx, maxy = tile_bounds(z, x, y)
    scale = (maxx - minx) / EXTENT
    px, py = shapely.get_coordinates(feats[fid].representative_point())[0]
    drawn_lon, drawn_lat = mercator_lonlat(minx + px * scale, maxy - py * scale)
    assert shapely.contains_xy(small.geometry.values[fid], *gcj02_to_wgs84(drawn_lon, drawn_lat))
    assert not shapely.contains_xy(small.geometry.values[fid], drawn_lon, drawn_lat)


def test_panel_rows_from_a_click_on_vectors_or_on_the_overview():
    gdf = parcels(2000, seed=7, fields="standard")
    assert landuse_fields(gdf) == ("DLBM", "DLMC")
    attrs = parcel_attributes(gdf, {"fid": 3, "layer": "p"})
    assert attrs["地类名称"] == gdf.iloc[3]["DLMC"] and attrs["图斑编号"] == gdf.iloc[3]["TBBH"]
    assert "亩" in attrs["图斑面积"]
    lon, lat = shapely.get_coordinates(shapely.point_on_surface(gdf.geometry.values[7:8]))[0]
    props = {"layer": "p", "generalised": 1, "lng": lon, "lat": lat, "zoom": 10, "detail_zoom": 13, "crs": "wgs84"}
    attrs = parcel_attributes(gdf, props)
    assert attrs["图斑编号"] == gdf.iloc[7]["TBBH"] and "第 13 级" in attrs["说明"]
    assert attrs["地类（一级类）"] == large.LANDUSE_CLASSES[gdf.iloc[7]["DLBM"][:2]]
    glon, glat = wgs84_to_gcj02(lon, lat)  # clicked on a 高德 basemap
    assert parcel_attributes(gdf, {**props, "lng": float(glon), "lat": float(glat), "crs": "gcj02"})["图斑编号"] \
        == gdf.iloc[7]["TBBH"]
    assert parcel_attributes(gdf, {**props, "lng": 100.0, "lat": 20.0})["说明"].startswith("此处没有")
    pts = points(10, seed=1)
    assert "约 4 个点" in parcel_attributes(pts, {"fid": 2, "layer": "q", "n": 4})["说明"]


def test_a_layer_is_served_while_its_frame_lives():
    gdf = parcels(600, seed=5)
    key = register(gdf, "tmp")
    assert register(gdf, "tmp") == key and key in SERVER.sources
    del gdf
    gc.collect()
    assert key not in SERVER.sources


def test_large_points_and_polygons_are_tiled_lines_are_not():
    pts = gpd.GeoDataFrame(geometry=shapely.points(np.random.default_rng(0).uniform(117, 118, (5001, 2))), crs=4490)
    assert is_large(pts) and not is_large(pts.iloc[:5000])
    lines = gpd.GeoDataFrame(geometry=[shapely.LineString([(117, 31), (117.1, 31.1)])] * 5001, crs=4490)
    assert not is_large(lines)

