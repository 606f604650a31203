"""The monthly cycle in the real app: 概览, 实施进展 and the 汇报 tour show the same 逾期 count (起始年份 applied); an
office account records a 催办 on 实施进展, sees it in the item's history and downloads the 催办单; the sidebar of
实施进展 fits an office laptop's screen; its uploader states the workbook limit."""

from __future__ import annotations

import io
import re
from datetime import date

import openpyxl
import pytest

import browser as bh
from core.inputs import UPLOAD_MB
from core.progress import DONE, YEAR_SETTING
from store.gpkg import GpkgStore
from tracking.records import ProgressInput
from tracking.service import Tracking

pytestmark = [pytest.mark.browser, pytest.mark.slow]
TIMEOUT = 180_000
MAGNESIUM = "五万吨镁基轻合金新材料项目"


@pytest.fixture
def office(start_app, tmp_path_factory):
    """The app on a workspace with 起始年份 2018 and one June deadline reported done: (url, folder, overdue count)."""
    folder = tmp_path_factory.mktemp("cycle-ws")
    store = GpkgStore(folder / "workspace.gpkg")
    store.put_setting(YEAR_SETTING, 2018, "管理员")
    store.add_progress([ProgressInput("2.3-d1", DONE, None, "已开工", date(2018, 6, 20))], "市经信委", "王五")
    overdue = Tracking.open(store=store).board().total().overdue
    store.engine.dispose()
    return start_app(workspace=folder), folder, overdue


def _metric(page, label: str) -> str:
    """The value of the st.metric labelled `label` (the first on the page)."""
    metric = page.locator('[data-testid="stMetric"]', has=page.locator('[data-testid="stMetricLabel"]',
                                                                         has_text=re.compile(f"^{label}$"))).first
    metric.wait_for(timeout=TIMEOUT)
    return metric.locator('[data-testid="stMetricValue"]').inner_text().strip()


def test_overview_progress_and_the_tour_show_the_same_overdue_count(office, page):
    url, _folder, overdue = office
    assert overdue > 0
    page.goto(url + "/?mode=overview")
    assert _metric(page, "逾期") == str(overdue)
    page.goto(url + "/?mode=progress")
    bh.wait_for_app(page, TIMEOUT)
    assert _metric(page, "逾期") == str(overdue)
    assert page.get_by_role("tab", name=f"逾期（{overdue}）").count() == 1
    page.goto(url + "/?mode=present")
    frame = page.wait_for_selector("iframe", timeout=TIMEOUT).content_frame()
    frame.wait_for_function("window.tour && window.tour.ready", timeout=TIMEOUT)
    figure = frame.locator('[data-ref="overdue"] .num')
    assert figure.count() == 1 and figure.inner_text().strip() == str(overdue)


def test_an_office_account_records_a_reminder_and_downloads_the_reminder_sheet(office, page):
    url, folder, _overdue = office
    page.set_viewport_size({"width": 1366, "height": 768})  # the office laptop
    page.goto(url + "/?mode=progress")
    bh.wait_for_app(page, TIMEOUT)
    sidebar = page.locator('[data-testid="stSidebarContent"]')
    assert sidebar.evaluate("el => el.scrollHeight") <= 768 * 1.5  # the filters only: no screens of scrolling
    page.get_by_role("tab", name="进展填报（Excel）").click()
    uploader = page.locator('[data-testid="stFileUploader"]')
    assert f"不超过 {UPLOAD_MB['workbook']} MB" in uploader.inner_text()
    assert "1GB" not in uploader.inner_text() and "200MB" not in uploader.inner_text()

    page.get_by_role("tab", name="催办").click()
    unit = page.get_by_label("被催办单位")
    unit.click()
    page.get_by_role("option", name=re.compile(r"^市经信委（逾期")).click()
    bh._wait_idle(page)
    assert page.get_by_text("3.2-d1").count() >= 1  # its overdue 12月底前 deadline is listed
    note = page.get_by_label("催办说明")
    note.fill("请于本周五前报送<b>开工</b>进展")
    page.keyboard.press("Control+Enter")
    page.get_by_role("button", name="记录催办").click()
    success = page.locator('[data-testid="stAlertContentSuccess"]')
    success.wait_for(timeout=TIMEOUT)
    assert "已记录对「市经信委」的催办" in success.inner_text()

    store = GpkgStore(folder / "workspace.gpkg")
    try:
        made = store.reminders(unit="市经信委")
        assert len(made) == 1 and "3.2-d1" in made[0].items and made[0].note == "请于本周五前报送<b>开工</b>进展"
        assert made[0].made_by == "本机用户" and store.changes(action="reminder.add")
    finally:
        store.engine.dispose()

    bh._wait_idle(page)
    tab = page.get_by_role("tab", name="催办")
    tab.click()
    page.wait_for_function("(el) => el.getAttribute('aria-selected') === 'true'", arg=tab.element_handle(), timeout=TIMEOUT)
    page.get_by_role("button", name=re.compile(r"^生成催办单 Excel")).click()
    button = page.get_by_role("button", name=re.compile(r"^下载 催办单_市经信委_.*\.xlsx$"))
    button.wait_for(timeout=TIMEOUT)
    with page.expect_download(timeout=TIMEOUT) as download:
        button.click()
    ws = openpyxl.load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))["催办单"]
    values = [c.value for row in ws.iter_rows() for c in row if c.value is not None]
    assert "请于本周五前报送<b>开工</b>进展" in values and "市经信委" in values

    bh.click_feature(page, MAGNESIUM)  # the 催办 in the item's history, the note as typed (never HTML)
    item = page.locator('[data-item="3.2-d1"]')
    item.wait_for(timeout=TIMEOUT)
    reminder = item.locator("[data-reminder]")
    assert reminder.count() == 1 and "催办「市经信委」：请于本周五前报送<b>开工</b>进展" in reminder.inner_text()
    bh.screenshot(page, "progress_reminder")


def test_publishing_in_the_app_freezes_the_bulletin_and_a_second_publish_is_refused(office, page):
    url, folder, _overdue = office
    page.goto(url + "/?mode=progress")
    bh.wait_for_app(page, TIMEOUT)
    tab = page.get_by_role("tab", name="月度通报")
    tab.click()
    publish = page.get_by_role("button", name="发布为正式通报（第 N 期）")
    publish.click()
    success = page.locator('[data-testid="stAlertContentSuccess"]')
    success.wait_for(timeout=TIMEOUT)
    month = page.get_by_role("textbox", name="月份").input_value()
    assert success.inner_text().strip() == f"已发布 {month} 实施进展通报第 1 期。"
    store = GpkgStore(folder / "workspace.gpkg")
    try:
        stored = store.published_bulletin(1).xlsx
    finally:
        store.engine.dispose()
    button = page.get_by_role("button", name="Excel（.xlsx）")
    button.wait_for(timeout=TIMEOUT)
    with page.expect_download(timeout=TIMEOUT) as download:
        button.click()
    assert download.value.suggested_filename == f"实施进展通报_第1期_{month}.xlsx"
    assert open(download.value.path(), "rb").read() == stored  # the file as published, byte for byte
    page.get_by_role("button", name="发布为正式通报（第 N 期）").click()
    error = page.locator('[data-testid="stAlertContentError"]')
    error.wait_for(timeout=TIMEOUT)
    assert f"{month} 的通报已发布（第 1 期）" in error.inner_text()
