"""The app's other pages: 汇报模式 with the keyboard, 概览 charts, exports from the map, tour editing kept."""

from __future__ import annotations

import io

import openpyxl

import browser as bh
from reports.tour import DEFAULT_TOUR, load_tour


def _tour_frame(page):
    handle = page.wait_for_selector('iframe[title="st.iframe"], iframe[srcdoc]', state="attached", timeout=60_000)
    frame = handle.content_frame()
    frame.wait_for_function("window.tour && window.tour.ready && !window.tour.moving", timeout=60_000)
    return handle, frame


def test_present_mode_steps_through_every_slide_with_the_keyboard(app_url, page):
    tour = load_tour(DEFAULT_TOUR)
    page.goto(app_url + "/?mode=present")
    handle, frame = _tour_frame(page)
    assert not page.locator('[data-testid="stSidebar"]').is_visible()  # no sidebar while presenting
    box = handle.bounding_box()
    assert box["height"] >= 700  # the slides fill the screen
    page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + 40)  # focus the presentation, as a presenter would
    total = len(tour.slides)
    keys = ("ArrowRight", "PageDown", "Space")
    for i, slide in enumerate(tour.slides):
        if i:
            page.keyboard.press(keys[i % len(keys)])
            frame.wait_for_function("n => window.tour.index === n", arg=i, timeout=15_000)
            frame.wait_for_function("!window.tour.moving", timeout=15_000)
        assert frame.inner_text(".slide.active .slide-title") == slide.title
        assert frame.inner_text("#counter").replace(" ", "") == f"{i + 1}/{total}"
        assert frame.is_visible("#note")
        assert frame.evaluate("window.tour.placesInView()"), slide.title
    page.keyboard.press("PageUp")
    frame.wait_for_function("n => window.tour.index === n", arg=total - 2)
    assert bh.external_requests(page.requests) == []
    bh.screenshot(page, "present_mode")


def test_overview_page_shows_the_plan_charts(app_url, page):
    page.goto(app_url + "/?mode=overview")
    page.wait_for_function("() => document.querySelectorAll('[data-testid=\"stImage\"] img').length === 3", timeout=90_000)
    page.wait_for_selector('[data-testid="stTable"]', timeout=60_000)
    body = page.inner_text("body")
    for title in ("方案目标", "各牵头单位的措施数", "全部时间节点", "时间要求（按牵头单位）"):
        assert title in body
    table = page.locator('[data-testid="stTable"]').inner_text()
    assert "6月底前" in table and "市经信委" in table


def test_town_export_from_the_map_matches_the_command_line(app_url, page):
    page.goto(app_url + "/?town=黄麓镇")
    bh.wait_for_app(page)
    page.get_by_text("导出：黄麓镇").click()
    page.get_by_role("button", name="生成文件").click()
    button = page.get_by_role("button", name="下载 黄麓镇_规划要素汇总.xlsx")
    button.wait_for(timeout=60_000)
    with page.expect_download() as dl:
        button.click()
    wb = openpyxl.load_workbook(io.BytesIO(open(dl.value.path(), "rb").read()))
    assert "黄麓镇" in wb.sheetnames
    cells = " ".join(str(c.value) for row in wb["黄麓镇"].iter_rows() for c in row if c.value is not None)
    assert "黄麓建筑科创小镇" in cells and "1.3" in cells and "市发改委" in cells


def test_tour_edits_are_kept_after_a_reload(app_url, page):
    page.goto(app_url + "/?mode=tour")
    first = load_tour(DEFAULT_TOUR).slides[0].title
    page.get_by_text(f"1. {first}").click()
    page.get_by_label("标题").first.fill("新的第一页标题")
    page.get_by_role("button", name="保存修改").first.click()
    page.wait_for_selector("text=1. 新的第一页标题", timeout=30_000)
    page.reload()
    page.wait_for_selector("text=1. 新的第一页标题", timeout=30_000)
