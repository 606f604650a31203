"""Reporting online in the real app, with the office's review: a 填报 account of 市规划局 reports 合巢产业新城 with a
photo carrying a GPS position; the office returns it with a reason, the unit sees the reason and reports again; the
office accepts it, and only then the place takes the colour of 推进中 on the 实施进展 map with the photo beside it; the
place's panel offers the photo for download."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

import browser as bh
from core.progress import CATEGORY_COLORS, NOT_REPORTED
from filebuild import photo_jpeg
from store.gpkg import GpkgStore

pytestmark = [pytest.mark.browser(seconds=120)]  # one long walk: started early (tests/conftest.py)
TIMEOUT = 180_000
PASSWORD = "巢湖规划2026!"
UNIT, REPORTER, EDITOR = "市规划局", "规划局填报", "办公室编辑"
PLACE = "hc_hechao"  # 合巢产业新城, an item 市规划局 leads
NEAR = (31.712, 117.731)  # where the photo was taken, inside the new town
REASON = "照片看不清现场，请补充说明施工进度"

#: The tooltips of the photo markers drawn on the map (a layer of a group is on the map itself too: each once).
_PHOTOS_JS = """() => { const found = new Set();
  const visit = (l) => { if (l.options && l.options.className === 'evidence-photo' && l.getTooltip()) found.add(l);
                         if (l.eachLayer) l.eachLayer(visit); };
  window.map.eachLayer(visit); return [...found].map(l => String(l.getTooltip().getContent())); }"""


def _success(page, words: str) -> None:
    page.locator('[data-testid="stAlertContentSuccess"]', has_text=words).wait_for(timeout=TIMEOUT)


def _report(page, url: str, note: str, photo) -> None:
    """The unit's form: 合巢产业新城 推进中 with a note and the photo, submitted."""
    page.goto(url + "/?mode=progress")
    bh.wait_for_app(page, TIMEOUT)
    row = page.locator(f".st-key-po_item_{PLACE}")
    for attempt in range(3):  # a rerun of the map (it reports its view) may redraw the list while it is open
        row.locator('[data-testid="stSelectbox"] input').click()
        page.keyboard.type("推进中")
        try:
            page.get_by_role("option", name="推进中", exact=True).first.click(timeout=10_000)
            break
        except PlaywrightError:  # the list was redrawn under the click
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
    row.get_by_label("进展说明").fill(note)
    row.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(photo))
    row.get_by_text(photo.name).wait_for(timeout=TIMEOUT)
    page.get_by_role("button", name="提交填报").click()
    _success(page, "已提交填报 1 条")


def _review(page, url: str) -> None:
    """The office's page on 实施进展 with one report awaiting review."""
    page.goto(url + "/?mode=progress")
    bh.wait_for_app(page, TIMEOUT)
    page.get_by_text("待审核的填报（1）").wait_for(timeout=TIMEOUT)


def test_a_unit_reports_online_the_office_returns_then_accepts_and_the_map_follows(start_app, browser, tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    store = GpkgStore(ws / "workspace.gpkg")
    store.add_account("管理员", PASSWORD, "管理", "测试")
    store.add_account(REPORTER, PASSWORD, "填报", "测试", unit=UNIT)
    store.add_account(EDITOR, PASSWORD, "编辑", "测试")
    store.engine.dispose()
    url = start_app(ws, timeout=180)
    photo = tmp_path / "合巢现场.jpg"
    photo.write_bytes(photo_jpeg(NEAR))
    unit, office = bh.new_page(browser), bh.new_page(browser)
    try:
        bh.login(unit, url, REPORTER, PASSWORD, query="/?mode=progress")
        bh.login(office, url, EDITOR, PASSWORD, query="/?mode=progress")
        assert office.locator('[class*="st-key-po_item_"]').count() == 0  # the office reviews; units report
        rows = unit.locator('[class*="st-key-po_item_"]')
        assert rows.count() == 3  # 市规划局's items only: 4.3, 合巢产业新城, 柘皋产业新城
        assert unit.get_by_text("待审核的填报").count() == 0

        _report(unit, url, "土地平整中", photo)
        _review(office, url)
        pending = office.locator('[data-state="pending"]')
        assert "合巢现场.jpg（有拍摄位置）" in pending.inner_text() and "土地平整中" in pending.inner_text()
        assert bh.map_eval(office, bh.PLACE_FILL_JS, PLACE) == CATEGORY_COLORS[NOT_REPORTED]  # not before it is accepted
        assert bh.map_eval(office, _PHOTOS_JS) == []
        office.get_by_label("退回原因").fill(REASON)
        office.get_by_role("button", name="退回", exact=True).click()
        _success(office, "已退回「市规划局」的填报 1 条")

        unit.goto(url + "/?mode=progress")
        reason = unit.locator("[data-reason]")
        reason.wait_for(timeout=TIMEOUT)
        assert REASON in reason.inner_text() and EDITOR in reason.inner_text()

        _report(unit, url, "土地平整完成六成，道路施工中", photo)
        _review(office, url)
        office.get_by_role("button", name="采纳", exact=True).click()
        _success(office, "已采纳「市规划局」的填报 1 条")
        bh.wait_map_until(office, f"(want) => ({bh.PLACE_FILL_JS})('{PLACE}') === want", CATEGORY_COLORS["推进中"],
                          timeout=TIMEOUT, what="合巢产业新城 in the colour of 推进中")
        tips = bh.wait_map_until(office, f"() => {{ const t = ({_PHOTOS_JS})(); return t.length ? t : false; }}",
                                 timeout=TIMEOUT, what="the photo's marker")
        assert len(tips) == 1 and "合巢现场.jpg（2026-11-18）" in tips[0] and PLACE in tips[0]
        unit.goto(url + "/?mode=progress")
        unit.locator('[data-state="accepted"]').wait_for(timeout=TIMEOUT)
        assert unit.locator('[data-state="returned"]').count() == 1  # the returned report stays listed with its reason
        unit.goto(url + f"/?mode=progress&sel={PLACE}")  # the place's panel lists the photo with its download
        button = unit.get_by_role("button", name=re.compile(r"^下载 合巢现场\.jpg（.*拍摄于 2026-11-18）$"))
        button.wait_for(timeout=TIMEOUT)
        with unit.expect_download(timeout=TIMEOUT) as download:
            button.click()
        assert download.value.suggested_filename == photo.name
        assert Path(download.value.path()).read_bytes() == photo.read_bytes()
        bh.screenshot(office, "reporting_accepted")
    finally:
        unit.context.close()
        office.context.close()
