"""Benchmark: a county's land parcels on the map, the naive way (one folium.GeoJson) beside ours (vector tiles).

Run from the repo root:  python benchmarks/large_layers.py --counts 50000 200000
Prints one JSON line with every figure and the naive/ours ratios and writes benchmarks/results.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import pickle
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

import folium  # noqa: E402
import shapely  # noqa: E402

import browser as bh  # noqa: E402
from benchmarks.synthetic import land, parcels  # noqa: E402
from layers.assets import materialise_vendor, offline  # noqa: E402
from layers.large import landuse_tiles, vector_layer  # noqa: E402
from layers.mapview import CENTER, DEFAULT_ZOOM  # noqa: E402

HERE = Path(__file__).resolve().parent

# In the st_folium frame: is the parcel layer drawn? naive: every GeoJSON path in the DOM; ours: every tile in view loaded.
DRAWN_JS = """
(mode) => {
  if (!window.map) return false;
  const layers = Object.values(window.map._layers);
  if (mode === 'naive') {
    const gj = layers.find(l => l instanceof L.GeoJSON);
    if (!gj) return false;
    const paths = document.querySelectorAll('.leaflet-overlay-pane path').length;
    return paths > 0 && paths >= Object.keys(gj._layers).length;
  }
  const vg = layers.find(l => l._url && /\\.pbf$/.test(l._url));
  if (!vg || !vg._tiles || !Object.keys(vg._tiles).length) return false;
  return Object.values(vg._tiles).every(t => !t.current || t.loaded);
}
"""
#: The request a drawn page makes (see bench_app.py) so the relay can time it without any browser driver.
BEACON = "__layer_drawn__"
PAINTED_JS = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))"


class ByteProxy:
    """A TCP relay in front of the app that counts the bytes the browser receives (HTTP and websocket, as sent)."""

    def __init__(self, target_port: int):
        self.received = 0
        self.beacons: list[tuple[float, int]] = []  # (time, bytes received by then) per "layer drawn" beacon
        self._lock = threading.Lock()
        self._target = target_port
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self._target))
            threading.Thread(target=self._pipe, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, True), daemon=True).start()

    def _pipe(self, src, dst, count):
        try:
            while True:
                data = src.recv(1 << 16)
                if not data:
                    break
                if count:
                    with self._lock:
                        self.received += len(data)
                elif BEACON.encode() in data:
                    self.beacons.append((time.perf_counter(), self.received))
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self):
        """Stop accepting connections."""
        self._server.close()


def _pbf(page) -> int:
    """How many .pbf tiles the page has requested so far."""
    return sum(1 for u in page.requests if u.split("?")[0].endswith(".pbf"))


def build_seconds(gdf, mode: str, static: Path) -> dict:
    """Server-side seconds to build and render the map page: cold (nothing prepared) and warm (prepared)."""
    def build():
        m = folium.Map(location=CENTER, zoom_start=DEFAULT_ZOOM, tiles=None)
        if mode == "naive":
            folium.GeoJson(gdf, name="土地利用图斑", tooltip=folium.GeoJsonTooltip(["地类名称"])).add_to(m)
        else:
            vector_layer(landuse_tiles(gdf, static)).add_to(m)
        offline(m, mode="static")
        return m

    t = time.perf_counter()
    m = build()
    html = m.get_root().render()
    cold = time.perf_counter() - t
    t = time.perf_counter()
    m = build()
    html = m.get_root().render()
    warm = time.perf_counter() - t
    return {"build_cold_s": round(cold, 3), "build_warm_s": round(warm, 3), "html_bytes": len(html.encode())}


def _chromium_until_drawn(url: str, proxy: ByteProxy, timeout_s: float) -> tuple[float | None, int]:
    """Open url in a plain headless Chromium; (seconds, bytes received) when the page's beacon says drawn.

    No Playwright here: its driver process runs out of memory on the naive page's 200 MB websocket message.
    """
    profile = tempfile.mkdtemp(prefix="chromium-")
    seen, start = len(proxy.beacons), proxy.received
    cmd = [bh.CHROMIUM, "--headless=new", *bh.CHROMIUM_ARGS, "--window-size=1600,1000", f"--user-data-dir={profile}", url]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        while len(proxy.beacons) == seen and time.perf_counter() - t < timeout_s and proc.poll() is None:
            time.sleep(0.05)
        if len(proxy.beacons) > seen:
            when, received = proxy.beacons[seen]
            return round(when - t, 3), received - start
        return None, proxy.received - start
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        shutil.rmtree(profile, ignore_errors=True)


def _rerun(url: str, mode: str, stats: Path, timeout_s: float, proxy: ByteProxy, playwright) -> dict:
    """In Playwright: open the page, then click a button that changes nothing about the layer."""
    browser = bh.launch_browser(playwright)
    try:
        page = bh.new_page(browser)
        page.goto(url, timeout=timeout_s * 1000)
        frame = bh.map_frame(page, timeout=timeout_s * 1000)
        frame.wait_for_function(DRAWN_JS, arg=mode, timeout=timeout_s * 1000, polling=100)
        bh._wait_idle(page, timeout_s * 1000)
        runs = len(stats.read_text().splitlines())
        before, pbf = proxy.received, _pbf(page)
        page.get_by_text("刷新（不改变图斑图层）").click()
        deadline = time.monotonic() + timeout_s
        while len(stats.read_text().splitlines()) <= runs and time.monotonic() < deadline:
            time.sleep(0.05)
        bh._wait_idle(page, timeout_s * 1000)
        page.wait_for_timeout(1000)
        last = json.loads(stats.read_text().splitlines()[-1])
        return {"rerun_server_s": round(last["script_seconds"], 3), "rerun_bytes": proxy.received - before,
                "rerun_tile_requests": _pbf(page) - pbf}
    finally:
        browser.close()


def browser_run(root: Path, mode: str, data: Path, timeout_s: float, playwright, rerun: bool = True) -> dict:
    """Open the app in headless Chromium: seconds and bytes until the layer is drawn, a no-op rerun, memory."""
    stats = root / f"stats-{mode}.jsonl"
    stats.unlink(missing_ok=True)
    os.environ.update(BENCH_REPO=str(REPO), BENCH_MODE=mode, BENCH_DATA=str(data), BENCH_STATS=str(stats))
    app_url, stop = bh.start_streamlit(root / "bench_app.py", cwd=root, log_path=root / f"streamlit-{mode}.log")
    proxy = ByteProxy(int(app_url.rsplit(":", 1)[1]))
    url = f"http://127.0.0.1:{proxy.port}"
    out = {}
    try:
        for phase in ("cold", "warm"):
            seconds, received = _chromium_until_drawn(url, proxy, timeout_s)
            out[f"drawn_{phase}_s"], out[f"bytes_{phase}"] = seconds, received
            if seconds is None:
                out[f"error_{phase}"] = f"not drawn within {timeout_s:.0f} s"
                break
        if rerun and out.get("drawn_warm_s"):
            out.update(_rerun(url, mode, stats, timeout_s, proxy, playwright))
        lines = [json.loads(x) for x in stats.read_text().splitlines()] if stats.exists() else []
        if lines:
            last = lines[-1]
            out["app_peak_rss"] = last["hwm"]
            out["app_rss_before_data"] = last["rss_before_data"]
            out["gdf_rss"] = last["rss_after_data"] - last["rss_before_data"]
            out["layer_peak_rss"] = last["hwm"] - last["rss_before_data"]
    finally:
        proxy.close()
        stop()
    return out


def ratio(a, b):
    """a / b rounded, or None when either is missing."""
    return round(a / b, 1) if a and b else None


def run(count: int, root: Path, timeout_s: float, playwright, skip_naive_browser: bool = False) -> dict:
    """Every figure for one parcel count."""
    t = time.perf_counter()
    gdf = parcels(count, area=LAND)
    gen = time.perf_counter() - t
    nv = shapely.get_num_coordinates(gdf.geometry.values) - 1
    data = root / f"parcels-{count}.pkl"
    with open(data, "wb") as fh:
        pickle.dump(gdf, fh)
    shutil.rmtree(root / "static" / "tiles", ignore_errors=True)
    res = {"count": len(gdf), "vertices_mean": round(float(nv.mean()), 1), "vertices_min": int(nv.min()),
           "vertices_max": int(nv.max()), "generate_s": round(gen, 1)}
    for mode in ("naive", "ours"):
        res[mode] = build_seconds(gdf, mode, root / "static")
        if mode == "naive" and skip_naive_browser:
            continue
        # Playwright's driver cannot take a websocket message of 100 MB+: no rerun figures for such a page.
        res[mode].update(browser_run(root, mode, data, timeout_s, playwright, rerun=res[mode]["html_bytes"] < 100e6))
    ts = landuse_tiles(gdf, root / "static")
    res["ours"].update(tiles=ts.tiles, tiles_bytes=ts.bytes)
    n, o = res["naive"], res["ours"]
    res["ratios"] = {
        "build_warm": ratio(n["build_warm_s"], o["build_warm_s"]),
        "bytes_until_drawn": ratio(n.get("bytes_warm") if n.get("drawn_warm_s") else None, o.get("bytes_warm")),
        "seconds_until_drawn": ratio(n.get("drawn_warm_s"), o.get("drawn_warm_s")),
        "rerun_bytes": ratio(n.get("rerun_bytes"), o.get("rerun_bytes")),
        "ours_peak_over_gdf": ratio(o.get("layer_peak_rss"), o.get("gdf_rss")),
    }
    if not n.get("drawn_warm_s"):
        res["ratios"]["naive_note"] = n.get("error_cold") or n.get("error_warm") or "naive not measured in browser"
        res["ratios"]["bytes_until_drawn_lower_bound"] = ratio(n["html_bytes"], o.get("bytes_warm"))
    return res


def _mb(n):
    return "—" if n is None else f"{n / 1e6:,.1f} MB"


def _s(x):
    return "未完成" if x is None else f"{x:,.2f} s"


def markdown(results: list[dict], stamp: str, timeout_s: float = 120.0) -> str:
    """The README table of a run."""
    rows = ["| 图斑数 | 方式 | 构建（冷/热） | 绘制前接收 | 绘制用时（冷/热） | 无关重跑：服务器/接收/瓦片请求 | 峰值内存（图层/GDF） |",
            "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in results:
        for mode, label in (("naive", "folium.GeoJson"), ("ours", "矢量瓦片")):
            d = r[mode]
            mem = (f"{_mb(d.get('layer_peak_rss'))} / {_mb(d.get('gdf_rss'))}" if d.get("gdf_rss") else "—")
            rerun = (f"{d['rerun_server_s']:.3f} s / {d['rerun_bytes'] / 1e3:,.1f} kB / {d['rerun_tile_requests']}"
                     if "rerun_server_s" in d else "—")
            rows.append(f"| {r['count']:,} | {label} | {d['build_cold_s']:.1f} s / {d['build_warm_s']:.2f} s | "
                        f"{_mb(d.get('bytes_warm')) if d.get('drawn_warm_s') else '> ' + _mb(d.get('bytes_cold')) + '（未绘制）'} | "
                        f"{_s(d.get('drawn_cold_s'))} / {_s(d.get('drawn_warm_s'))} | "
                        f"{rerun} | {mem} |")
        rr, n, o = r["ratios"], r["naive"], r["ours"]
        seconds = (f"{rr['seconds_until_drawn']}×" if rr["seconds_until_drawn"] else
                   f"≥ {timeout_s / o['drawn_warm_s']:.0f}×（naive {timeout_s:.0f} s 内未绘制完成）")
        received = (f"{rr['bytes_until_drawn']}×" if rr["bytes_until_drawn"] else
                    f"≥ {max(n['html_bytes'], n.get('bytes_cold') or 0) / o['bytes_warm']:.0f}×")
        rerun = (f"服务器 {n['rerun_server_s'] / o['rerun_server_s']:.0f}×，瓦片 0 次"
                 if n.get("rerun_server_s") and o.get("rerun_server_s") else "—")
        rows.append(f"| {r['count']:,} | **倍数 naive/ours** | 热 {rr['build_warm']}× | {received} | {seconds} | "
                    f"{rerun} | ours {rr['ours_peak_over_gdf']}× GDF |")
    return f"运行于 {stamp}\n\n" + "\n".join(rows) + "\n"


LAND = None


def main(argv=None):
    """Parse arguments, run every count, print the JSON line, write the Markdown table."""
    global LAND
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--counts", type=int, nargs="+", default=[50000, 200000])
    ap.add_argument("--quick", action="store_true", help="one small count (3,000) for a smoke run")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds a page may take to draw")
    ap.add_argument("--out", type=Path, default=HERE / "results.md")
    ap.add_argument("--json", type=Path, default=None, help="also write the JSON line here")
    ap.add_argument("--table-from", type=Path, default=None, help="only rewrite the table from a saved JSON line")
    args = ap.parse_args(argv)
    if args.table_from:
        line = json.loads(args.table_from.read_text(encoding="utf-8"))
        args.out.write_text(f"机器：{line['machine']}\n\n" + markdown(line["results"], line["date"], args.timeout),
                            encoding="utf-8")
        return line
    counts = [3000] if args.quick else args.counts
    from playwright.sync_api import sync_playwright

    LAND = land()
    root = Path(tempfile.mkdtemp(prefix="large-layers-"))
    shutil.copy(HERE / "bench_app.py", root / "bench_app.py")
    materialise_vendor(root / "static")
    (root / ".streamlit").mkdir()
    shutil.copy(REPO / ".streamlit" / "config.toml", root / ".streamlit" / "config.toml")
    # Let the naive page try: Streamlit refuses messages over 200 MB by default.
    os.environ["STREAMLIT_SERVER_MAX_MESSAGE_SIZE"] = "2000"
    stamp = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    results = []
    try:
        with sync_playwright() as p:
            for c in counts:
                results.append(run(c, root, args.timeout, p))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    line = {"benchmark": "large_layers", "date": stamp, "machine": machine, "results": results}
    text = json.dumps(line, ensure_ascii=False)
    print(text, flush=True)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    if not args.quick:
        args.out.write_text(f"机器：{machine}\n\n" + markdown(results, stamp, args.timeout), encoding="utf-8")
    return line


if __name__ == "__main__":
    main()
