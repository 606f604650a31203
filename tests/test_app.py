"""The planning map as a planner uses it, in headless Chromium against the running app."""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path

import geopandas as gpd
import yaml
from playwright.sync_api import Error as PlaywrightError

import browser as bh

REPO = Path(__file__).resolve().parent.parent
PLAN = REPO / "data" / "plan"
SHAPES = REPO / "data" / "shapefiles"
PLAN_LAYERS = ["juchao_edz", "peninsula_science_city", "peninsula_roads", "hechao_new_city", "zhegao_new_city",
               "feature_towns", "industrial_parks", "projects", "innovation_platforms"]

FEATURES_JS = """
() => {
  const out = [];
  const visit = (l) => {
    if (l.feature && l.feature.properties && l.feature.properties.layer) out.push(l.feature.properties);
    if (l.eachLayer) l.eachLayer(visit);
  };
  window.map.eachLayer(visit);
  return out;
}
"""


def open_app(page, url: str, query: str = ""):
    page.goto(url + query)
    return bh.wait_for_app(page)


def drawn(page) -> list[dict]:
    return bh.map_eval(page, FEATURES_JS)


def choose(page, label: str, option: str):
    """Pick `option` in the Streamlit selectbox labelled `label`, as a user would by typing."""
    box = page.locator('[data-testid="stSelectbox"]').filter(has=page.get_by_text(label, exact=True)).first
    open_expander_of(page, box)
    for attempt in range(3):  # a rerun of the map (it reports its view) may redraw the list while it is open
        box.locator("input").click()
        page.keyboard.type(option)
        try:
            page.get_by_role("option", name=option, exact=True).first.click(timeout=10_000)
            break
        except PlaywrightError:  # the list was redrawn under the click (a timeout, or the option detached)
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
    bh._wait_idle(page)


def open_expander_of(page, element) -> None:
    """Unfold the sidebar group (expander) holding `element`, as a user would before using it."""
    if element.is_visible():
        return
    page.locator('[data-testid="stExpander"]').filter(has=element).locator("summary").first.click()
    element.wait_for(state="visible", timeout=10_000)


def panel_text(page) -> str:
    return page.locator('[data-testid="stHorizontalBlock"]').first.inner_text()


def test_default_view_draws_every_layer_offline(app_url, page):
    open_app(page, app_url)
    props = drawn(page)
    layers = {p["layer"] for p in props}
    assert {"city_boundary", "lake", "township_areas", "townships"} <= layers
    assert set(PLAN_LAYERS) <= layers, set(PLAN_LAYERS) - layers
    towns = {p["name"] for p in props if p["layer"] == "townships"}
    assert len(towns) == 18
    legend = bh.map_frame(page).locator(".chaohu-legend").inner_text()
    titles = [t["title"] for t in _layer_titles()]
    for title in titles:
        assert title in legend, title
    assert "示意图" in bh.map_frame(page).locator(".chaohu-map-note").inner_text()
    # 无底图: not a single request leaves this machine
    assert bh.external_requests(page.requests) == []
    bh.screenshot(page, "default_view")


def _layer_titles() -> list[dict]:
    """`python -m layers list --json`, run in this process."""
    import contextlib
    import io
    import json

    from layers.__main__ import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["list", "--json"]) == 0
    return json.loads(out.getvalue())


def test_click_feature_town_opens_its_measures(app_url, page):
    open_app(page, app_url)
    bh.click_feature(page, "黄麓建筑科创小镇")
    page.wait_for_selector('[data-place]', timeout=30_000)
    text = panel_text(page)
    assert "黄麓建筑科创小镇" in text
    assert "1.3" in text and "加快特色小镇建设" in text
    assert "市发改委" in text
    bh.screenshot(page, "panel_open")


def test_town_focus_zooms_and_lists_places_and_measures(app_url, page):
    open_app(page, app_url)
    choose(page, "定位到", "柘皋镇")
    page.wait_for_selector('[data-town="柘皋镇"]', timeout=30_000)
    text = panel_text(page)
    assert "柘皋产业新城" in text
    assert "4.3" in text
    areas = gpd.read_file(SHAPES / "township_areas.shp")
    minx, miny, maxx, maxy = areas[areas["name"] == "柘皋镇"].total_bounds
    # the map zooms there (animated): wait for the centre to land in the town, at zoom 11 or more
    bh.wait_map_until(page, """([minx, miny, maxx, maxy]) => { const c = window.map.getCenter();
        return minx <= c.lng && c.lng <= maxx && miny <= c.lat && c.lat <= maxy && window.map.getZoom() >= 11; }""",
                      [minx, miny, maxx, maxy], what="the map centred on 柘皋镇 at zoom 11 or more")
    assert "town=" in page.url


def test_lead_unit_filter_leaves_only_its_places(app_url, page):
    measures = yaml.safe_load((PLAN / "measures.yaml").read_text(encoding="utf-8"))["measures"]
    units = yaml.safe_load((PLAN / "units.yaml").read_text(encoding="utf-8"))["units"]
    jxw = next(u["id"] for u in units if u["name"] == "市经信委")
    led = {m["id"] for m in measures if jxw in m["lead"]}
    with open(PLAN / "place_measures.csv", encoding="utf-8") as fh:
        expected = {r["place_id"] for r in csv.DictReader(fh) if r["measure_id"] in led}
    open_app(page, app_url)
    choose(page, "牵头单位", "市经信委")
    page.wait_for_function("() => document.body.innerText.includes('筛选结果')")
    bh.wait_for_app(page)
    shown = {p["id"] for p in drawn(page) if p["layer"] in PLAN_LAYERS}
    assert shown and shown <= expected, shown - expected
    assert f"{len(shown)} 处" in page.inner_text("body")


def test_search_finds_a_road_with_its_length(app_url, page):
    open_app(page, app_url)
    page.get_by_label("地点或措施").fill("治中路")
    page.keyboard.press("Enter")
    bh._wait_idle(page)
    page.get_by_role("button", name=re.compile("^治中路")).first.click()
    page.wait_for_selector('[data-place]', timeout=30_000)
    text = panel_text(page)
    roads = gpd.read_file(SHAPES / "peninsula_roads.shp")
    km = roads[roads["name"] == "治中路"].to_crs("EPSG:4548").length.iloc[0] / 1000
    assert "治中路" in text
    assert roads.loc[roads["name"] == "治中路", "accuracy"].iloc[0] == "schematic"
    assert f"约 {km:.1f} 公里" in text  # a schematic length: 约 and two significant figures, never 4.02


def _gcj02(lon: float, lat: float) -> tuple[float, float]:
    """The published WGS84 → GCJ-02 formula, written out here independently of geo/chinacoords.py."""
    a, ee = 6378245.0, 0.00669342162296594323
    x, y = lon - 105.0, lat - 35.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    dlat += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    dlat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    dlat += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    dlon += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    dlon += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    dlon += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    radlat = lat / 180.0 * math.pi
    magic = 1 - ee * math.sin(radlat) ** 2
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((a * (1 - ee)) / (magic * sqrtmagic) * math.pi)
    dlon = (dlon * 180.0) / (a / sqrtmagic * math.cos(radlat) * math.pi)
    return lon + dlon, lat + dlat


def test_amap_basemap_shifts_overlays_to_gcj02(app_url, page):
    seats = gpd.read_file(SHAPES / "townships.shp")
    seat = seats[seats["name"] == "黄麓镇"].geometry.iloc[0]
    want = _gcj02(seat.x, seat.y)
    open_app(page, app_url, "?basemap=amap")
    got = bh.map_eval(page, """() => {
        let ll = null;
        const visit = (l) => { if (l.feature && l.feature.properties.layer === 'townships'
                                   && l.feature.properties.name === '黄麓镇' && l.getLatLng) ll = l.getLatLng();
                               if (l.eachLayer) l.eachLayer(visit); };
        window.map.eachLayer(visit); return ll && [ll.lng, ll.lat]; }""")
    assert got is not None
    # within ~1 m of the independently computed GCJ-02 position, and well away from the WGS84 one
    assert abs(got[0] - want[0]) < 1e-5 and abs(got[1] - want[1]) < 1e-5
    assert abs(got[0] - seat.x) + abs(got[1] - seat.y) > 2e-3
    outside = bh.external_requests(page.requests, allow={f"webrd0{i}.is.autonavi.com" for i in range(1, 5)})
    assert outside == []


def test_hostile_names_are_shown_as_text(hostile_app_url, page):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    open_app(page, hostile_app_url)
    frame = bh.map_frame(page)
    props = [p for p in drawn(page) if p["layer"].startswith("user_")]
    assert props, "the hostile workspace layer is on the map"
    bh.click_feature(page, props[0]["name"])  # hovering/clicking shows the tooltip, the name as text
    frame.locator(".leaflet-tooltip", has_text="<img src=x onerror=alert(1)>").wait_for(timeout=10_000)
    page.wait_for_selector("[data-place]", timeout=30_000)  # the click also opens the panel, shown as text
    assert "<img src=x onerror=alert(1)>" in panel_text(page)
    assert frame.locator('img[src="x"]').count() == 0
    assert page.locator('img[src="x"]').count() == 0
    assert dialogs == []


def test_copied_url_restores_town_and_selection(app_url, page):
    open_app(page, app_url)
    choose(page, "定位到", "黄麓镇")
    bh.click_feature(page, "黄麓建筑科创小镇")
    page.wait_for_selector('[data-place]', timeout=30_000)
    page.wait_for_function("() => location.search.includes('sel=')")
    url = page.url
    other = bh.new_page(page.context.browser)
    try:
        other.goto(url)
        bh.wait_for_app(other)
        other.wait_for_selector('[data-place]', timeout=30_000)
        assert "黄麓建筑科创小镇" in panel_text(other)
        town_box = other.locator('[data-testid="stSelectbox"]').filter(has=other.get_by_text("定位到", exact=True))
        shown = town_box.inner_text() + " " + " ".join(town_box.locator("input").evaluate_all("els => els.map(e => e.value)"))
        assert "黄麓镇" in shown, shown
    finally:
        other.context.close()


def test_zone_panel_lists_its_parts_and_measures_link_to_their_places(app_url, page):
    open_app(page, app_url)
    page.get_by_label("地点或措施").fill("居巢经开区")
    page.keyboard.press("Enter")
    bh._wait_idle(page)
    page.get_by_role("button", name="居巢经开区（居巢经开区）").click()
    page.wait_for_selector('[data-place="edz_juchao"]', timeout=30_000)
    text = panel_text(page)
    for part in ("南区", "北区", "银屏区域", "省级跨境电商产业园"):
        assert part in text, part
    assert "4.1" in text and "推进居巢经开区改革创新发展" in text
    page.get_by_role("button", name="措施 4.1", exact=True).click()
    page.wait_for_selector("text=关联地点", timeout=30_000)
    page.get_by_role("button", name="南区", exact=True).click()
    page.wait_for_selector('[data-place="edz_south"]', timeout=30_000)
    assert "南区" in panel_text(page)
