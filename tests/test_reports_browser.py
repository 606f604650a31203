"""The standalone town map opens from a file in headless Chromium, draws the town's features, fetches nothing."""

from __future__ import annotations

import browser as bh
import pytest

from layers import mapview
from loaders.plan import load_plan
from reports.export import export_town

TOWN = "黄麓镇"
#: Resolves after the next two animation frames: what the map client scheduled on the last one is drawn.
NEXT_FRAMES_JS = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))"

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
    page.wait_for_function("() => { const m = window.L && Object.values(window).find(v => v instanceof L.Map);"
                           " return m && m._chaohu && m._chaohu.placed.length > 0; }", timeout=30_000)
    page.evaluate(NEXT_FRAMES_JS)
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


#: Visible `.chaohu-label` labels of the map and the pairs whose text overlaps (measured on the text itself,
#: so a label drawn wider than its 0-px box is caught).
_LABELS_JS = """
() => {
  const shown = [...document.querySelectorAll('.chaohu-label')].filter(e => getComputedStyle(e).visibility !== 'hidden')
    .map(e => { const r = document.createRange(); r.selectNodeContents(e); return [e.textContent, r.getBoundingClientRect()]; })
    .filter(([, b]) => b.right > 0 && b.bottom > 0 && b.left < innerWidth && b.top < innerHeight);
  const pairs = [];
  for (let i = 0; i < shown.length; i++) for (let j = i + 1; j < shown.length; j++) {
    const a = shown[i][1], b = shown[j][1];
    if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) pairs.push([shown[i][0], shown[j][0]]);
  }
  const legend = document.querySelector('.chaohu-legend').getBoundingClientRect();
  const under = shown.filter(([, b]) => b.left < legend.right && legend.left < b.right && b.top < legend.bottom &&
                                        legend.top < b.bottom).map(([t]) => t);
  return {names: shown.map(([t]) => t), pairs, under};
}
"""


@pytest.fixture(scope="module")
def city_html(tmp_path_factory, catalog):
    (path,) = export_town(None, "html", catalog, load_plan(), tmp_path_factory.mktemp("city-html"))
    return path


@pytest.mark.parametrize("screen", [(1366, 768), (1920, 1080)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_exported_city_map_labels_never_overlap_and_more_appear_when_zooming_in(city_html, browser, screen):
    context = browser.new_context(viewport={"width": screen[0], "height": screen[1]}, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(city_html.as_uri())  # the map client places the labels, as on the live map
        page.wait_for_function("() => { const m = Object.values(window).find(v => v instanceof L.Map);"
                               " return m && m._chaohu && m._chaohu.placed.length > 0; }", timeout=30_000)
        page.evaluate(NEXT_FRAMES_JS)
        first = page.evaluate(_LABELS_JS)
        assert first["pairs"] == [] and first["under"] == []
        assert len(first["names"]) >= 12, first["names"]  # the city view names the platforms' small towns and the towns
        assert {"中垾体育小镇", "槐林渔乐小镇"} <= set(first["names"])  # 特色小镇 are named at the city view
        assert {"巢湖半岛科学城", "柘皋产业新城", "居巢经开区"} <= set(first["names"])  # and the platforms
        page.evaluate("""() => { const m = Object.values(window).find(v => v instanceof L.Map);
                                 m.setZoomAround(L.latLng(31.60, 117.86), m.getZoom() + 2, {animate: false}); }""")
        page.evaluate(NEXT_FRAMES_JS)  # the labels are laid out on the animation frame after the zoom
        closer = page.evaluate(_LABELS_JS)
        assert closer["pairs"] == []
        urban = {"亚父街道", "卧牛山街道", "凤凰山街道", "半汤街道", "天河街道"}
        assert len(urban & set(closer["names"])) > len(urban & set(first["names"]))
    finally:
        context.close()
