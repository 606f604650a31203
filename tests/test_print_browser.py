"""打印当前视图 in the app: the map page's view, layers and selection printed to a PDF a planner downloads."""

from __future__ import annotations

import numpy as np
import pytest
from playwright.sync_api import Error as PlaywrightError

import browser as bh
import pdfpage


def _choose(page, label: str, option: str) -> None:
    """Pick an option of a select box as a user does (again if a rerun closed the list under the pointer)."""
    for _ in range(3):
        page.get_by_label(label).click()
        try:
            page.get_by_role("option", name=option).click(timeout=10_000)
            break
        except PlaywrightError:  # the list was closed by a rerun (a timeout, or the option detached); open it again
            page.keyboard.press("Escape")
    bh._wait_idle(page)
    assert page.get_by_label(label).input_value() == option


def test_printing_the_current_view_downloads_a_true_scale_pdf(app_url, page, tmp_path):
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(app_url + "/?lat=31.62&lon=117.62&z=12&sel=psc_science_city")
    bh.wait_for_app(page)
    page.get_by_text("打印当前视图（专题制图）").click()
    title = page.get_by_label("图名")
    title.wait_for(timeout=30_000)
    assert title.input_value() == "巢湖半岛科学城 · 规划要素图"  # named after what is selected
    title.fill("半岛科学城专题图")
    title.press("Enter")
    bh._wait_idle(page)
    _choose(page, "比例尺", "1:100,000")
    page.get_by_role("button", name="生成打印文件").click()
    button = page.get_by_role("button", name="下载 半岛科学城专题图_A4横向_1-100000.pdf")
    button.wait_for(timeout=120_000)
    with page.expect_download() as download:
        button.click()
    pdf = tmp_path / "print.pdf"
    pdf.write_bytes(open(download.value.path(), "rb").read())
    text = pdfpage.text(pdf)
    for expected in ("半岛科学城专题图", "图例", "巢湖半岛科学城", "重点项目", "选中地点", "比例尺 1:100,000", "示意图"):
        assert expected in text, expected
    pixels = pdfpage.pixels(pdf, 50, tmp_path)
    assert pixels.std() > 20 and len(np.unique(pixels.reshape(-1, 3), axis=0)) > 50  # not a blank page
    length_mm, km = pdfpage.scale_bar(pdf, tmp_path)
    assert length_mm * 100_000 / 1e6 == pytest.approx(km, rel=0.012)

    _choose(page, "文件格式", "PNG（300 dpi）")  # other settings: the old file is not offered any more
    page.get_by_role("button", name="下载 半岛科学城专题图_A4横向_1-100000.pdf").wait_for(state="detached", timeout=30_000)
    assert page.get_by_text("设置已更改，请重新生成。").is_visible()
