"""The office corrects a schematic place in the real app: from the place's panel to 校正位置, a polygon drawn with the
offline drawing tool, saved with a source, then the page reloaded: the place is drawn solid, marked 已校准 in the
panel and the legend, its history is listed, and what is stored is exactly what was drawn."""

from __future__ import annotations

import pytest
from shapely.geometry import Polygon

import browser as bh
from core.formatting import accuracy_label
from store.gpkg import GpkgStore

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PLACE, NAME = "ip_jinjiang", "锦江产业园"
LOAD = 240_000  # the machine is shared: a cold app may take minutes

STYLE_JS = """(name) => { const out = [];
  const visit = (l) => { if (l.feature && l.feature.properties && l.feature.properties.name === name && l._path
                              && l.feature.properties.layer === 'industrial_parks')
                           out.push({dash: l.options.dashArray, attr: l._path.getAttribute('stroke-dasharray'),
                                     corrected: l.feature.properties._corrected});
                         if (l.eachLayer) l.eachLayer(visit); };
  window.map.eachLayer(visit); return out; }"""


def drawing_frame(page, timeout_ms: int = LOAD):
    """The map frame of the 校正位置 page once its drawing tool is there (the map page's frame goes away first)."""
    bh.wait_map_until(page, "() => !!document.querySelector('a.leaflet-draw-draw-polygon')", timeout=timeout_ms,
                      what="the drawing tool")
    return bh.map_frame(page, timeout_ms)


def panel(page) -> str:
    return page.locator('[data-testid="stHorizontalBlock"]').first.inner_text()


def test_a_polygon_drawn_for_a_schematic_place_is_saved_solid_calibrated_and_in_its_history(start_app, page, tmp_path):
    workspace = tmp_path / "ws"
    url = start_app(workspace, timeout=240)
    page.goto(f"{url}/?sel={PLACE}")
    frame = bh.wait_for_app(page, LOAD)
    page.wait_for_selector(f'[data-place="{PLACE}"]', timeout=LOAD)
    assert {s["dash"] for s in frame.evaluate(STYLE_JS, NAME)} == {"2 5"}  # schematic: dotted
    page.get_by_role("button", name="校正此地点的位置").click()

    page.wait_for_selector("text=来源（必填）", timeout=LOAD)
    frame = drawing_frame(page)
    bh._wait_idle(page, LOAD)
    assert frame.locator("a.leaflet-draw-draw-polygon").get_attribute("title") == "画面"
    assert frame.locator("a.leaflet-draw-draw-polyline").count() == 0  # a park is a polygon: no line tool
    frame.click("a.leaflet-draw-draw-polygon")
    handle = page.wait_for_selector(f'iframe[title*="{bh.FOLIUM_FRAME_TITLE}"]', state="attached")
    box = handle.bounding_box()
    clicks = [(260, 230), (420, 220), (440, 380), (280, 400)]
    drawn = frame.evaluate("""(pts) => { const r = window.map.getContainer().getBoundingClientRect();
        return pts.map(([x, y]) => { const ll = window.map.containerPointToLatLng([x - r.left, y - r.top]); return [ll.lng, ll.lat]; }); }""",
                           [list(p) for p in clicks])
    for x, y in clicks + clicks[:1]:  # the last click on the first point closes the polygon
        page.mouse.click(box["x"] + x, box["y"] + y)
        page.wait_for_timeout(250)  # Leaflet.draw ignores a click within 50 ms of the last vertex (a timer of its own)
    page.wait_for_selector("text=新位置：面积", timeout=LOAD)
    bh._wait_idle(page, LOAD)
    page.get_by_label("来源（必填）").fill("锦江产业园管委会 2025 年范围图")
    page.get_by_role("button", name="保存校正").click()
    page.wait_for_selector("text=已保存「锦江产业园」的校正", timeout=LOAD)
    assert bh.external_requests(page.requests) == []  # the drawing tool came from the app itself

    stored = GpkgStore(workspace / "workspace.gpkg").corrections_in_effect()[PLACE]
    assert stored.geometry.normalize().equals_exact(Polygon(drawn).normalize(), 2e-5)  # GeoJSON keeps 6 decimals (~0.1 m)
    assert (stored.source, stored.accuracy, stored.method) == ("锦江产业园管委会 2025 年范围图", "located", "在地图上绘制")

    page.goto(f"{url}/?sel={PLACE}")  # reload: a new session reads everything back
    frame = bh.wait_for_app(page, LOAD)
    page.wait_for_selector(f'[data-place="{PLACE}"]', timeout=LOAD)
    styles = frame.evaluate(STYLE_JS, NAME)
    assert styles and all(s["dash"] is None and s["attr"] is None and s["corrected"] for s in styles)  # solid
    assert "✓ 已校准 1 处" in frame.locator(".chaohu-legend").inner_text()
    text = panel(page)
    assert "位置有出处（已校准）" in text and "✓ 已校准：来源「锦江产业园管委会 2025 年范围图」" in text
    assert "校准记录（1 条）" in text and "校正位置（在地图上绘制）" in text and f"{accuracy_label('schematic')} → 位置有出处" in text
    bh.screenshot(page, "corrected_place")


def test_an_imported_corrections_file_named_like_a_path_is_never_written_there(start_app, page, tmp_path):
    """The probe: 导入校正记录 with a file named ../../x/township_areas.gpkg wrote that file two folders above the
    app's temporary folder. Now the upload is imported from a name the app makes, and nothing lands outside."""
    from corrections import checks as c
    from corrections.share import export_gpkg

    source = GpkgStore(tmp_path / "source.gpkg")
    c.correct(source, PLACE, _park(), "园区管委会 2025 年范围图", "2025-03-01", user="张三")
    export_gpkg(source, tmp_path / "export.gpkg")
    source.engine.dispose()
    nest = tmp_path / "a" / "b"
    nest.mkdir(parents=True)
    (tmp_path / "a" / "x").mkdir()  # where the probe's ../../x/ points from the app's temporary folder
    workspace = tmp_path / "ws"
    url = start_app(workspace, timeout=240, TMPDIR=str(nest))
    page.goto(f"{url}/?sel={PLACE}")
    bh.wait_for_app(page, LOAD)
    page.get_by_role("button", name="校正此地点的位置").click()
    page.wait_for_selector("text=来源（必填）", timeout=LOAD)
    bh._wait_idle(page, LOAD)
    page.get_by_text("共享校正记录：导出 / 导入 GeoPackage").click()
    uploader = page.locator('[data-testid="stFileUploader"]').filter(has_text="导入校正记录").locator('input[type="file"]')
    uploader.set_input_files({"name": "../../x/township_areas.gpkg", "mimeType": "application/geopackage+sqlite3",
                              "buffer": (tmp_path / "export.gpkg").read_bytes()})
    page.wait_for_function("""() => [...document.querySelectorAll('[data-testid="stFileUploader"]')]
                                        .some((u) => u.innerText.includes('areas.gpkg'))""", timeout=LOAD)  # name shown shortened
    bh._wait_idle(page, LOAD)
    page.get_by_role("button", name="导入", exact=True).click()
    page.wait_for_selector("text=已导入 1 个地点的 1 条校正记录", timeout=LOAD)
    assert not (tmp_path / "a" / "x" / "township_areas.gpkg").exists()
    assert [p.name for p in (tmp_path / "a").rglob("*.gpkg")] == []
    stored = GpkgStore(workspace / "workspace.gpkg").corrections_in_effect()[PLACE]
    assert stored.source == "园区管委会 2025 年范围图" and stored.origin == "township_areas.gpkg"


def _park():
    """A 1200 m × 800 m park well inside 巢湖市 (EPSG:4490)."""
    import geopandas as gpd
    from shapely.geometry import box

    city = gpd.read_file(bh.REPO / "data/shapefiles/city_boundary.shp").query("is_city == 1").to_crs("EPSG:4548").geometry.iloc[0]
    p = city.representative_point()
    square = box(p.x - 600, p.y - 400, p.x + 600, p.y + 400)
    return gpd.GeoSeries([square], crs="EPSG:4548").to_crs("EPSG:4490").iloc[0]


def test_an_editor_demoted_while_the_page_is_open_can_no_longer_revert(start_app, page, tmp_path):
    """The probe: after a role downgrade, 「撤销当前校正」 on a page opened before still reverted the correction. Now the
    action asks the store for the account's role at the moment of the click."""
    from corrections import checks as c
    from store import forget_stores

    workspace = tmp_path / "ws"
    store = GpkgStore(workspace / "workspace.gpkg")
    store.add_account("管理员", "巢湖规划2026!", "管理", "测试")
    store.add_account("编辑员", "巢湖规划2026!", "编辑", "管理员")
    c.correct(store, PLACE, _park(), "园区管委会 2025 年范围图", "2025-03-01", user="管理员")
    store.engine.dispose()
    url = start_app(workspace, timeout=240)
    page.goto(f"{url}/?mode=correct&sel={PLACE}")
    page.get_by_label("账号", exact=True).wait_for(timeout=LOAD)
    page.get_by_label("账号", exact=True).fill("编辑员")
    page.get_by_label("密码", exact=True).fill("巢湖规划2026!")
    page.get_by_role("button", name="登录").click()
    revert = page.get_by_role("button", name="撤销当前校正")
    revert.wait_for(timeout=LOAD)
    bh._wait_idle(page, LOAD)

    demote = GpkgStore(workspace / "workspace.gpkg")
    demote.set_role("编辑员", "查看", "管理员")  # lowered while the page stays open
    demote.engine.dispose()
    forget_stores()
    revert.click()
    revert.wait_for(state="detached", timeout=LOAD)  # a 查看 account no longer has 校正位置: the run shows the map
    bh._wait_idle(page, LOAD)
    after = GpkgStore(workspace / "workspace.gpkg")
    try:
        assert after.corrections_in_effect()[PLACE].source == "园区管委会 2025 年范围图"  # nothing reverted
    finally:
        after.engine.dispose()
