"""Time the planning map as a user meets it: the default view drawn (first paint), then one click to a panel.

Run: python benchmarks/app_render.py   (starts the app on a free port, drives headless Chromium)
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))

import browser as bh  # noqa: E402
from benchmarks.pages import page_dir  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402


#: JS predicate in the map frame: the Leaflet map exists and has drawn its layers (the planner sees the map).
MAP_DRAWN_JS = "window.map && Object.keys(window.map._layers).length > 0"


def _open(page, url: str) -> dict:
    """Open the map page: seconds until the map is drawn (first paint), then until the app is idle."""
    t0 = time.perf_counter()
    page.goto(url)
    frame = page.wait_for_selector(f'iframe[title*="{bh.FOLIUM_FRAME_TITLE}"]', state="attached", timeout=60_000)
    frame.content_frame().wait_for_function(MAP_DRAWN_JS, timeout=60_000, polling=20)
    drawn = time.perf_counter() - t0
    bh.wait_for_app(page)
    return {"map_drawn_s": round(drawn, 2), "idle_s": round(time.perf_counter() - t0, 2)}


def _click(page) -> float:
    """Seconds from a click on a plan place to its panel."""
    t0 = time.perf_counter()
    bh.click_feature(page, "黄麓建筑科创小镇")
    page.wait_for_selector("[data-place]", timeout=30_000)
    return round(time.perf_counter() - t0, 2)


def _visits(app: Path, env: dict | None = None, cwd: Path = REPO) -> dict:
    """Three visits to a freshly started app: the first (cold server), a new browser (warm server, empty browser
    cache) and the same browser again (a planner reopening the map: the browser keeps Streamlit's scripts)."""
    url, stop = bh.start_streamlit(app, cwd=cwd, log_path=Path(f"/tmp/app_render-{app.stem}.log"), env_extra=env)
    figures = {}
    try:
        with sync_playwright() as p:
            browser = bh.launch_browser(p)
            for run in ("cold", "warm_new_browser"):
                page = bh.new_page(browser)
                figures[run] = _open(page, url)
                figures[run]["click_to_panel_s"] = _click(page)
                if run == "cold":
                    page.context.close()
            again = page.context.new_page()
            figures["warm_returning_browser"] = _open(again, url)
            figures["warm_returning_browser"]["click_to_panel_s"] = _click(again)
            browser.close()
    finally:
        stop()
    return figures


def main() -> None:
    """The naive page (benchmarks/naive_map_app.py) and the app, one after the other, and naive/ours ratios."""
    with tempfile.TemporaryDirectory(prefix="naive-map-") as tmp:  # a page of its own, with its static/ and config
        naive_app = page_dir(REPO / "benchmarks" / "naive_map_app.py", Path(tmp))
        naive = _visits(naive_app, {"BENCH_REPO": str(REPO)}, cwd=Path(tmp))
    ours = _visits(REPO / "streamlit_app.py")
    ratios = {run: {k: round(naive[run][k] / ours[run][k], 1) if ours[run][k] else None for k in ours[run]}
              for run in ours}
    print(json.dumps({"benchmark": "app_render", "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                      "naive": naive, "ours": ours, "ratios_naive_over_ours": ratios}, ensure_ascii=False))


if __name__ == "__main__":
    main()
