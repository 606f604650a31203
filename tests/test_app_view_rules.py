"""The map page does not fight the planner (issue 25), at a laptop's 1366×768: a new filter drops an old measure's
highlight and shows every place it leaves; no focus rectangle stays on a clicked shape; no tooltip covers the list of
features under a click; the open legend ends above the mini-map; a 下载 button never gives the file of other choices;
a print of an empty extent warns."""

from __future__ import annotations

import re

import browser as bh
from playwright.sync_api import expect
from test_app import choose
from test_app_map_view import PLAN_LAYERS

LAPTOP = {"width": 1366, "height": 768}
#: A 1366×768 screen's browser window: the page's own height under the browser's tabs and address bar.
LAPTOP_WINDOW = {"width": 1366, "height": 657}

#: The ids of the highlighted features (the app's emphasis groups), and whether every plan place drawn lies in view.
_HIGHLIGHT_AND_VIEW_JS = """(planLayers) => {
  const lit = new Set(), b = map.getBounds(), inView = [];
  (window.feature_group || []).forEach(g => g.eachLayer(function visit(l) {
    if (l.feature) lit.add(l.feature.properties.id); if (l.eachLayer) l.eachLayer(visit); }));
  map.eachLayer(l => { const p = l.feature && l.feature.properties;
    if (p && planLayers.includes(p.layer)) inView.push([p.id, l.getBounds ? b.contains(l.getBounds()) : b.contains(l.getLatLng())]); });
  return {lit: [...lit], drawn: inView.map(x => x[0]), out: inView.filter(x => !x[1]).map(x => x[0])}; }"""


def _page(browser, viewport=LAPTOP):
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    page.requests = bh.RequestRecorder().attach(context)
    return page


def test_a_filter_chosen_after_a_measure_drops_its_highlight_and_shows_every_place_it_leaves(app_url, browser, catalog,
                                                                                             plan):
    from layers.query import Filters, matching_places

    wanted = matching_places(catalog, plan, Filters(unit="jxw"))  # 市经信委: seven places
    page = _page(browser)
    try:
        page.goto(app_url + "/?sel=measure:4.2")  # 措施 4.2 highlighted: the map shows 半岛 up close
        bh.wait_for_app(page)
        f = catalog.features
        measure = set(f.loc[f["id"].isin(catalog.places_of(["4.2"])), "id"])  # its places drawn on the map
        bh.wait_map_until(page, f"() => ({_HIGHLIGHT_AND_VIEW_JS})({PLAN_LAYERS!r}).lit.length >= {len(measure)}",
                          what="措施 4.2 highlighted")
        before = bh.map_eval(page, _HIGHLIGHT_AND_VIEW_JS, PLAN_LAYERS)
        assert wanted - set(before["drawn"]) or set(before["out"]) & wanted  # some of the filter's places out of view

        choose(page, "牵头单位", "市经信委")
        page.wait_for_function("() => location.search.includes('unit=jxw') && !location.search.includes('measure')",
                               timeout=30_000)
        bh.wait_for_app(page)
        bh.wait_map_settled(page)
        state = bh.wait_map_until(page, f"""() => {{ const s = ({_HIGHLIGHT_AND_VIEW_JS})({PLAN_LAYERS!r});
                                                   return s.lit.length === 0 && s.drawn.length > 0 && s.out.length === 0 && s; }}""",
                                  what="the old highlight gone and every place of the filter in view")
        assert set(state["drawn"]) == wanted and state["lit"] == [] and state["out"] == []
        assert "筛选结果：7 处地点" in page.inner_text("body")
    finally:
        page.context.close()


def test_a_clicked_shape_keeps_no_focus_rectangle_and_no_tooltip_covers_the_list_of_features(app_url, browser):
    page = _page(browser)
    try:
        page.goto(app_url + "/?lat=31.62&lon=117.56&z=12")
        frame = bh.wait_for_app(page)
        bh.wait_map_settled(page)
        bh.click_feature(page, "巢湖半岛科学城")
        focus = frame.evaluate("""() => { const a = document.activeElement, s = getComputedStyle(a);
                                          return {tag: a.tagName, outline: s.outlineStyle, width: s.outlineWidth}; }""")
        assert focus["tag"] == "path" and focus["outline"] == "none", focus  # Chromium's default is a dark ring

        page.goto(app_url)  # 南区's middle also lies in 居巢经开区 and under markers: the list of features opens
        frame = bh.wait_for_app(page)
        point = frame.evaluate("""() => { let t = null; map.eachLayer(l => { if (l.feature && l.feature.properties.name === '南区') t = l; });
                                          const p = map.latLngToContainerPoint(t.getCenter()); return {x: p.x, y: p.y}; }""")
        box = page.wait_for_selector(f'iframe[title*="{bh.FOLIUM_FRAME_TITLE}"]').bounding_box()
        page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
        frame.locator(".chaohu-chooser").wait_for(timeout=10_000)
        covered = """() => { const c = document.querySelector('.chaohu-chooser-popup'), r = c && c.getBoundingClientRect();
          return [...document.querySelectorAll('.leaflet-tooltip')].filter(t => t.offsetParent !== null).map(t => {
            const b = t.getBoundingClientRect(); return {over: !!r && b.left < r.right && b.right > r.left && b.top < r.bottom && b.bottom > r.top}; }); }"""
        for dx, dy in ((0, 0), (6, -30), (-8, -40), (0, 12)):  # the pointer wanders over the list and the shapes around it
            page.mouse.move(box["x"] + point["x"] + dx, box["y"] + point["y"] + dy, steps=3)
            assert not any(t["over"] for t in frame.evaluate(covered)), (dx, dy)
        assert frame.locator(".chaohu-chooser").is_visible()
        frame.evaluate("() => map.closePopup()")  # the list closed: hovering shows the tooltip again
        page.mouse.move(box["x"] + point["x"] + 2, box["y"] + point["y"] + 2, steps=3)
        frame.wait_for_function("() => [...document.querySelectorAll('.leaflet-tooltip')].some(t => t.offsetParent !== null)")
    finally:
        page.context.close()


def test_the_open_legend_ends_above_the_mini_map(app_url, browser):
    page = _page(browser, LAPTOP_WINDOW)
    try:
        page.goto(app_url)
        frame = bh.wait_for_app(page)
        frame.locator(".chaohu-legend-toggle").click()  # folded by default on a laptop: the planner opens it
        frame.wait_for_function("!document.querySelector('.chaohu-legend').classList.contains('folded')")
        boxes = """() => { const box = s => { const r = document.querySelector(s).getBoundingClientRect();
                                            return [r.left, r.top, r.right, r.bottom]; };
                           return {legend: box('.chaohu-legend'), mini: box('.leaflet-control-minimap'),
                                   body: document.querySelector('.chaohu-legend-body').scrollHeight}; }"""
        apart = "(b) => b.legend[3] <= b.mini[1] || b.legend[2] <= b.mini[0]"
        # the mini-map folds and unfolds in 0.6 s: each state is checked once the mini-map has its final size
        for step, sized in (("open", "h > 100"), ("mini-map folded", "h < 40"), ("mini-map unfolded", "h > 100")):
            if step != "open":
                frame.locator(".leaflet-control-minimap-toggle-display").click()
            got = bh.wait_map_until(page, f"""() => {{ const b = ({boxes})(), h = b.mini[3] - b.mini[1];
                                                     return {sized} && ({apart})(b) && b; }}""",
                                    what=f"the legend clear of the mini-map ({step})", timeout=10_000)
            assert got["legend"][3] - got["legend"][1] > 150, (step, got)  # open, not folded away
        legend_body = frame.locator(".chaohu-legend-body")
        assert legend_body.evaluate("(b) => b.scrollHeight > b.clientHeight")  # rows that do not fit scroll
        assert "居巢经开区" in legend_body.text_content()
    finally:
        page.context.close()


def test_a_download_of_the_last_settings_is_never_offered_while_the_next_file_is_made(app_url, browser):
    page = _page(browser)
    try:
        page.goto(app_url + "/?lat=31.62&lon=117.56&z=12")
        bh.wait_for_app(page)
        page.get_by_text("打印当前视图（专题制图）").click()
        page.get_by_role("button", name="生成打印文件").click()
        old = page.get_by_role("button", name=re.compile("^下载 巢湖市制造业规划图_A4横向"))
        old.wait_for(timeout=120_000)
        bh._wait_idle(page)
        title = page.get_by_label("图名")
        title.fill("第二张图")
        page.get_by_role("button", name="生成打印文件").click()  # the new title is taken with the click
        page.get_by_text("正在制图…").wait_for(timeout=30_000)
        expect(old).not_to_be_visible(timeout=1)  # while the new file is made, the old one cannot be had
        new = page.get_by_role("button", name=re.compile("^下载 第二张图_A4横向"))
        new.wait_for(timeout=120_000)
        expect(old).to_have_count(0)
    finally:
        page.context.close()


def test_a_print_of_only_water_warns_before_it_is_made(app_url, browser):
    page = _page(browser)
    try:
        page.goto(app_url + "/?lat=31.56&lon=117.55&z=15")  # the middle of 巢湖
        bh.wait_for_app(page)
        page.get_by_text("打印当前视图（专题制图）").click()
        warning = page.get_by_text("当前打印范围内没有规划要素")
        warning.wait_for(timeout=30_000)
        choose(page, "比例尺", "1:200,000")  # farther out the towns around the lake are printed: no warning
        expect(warning).to_have_count(0, timeout=30_000)
    finally:
        page.context.close()
