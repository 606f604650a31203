"""实施进展 in the real app: a workbook imported in the browser and accepted colours its place on the map, a place's panel shows
each item's state and its history, and the month's 通报 downloads with the counts of the stored records."""

from __future__ import annotations

import io
import re
from collections import Counter
from datetime import date

import openpyxl
import pytest

import browser as bh
from core.progress import CATEGORY_COLORS, DONE, NOT_REPORTED
from core.clock import today
from tracking.records import ProgressInput
from tracking.workbook import COLUMNS, HEADER_ROW, SHEET
from store.gpkg import GpkgStore
from tracking.service import Tracking

pytestmark = [pytest.mark.browser, pytest.mark.slow]
TIMEOUT = 180_000
HEATING = "南区集中供热（华能巢湖电厂）"
MAGNESIUM = "五万吨镁基轻合金新材料项目"



@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """The app on a workspace whose store already holds two reports on 3.2-d1 (the magnesium project's start)."""
    folder = tmp_path_factory.mktemp("progress-ws")
    store = GpkgStore(folder / "workspace.gpkg")
    for reports, by in (([ProgressInput("3.2-d1", "推进中", None, "完成环评", date(2026, 9, 30))], "王五"),
                        ([ProgressInput("3.2-d1", DONE, None, "已开工", date(2026, 10, 28))], "赵六")):
        store.review_progress(store.add_progress(reports, "市经信委", by).batch, "办公室", accept=True)
    store.engine.dispose()
    url, stop = bh.start_streamlit(bh.REPO / "streamlit_app.py", cwd=bh.REPO, timeout=180,
                                   log_path=bh.ARTIFACTS / "streamlit-progress.log", env_extra={"CHAOHU_WORKSPACE": str(folder)})
    try:
        yield url, folder
    finally:
        stop()


def _open(page, url: str):
    page.goto(url + "/?mode=progress")
    return bh.wait_for_app(page, TIMEOUT)


def _fill(page, place_id: str):
    return bh.map_frame(page, TIMEOUT).evaluate(bh.PLACE_FILL_JS, place_id)


def _filled_workbook(tmp_path) -> bytes:
    """The 市发改委 template (as the app offers it) with the heating deadline and 黄麓建筑科创小镇 reported done."""
    t = Tracking.open(store=GpkgStore(tmp_path / "scratch.gpkg"))
    _name, data = t.template_bytes("fgw")
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb[SHEET]
    rows = {ws.cell(r, 1).value: r for r in range(HEADER_ROW + 1, ws.max_row + 1)}
    for item_id in ("4.1-d1", "ft_huanglu"):
        ws.cell(rows[item_id], COLUMNS.index("进展状态") + 1).value = DONE
        ws.cell(rows[item_id], COLUMNS.index("填报日期") + 1).value = today()
    buf = io.BytesIO()
    wb.save(buf)
    t.store.engine.dispose()
    return buf.getvalue()


def test_an_import_in_the_app_colours_its_place(app, page, tmp_path):
    url, _ = app
    _open(page, url)
    assert _fill(page, "ft_huanglu") == CATEGORY_COLORS[NOT_REPORTED]
    legend = bh.map_frame(page).locator("[data-progress-legend]")
    assert legend.count() == 1
    path = tmp_path / "市发改委_进展填报.xlsx"
    path.write_bytes(_filled_workbook(tmp_path))
    page.get_by_role("tab", name="进展填报（Excel）").click()
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
    reporter = page.get_by_label("填报人")
    reporter.fill("李四")
    reporter.press("Enter")
    page.get_by_role("button", name="导入", exact=True).click()
    page.wait_for_selector('[data-testid="stAlertContentSuccess"]', timeout=TIMEOUT)
    said = page.locator('[data-testid="stAlertContentSuccess"]').inner_text()
    assert "已导入「市发改委」的进展 2 条" in said and "待审核" in said
    assert _fill(page, "ft_huanglu") == CATEGORY_COLORS[NOT_REPORTED]  # it counts once the office accepts it
    queue = page.locator('[data-testid="stExpander"]', has_text="待审核的填报（1）")  # where the message says
    queue.get_by_role("button", name="采纳", exact=True).click(timeout=TIMEOUT)  # the app runs open: everyone is the office
    page.locator('[data-testid="stAlertContentSuccess"]', has_text="已采纳「市发改委」的填报 2 条").wait_for(timeout=TIMEOUT)
    try:  # the map is redrawn with the new colours
        bh.wait_map_until(page, f"([id, want]) => ({bh.PLACE_FILL_JS})(id) === want", ["ft_huanglu", CATEGORY_COLORS[DONE]],
                          timeout=120_000, what="黄麓建筑科创小镇 in the colour of 已完成")
    except AssertionError:
        pass  # the assertion below says which colour it has
    assert _fill(page, "ft_huanglu") == CATEGORY_COLORS[DONE]
    bh.screenshot(page, "progress_after_import")


def test_the_panel_shows_each_item_and_its_history(app, page):
    url, _ = app
    _open(page, url)
    bh.click_feature(page, MAGNESIUM)
    item = page.locator('[data-item="3.2-d1"]')
    item.wait_for(timeout=TIMEOUT)
    text = item.inner_text()
    assert DONE in text and "规划要求：开工建设（12月底前）" in text
    entries = item.locator("ol.tl li").all_inner_texts()
    assert len(entries) == 2
    assert entries[0].startswith("2026-10-28 已完成") and "赵六" in entries[0] and "已开工" in entries[0]
    assert entries[1].startswith("2026-09-30 推进中") and "王五" in entries[1] and "完成环评" in entries[1]
    assert page.locator('[data-item="pj_mg50kt"]').count() == 0  # its one requirement is 3.2-d1, not a second item
    bh.screenshot(page, "progress_panel_history")


def test_the_months_bulletin_downloads_with_the_records_counts(app, page):
    url, folder = app
    _open(page, url)
    page.get_by_role("tab", name="月度通报").click()
    page.get_by_role("button", name="生成通报").click()
    button = page.get_by_role("button", name=f"下载 实施进展通报_{today():%Y-%m}.xlsx")
    button.wait_for(timeout=TIMEOUT)
    with page.expect_download(timeout=TIMEOUT) as download:
        button.click()
    assert download.value.suggested_filename == f"实施进展通报_{today():%Y-%m}.xlsx"
    wb = openpyxl.load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))
    ws = wb["通报"]
    assert "实施进展通报" in ws["A1"].value and today().strftime("%Y年%-m月") in ws["A1"].value
    store = GpkgStore(folder / "workspace.gpkg")
    latest = {}
    for rec in store.progress_records():  # what the 通报 counts: accepted reports, not withdrawn, up to today
        if rec.accepted and not rec.withdrawn and rec.reported_on <= today():
            latest[rec.item_id] = rec.status
    store.engine.dispose()
    counts = Counter(latest.values())
    rows = [r for r in ws.iter_rows(values_only=True) if r[0] == "合计（按事项）"]
    header = next(r for r in ws.iter_rows(values_only=True) if r[0] == "牵头单位")
    total = dict(zip(header, rows[0]))
    assert total[DONE] == counts[DONE] >= 1
    assert total["事项数"] - total[NOT_REPORTED] == len(latest)


def test_setting_the_plan_year_in_the_app_lists_the_overdue_items(app, page):
    url, folder = app
    _open(page, url)
    assert page.get_by_text("起始年份未设置，不判断逾期。").count() >= 1
    page.get_by_role("tab", name="起始年份").click()
    page.get_by_text("起始年份：未设置").wait_for(timeout=TIMEOUT)
    box = page.get_by_role("textbox", name="起始年份")
    box.fill("2018")
    box.press("Enter")
    page.get_by_role("button", name="保存", exact=True).click()
    page.wait_for_selector('[data-testid="stAlertContentSuccess"]', timeout=TIMEOUT)
    page.get_by_text("起始年份：2018 年").wait_for(timeout=TIMEOUT)
    tab = page.get_by_role("tab", name=re.compile(r"^逾期（\d+）$"))
    count = int(re.search(r"\d+", tab.inner_text()).group(0))
    store = GpkgStore(folder / "workspace.gpkg")
    try:
        board = Tracking.open(store=store).board()
        assert board.year == 2018 and count == len(board.overdue()) > 0
        assert {s.item.due for s in board.overdue()} >= {"6月底前"}
        assert store.changes(kind="setting")[0].after == {"value": 2018}
    finally:
        store.engine.dispose()
