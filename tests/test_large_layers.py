"""Large parcel layers as vector tiles: full detail when zoomed in, gap-free when zoomed out, clickable in the app."""

import json
import os
import pickle
import shutil
import subprocess
import sys

import mapbox_vector_tile
import numpy as np
import pytest
import shapely

import browser as bh
from benchmarks.synthetic import parcels
from geo.tiling import tile_bounds, tile_range, to_mercator
from layers.assets import materialise_vendor
from layers.large import landuse_tiles, parcel_attributes


@pytest.fixture(scope="module")
def small():
    """2,000 synthetic parcels and their tiles in a temporary static folder."""
    return parcels(2000, seed=7)


@pytest.fixture(scope="module")
def tiles(small, tmp_path_factory):
    static = tmp_path_factory.mktemp("static")
    return static, landuse_tiles(small, static)


def _decode(tileset, z, x, y):
    path = os.path.join(tileset.directory, str(z), str(x), f"{y}.pbf")
    data = open(path, "rb").read()
    layer = mapbox_vector_tile.decode(data, default_options={"y_coord_down": True})[tileset.layer_id]
    return [(shapely.geometry.shape(f["geometry"]), f["properties"]) for f in layer["features"]]


def _tile_of(point, z):
    x0, y0, _, _ = tile_range((point.x, point.y, point.x, point.y), z)
    return x0, y0


@pytest.mark.slow
def test_tiles_are_written_once_and_reused(small, tiles):
    static, ts = tiles
    assert ts.coverage and ts.tiles > 10 and ts.bytes > 1000
    manifest = os.path.join(ts.directory, "tileset.json")
    stamp = os.stat(manifest).st_mtime_ns
    again = landuse_tiles(small, static)
    assert again.key == ts.key and os.stat(manifest).st_mtime_ns == stamp
    changed = small.copy()
    changed.loc[0, "地类编码"], changed.loc[0, "地类名称"] = "1101", "河流水面"
    assert landuse_tiles(changed, static).key != ts.key


def test_deepest_zoom_keeps_every_vertex(small, tiles):
    _, ts = tiles
    merc = to_mercator(small.geometry.values)
    checked, decoded = 0, {}
    for i in np.argsort(shapely.area(merc)):  # parcels that fit inside one deepest tile, smallest first
        x, y = _tile_of(shapely.point_on_surface(merc[i]), ts.maxzoom)
        if checked >= 20 or not shapely.contains(shapely.box(*tile_bounds(ts.maxzoom, x, y)), merc[i]):
            continue
        if (x, y) not in decoded:
            decoded[x, y] = {p["fid"]: g for g, p in _decode(ts, ts.maxzoom, x, y)}
        feats = decoded[x, y]
        assert shapely.get_num_coordinates(feats[int(i)]) == shapely.get_num_coordinates(merc[i])
        assert feats[int(i)].area > 0
        checked += 1
    assert checked >= 3  # 2,000 parcels are ~900 m wide, a zoom-16 tile ~520 m: only small ones fit


def test_zoomed_out_tiles_have_no_gaps_or_overlaps(small, tiles):
    _, ts = tiles
    z = ts.minzoom + 1
    centre = shapely.point_on_surface(to_mercator(small.geometry.values[:1])[0])
    x, y = _tile_of(centre, z)
    geoms = [g for g, _ in _decode(ts, z, x, y)]
    assert len(geoms) > 5
    union = shapely.union_all(geoms)
    overlap = sum(g.area for g in geoms) - union.area
    assert overlap < 1e-3 * union.area
    slivers = [h for part in getattr(union, "geoms", [union]) for h in part.interiors
               if shapely.Polygon(h).area < 16]  # holes under 4×4 tile units ≈ 1/4 screen pixel
    assert not slivers
    original = sum(shapely.get_num_coordinates(to_mercator(small.geometry.values)))
    assert sum(shapely.get_num_coordinates(geoms)) < original  # simplified


def test_panel_attributes(small):
    attrs = parcel_attributes(small, {"fid": 3, "layer": "parcels"})
    assert attrs["地类名称"] == small.iloc[3]["地类名称"] and "亩" in attrs["面积"]
    assert parcel_attributes(small, {"地类名称": "耕地", "generalised": 1})["地类（一级类）"] == "耕地"


_CLICK_JS = """
([lat, lng]) => new Promise(resolve => {
  const map = window.map;
  map.setView([lat, lng], 15, {animate: false});
  const vg = Object.values(map._layers).find(l => l._url && /\\.pbf$/.test(l._url));
  const check = () => {
    const tiles = Object.values(vg._tiles);
    if (tiles.length && tiles.every(t => !t.current || t.loaded)) {
      const p = map.latLngToContainerPoint([lat, lng]);
      resolve({x: p.x, y: p.y});
    } else setTimeout(check, 100);
  };
  setTimeout(check, 100);
})
"""


def test_app_layer_of_20000_parcels_click_shows_landuse(page, tmp_path):
    gdf = parcels(20000, seed=11)
    root = tmp_path
    shutil.copy(bh.REPO / "benchmarks" / "bench_app.py", root / "bench_app.py")
    materialise_vendor(root / "static")
    (root / ".streamlit").mkdir()
    shutil.copy(bh.REPO / ".streamlit" / "config.toml", root / ".streamlit" / "config.toml")
    with open(root / "parcels.pkl", "wb") as fh:
        pickle.dump(gdf, fh)
    os.environ.update(BENCH_REPO=str(bh.REPO), BENCH_MODE="ours", BENCH_DATA=str(root / "parcels.pkl"),
                      BENCH_STATS=str(root / "stats.jsonl"))
    url, stop = bh.start_streamlit(root / "bench_app.py", cwd=root, log_path=bh.ARTIFACTS / "streamlit-large.log")
    try:
        page.goto(url)
        frame = bh.wait_for_app(page, timeout=120_000)
        merc = shapely.area(gdf.to_crs("EPSG:4548").geometry.values)
        target = gdf.iloc[int(np.argsort(merc)[len(merc) // 2])]  # a parcel of median size
        pt = target.geometry.representative_point()
        point = frame.evaluate(_CLICK_JS, [pt.y, pt.x])
        handle = page.wait_for_selector(f'iframe[title*="{bh.FOLIUM_FRAME_TITLE}"]', state="attached")
        box = handle.bounding_box()
        page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
        page.get_by_text(target["图斑编号"]).wait_for(timeout=60_000)
        body = page.inner_text("body")
        assert "图斑属性" in body and target["地类名称"] in body
        assert not bh.external_requests(page.requests)
    finally:
        stop()


@pytest.mark.slow
def test_benchmark_runs_on_a_small_count(tmp_path):
    out = tmp_path / "line.json"
    cmd = [sys.executable, "benchmarks/large_layers.py", "--quick", "--timeout", "90", "--json", str(out)]
    subprocess.run(cmd, cwd=bh.REPO, check=True, timeout=600, stdout=subprocess.DEVNULL)
    line = json.loads(out.read_text(encoding="utf-8"))
    r = line["results"][0]
    assert 2500 < r["count"] < 3500 and 8 < r["vertices_mean"] < 40
    naive, ours = r["naive"], r["ours"]
    assert naive["html_bytes"] > 100 * ours["html_bytes"]
    for d in (naive, ours):
        assert d["drawn_warm_s"] and 0 < d["drawn_warm_s"] < 90 and d["bytes_warm"] > 100_000
        assert 0 < d["gdf_rss"] < d["app_peak_rss"]
    assert ours["rerun_tile_requests"] == 0 and ours["rerun_server_s"] < naive["rerun_server_s"]
    assert r["ratios"]["bytes_until_drawn"] > 1
