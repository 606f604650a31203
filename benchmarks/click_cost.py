"""What a click on a plan place costs the server: the places route in-process (CPU per request), then the running app
in headless Chromium — the server process's CPU and the wall time per click for the frame's path (the panel fetched
from /api/places/{id}/panel, no script run) beside the old path (the click reported to Streamlit, which reruns the
map's fragment; forced here by telling the frame that no layer's places are served).

Run: python benchmarks/click_cost.py [--clicks 12] [--requests 200]   (prints one JSON line)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))

#: Plan places clicked in turn (their own points or areas, on screen at the city view).
PLACES = {"ft_zhonghan": "中垾体育小镇", "pj_mg50kt": "五万吨镁基轻合金新材料项目"}
#: Seconds the idle server's own CPU (heartbeats, timers) is measured over, to be taken out of the clicks' figures.
IDLE_S = 5.0
#: The target: the server's CPU per click on the frame's path (ms).
TARGET_MS = 20.0


def _stats(values_ms: list[float]) -> dict:
    values = sorted(values_ms)
    return {"n": len(values), "mean_ms": round(statistics.fmean(values), 2), "p50_ms": round(values[len(values) // 2], 2),
            "p95_ms": round(values[int(len(values) * 0.95) - 1], 2)}


def in_process(requests: int) -> dict:
    """CPU (time.process_time) per request of the JSON and the panel routes, the snapshot warm (loaded once before)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    from starlette.applications import Starlette

    from presentation import places_api
    from store import webauth

    app = Starlette(routes=places_api.place_routes(), middleware=webauth.auth_middleware())
    out = {}
    with TestClient(app) as client:
        t0 = time.perf_counter()
        assert client.get(f"/api/places/{next(iter(PLACES))}").status_code == 200
        out["first_request_s"] = round(time.perf_counter() - t0, 1)  # the plan, the catalogue and the board loaded
        for kind, suffix in (("json", ""), ("panel", "/panel")):
            cpu = []
            for i in range(requests):
                place = list(PLACES)[i % len(PLACES)]
                c0 = time.process_time()
                assert client.get(f"/api/places/{place}{suffix}").status_code == 200
                cpu.append((time.process_time() - c0) * 1000)
            out[kind] = _stats(cpu)
    return out


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


NO_SERVED_JS = "() => { document.querySelector('.st-key-chaohu-panel .chaohu-slot').dataset.layers = ''; }"


def _click(page, place: str, name: str, where: str) -> float:
    """Seconds from a click on the place to its panel in `where`, the app idle again afterwards."""
    import browser as bh

    handle = page.wait_for_selector(f'iframe[title*="{bh.FOLIUM_FRAME_TITLE}"]', state="attached")
    point = handle.content_frame().evaluate(bh._FEATURE_POINT_JS, name)
    box = handle.bounding_box()
    t0 = time.perf_counter()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])  # a point is the most specific feature under it
    page.wait_for_selector(f'{where} [data-place="{place}"]', timeout=60_000)
    wall = time.perf_counter() - t0
    bh._wait_idle(page)  # a run the click started has ended (none on the frame's path)
    return wall


def in_app(clicks: int) -> dict:
    """Server CPU and wall time per click, the frame's path then the old one, on a freshly started app; the server's
    idle CPU over the same wall time is taken out (`net`)."""
    import browser as bh
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="click-cost-") as ws:
        url, stop = bh.start_streamlit(REPO / "streamlit_app.py", cwd=REPO, log_path=Path(ws) / "streamlit.log",
                                       env_extra={"CHAOHU_WORKSPACE": ws})
        out = {}
        try:
            with sync_playwright() as p:
                browser = bh.launch_browser(p)
                page = bh.new_page(browser)
                page.goto(url)
                bh.wait_for_app(page)
                cpu0, t0 = _cpu_s(stop.pid), time.perf_counter()
                first = _click(page, *next(iter(PLACES.items())), ".chaohu-live-panel")  # the route loads its data
                out["first_click"] = {"server_cpu_ms": round((_cpu_s(stop.pid) - cpu0) * 1000), "click_to_panel_s": round(first, 2)}
                cpu0, t0 = _cpu_s(stop.pid), time.perf_counter()
                time.sleep(IDLE_S)
                idle_rate = (_cpu_s(stop.pid) - cpu0) / (time.perf_counter() - t0)
                out["idle_server_cpu_ms_per_s"] = round(idle_rate * 1000, 1)
                for path, where in (("frame", ".chaohu-live-panel"), ("rerun", ".st-key-chaohu-sel")):
                    walls = []
                    cpu0, t0 = _cpu_s(stop.pid), time.perf_counter()
                    for i in range(clicks):
                        place, name = list(PLACES.items())[(i + 1) % len(PLACES)]
                        if path == "rerun":
                            page.evaluate(NO_SERVED_JS)
                        walls.append(_click(page, place, name, where))
                    cpu, spent = _cpu_s(stop.pid) - cpu0, time.perf_counter() - t0
                    out[path] = {"clicks": clicks, "server_cpu_ms_per_click": round(cpu / clicks * 1000, 1),
                                 "net_ms_per_click": round((cpu - idle_rate * spent) / clicks * 1000, 1),
                                 "click_to_panel_p50_s": round(sorted(walls)[len(walls) // 2], 2)}
                browser.close()
        finally:
            stop()
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=12)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="click-cost-ws-") as ws:
        os.environ["CHAOHU_WORKSPACE"] = ws
        route = in_process(args.requests)
    app = in_app(args.clicks)
    print(json.dumps({"benchmark": "click_cost", "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                      "load_1min": os.getloadavg()[0], "route_in_process": route, "app": app,
                      "target_ms": TARGET_MS, "frame_path_within_target": app["frame"]["net_ms_per_click"] <= TARGET_MS},
                     ensure_ascii=False))


if __name__ == "__main__":
    main()
