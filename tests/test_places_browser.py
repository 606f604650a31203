"""A click on a plan place costs no script run: the map frame fetches the place's panel and shows it in the page, the
URL carries the selection (a reload reopens it), and the panel's buttons still do what they say."""

from __future__ import annotations

import pytest

import browser as bh

pytestmark = pytest.mark.browser

RUNS_JS = "() => Number(document.querySelector('.st-key-chaohu-panel .chaohu-slot').dataset.runs)"
SEL_JS = "(id) => new URLSearchParams(location.search).get('sel') === id"


def _panel(page) -> str:
    return page.locator(".st-key-chaohu-sel").inner_text()


def test_a_click_shows_the_panel_without_a_run_and_the_url_reopens_it(app_url, page):
    page.goto(app_url)
    bh.wait_for_app(page)
    runs = page.evaluate(RUNS_JS)
    bh.click_feature(page, "中垾体育小镇")
    page.wait_for_selector('.chaohu-live-panel [data-place="ft_zhonghan"]', timeout=30_000)
    page.wait_for_function(SEL_JS, arg="ft_zhonghan")
    text = _panel(page)
    assert "中垾体育小镇" in text and "加快特色小镇建设" in text and "市发改委" in text and "实施进展" in text
    bh._wait_idle(page, quiet=1_000)  # streamlit-folium reports a click 250 ms later: the app would have run by now
    assert page.evaluate(RUNS_JS) == runs, "the click ran the page's script"
    assert page.locator('[data-testid="stApp"]').get_attribute("data-test-script-state") == "notRunning"

    other = bh.new_page(page.context.browser)  # the copied link: the same place, drawn by the page this time
    try:
        other.goto(page.url)
        bh.wait_for_app(other)
        other.wait_for_selector('.st-key-chaohu-sel [data-place="ft_zhonghan"]', timeout=30_000)
        assert other.locator(".chaohu-live-panel").count() == 0 and "加快特色小镇建设" in _panel(other)
    finally:
        other.context.close()

    page.get_by_role("button", name="措施 1.3", exact=True).click()  # a button of the panel the frame drew
    page.wait_for_selector(".st-key-chaohu-sel >> text=关联地点", timeout=30_000)
    page.wait_for_function(SEL_JS, arg="measure:1.3")
    assert page.locator(".chaohu-live-panel").count() == 0  # the page's own panel again


def test_the_correct_button_of_a_panel_the_frame_drew_opens_the_place_every_time(app_url, page):
    """校正此地点的位置 from a panel the frame drew after a click opens 校正位置 on that place; back on the map (a new map
    frame) the same click and the same button open it again (a new frame's first press used to be taken for the press
    already handled, and nothing happened)."""
    page.goto(app_url)
    bh.wait_for_app(page)
    for visit in range(2):
        bh.click_feature(page, "中垾体育小镇")
        page.wait_for_selector('.chaohu-live-panel [data-place="ft_zhonghan"]', timeout=30_000)
        page.locator(".chaohu-live-panel").get_by_role("button", name="校正此地点的位置").click()
        page.wait_for_selector("text=来源（必填）", timeout=60_000)
        page.wait_for_function(SEL_JS, arg="ft_zhonghan")
        assert "mode=correct" in page.url, f"visit {visit + 1}"
        picker = page.locator('[data-testid="stSelectbox"]').filter(has=page.get_by_text("规划地点", exact=True))
        bh._wait_idle(page, 60_000)
        shown = picker.inner_text() + " ".join(picker.locator("input").evaluate_all("els => els.map(e => e.value)"))
        assert "中垾体育小镇" in shown, f"visit {visit + 1}"
        page.get_by_role("button", name="在规划地图上查看").click()
        page.wait_for_selector('.st-key-chaohu-sel [data-place="ft_zhonghan"]', timeout=60_000)
        bh.wait_for_app(page)
