"""The standalone town map opens from a file in headless Chromium, draws the town's features, fetches nothing."""

from __future__ import annotations

import browser as bh
import pytest

from layers import mapview
from loaders.plan import load_plan
from reports.export import export_town

TOWN = "黄麓镇"

_MAP_STATE_JS = """
() => {
  const map = Object.values(window).find(v => v instanceof L.Map);
  const names = new Set();
  let features = 0;
  const visit = (l) => {
    if (l.feature && l.feature.properties) { features++; names.add(l.feature.properties.name); }
    if (l.eachLayer) l.eachLayer(visit);
  };
  map.eachLayer(visit);
  const b = map.getBounds();
  return {names: [...names], features, paths: document.querySelectorAll('path.leaflet-interactive').length,
          labels: [...document.querySelectorAll('.chaohu-label')].map(e => e.textContent),
          bounds: [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()], zoom: map.getZoom(),
          title: document.title, tiles: document.querySelectorAll('img.leaflet-tile').length};
}
"""


@pytest.fixture(scope="module")
def town_html(tmp_path_factory, catalog):
    out = tmp_path_factory.mktemp("html")
    (path,) = export_town(TOWN, "html", catalog, load_plan(), out)
    return path


def test_standalone_town_map_draws_its_features_from_a_file_without_network(town_html, catalog, page):
    page.goto(town_html.as_uri())
    page.wait_for_function("() => window.L && Object.values(window).some(v => v instanceof L.Map)", timeout=30_000)
    page.wait_for_timeout(500)
    bh.screenshot(page, "reports_town_map")
    state = page.evaluate(_MAP_STATE_JS)
    assert TOWN in state["title"]
    assert {"黄麓建筑科创小镇", "巢湖半岛科学城", "半岛大道"} <= set(state["names"])
    assert state["paths"] >= 10  # polygons and roads really drawn as SVG paths
    assert "黄麓建筑科创小镇" in state["labels"]
    assert state["tiles"] == 0
    south, west, north, east = state["bounds"]
    minx, miny, maxx, maxy = catalog.layers["township_areas"].query("name == @TOWN").total_bounds
    assert south <= miny and north >= maxy and west <= minx and east >= maxx  # the whole town in view
    assert state["zoom"] > mapview.DEFAULT_ZOOM  # fitted to the town, closer than the city view
    assert bh.external_requests(page.requests) == []
    assert all(u.startswith(("file:", "data:", "blob:", "about:")) for u in page.requests), page.requests
