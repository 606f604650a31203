"""属性表 in the real app: a layer's rows under the map, 50 a page from the server, sorted by a heading over every
row, searched by pinyin, selected rows highlighted and zoomed to on the map, and exported."""

from __future__ import annotations

import io

import geopandas as gpd
import pandas as pd
import pytest
from playwright.sync_api import expect
from shapely.geometry import box

import browser as bh
from test_app import choose

pytestmark = pytest.mark.slow

# the table lives in the component's shadow root: these run on its `.ct` element
ROWS_JS = "el => [...el.querySelectorAll('tbody tr')].map(tr => [...tr.cells].slice(2).map(td => td.textContent))"
HEADS_JS = "el => [...el.querySelectorAll('thead th')].slice(2).map(th => th.textContent.replace(/ [▲▼]$/, ''))"


def _open_table(page, layer_title: str):
    page.locator('[data-testid="stExpander"] summary', has_text="属性表").click()
    choose(page, "图层", layer_title)
    page.wait_for_selector(".ct tbody tr", timeout=30_000)


def _rows(page) -> list[list[str]]:
    return page.locator(".ct").evaluate(ROWS_JS)


def _column(page, heading: str) -> list[str]:
    heads = page.locator(".ct").evaluate(HEADS_JS)
    i = heads.index(heading)
    return [row[i] for row in _rows(page)]


def _highlighted(page) -> set[str]:
    return set(bh.map_eval(page, """() => { const ids = [];
        (window.feature_group || []).forEach(g => g.eachLayer(function visit(l) {
            if (l.feature) ids.push(l.feature.properties.id); if (l.eachLayer) l.eachLayer(visit); }));
        return ids; }"""))


def test_a_plan_layer_sorts_searches_selects_zooms_and_exports(app_url, page, catalog):
    page.goto(app_url)
    bh.wait_for_app(page)
    _open_table(page, "特色小镇")
    towns = catalog.layers["feature_towns"]
    assert sorted(_column(page, "名称")) == sorted(towns["name"])
    assert set(_column(page, "所在乡镇/街道")) == set(towns["town"])
    page.locator(".ct th", has_text="名称").click()  # sort by name, then the other way round
    page.locator(".ct th", has_text="名称 ▲").wait_for(timeout=30_000)
    assert _column(page, "名称") == sorted(towns["name"])
    page.locator(".ct th", has_text="名称").click()
    page.locator(".ct th", has_text="名称 ▼").wait_for(timeout=30_000)
    assert _column(page, "名称") == sorted(towns["name"], reverse=True)

    page.get_by_label("搜索", exact=True).fill("huanglu")
    page.keyboard.press("Enter")
    expect(page.locator(".ct tbody tr")).to_have_count(1, timeout=30_000)
    assert _column(page, "名称") == ["黄麓建筑科创小镇"]
    start = bh.map_eval(page, "() => map.getZoom()")
    page.locator(".ct tbody tr input[type=checkbox]").check()
    page.wait_for_selector("text=已选 1 条", timeout=30_000)
    try:
        bh.wait_map_until(page, """(start) => { let hit = false;
            (window.feature_group || []).forEach(g => g.eachLayer(function visit(l) {
                if (l.feature && l.feature.properties.id === 'ft_huanglu') hit = true; if (l.eachLayer) l.eachLayer(visit); }));
            return hit && map.getZoom() > start && !map._animatingZoom; }""", start, what="ft_huanglu highlighted, zoomed in")
    except AssertionError:
        pass  # the assertions below say which part is missing
    assert "ft_huanglu" in _highlighted(page)  # highlighted on the map…
    point = towns[towns["name"] == "黄麓建筑科创小镇"].geometry.iloc[0]
    assert bh.map_eval(page, "([lat, lon]) => map.getBounds().contains([lat, lon]) && map.getZoom()", [point.y, point.x]) > start

    page.locator('[data-testid="stSelectbox"]').filter(has=page.get_by_text("导出格式")).locator("input").click()
    page.get_by_role("option", name="CSV（Excel 可直接打开）").click()
    bh._wait_idle(page)
    with page.expect_download() as dl:  # the run that followed the choice is over: the button offers the CSV
        page.get_by_role("button", name="导出所选").click()
    assert dl.value.suggested_filename == "特色小镇_所选1条.csv"
    frame = pd.read_csv(io.BytesIO(open(dl.value.path(), "rb").read()), encoding="utf-8-sig")
    assert frame["名称"].tolist() == ["黄麓建筑科创小镇"] and frame["所在乡镇/街道"].tolist() == ["黄麓镇"]


@pytest.fixture
def plots_app(start_app, tmp_path_factory):
    """The app with a planner's layer of 120 plots (as if uploaded earlier)."""
    from store.gpkg import GpkgStore

    ws = tmp_path_factory.mktemp("plots-ws")
    gdf = gpd.GeoDataFrame({"名称": [f"储备地块{i:03d}" for i in range(120)], "面积等级": [i % 4 for i in range(120)]},
                           geometry=[box(117.80 + (i % 12) * 0.01, 31.62 + (i // 12) * 0.01,
                                         117.805 + (i % 12) * 0.01, 31.624 + (i // 12) * 0.01) for i in range(120)],
                           crs="EPSG:4490")
    GpkgStore(ws / "workspace.gpkg").add_layer("储备地块", gdf)
    return start_app(ws)


def test_a_large_layer_is_paged_on_the_server(plots_app, page):
    page.goto(plots_app)
    bh.wait_for_app(page)
    _open_table(page, "我的数据：储备地块")
    assert len(_rows(page)) == 50  # the browser holds one page, never the whole layer
    page.wait_for_selector("text=共 120 条，第 1 / 3 页")
    assert _column(page, "名称")[0] == "储备地块000"
    page.get_by_role("button", name="下一页").click()
    page.wait_for_selector("text=第 2 / 3 页", timeout=30_000)
    assert _column(page, "名称")[0] == "储备地块050" and len(_rows(page)) == 50
    page.locator(".ct th", has_text="名称").click()  # ascending over all 120: back to page 1 of the new order
    page.wait_for_selector("text=第 1 / 3 页", timeout=30_000)
    bh._wait_idle(page)  # a second click while the first one's run is under way would be lost
    page.locator(".ct th", has_text="名称").click()  # descending
    page.wait_for_selector("text=第 1 / 3 页", timeout=30_000)
    expect(page.locator(".ct tbody tr td:nth-child(3)").first).to_have_text("储备地块119", timeout=30_000)
    page.locator(".ct thead input[type=checkbox]").check()  # the whole page
    page.wait_for_selector("text=已选 50 条", timeout=30_000)
    assert {"面积（平方公里）", "面积（亩）", "所在乡镇/街道"} <= set(page.locator(".ct").evaluate(HEADS_JS))
