"""Large layers in the real app: 20,000 uploaded parcels drawn from tiles made on request (without waiting for a
full tile set) and clickable; 20,000 points sent as tiles, far smaller than their GeoJSON."""

from __future__ import annotations

import json
import sys
import urllib.request

import numpy as np
import pytest
import shapely

import browser as bh
from playwright.sync_api import Error as PlaywrightError

sys.path.insert(0, str(bh.REPO / "benchmarks"))
from synthetic import parcels, points  # noqa: E402

from benchmarks.large_layers import body_bytes  # noqa: E402
from layers.large import TILES_DRAWN_JS  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TILE_KEY_JS = """() => { const l = Object.values(window.map._layers).find(l => l.options && l.options.chaohuTiles);
                         const m = l && l._url.match(/api\\/tiles\\/([^/]+\\/[^/]+)\\//); return m ? m[1] : null; }"""


def _app(tmp_path_factory, name: str, layer=None):
    """The real app on its own workspace (holding `layer` as if uploaded earlier, when given)."""
    from store.gpkg import GpkgStore

    ws = tmp_path_factory.mktemp(name)
    if layer is not None:
        GpkgStore(ws / "workspace.gpkg").add_layer(*layer)
    return bh.start_streamlit(bh.REPO / "streamlit_app.py", cwd=bh.REPO, timeout=180,
                              log_path=bh.ARTIFACTS / f"streamlit-{name}.log", env_extra={"CHAOHU_WORKSPACE": str(ws)})


def _drawn_frame(page, timeout_ms: float = 180_000):
    """The map frame once every tile in view of the tiled layer is drawn (the frame may be replaced by reruns)."""
    for _ in range(20):
        frame = bh.map_frame(page, timeout=timeout_ms)
        try:
            frame.wait_for_function(TILES_DRAWN_JS, timeout=timeout_ms / 4, polling=100)
            return frame
        except PlaywrightError:  # the component frame was replaced (detached), or not drawn yet (timeout): look again
            continue
    raise AssertionError("the tiled layer was never drawn")


def _stats(url: str, frame) -> dict:
    key = frame.evaluate(TILE_KEY_JS)
    with urllib.request.urlopen(f"{url}/api/tiles/{key}/stats.json", timeout=30) as r:
        return json.loads(r.read())


@pytest.fixture(scope="module")
def upload_app(tmp_path_factory):
    url, stop = _app(tmp_path_factory, "large-upload")
    try:
        yield url
    finally:
        stop()


def test_uploaded_parcels_are_drawn_without_a_full_tile_set_and_a_click_shows_landuse(upload_app, page, tmp_path):
    gdf = parcels(20000, seed=11, fields="standard")  # field names as in a county's 三调 database
    path = tmp_path / "三调图斑.gpkg"
    gdf.to_file(path, layer="三调图斑", driver="GPKG")
    page.goto(upload_app)
    bh.wait_for_app(page, timeout=180_000)
    bh.open_group(page, "我的数据")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
    page.get_by_role("button", name="添加到地图").click()
    frame = _drawn_frame(page)
    stats = _stats(upload_app, frame)
    # drawn from the handful of tiles in view, made on request: no full tile set was written first
    assert 0 < stats["made"] <= 40 and stats["made"] < stats["full_set"] / 100
    assert "三调图斑" in frame.locator(".chaohu-legend").inner_text()

    sizes = shapely.area(gdf.to_crs("EPSG:4548").geometry.values)
    target = gdf.iloc[int(np.argsort(sizes)[len(sizes) // 2])]  # a parcel of median size
    pt = target.geometry.representative_point()
    bh.click_map_at(page, pt.y, pt.x, stats["detail_zoom"] + 2, TILES_DRAWN_JS)
    page.wait_for_selector("[data-parcel]", timeout=60_000)
    panel = page.locator("[data-parcel]").inner_text()
    assert target["DLMC"] in panel and target["TBBH"] in panel and "地类名称" in panel
    assert _stats(upload_app, frame)["made"] > stats["made"]  # the deeper tiles were made when asked for
    assert bh.external_requests(page.requests) == []
    bh.screenshot(page, "large_layer_panel")


@pytest.fixture(scope="module")
def points_app(tmp_path_factory):
    pts = points(20000, seed=12)
    url, stop = _app(tmp_path_factory, "large-points", ("企业点位", pts))
    try:
        yield url, pts
    finally:
        stop()


def test_twenty_thousand_points_arrive_as_tiles_far_smaller_than_their_geojson(points_app, page):
    url, pts = points_app
    received = {"websocket": 0, "tiles": 0}

    def on_websocket(ws):
        ws.on("framereceived", lambda payload: received.__setitem__("websocket", received["websocket"] + len(payload)))

    page.on("websocket", on_websocket)
    page.on("response", lambda r: received.__setitem__("tiles", received["tiles"] + body_bytes(r))
            if "/api/tiles/" in r.url else None)
    page.goto(url)
    frame = _drawn_frame(page)
    bh._wait_idle(page)  # the run is over and no other started: its last messages have reached us
    geojson = len(pts.to_json().encode())
    layer_bytes = received["websocket"] + received["tiles"]  # the map page and everything drawn on it
    assert received["tiles"] > 0 and layer_bytes < geojson / 4, (received, geojson)
    assert "企业点位" in frame.locator(".chaohu-legend").inner_text()

    i = len(pts) // 3
    target = pts.iloc[i]
    bh.click_map_at(page, target.geometry.y, target.geometry.x, _stats(url, frame)["maxzoom"], TILES_DRAWN_JS)
    page.wait_for_selector("[data-parcel]", timeout=60_000)
    assert target["名称"] in page.locator("[data-parcel]").inner_text()
