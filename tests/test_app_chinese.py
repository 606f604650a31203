"""Every page in Chinese, in the real app on a laptop screen (1366×768): no Latin word on screen but the names of
formats, standards and programs planners use as they are, no setting's key; Streamlit's own uploader texts in Chinese,
once; a page a role may not open says so (无权访问) instead of showing another page."""

from __future__ import annotations

import re

import geopandas as gpd
import pytest
from playwright.sync_api import expect
from shapely.geometry import Point

import browser as bh
from core.inputs import UPLOAD_MB
from core.progress import YEAR_SETTING
from presentation.tour import DEFAULT_TOUR, load_tour, tour_changes, tour_yaml, update_slide
from store.gpkg import GpkgStore
from store.labels import IDLE_SETTING, SETTINGS
from views import PAGES

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "巢湖规划2026!"
ACCOUNTS = {"管理员": "管理", "查看员": "查看"}
#: Latin words that may stay on screen, each a name planners use as it is (in either case: 地块.geojson, 模板（zip）):
#: file formats (offered for export and accepted for upload), the coordinate system's standard names, the programs
#: and services the app works with, the units km (km² beside 亩) and MB, the plan's own words (PVA, PVB 下游) and the keys
#: the presentation is stepped with, as printed on the keyboard. Anything else is English left untranslated.
ALLOWED = {w.lower() for w in (
    "Excel", "PDF", "CSV", "GeoJSON", "GeoPackage", "GPKG", "Shapefile", "KML", "KMZ", "DXF", "PNG", "HTML", "ZIP",
    "XLSX", "CGCS", "EPSG", "GCJ", "BD", "WGS", "OpenStreetMap", "QGIS", "ArcGIS", "URL", "API", "OGC", "GPS", "km", "MB",
    "PVA", "PVB", "PageUp", "PageDown",
)}
#: The text of the page and of its same-origin frames as shown (innerText: nothing hidden by display:none), less the
#: names of Material icons (a glyph is drawn from its name: 'upload', 'expand_more' are pictures, not words).
SCREEN_TEXT_JS = """
() => {
  const icons = [...document.querySelectorAll('[data-testid="stIconMaterial"], .material-icons, .material-symbols-rounded')];
  let text = document.body ? document.body.innerText : '';
  for (const icon of icons) text = text.split(icon.textContent).join(' ');
  return text;
}
"""
#: Each page and what shows it has been drawn.
READY = {"map": "地点或措施", "progress": "实施进展", "overview": "概览", "tour": "编辑汇报", "correct": "校正位置",
         "changes": "变更记录", "accounts": "账号管理"}


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    """The app on a GeoPackage store with a 管理 and a 查看 account, a setting, a renamed layer and a tour save in its
    change log: the url."""
    ws = tmp_path_factory.mktemp("chinese-ws")
    store = GpkgStore(ws / "workspace.gpkg")
    for name, role in ACCOUNTS.items():
        store.add_account(name, PASSWORD, role, "测试")
    layer = gpd.GeoDataFrame({"名称": ["地块"]}, geometry=[Point(117.85, 31.62).buffer(0.01)], crs="EPSG:4490")
    store.add_layer("地块", layer, "管理员", source="地块.geojson")
    store.add_layer("地块", layer, "管理员", source="地块.geojson")  # stored as 地块（2）
    store.put_setting(YEAR_SETTING, 2018, "管理员")
    store.put_setting(IDLE_SETTING, 4, "管理员")
    tour = load_tour(DEFAULT_TOUR)
    edited = update_slide(tour, 2, text="新的说明")
    store.put_document("tour", tour_yaml(edited), "管理员", what=tour_changes(tour, edited))
    store.engine.dispose()
    url, stop = bh.start_streamlit(bh.REPO / "streamlit_app.py", cwd=bh.REPO, timeout=180,
                                   log_path=bh.ARTIFACTS / "streamlit-chinese.log", env_extra={"CHAOHU_WORKSPACE": str(ws)})
    try:
        yield url
    finally:
        stop()


@pytest.fixture
def laptop(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    try:
        yield context.new_page()
    finally:
        context.close()


def screen_text(page) -> str:
    """What the page shows now, its frames included (those of the app: same origin)."""
    texts = []
    for frame in page.frames:
        try:
            texts.append(frame.evaluate(SCREEN_TEXT_JS))
        except Exception:  # noqa: BLE001 — a frame replaced while we read it is read again on the next page
            continue
    return "\n".join(texts)


def latin_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[A-Za-z]{2,}", text) if w.lower() not in ALLOWED}


def test_every_page_is_in_chinese_on_a_laptop(office, laptop):
    page = laptop
    bh.login(page, office, "管理员", PASSWORD, wait_map=False, signed_in=False)
    page.get_by_text("当前用户：管理员").wait_for(timeout=180_000)
    bh.wait_for_app(page, timeout=180_000)
    seen = {}
    for mode in PAGES:
        page.goto(f"{office}/?mode={mode}")
        if mode == "present":
            page.frame_locator("iframe").first.locator("body").wait_for(timeout=120_000)
        else:
            page.get_by_text(READY[mode]).first.wait_for(timeout=120_000)
        if mode == "map":
            bh.wait_for_app(page, timeout=180_000)
            bh.open_group(page, "我的数据")
        bh._wait_idle(page)
        seen[mode] = screen_text(page)
    (bh.ARTIFACTS / "chinese-pages.txt").write_text("\n\n".join(f"== {m}\n{t}" for m, t in seen.items()), encoding="utf-8")
    assert {PAGES[m]: sorted(latin_words(t)) for m, t in seen.items() if latin_words(t)} == {}
    assert {PAGES[m]: [k for k in SETTINGS if k in t] for m, t in seen.items() if any(k in t for k in SETTINGS)} == {}
    # what the change log says in words: the setting by its label, the tour save by the slide it changed
    assert "起始年份" in seen["changes"] and "第3张「" in seen["changes"] and "说明修改" in seen["changes"]
    assert "起始年份：2018" in seen["accounts"] and "登录闲置时限（小时）：4" in seen["accounts"]


def test_the_uploaders_say_their_own_limit_in_chinese_once(office, laptop, tmp_path):
    page = laptop
    bh.login(page, office, "管理员", PASSWORD, wait_map=False, query="/?mode=correct", signed_in=False)
    page.get_by_text("当前用户：管理员").wait_for(timeout=180_000)
    page.get_by_text("共享校正记录").first.wait_for(timeout=120_000)
    bh._wait_idle(page)
    page.get_by_text("共享校正记录").first.click()
    zone = page.locator('[data-testid="stFileUploaderDropzone"]')
    expect(zone.locator('[data-testid="stMarkdownContainer"]')).to_have_text("选择文件", timeout=60_000)
    limit = UPLOAD_MB["corrections"]
    expect(page.locator('[data-testid="stFileUploaderDropzoneInstructions"]')).to_have_text(f"单个文件不超过 {limit} MB")
    big = tmp_path / "校正.gpkg"
    with big.open("wb") as f:
        f.truncate(limit * 1024**2 + 1)  # one byte over the limit (sparse: nothing written)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(big)
    refusal = page.locator('[data-testid="stFileUploader"]').get_by_text("文件过大")
    refusal.wait_for(timeout=60_000)  # refused in the browser, in Chinese, before anything is sent
    page.locator('[data-testid="stFileChip"]').hover()
    expect(page.locator('[data-testid="stTooltipErrorContent"]')).to_have_text(
        f"文件过大：单个文件不超过 {limit}.0 MB，未上传。", timeout=30_000)  # what a sighted planner reads
    assert not latin_words(screen_text(page))
    page.goto(f"{office}/?mode=map")
    bh.wait_for_app(page, timeout=180_000)
    bh.open_group(page, "我的数据")
    expect(page.locator('[data-testid="stFileUploaderDropzoneInstructions"]')).to_have_text(
        f"单个文件不超过 {UPLOAD_MB['layer']} MB", timeout=60_000)
    shown = page.locator('[data-testid="stFileUploaderDropzone"]').inner_text()
    assert shown.count("选择文件") == 1 and "::after" not in shown
    after = page.evaluate("() => [...document.querySelectorAll('[data-testid=stFileUploader] *')]"
                          ".map(e => getComputedStyle(e, '::after').content).filter(c => c && c !== 'none')")
    assert after == []  # no second text drawn by a style sheet beside Streamlit's


def test_a_viewer_asking_for_the_account_page_is_told_who_may_open_it(office, laptop):
    page = laptop
    bh.login(page, office, "查看员", PASSWORD, wait_map=False, query="/?mode=admin", signed_in=False)
    page.get_by_role("heading", name="无权访问").wait_for(timeout=180_000)
    said = page.locator('[data-testid="stAlert"]').inner_text()
    assert "「账号管理」页面仅限「管理」角色打开" in said and "您当前的角色为「查看」" in said
    assert page.get_by_text("添加账号").count() == 0
    assert page.locator('iframe[title*="streamlit_folium"]').count() == 0  # not the map, silently
    page.locator('[data-testid="stSidebar"]').get_by_role("radiogroup", name="页面").locator("label").filter(
        has_text="规划地图").click()
    bh.wait_for_app(page, timeout=180_000)  # the page switch still leads on


def choose(page, label: str, option: str) -> None:
    """Pick `option` in the drop-down labelled `label` (the first form that has one)."""
    page.locator('[data-testid="stSelectbox"]').filter(has=page.get_by_text(label, exact=True)).first.locator("input").click()
    page.get_by_role("option", name=option, exact=True).first.click()


def test_an_administrator_adds_a_reporting_account_bound_to_its_unit(office, laptop):
    page = laptop
    bh.login(page, office, "管理员", PASSWORD, wait_map=False, query="/?mode=accounts", signed_in=False)
    page.locator("table.accounts").wait_for(timeout=180_000)
    page.get_by_label("账号名称").fill("经信填报员")
    choose(page, "角色", "填报")
    choose(page, "牵头单位（仅「填报」角色须选）", "市经信委")
    page.get_by_label("初始密码（至少 8 个字符）").fill("填报员的密码123")
    page.get_by_label("再次输入密码").fill("填报员的密码123")
    page.get_by_role("button", name="添加账号").click()
    page.get_by_text("已添加账号「经信填报员」（填报，市经信委）。").wait_for(timeout=60_000)
    assert page.locator('tr[data-account="经信填报员"]').inner_text().split("\t")[:3] == ["经信填报员", "填报", "市经信委"]
