"""A county's land parcels added in the real app: drawn from vector tiles, a click shows the parcel's 地类名称."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import shapely

import browser as bh

sys.path.insert(0, str(bh.REPO / "benchmarks"))
from synthetic import parcels  # noqa: E402

CLICK_AT_JS = """
([lat, lng]) => new Promise(resolve => {
  const map = window.map;
  map.setView([lat, lng], 15, {animate: false});
  const grid = Object.values(map._layers).find(l => l._url && /\\.pbf$/.test(l._url));
  const ready = () => grid && Object.values(grid._tiles).length
                      && Object.values(grid._tiles).every(t => !t.current || t.loaded);
  const check = () => ready() ? resolve(map.latLngToContainerPoint([lat, lng])) : setTimeout(check, 100);
  check();
})
"""


@pytest.fixture(scope="module")
def large_app(tmp_path_factory):
    """The real app with a workspace holding 20,000 三调-style parcels (as if uploaded earlier)."""
    from loaders.workspace import Workspace

    ws = tmp_path_factory.mktemp("large-ws")
    gdf = parcels(20000, seed=11)
    Workspace(ws / "workspace.gpkg").add("三调图斑", gdf)
    url, stop = bh.start_streamlit(bh.REPO / "streamlit_app.py", cwd=bh.REPO, timeout=180,
                                   log_path=bh.ARTIFACTS / "streamlit-large.log",
                                   env_extra={"CHAOHU_WORKSPACE": str(ws)})
    try:
        yield url, gdf
    finally:
        stop()


def test_a_20000_parcel_layer_is_tiled_and_a_click_shows_its_landuse(large_app, page):
    url, gdf = large_app
    page.goto(url)
    frame = bh.wait_for_app(page, timeout=180_000)
    assert "三调图斑" in frame.locator(".chaohu-legend").inner_text()
    sizes = shapely.area(gdf.to_crs("EPSG:4548").geometry.values)
    target = gdf.iloc[int(np.argsort(sizes)[len(sizes) // 2])]  # a parcel of median size
    pt = target.geometry.representative_point()
    point = frame.evaluate(CLICK_AT_JS, [pt.y, pt.x])
    box = page.wait_for_selector(f'iframe[title*="{bh.FOLIUM_FRAME_TITLE}"]', state="attached").bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    page.wait_for_selector("[data-parcel]", timeout=60_000)
    panel = page.locator("[data-parcel]").inner_text()
    assert target["地类名称"] in panel and target["图斑编号"] in panel
    # the page got tiles, not the layer: far fewer bytes than 20,000 parcels of GeoJSON
    assert any(u.endswith(".pbf") for u in page.requests)
    assert bh.external_requests(page.requests) == []
    bh.screenshot(page, "large_layer_panel")
