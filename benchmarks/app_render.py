"""Time the planning map as a user meets it: first render of the default view, then one click to a panel.

Run: python benchmarks/app_render.py   (starts the app on a free port, drives headless Chromium)
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

import browser as bh  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402


def main() -> None:
    url, stop = bh.start_streamlit(REPO / "streamlit_app.py", cwd=REPO, log_path=Path("/tmp/app_render.log"))
    try:
        with sync_playwright() as p:
            browser = bh.launch_browser(p)
            figures = {}
            for run in ("cold", "warm"):
                page = bh.new_page(browser)
                t0 = time.perf_counter()
                page.goto(url)
                bh.wait_for_app(page)
                figures[f"first_render_{run}_s"] = round(time.perf_counter() - t0, 2)
                t0 = time.perf_counter()
                bh.click_feature(page, "黄麓建筑科创小镇")
                page.wait_for_selector("[data-place]", timeout=30_000)
                figures[f"click_to_panel_{run}_s"] = round(time.perf_counter() - t0, 2)
                page.context.close()
            browser.close()
    finally:
        stop()
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
