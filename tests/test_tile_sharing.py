"""Any app process serves any large layer's tiles: stable URLs (store layer id + version), one shared copy of the
layer per version and made tiles as shared files, written whole under a lock even when processes race."""

from __future__ import annotations

import gzip
import multiprocessing
import os
import urllib.error
import urllib.request

import pytest
import shapely

from benchmarks.synthetic import parcels, points
from geo.tiling import lonlat_tile_range
from layers.tilekeys import point_source, polygon_source, tiles_of, version_of
from layers.tileserver import STYLES, TileServer
from layers.tilekeys import tile_key
from layers.tilesources import SharedSource, write_shared


@pytest.fixture(scope="module")
def small():
    """2,000 synthetic parcels (Chinese field names)."""
    return parcels(2000, seed=7)


def _tile_of(lon, lat, z):
    x0, y0, _, _ = lonlat_tile_range((lon, lat, lon, lat), z)
    return x0, y0


def _inside(gdf, row=0):
    return shapely.get_coordinates(shapely.point_on_surface(gdf.geometry.values[row:row + 1]))[0]


def test_the_shared_copy_draws_the_same_tiles_as_the_loaded_layer(small, tmp_path):
    loaded = polygon_source(small, "7")
    assert write_shared(tmp_path / "features", loaded) and not write_shared(tmp_path / "features", loaded)
    shared = SharedSource(tmp_path / "features")
    assert (shared.detail_zoom, shared.bounds, shared.format_at(shared.detail_zoom - 1)) == \
        (loaded.detail_zoom, loaded.bounds, "png")
    lon, lat = _inside(small, 11)
    for z in (loaded.minzoom, loaded.detail_zoom - 1, loaded.detail_zoom, loaded.maxzoom):
        for shift in (None, STYLES["gcj02"]):
            x, y = _tile_of(lon, lat, z)
            made = loaded.tile(z, x, y, shift)
            assert made.data and shared.tile(z, x, y, shift).data == made.data, (z, shift)
    one_colour = polygon_source(small.drop(columns=["地类编码"]), "8", color="#087f5b")
    write_shared(tmp_path / "plain", one_colour)
    z = one_colour.detail_zoom - 1
    x, y = _tile_of(lon, lat, z)
    assert SharedSource(tmp_path / "plain").tile(z, x, y, None, "#e8590c").data == \
        one_colour.tile(z, x, y, None, "#e8590c").data != one_colour.tile(z, x, y).data  # the map's colour wins
    pts = points(3000, seed=3)
    write_shared(tmp_path / "points", point_source(pts, "9"))
    lon, lat = shapely.get_coordinates(pts.geometry.values[:1])[0]
    for z in (8, 12, 16):
        x, y = _tile_of(lon, lat, z)
        assert SharedSource(tmp_path / "points").tile(z, x, y).data == point_source(pts, "9").tile(z, x, y).data


def test_a_changed_layer_gets_a_new_key_and_a_frame_from_code_gets_one_by_content(small):
    key = tiles_of(small, "p")
    assert key == tiles_of(small.copy(), "p")  # the same data: the same URL, in any process
    changed = small.copy()
    changed.loc[0, "geometry"] = shapely.affinity.translate(changed.geometry.iloc[0], 1e-4)
    assert tiles_of(changed, "p") != key
    stored = small.copy()
    stored.attrs["tiles"] = {"layer": "12", "version": "abc123abc123"}
    assert tiles_of(stored, "p") == "12/abc123abc123"


# ---- two builders racing: each a process of its own (forked), as two app processes behind HAProxy

def _race(root, key, loaded, tile, barrier, out):
    """One builder: a tile server of its own asking for the same tile as its rival, at the same moment."""
    loads = root / "loads.txt"

    def loader(layer, version):
        def load():
            fd = os.open(loads, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
            os.write(fd, b"loaded\n")
            os.close(fd)
            return loaded
        return load

    server = TileServer(workers=2, root=root)
    server.resolver = loader
    barrier.wait()
    made = server.tile(key, "wgs84", *tile)
    out.put((made.data, server.made.get(key, 0)))


def test_two_processes_build_a_layer_and_a_tile_once_and_never_half(small, tmp_path):
    loaded = polygon_source(small, "7")
    key = tile_key("7", "race00000001")
    lon, lat = _inside(small, 3)
    z = loaded.detail_zoom - 1
    tile = (z, *_tile_of(lon, lat, z))
    ctx = multiprocessing.get_context("fork")
    barrier, out = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_race, args=(tmp_path, key, loaded, tile, barrier, out)) for _ in range(2)]
    for p in procs:
        p.start()
    results = [out.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    (data_a, made_a), (data_b, made_b) = results
    assert data_a and data_a == data_b == loaded.tile(*tile).data
    assert made_a + made_b == 1  # one process made the tile, the other read its file
    assert (tmp_path / "loads.txt").read_text().count("loaded") == 1  # the layer was loaded by one builder only
    folder = tmp_path / "7-race00000001"
    assert SharedSource(folder / "features").tile(*tile).data == data_a
    leftovers = [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]
    assert not leftovers  # nothing half-written left behind


# ---- two real app processes on one workspace

def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=120) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


def test_two_app_processes_serve_the_same_tile_urls_from_the_store(start_app, tmp_path_factory):
    import json

    from store.gpkg import GpkgStore

    ws = tmp_path_factory.mktemp("shared-ws")
    gdf = parcels(6000, seed=11)
    store = GpkgStore(ws / "workspace.gpkg")
    info = store.add_layer("图斑", gdf)
    first, second = start_app(ws), start_app(ws)  # as two replicas behind HAProxy: no page opened on either
    base = f"/api/tiles/{info.id}/{version_of(info)}"
    stats = json.loads(_get(f"{second}{base}/stats.json")[1])
    lon, lat = _inside(gdf, 5)
    z = stats["detail_zoom"] - 1
    picture = f"{base}/wgs84/{z}/{'/'.join(map(str, _tile_of(lon, lat, z)))}.png"
    status, body = _get(first + picture)
    assert status == 200 and body.startswith(b"\x89PNG") and len(body) > 200
    assert _get(second + picture) == (200, body)  # the same URL, the same bytes, from the other process
    z = stats["detail_zoom"] + 1
    vectors = f"{base}/gcj02/{z}/{'/'.join(map(str, _tile_of(lon, lat, z)))}.pbf"
    status, body = _get(second + vectors)
    assert status == 200 and body
    assert _get(first + vectors) == (200, body)
    made = [json.loads(_get(f"{url}{base}/stats.json")[1])["made"] for url in (first, second)]
    assert made == [1, 1]  # each made the tile it was asked for first; the other read it
    assert _get(f"{first}/api/tiles/{info.id}/{'0' * 12}/wgs84/{z}/0/0.png")[0] == 404  # not this layer's version
    store.remove_layer("图斑")
    again = store.add_layer("图斑", gdf.iloc[:5500])
    assert (again.id, version_of(again)) != (info.id, version_of(info))  # changed data: a new URL
    assert _get(second + picture) == (200, _get(first + picture)[1])  # an old URL keeps its tiles
    store.add_account("admin", "a-long-password-1", "admin", user="test")
    assert _get(first + picture)[0] == 401 and _get(second + vectors)[0] == 401  # the session gate guards tiles


def test_a_process_that_never_loaded_a_layer_finds_it_in_the_store(store, monkeypatch, tmp_path):
    """GeoPackage and PostGIS: the layer a tile URL names is read from the store at that version, else 404."""
    from layers import tilekeys

    monkeypatch.setattr(tilekeys, "open_store", lambda: store)
    gdf = parcels(1500, seed=4)
    info = store.add_layer("图斑", gdf)
    layer, version = str(info.id), version_of(info)
    assert tilekeys.store_loader(layer, "0" * 12) is None and tilekeys.store_loader("999", version) is None
    server = TileServer(workers=1, root=tmp_path)
    server.resolver = tilekeys.store_loader
    key = tile_key(layer, version)
    expected = polygon_source(store.read_layer(info), layer)
    lon, lat = _inside(gdf, 9)
    z = expected.detail_zoom
    x, y = _tile_of(lon, lat, z)
    tile = server.tile(key, "wgs84", z, x, y)
    assert tile.data and gzip.decompress(tile.data) == expected.tile(z, x, y).data  # vector tiles are kept gzipped
    store.remove_layer("图斑")
    assert tilekeys.store_loader(layer, version) is None  # removed: nobody builds it again
    assert server.tile(key, "wgs84", z, x, y).data == tile.data  # …but its made tiles still serve
