"""The map page on an office laptop (1366×768) and a desktop screen (1920×1080): labels that never overlap, a legend
that folds off the plan features, a view that survives every sidebar change and sits in the URL, a measure that
shows its places, and a list to choose from when features lie on top of each other."""

from __future__ import annotations

import math
import re

import browser as bh
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect
from test_app import choose

pytestmark = pytest.mark.slow

SCREENS = {"laptop": (1366, 768), "desktop": (1920, 1080)}

#: Every visible label: text, centre, size before rotation and rotation (from the element's own style).
LABELS_JS = """
() => [...document.querySelectorAll('.chaohu-label')].filter(e => e.style.display !== 'none').map(e => {
  const r = e.getBoundingClientRect(), m = /rotate\\(([-0-9.e]+)rad\\)/.exec(e.style.transform || '');
  return {text: e.textContent, cx: r.left + r.width / 2, cy: r.top + r.height / 2, w: e.offsetWidth, h: e.offsetHeight,
          angle: m ? parseFloat(m[1]) : 0, layer: e.dataset.layer};
})
"""

#: Points over the folded legend where a plan feature lies underneath it (every 3 px).
UNDER_LEGEND_JS = """
(planLayers) => {
  const legend = document.querySelector('.chaohu-legend').getBoundingClientRect(), paths = new Map();
  map.eachLayer(l => { const p = l.feature && l.feature.properties;
                       if (p && planLayers.includes(p.layer) && l._path) paths.set(l._path, p.name); });
  const hits = new Set();
  for (let x = legend.left; x <= legend.right; x += 3)
    for (let y = legend.top; y <= legend.bottom; y += 3)
      for (const el of document.elementsFromPoint(x, y)) if (paths.has(el)) hits.add(paths.get(el));
  return {hits: [...hits], legend: [legend.width, legend.height]};
}
"""

#: The text a user sees: text nodes that are displayed with a font size above zero.
SHOWN_TEXT_JS = """
() => { const out = [], walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walk.nextNode()) {
    const node = walk.currentNode, el = node.parentElement;
    if (!el || !node.textContent.trim() || !el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    if (parseFloat(style.fontSize) === 0 || style.visibility === 'hidden') continue;
    out.push(node.textContent);
  }
  return out.join(' '); }
"""

PLAN_LAYERS = ["juchao_edz", "peninsula_science_city", "peninsula_roads", "hechao_new_city", "zhegao_new_city",
               "feature_towns", "industrial_parks", "projects", "innovation_platforms"]


def _page(browser, screen: str):
    width, height = SCREENS[screen]
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = context.new_page()
    page.requests = bh.RequestRecorder().attach(context)
    return page


def _corners(label: dict) -> list[tuple[float, float]]:
    c, s, hw, hh = math.cos(label["angle"]), math.sin(label["angle"]), label["w"] / 2, label["h"] / 2
    return [(label["cx"] + x * c - y * s, label["cy"] + x * s + y * c) for x, y in ((-hw, -hh), (hw, -hh), (hw, hh), (-hw, hh))]


def _overlap(a: list, b: list) -> bool:
    """Separating-axis test of two convex quadrilaterals (touching edges do not count)."""
    for quad in (a, b):
        for i in range(4):
            (x1, y1), (x2, y2) = quad[i], quad[(i + 1) % 4]
            axis = (y1 - y2, x2 - x1)
            pa = [axis[0] * x + axis[1] * y for x, y in a]
            pb = [axis[0] * x + axis[1] * y for x, y in b]
            if max(pa) <= min(pb) + 1e-6 or max(pb) <= min(pa) + 1e-6:
                return False
    return True


def _overlapping_pairs(labels: list[dict]) -> list[tuple[str, str]]:
    quads = [_corners(label) for label in labels]
    return [(labels[i]["text"], labels[j]["text"]) for i in range(len(labels)) for j in range(i + 1, len(labels))
            if _overlap(quads[i], quads[j])]


def _view(page) -> tuple[float, float, int]:
    return tuple(bh.map_eval(page, "() => { const c = map.getCenter(); return [c.lat, c.lng, map.getZoom()]; }"))


def _url_view(page) -> tuple[float, float, int] | None:
    lat, lon, z = (re.search(rf"[?&]{k}=([-0-9.]+)", page.url) for k in ("lat", "lon", "z"))
    return (float(lat.group(1)), float(lon.group(1)), int(z.group(1))) if lat and lon and z else None


@pytest.mark.parametrize("screen", list(SCREENS))
def test_labels_never_overlap_and_more_appear_closer_in(app_url, browser, screen):
    page = _page(browser, screen)
    try:
        page.goto(app_url)
        frame = bh.wait_for_app(page)
        bh.wait_map_settled(page)
        city = frame.evaluate(LABELS_JS)
        assert len(city) >= 12, [label["text"] for label in city]  # the city view names the platforms and towns
        platforms = {"巢湖半岛科学城", "柘皋产业新城", "居巢经开区"}  # over their own project markers if need be
        assert platforms <= {label["text"] for label in city}, [label["text"] for label in city]
        assert _overlapping_pairs(city) == []
        bh.screenshot(page, f"labels_city_{screen}")
        # closer in on the peninsula: road names appear along the roads, still without any overlap
        frame.evaluate("() => map.setView([31.632, 117.56], 14, {animate: false})")
        bh.wait_map_settled(page)
        near = frame.evaluate(LABELS_JS)
        roads = [label for label in near if label["layer"] == "peninsula_roads"]
        assert len(roads) >= 3, [label["text"] for label in near]
        assert any(abs(label["angle"]) > 0.05 for label in roads)  # set along the road, not all horizontal
        assert _overlapping_pairs(near) == []
        assert {"巢湖半岛科学城", "黄麓建筑科创小镇"} <= {label["text"] for label in near}
        bh.screenshot(page, f"labels_peninsula_{screen}")
    finally:
        page.context.close()


@pytest.mark.parametrize("screen", list(SCREENS))
def test_the_legend_folds_and_then_covers_no_plan_feature(app_url, browser, screen):
    page = _page(browser, screen)
    try:
        page.goto(app_url)
        frame = bh.wait_for_app(page)
        legend = frame.locator(".chaohu-legend")
        toggle = frame.locator(".chaohu-legend-toggle")
        folded = "folded" in legend.get_attribute("class")
        assert folded == (screen == "laptop")  # folded by default on the small screen only
        if not folded:
            assert "特色小镇" in legend.inner_text()
            toggle.click()
        frame.wait_for_function("""() => { const l = document.querySelector('.chaohu-legend');
            const r = l.getBoundingClientRect(); return l.classList.contains('folded') && r.width < 120 && r.height < 40; }""")
        under = frame.evaluate(UNDER_LEGEND_JS, PLAN_LAYERS)
        assert under["hits"] == [], under
        assert under["legend"][0] < 120 and under["legend"][1] < 40  # folded, it is one small button
        toggle.click()  # and it unfolds again, with every layer's entry
        frame.wait_for_function("!document.querySelector('.chaohu-legend').classList.contains('folded')")
        assert "居巢经开区" in legend.inner_text() and "示意位置" in legend.inner_text()
    finally:
        page.context.close()


@pytest.mark.parametrize("screen", list(SCREENS))
def test_the_view_survives_a_layer_switch_and_a_filter_change_and_is_in_the_url(app_url, browser, screen):
    page = _page(browser, screen)
    try:
        page.goto(app_url)
        frame = bh.wait_for_app(page)
        zoom_in = frame.locator(".leaflet-control-zoom-in")
        for _ in range(2):
            zoom = _view(page)[2]
            zoom_in.click()
            bh.wait_map_until(page, "(z) => map.getZoom() === z + 1", zoom, what=f"zoom {zoom + 1}")
            bh.wait_map_settled(page)
        handle = page.wait_for_selector(f'iframe[title*="{bh.FOLIUM_FRAME_TITLE}"]')
        box = handle.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] / 2 - 120, box["y"] + box["height"] / 2 + 60, steps=8)
        page.mouse.up()
        bh.wait_map_settled(page)  # the pan glides on a little after the mouse is released
        before = _view(page)
        assert before[2] == 12
        _wait_url_view(page, before)

        page.get_by_text("重点项目", exact=True).click()  # a layer switch redraws the map…
        bh.wait_map_until(page, "() => !Object.values(map._layers).some(l => l.feature && l.feature.properties.layer === 'projects')",
                          what="the map without 重点项目")
        bh.wait_for_app(page)
        bh.wait_map_settled(page)
        after = _view(page)
        assert after[2] == 12 and abs(after[0] - before[0]) < 1e-4 and abs(after[1] - before[1]) < 1e-4
        _wait_url_view(page, before)

        choose(page, "牵头单位", "市经信委")  # …a filter moves it only to show every place it leaves
        page.wait_for_function("() => location.search.includes('unit=')", timeout=30_000)
        bh.wait_for_app(page)
        bh.wait_map_settled(page)
        assert bh.wait_map_until(page, _ALL_FILTERED_IN_VIEW_JS, PLAN_LAYERS, what="every place of the filter in view")
        before = _view(page)
        _wait_url_view(page, before)

        other = _page(browser, screen)  # the copied link reopens the same view, layers and filter
        try:
            other.goto(page.url)
            bh.wait_for_app(other)
            bh.wait_map_settled(other)
            reopened = _view(other)
            assert reopened[2] == before[2] and abs(reopened[0] - before[0]) < 1e-4 and abs(reopened[1] - before[1]) < 1e-4
            assert "筛选结果" in other.inner_text("body")
        finally:
            other.context.close()
    finally:
        page.context.close()


#: True once the map shows plan places and every one of them lies within the map's bounds.
_ALL_FILTERED_IN_VIEW_JS = """(planLayers) => { const b = map.getBounds(), out = [];
  map.eachLayer(l => { const p = l.feature && l.feature.properties;
    if (p && planLayers.includes(p.layer)) out.push(l.getBounds ? b.contains(l.getBounds()) : b.contains(l.getLatLng())); });
  return out.length > 0 && out.every(Boolean); }"""


def _wait_url_view(page, view, seconds: float = 60) -> None:
    """Wait until the URL holds this view (lat, lon within 1e-4°, zoom)."""
    try:
        page.wait_for_function("""([lat, lon, z]) => { const q = new URLSearchParams(location.search);
            return q.has('lat') && q.has('lon') && Number(q.get('z')) === z
                   && Math.abs(Number(q.get('lat')) - lat) < 1e-4 && Math.abs(Number(q.get('lon')) - lon) < 1e-4; }""",
                               arg=list(view), timeout=seconds * 1000)
    except PlaywrightTimeout as exc:
        raise AssertionError(f"URL {page.url} does not hold the view {view}") from exc


_LAYERS_JS = """
() => { const out = []; map.eachLayer(l => { if (l.feature && l.feature.properties && l.feature.properties.layer)
                                              out.push(l.feature.properties); }); return out; }
"""


def test_selecting_a_measure_highlights_and_zooms_to_every_place_of_it(app_url, browser, catalog):
    page = _page(browser, "laptop")
    try:
        page.goto(app_url)
        bh.wait_for_app(page)
        start = _view(page)
        page.get_by_label("地点或措施").fill("4.2")
        page.keyboard.press("Enter")
        bh._wait_idle(page)
        page.get_by_role("button", name=re.compile("^措施 4.2")).click()
        page.wait_for_selector("text=关联地点", timeout=30_000)
        wanted = catalog.features[catalog.features["id"].isin(catalog.places_of(["4.2"]))]
        assert len(wanted) >= 20  # 措施 4.2 names 21 places on the map
        state = bh.wait_map_until(page, """([wanted, start]) => {
                const ids = new Set(), b = map.getBounds();
                (window.feature_group || []).forEach(g => g.eachLayer(function visit(l) {
                    if (l.feature) ids.add(l.feature.properties.id); if (l.eachLayer) l.eachLayer(visit); }));
                const state = {ids: [...ids], bounds: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()], zoom: map.getZoom()};
                return wanted.every(id => ids.has(id)) && state.zoom > start && !map._animatingZoom && state; }""",
                                  [sorted(wanted["id"]), start[2]], what="every place of 措施 4.2 highlighted, zoomed in")
        assert set(wanted["id"]) <= set(state["ids"])  # every place highlighted…
        minx, miny, maxx, maxy = wanted.to_crs("EPSG:4326").total_bounds
        west, south, east, north = state["bounds"]
        assert west <= minx and east >= maxx and south <= miny and north >= maxy  # …all in view…
        assert state["zoom"] > start[2]  # …closer than the city view
        page.wait_for_function("() => !location.search.includes('measure=')"  # the URL follows the view a moment later
                               " && location.search.replace(/%3A/g, ':').includes('sel=measure')", timeout=30_000)
        bh.screenshot(page, "measure_4_2")
    finally:
        page.context.close()


def test_features_on_top_of_each_other_are_listed_to_choose_from(app_url, browser):
    page = _page(browser, "laptop")
    try:
        page.goto(app_url)
        frame = bh.wait_for_app(page)
        # at city zoom, the middle of 南区 also lies in 居巢经开区 (its outline) and under other places' markers
        point = frame.evaluate("""() => { let t = null; map.eachLayer(l => { if (l.feature && l.feature.properties.name === '南区') t = l; });
                                          const p = map.latLngToContainerPoint(t.getCenter()); return {x: p.x, y: p.y}; }""")
        handle = page.wait_for_selector(f'iframe[title*="{bh.FOLIUM_FRAME_TITLE}"]')
        box = handle.bounding_box()
        page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
        chooser = frame.locator(".chaohu-chooser")
        chooser.wait_for(timeout=10_000)
        listed = chooser.inner_text()
        assert "南区" in listed and "居巢经开区" in listed
        frame.locator('.chaohu-chooser button[data-id="edz_juchao"]').click()  # the outline covered by its parts
        page.wait_for_selector('[data-place="edz_juchao"]', timeout=30_000)
        frame.locator('.chaohu-chooser button[data-id="edz_south"]').click()
        page.wait_for_selector('[data-place="edz_south"]', timeout=30_000)
        frame.locator('.chaohu-chooser button[data-id="edz_juchao"]').click()  # back again: a repeated choice still counts
        page.wait_for_selector('[data-place="edz_juchao"]', timeout=30_000)
    finally:
        page.context.close()


def test_no_english_on_the_map_page(app_url, browser):
    page = _page(browser, "laptop")
    try:
        page.goto(app_url)
        frame = bh.wait_for_app(page)
        bh.open_group(page, "我的数据")
        page.locator('[data-testid="stFileUploaderDropzone"]').wait_for(state="visible")
        page.get_by_text("选择文件").wait_for()  # Streamlit's uploader texts in Chinese (views/static/streamlit_zh.js)
        titles = frame.evaluate("() => [...document.querySelectorAll('[title]')].map(e => e.title).join(' ')")
        texts = " ".join([page.evaluate(SHOWN_TEXT_JS), frame.evaluate(SHOWN_TEXT_JS), titles])
        assert page.inner_text("[data-testid=stFileUploaderDropzone] button [data-testid=stMarkdownContainer]") == "选择文件"
        for english in ("Zoom in", "Zoom out", "MiniMap", "Choose an option", "Drag and drop", "Browse files", "Upload",
                        "per file", "contributors", "Leaflet"):
            assert english not in texts, english
    finally:
        page.context.close()


def test_tiandi_without_a_key_requests_no_tiles_and_says_why(app_url, page):
    page.goto(app_url + "?basemap=tianditu_vec")
    frame = bh.wait_for_app(page)
    frame.locator(".chaohu-notice").wait_for(timeout=30_000)  # the basemap's code has run: it says why there are no tiles
    assert "密钥" in frame.locator(".chaohu-notice").inner_text()
    assert not [u for u in page.requests if "tianditu.gov.cn" in u]


def test_an_unreachable_basemap_is_said_in_chinese(app_url, page):
    page.route(re.compile(r"https://tile\.openstreetmap\.org/.*"), lambda route: route.abort())
    page.goto(app_url + "?basemap=osm")
    frame = bh.wait_for_app(page)
    frame.locator(".chaohu-notice").wait_for(timeout=30_000)
    assert "底图加载失败" in frame.locator(".chaohu-notice").inner_text()


def test_on_a_laptop_the_map_fills_the_window_and_the_layer_switches_are_in_reach(app_url, browser):
    page = _page(browser, "laptop")
    try:
        page.goto(app_url)
        bh.wait_for_app(page)
        frame = page.wait_for_selector(f'iframe[title*="{bh.FOLIUM_FRAME_TITLE}"]').bounding_box()
        assert frame["y"] + frame["height"] <= 768 and frame["height"] >= 768 - 90  # the whole map, no scrolling
        assert frame["width"] >= 680  # was 536 px beside a 3:2 panel
        switch = page.get_by_text("巢湖市界及周边", exact=True).bounding_box()
        assert switch["y"] + switch["height"] <= 768  # the first layer switch is on the first screen of the sidebar
    finally:
        page.context.close()


def test_a_tooltip_moves_off_the_legend(app_url, browser):
    page = _page(browser, "laptop")
    try:
        page.goto(app_url)
        frame = bh.wait_for_app(page)
        if "folded" in frame.locator(".chaohu-legend").get_attribute("class"):
            frame.locator(".chaohu-legend-toggle").click()
        # put 柘皋产业新城 just left of the map's middle: its tooltip would open to the right, under the legend
        point = frame.evaluate("""() => { let t = null; map.eachLayer(l => { if (l.feature && l.feature.properties.name === '柘皋产业新城') t = l; });
            const size = map.getSize(), legend = document.querySelector('.chaohu-legend').getBoundingClientRect();
            const target = L.point(size.x / 2 - 20, legend.top + 60);
            const now = map.latLngToContainerPoint(t.getCenter());
            map.panBy(now.subtract(target), {animate: false});
            const p = map.latLngToContainerPoint(t.getCenter());
            return {x: p.x, y: p.y, legendLeft: legend.left}; }""")
        bh.wait_map_settled(page)
        handle = page.wait_for_selector(f'iframe[title*="{bh.FOLIUM_FRAME_TITLE}"]')
        box = handle.bounding_box()
        page.mouse.move(box["x"] + point["x"], box["y"] + point["y"])
        tip = frame.locator(".leaflet-tooltip").first
        tip.wait_for(timeout=10_000)
        try:  # placed off the legend once it is measured (the next frame)
            frame.wait_for_function("""() => { const t = document.querySelector('.leaflet-tooltip').getBoundingClientRect(),
                                               l = document.querySelector('.chaohu-legend').getBoundingClientRect();
                                       return t.right <= l.left || t.left >= l.right || t.bottom <= l.top || t.top >= l.bottom; }""",
                                    timeout=10_000)
        except PlaywrightTimeout:
            pass  # the assertion below says where it stayed
        rects = frame.evaluate("""() => { const t = document.querySelector('.leaflet-tooltip').getBoundingClientRect(),
                                           l = document.querySelector('.chaohu-legend').getBoundingClientRect();
                                   return {t: [t.left, t.top, t.right, t.bottom, t.width], l: [l.left, l.top, l.right, l.bottom]}; }""")
        t, legend = rects["t"], rects["l"]
        assert point["x"] + 10 + t[4] > legend[0]  # opened to the right, it would have reached under the legend
        assert t[2] <= legend[0] or t[0] >= legend[2] or t[3] <= legend[1] or t[1] >= legend[3], rects
    finally:
        page.context.close()


def test_a_file_made_for_another_format_is_no_longer_offered(app_url, page):
    page.goto(app_url + "?town=黄麓镇")
    bh.wait_for_app(page)
    page.get_by_text("导出：黄麓镇").click()
    page.get_by_role("button", name="生成文件").click()
    page.get_by_role("button", name="下载 黄麓镇_规划要素汇总.xlsx").wait_for(timeout=60_000)
    choose(page, "格式", "CSV（Excel 可直接打开）")
    expect(page.get_by_role("button", name=re.compile("^下载"))).to_have_count(0, timeout=30_000)
