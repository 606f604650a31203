"""The app's other pages: 汇报模式 with the keyboard, 概览 charts, exports from the map, tour editing kept."""

from __future__ import annotations

import io

import openpyxl

import browser as bh
from presentation.tour import DEFAULT_TOUR, load_tour, tour_from_yaml


def saved_tour(workspace):
    """The tour the app saved in the store of its workspace (the GeoPackage); None before the first save."""
    from store.gpkg import GpkgStore

    if not (workspace / "workspace.gpkg").exists():
        return None
    store = GpkgStore(workspace / "workspace.gpkg")
    try:
        doc = store.document("tour")
        return tour_from_yaml(doc.content) if doc is not None else None
    finally:
        store.engine.dispose()


def _tour_frame(page):
    handle = page.wait_for_selector('iframe[title="st.iframe"], iframe[srcdoc]', state="attached", timeout=60_000)
    frame = handle.content_frame()
    frame.wait_for_function("window.tour && window.tour.ready && !window.tour.moving", timeout=60_000)
    return handle, frame


def test_present_mode_steps_through_every_slide_with_the_keyboard(app_url, page):
    tour = load_tour(DEFAULT_TOUR)
    page.set_viewport_size({"width": 1366, "height": 768})  # the office laptop
    page.goto(app_url + "/?mode=present")
    handle, frame = _tour_frame(page)
    assert not page.locator('[data-testid="stSidebar"]').is_visible()  # no sidebar while presenting
    box = handle.bounding_box()
    assert box["height"] >= 700  # the slides fill the screen (768 minus the exit link)
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
        state = frame.evaluate(bh.TOUR_SLIDE_STATE_JS)
        assert state["pairs"] == [], slide.title  # no label on another
        assert state["panelOverflow"] <= 1 and state["covered"], slide.title  # text fits, map drawn in full
        assert state["mapRight"] <= state["panelLeft"] + 1, slide.title
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
    button.wait_for(timeout=180_000)  # shown once the run that made it ends (views/downloads.py); a busy machine is slow
    with page.expect_download() as dl:
        button.click()
    wb = openpyxl.load_workbook(io.BytesIO(open(dl.value.path(), "rb").read()))
    assert "黄麓镇" in wb.sheetnames
    cells = " ".join(str(c.value) for row in wb["黄麓镇"].iter_rows() for c in row if c.value is not None)
    assert "黄麓建筑科创小镇" in cells and "1.3" in cells and "市发改委" in cells


def test_tour_edits_are_kept_after_a_reload(start_app, page, tmp_path):
    url = start_app(tmp_path)
    page.goto(url + "/?mode=tour")
    first = load_tour(DEFAULT_TOUR).slides[0].title
    slide = page.locator('[data-testid="stExpander"]', has_text=f"1. {first}").first
    bh.open_expander(page, slide)
    box = slide.get_by_label("标题", exact=True)  # not 「新页标题」 below, which a closed slide would leave first
    box.fill("新的第一页标题")
    box.press("Enter")  # committed before the click
    bh._wait_idle(page)
    slide.get_by_role("button", name="保存修改").click()
    try:
        page.wait_for_selector("text=1. 新的第一页标题", timeout=120_000)  # a cold app on a busy machine
    finally:
        bh.screenshot(page, "tour_saved")
    saved = saved_tour(tmp_path)  # kept in this app's own store, nowhere else
    assert saved.slides[0].title == "新的第一页标题"
    assert [s.title for s in saved.slides[1:]] == [s.title for s in load_tour(DEFAULT_TOUR).slides[1:]]
    page.reload()
    page.wait_for_selector("text=1. 新的第一页标题", timeout=30_000)
    assert page.get_by_text(f"1. {first}", exact=True).count() == 0


def test_moving_a_slide_keeps_its_title_and_text_with_it(start_app, page, tmp_path):
    url = start_app(tmp_path)
    slides = load_tour(DEFAULT_TOUR).slides
    page.goto(url + "/?mode=tour")
    page.get_by_text(f"2. {slides[1].title}").click()
    page.locator('[data-testid="stExpander"]').nth(1).get_by_role("button", name="上移").click()  # slide 2 moves up
    page.wait_for_selector(f"text=1. {slides[1].title}", timeout=30_000)
    bh._wait_idle(page)
    first = page.locator('[data-testid="stExpander"]').first
    title_box = first.locator('input[aria-label="标题"]')
    page.wait_for_function("""() => document.querySelector('[data-testid="stExpander"]')
                                   .querySelectorAll('input[aria-label="标题"]').length === 1""")  # no stale box left
    assert title_box.is_visible()  # the moved slide stays open where it landed
    assert title_box.input_value() == slides[1].title
    first.get_by_role("button", name="保存修改").click()  # saving the moved slide must not take the other's text
    saved = _saved_tour(tmp_path, lambda t: t.slides[0].title == slides[1].title)
    assert [s.title for s in saved.slides[:2]] == [slides[1].title, slides[0].title]
    assert [s.text for s in saved.slides[:2]] == [slides[1].text, slides[0].text]


def test_a_slide_opened_with_one_click_right_after_coming_from_the_map_stays_open(app_url, page):
    """A planner switches from the map to 编辑汇报 and opens a slide at once, while the page is still being drawn:
    one click opens it, and it is still open when the app is idle (nothing is saved: the shared app is enough)."""
    first = load_tour(DEFAULT_TOUR).slides[0].title
    page.goto(app_url)
    bh.wait_for_app(page)
    page.locator('[data-testid="stSidebar"]').get_by_role("radiogroup", name="页面").locator("label").filter(
        has_text="编辑汇报").click()
    slide = page.get_by_test_id("stMain").locator('[data-testid="stExpander"]', has_text=f"1. {first}")
    slide.locator("summary").click(timeout=60_000)  # as soon as the slide is there, the run possibly still going
    clicked = slide.locator("details").element_handle()
    bh._wait_idle(page)
    assert clicked.evaluate("d => d.isConnected"), "the slide was drawn anew after the page's run"
    assert slide.locator("details").get_attribute("open") is not None, "the slide closed again after the page's run"
    assert slide.get_by_label("标题", exact=True).input_value() == first
    assert slide.get_by_label("标题", exact=True).is_visible()


def _editor_settled(page) -> None:
    """Wait until the editor's rerun is over: every slide holds exactly one title box (no stale boxes left)."""
    bh._wait_idle(page)
    page.wait_for_function("""() => [...document.querySelectorAll('[data-testid="stExpander"]')].every(
        e => e.querySelectorAll('input[aria-label="标题"]').length === 1)""", timeout=30_000)


def _saved_tour(workspace, ready, timeout: float = 30.0):
    """The tour the app saved in its workspace's store, once `ready(tour)` holds (the save happens on the server)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        tour = saved_tour(workspace)
        if tour is not None and ready(tour):
            return tour
        assert time.monotonic() < deadline, f"the tour in {workspace} was not saved as expected"
        time.sleep(0.3)


def _open_slides(page) -> list[bool]:
    """Which slide expanders of the editor are open, in order."""
    return page.evaluate("""() => [...document.querySelectorAll('[data-testid="stExpander"] details')].map(d => d.open)""")


def test_editing_a_slides_places_and_layers_keeps_the_other_open_slides_open(start_app, page, tmp_path):
    url = start_app(tmp_path)
    slides = load_tour(DEFAULT_TOUR).slides
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(url + "/?mode=tour")
    expanders = page.locator('[data-testid="stExpander"]')
    expanders.first.wait_for(timeout=90_000)
    bh._wait_idle(page)
    for n in (1, 4):  # the planner opens slides 2 and 5
        expanders.nth(n).locator("summary").click()
        bh._wait_idle(page)
    second = expanders.nth(1)
    second.get_by_role("combobox", name="突出显示的地点").click()  # typed as a planner types (a fill on the idle
    page.keyboard.type("黄麓建筑")                                   # page's closed list is dropped)
    page.get_by_role("option", name="黄麓建筑科创小镇（特色小镇）").click()
    bh._wait_idle(page)
    second.locator('button[aria-label="Remove 特色小镇"]').click()  # a layer taken off the slide
    bh._wait_idle(page)
    second.get_by_role("button", name="保存修改").click()
    saved = _saved_tour(tmp_path, lambda t: "ft_huanglu" in t.slides[1].places)
    _editor_settled(page)
    assert saved.slides[1].title == slides[1].title
    assert saved.slides[1].places == (*slides[1].places, "ft_huanglu")
    assert saved.slides[1].layers == tuple(x for x in slides[1].layers if x != "feature_towns")
    assert saved.slides[2:] == slides[2:] and saved.slides[0] == slides[0]
    assert _open_slides(page)[:6] == [False, True, False, False, True, False]  # saving folded nothing

    expanders.nth(1).get_by_role("button", name="下移").click()  # slide 2 goes down, slide 5 stays open
    page.wait_for_selector(f"text=3. {slides[1].title}", timeout=30_000)
    _editor_settled(page)
    assert _open_slides(page)[:6] == [False, False, True, False, True, False]
    moved = expanders.nth(2)
    assert moved.locator('input[aria-label="标题"]').input_value() == slides[1].title
    assert "黄麓建筑科创小镇（特色小镇）" in moved.inner_text()  # its places moved with it
    saved = saved_tour(tmp_path)
    assert [s.title for s in saved.slides[:3]] == [slides[0].title, slides[2].title, slides[1].title]
    assert saved.slides[2].places == (*slides[1].places, "ft_huanglu")



def test_a_slide_added_from_the_map_keeps_its_view_layers_and_filters(start_app, page, tmp_path):
    url = start_app(tmp_path)
    page.goto(url + "/?lat=31.62&lon=117.88&z=12&unit=jxw&layers=city_boundary,lake,juchao_edz,projects")
    bh.wait_for_app(page)
    page.get_by_text("编辑汇报", exact=True).click()
    page.get_by_label("新页标题").wait_for(timeout=60_000)
    bh._wait_idle(page)
    body = page.inner_text("body")
    assert "缩放级别 12" in body and "牵头单位=市经信委" in body  # says what it will keep
    page.get_by_label("新页标题").fill("经信委的项目")
    page.get_by_label("新页标题").press("Enter")
    bh._wait_idle(page)
    page.get_by_test_id("stMainBlockContainer").get_by_role("button", name="添加", exact=True).click()
    page.wait_for_selector(f"text={len(load_tour(DEFAULT_TOUR).slides) + 1}. 经信委的项目", timeout=30_000)
    _editor_settled(page)
    slide = saved_tour(tmp_path).slides[-1]
    assert slide.layers == ("city_boundary", "lake", "juchao_edz", "projects")
    assert slide.filters.unit == "jxw"
    west, south, east, north = slide.view
    assert west < 117.88 < east and south < 31.62 < north
    assert 0.1 < east - west < 0.5  # zoom 12 on an office screen: a few tens of kilometres, not the whole city
    assert _open_slides(page)[-1]  # the new slide is open for its text


def test_a_broken_plan_file_at_startup_shows_one_chinese_message(start_app, page, tmp_path):
    import shutil

    from core.settings import PLAN_DIR

    broken = tmp_path / "plan"
    shutil.copytree(PLAN_DIR, broken)
    text = (broken / "measures.yaml").read_text(encoding="utf-8")
    (broken / "measures.yaml").write_text(text.replace("id: '4.2'", "id: '四点二'", 1).replace('id: "4.2"', 'id: "四点二"', 1),
                                          encoding="utf-8")
    page.goto(start_app(CHAOHU_PLAN_DIR=str(broken)))
    alert = page.locator('[data-testid="stAlertContentError"]')
    alert.wait_for(timeout=60_000)
    message = alert.inner_text()
    assert "measures.yaml" in message and "四点二" in message  # names the file and the bad value, in Chinese
    body = page.inner_text("body")
    assert "Traceback" not in body and page.locator('[data-testid="stException"]').count() == 0
