"""QGIS/ArcGIS/GDAL read the office's map from the running app: OGC API – Features at /ogc, vector tiles, the style.

The real app (streamlit_app.py) on a free port, read by GDAL's own OAPIF driver (what QGIS uses), with no account
configured (the app runs open). One server for the module.
"""

from __future__ import annotations

import gzip
import json
import urllib.parse
import urllib.request

import geopandas as gpd
import mapbox_vector_tile
import pyogrio
import pytest
from shapely.geometry import Point, box

import browser as bh
from core.declarations import LAYERS
from geo.tiling import lonlat_tile_range
from qgis_check import qgis

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def ogc(tmp_path_factory):
    """(app URL, workspace folder): the app whose store already holds one office layer, 园区地块."""
    from store import forget_stores, open_store

    ws = tmp_path_factory.mktemp("ogc-ws")
    store = open_store(gpkg=ws / "workspace.gpkg")
    parcels = gpd.GeoDataFrame({"名称": ["东区地块", "西区地块"], "面积": [12.5, 8.0]},
                               geometry=[box(117.86, 31.60, 117.87, 31.61), box(117.80, 31.60, 117.81, 31.61)],
                               crs="EPSG:4490")
    store.add_layer("园区地块", parcels, "测试")
    url, stop = bh.start_streamlit(bh.REPO / "streamlit_app.py", cwd=bh.REPO, log_path=bh.ARTIFACTS / "streamlit-ogc.log",
                                   env_extra={"CHAOHU_WORKSPACE": str(ws)})
    yield url, ws
    stop()
    forget_stores()


def _get(url: str) -> tuple[int, dict, bytes]:
    req = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(req, timeout=120) as resp:
        data = resp.read()
        if resp.headers.get("Content-Encoding") == "gzip":
            data = gzip.decompress(data)
        return resp.status, {k.lower(): v for k, v in resp.headers.items()}, data


def _office_ids(url: str) -> dict[str, str]:
    """Collection title → id of the office layers the landing page lists."""
    _, _, body = _get(f"{url}/ogc/collections?f=json")
    return {c["title"]: c["id"] for c in json.loads(body)["collections"] if c["id"].startswith("office_")}


def test_gdal_lists_plan_and_office_layers(ogc):
    url, _ = ogc
    names = set(pyogrio.list_layers(f"OAPIF:{url}/ogc")[:, 0])
    assert {s.id for s in LAYERS} <= names
    assert set(_office_ids(url).values()) <= names and _office_ids(url).keys() == {"园区地块"}
    _, _, body = _get(f"{url}/ogc/collections/feature_towns?f=json")
    assert json.loads(body)["title"] == "特色小镇"


def test_feature_towns_read_with_chinese_names_in_any_offered_crs(ogc):
    url, _ = ogc
    towns = pyogrio.read_dataframe(f"OAPIF:{url}/ogc", layer="feature_towns")
    assert len(towns) == 6
    assert all("小镇" in n for n in towns["name"]), towns["name"].tolist()
    assert towns.total_bounds[0] > 117 and towns.total_bounds[3] < 32  # lon/lat
    gk = pyogrio.read_dataframe(f"OAPIF:{url}/ogc", layer="feature_towns", CRS="EPSG:4548")
    assert len(gk) == 6
    xs, ys = gk.geometry.x, gk.geometry.y
    assert ((xs > 4.5e5) & (xs < 6e5)).all() and ((ys > 3.4e6) & (ys < 3.6e6)).all(), (xs.tolist(), ys.tolist())
    status, headers, _ = _get(f"{url}/ogc/collections/feature_towns/items?f=json&crs=http://www.opengis.net/def/crs/EPSG/0/4548")
    assert status == 200 and headers["content-crs"] == "<http://www.opengis.net/def/crs/EPSG/0/4548>"


def test_items_paged_filtered_by_box_and_property(ogc):
    url, _ = ogc
    items = f"{url}/ogc/collections/feature_towns/items?f=json"
    page = json.loads(_get(f"{items}&limit=2&offset=1")[2])
    assert page["numberMatched"] == 6 and len(page["features"]) == 2
    everything = json.loads(_get(items)[2])["features"]
    assert [f["id"] for f in page["features"]] == [f["id"] for f in everything[1:3]]
    one = everything[0]
    lon, lat = one["geometry"]["coordinates"]
    near = json.loads(_get(f"{items}&bbox={lon - 0.001},{lat - 0.001},{lon + 0.001},{lat + 0.001}")[2])["features"]
    assert [f["id"] for f in near] == [one["id"]]
    by_name = json.loads(_get(f"{items}&name={urllib.parse.quote(one['properties']['name'])}")[2])["features"]
    assert [f["id"] for f in by_name] == [one["id"]]


def test_layer_added_while_running_is_listed_and_tiled(ogc, monkeypatch, tmp_path):
    url, ws = ogc
    from loaders.__main__ import main

    monkeypatch.setenv("CHAOHU_WORKSPACE", str(ws))
    gpd.GeoDataFrame({"名称": ["新厂房"]}, geometry=[Point(117.88, 31.62)], crs="EPSG:4490").to_file(
        tmp_path / "新厂房.geojson", driver="GeoJSON")
    assert main(["workspace", "add", str(tmp_path / "新厂房.geojson"), "--name", "新厂房"]) == 0
    assert "新厂房" in _office_ids(url)
    new_id = _office_ids(url)["新厂房"]
    assert new_id in set(pyogrio.list_layers(f"OAPIF:{url}/ogc")[:, 0])
    style = json.loads(_get(f"{url}/ogc/styles/map.json")[2])
    assert style["version"] == 8 and new_id in style["sources"]
    towns = [layer for layer in style["layers"] if layer["source"] == "feature_towns"]
    assert any(layer["type"] == "circle" and layer["paint"]["circle-stroke-color"] == "#f08c00" for layer in towns)
    template = style["sources"]["feature_towns"]["tiles"][0]
    lon, lat = json.loads(_get(f"{url}/ogc/collections/feature_towns/items?f=json&limit=1")[2])["features"][0]["geometry"]["coordinates"]
    x, y, _, _ = lonlat_tile_range((lon, lat, lon, lat), 12)
    status, _, body = _get(template.replace("{z}", "12").replace("{x}", str(x)).replace("{y}", str(y)))
    decoded = mapbox_vector_tile.decode(body) if status == 200 else {}
    assert status == 200 and decoded["feature_towns"]["features"], (status, template)
    assert main(["workspace", "remove", "新厂房"]) == 0
    assert "新厂房" not in _office_ids(url)


def test_qgis_reads_the_style_in_the_map_colours(ogc, tmp_path):
    url, _ = ogc
    (tmp_path / "map.json").write_bytes(_get(f"{url}/ogc/styles/map.json")[2])
    seen = qgis("--style", tmp_path / "map.json")
    assert seen["result"] == 0 and not seen["error"] and not seen["warnings"], seen
    styles = {s["name"]: s for s in seen["styles"]}
    assert styles["feature_towns-circle"]["color"] == "#ffd43b"
    assert styles["industrial_parks-fill"]["color"] == "#2f9e44"
    assert styles["peninsula_roads-line-located"]["dash"] == "0" and styles["peninsula_roads-line-approximate"]["dash"] == "1"
    assert "feature_towns" in seen["labels"]


def test_a_correction_moves_the_plan_feature_and_is_listed(ogc):
    url, ws = ogc
    from store import open_store

    towns = json.loads(_get(f"{url}/ogc/collections/feature_towns/items?f=json")[2])["features"]
    town = towns[0]
    old = Point(town["geometry"]["coordinates"])
    new = Point(old.x + 0.01, old.y + 0.005)
    open_store(gpkg=ws / "workspace.gpkg").add_correction(
        town["id"], "feature_towns", town["properties"]["name"], new, "located", "镇政府提供的坐标", "2026-05-01", "drawn",
        old, town["properties"]["accuracy"], "测试")
    moved = json.loads(_get(f"{url}/ogc/collections/feature_towns/items/{town['id']}?f=json")[2])
    assert moved["geometry"]["coordinates"] == pytest.approx([new.x, new.y])
    assert moved["properties"]["accuracy"] == "located"
    listed = json.loads(_get(f"{url}/ogc/collections/corrections/items?f=json")[2])["features"]
    assert [(f["properties"]["place_id"], f["properties"]["source"]) for f in listed] == [(town["id"], "镇政府提供的坐标")]
