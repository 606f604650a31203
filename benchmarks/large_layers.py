"""Benchmark: a county's 三调 parcels and a large point layer on the map — plain folium beside the real app.

Run from the repository root of a fresh clone (after ``pip install -r requirements-dev.txt``):

    python benchmarks/large_layers.py --counts 50000 200000 1000000 --points 100000   # the README table
    python benchmarks/large_layers.py --quick                                          # 6,000 parcels, 6,000 points

One run generates synthetic parcels tiling the real 巢湖市 land (standard 三调 fields TBBH/DLBM/DLMC/TBMJ) and
clustered points, then measures, on the same data and machine:

- naive: ``benchmarks/bench_app.py`` — the layer as one ``folium.GeoJson`` in a Streamlit page (parcel counts up
  to ``--naive-max``; beyond that its page would be gigabytes). First picture = opening the page on a fresh app:
  reading the data, building and rendering the map, the browser drawing it.
- ours: the real app (``streamlit run streamlit_app.py``). First picture = from the file — ``python -m loaders workspace
  add FILE`` (the upload's real path: reading, checking, repairing, storing) — through starting the app and opening the
  page until every tile in view is drawn. Beside it, the old way's ``add_layer`` of the GeoDataFrame in memory.
- replicas (``--replicas N``, default 3 except ``--quick``): N app processes on the one workspace, as behind HAProxy: the
  first draws the page, the others serve the same tile URLs and make new tiles from the layer's shared copy; their
  memory (RSS and PSS) beside the one process's.

It prints one JSON line with every figure, the naive/ours ratios and which targets hold, and writes
benchmarks/results.json and benchmarks/results.md (unless --quick).
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
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

import numpy as np  # noqa: E402
import shapely  # noqa: E402

import browser as bh  # noqa: E402
from benchmarks.pages import page_dir  # noqa: E402
from benchmarks.synthetic import land, parcels, points  # noqa: E402
from layers.large import TILES_DRAWN_JS  # noqa: E402

HERE = Path(__file__).resolve().parent

#: In the naive page's map frame: every GeoJSON feature is in the DOM as an SVG path.
NAIVE_DRAWN_JS = """
() => {
  if (!window.map) return false;
  const gj = Object.values(window.map._layers).find(l => l instanceof L.GeoJSON);
  if (!gj) return false;
  const paths = document.querySelectorAll('.leaflet-overlay-pane path').length;
  return paths > 0 && paths >= Object.keys(gj._layers).length;
}
"""
#: The request the naive page makes once drawn (see bench_app.py), so the relay can time it without a driver.
BEACON = "__layer_drawn__"
#: Targets of issue 17, checked on the figures of the count they name.
TARGETS = {"parcels": 200_000, "million": 1_000_000, "points": 100_000}


class ByteProxy:
    """A TCP relay in front of an app that counts the bytes the browser receives (HTTP and websocket, as sent)."""

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


def rss_of(pid: int) -> tuple[int, int]:
    """(resident bytes, peak resident bytes) of a process."""
    status = Path(f"/proc/{pid}/status").read_text()
    get = lambda k: int(status.split(k + ":")[1].split()[0]) * 1024  # noqa: E731
    return get("VmRSS"), get("VmHWM")


def pss_of(pid: int) -> int:
    """Proportional resident bytes of a process (pages shared with other processes counted by share)."""
    text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    return int(text.split("Pss:")[1].split()[0]) * 1024


def frame_rss(workspace: Path, name: str) -> int:
    """Bytes of RSS the layer takes as a GeoDataFrame read from the workspace (in a fresh process)."""
    code = (
        "import sys, json; sys.path.insert(0, sys.argv[1]);"
        "from pathlib import Path;"
        "import geopandas, pyogrio, shapely;"
        "from store.gpkg import GpkgStore;"
        "rss = lambda: int(Path('/proc/self/status').read_text().split('VmRSS:')[1].split()[0]) * 1024;"
        "ws = GpkgStore(Path(sys.argv[2]) / 'workspace.gpkg'); ws.layer_names(); before = rss();"
        "gdf = ws.read_layer(sys.argv[3]); print(rss() - before)"
    )
    out = subprocess.run([sys.executable, "-c", code, str(REPO), str(workspace), name], check=True,
                         capture_output=True, text=True)
    return int(out.stdout.strip().splitlines()[-1])


def _chromium_until_beacon(url: str, proxy: ByteProxy, timeout_s: float) -> tuple[float | None, int]:
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


def naive_run(root: Path, data: Path, timeout_s: float) -> dict:
    """The plain folium page: first picture on a fresh app (read, build, render, draw), then a warm page."""
    stats = root / "stats-naive.jsonl"
    stats.unlink(missing_ok=True)
    env = dict(BENCH_REPO=str(REPO), BENCH_DATA=str(data), BENCH_STATS=str(stats),
               STREAMLIT_SERVER_MAX_MESSAGE_SIZE="4000")  # let the naive page try: Streamlit refuses > 200 MB
    url, stop = bh.start_streamlit(root / "bench_app.py", cwd=root, log_path=root / "streamlit-naive.log",
                                   env_extra=env)
    proxy = ByteProxy(int(url.rsplit(":", 1)[1]))
    out: dict = {}
    try:
        for phase in ("cold", "warm"):
            seconds, received = _chromium_until_beacon(f"http://127.0.0.1:{proxy.port}", proxy, timeout_s)
            out[f"drawn_{phase}_s"], out[f"bytes_{phase}"] = seconds, received
            if seconds is None:
                out[f"error_{phase}"] = f"not drawn within {timeout_s:.0f} s"
                break
        out["first_picture_s"] = out.get("drawn_cold_s")
        lines = [json.loads(x) for x in stats.read_text().splitlines()] if stats.exists() else []
        if lines:
            last = lines[-1]
            out["layer_peak_rss"] = last["hwm"] - last["rss_before_data"]
            out["gdf_rss"] = last["rss_after_data"] - last["rss_before_data"]
    finally:
        proxy.close()
        stop()
    return out


def _tile_key(frame) -> str | None:
    """The tile server key of the tiled layer in the map frame."""
    return frame.evaluate("""() => { const l = Object.values(window.map._layers).find(l => l.options && l.options.chaohuTiles);
                                     const m = l && l._url.match(/api\\/tiles\\/([^/]+\\/[^/]+)\\//); return m ? m[1] : null; }""")


def _tile_stats(url: str, key: str | None) -> dict:
    """The app's count of tiles made for a layer, beside its full tile set."""
    if not key:
        return {}
    with urllib.request.urlopen(f"{url}/api/tiles/{key}/stats.json", timeout=30) as r:
        return json.loads(r.read())


def body_bytes(response) -> int:
    """Bytes of a response body as sent (its Content-Length: gzip-encoded when it was)."""
    return int(response.headers.get("content-length") or 0)


def _open_until_drawn(browser, url: str, proxy: ByteProxy, timeout_s: float, drawn_js: str, parts: dict | None = None):
    """A new page opened at url; (page, frame, seconds until drawn_js holds, bytes received by then).

    parts, when given, receives the bytes of the map's own data: websocket messages (the map page
    Streamlit sends, with every GeoJSON layer in it) and tiles (response bodies as sent).
    """
    page = bh.new_page(browser)
    if parts is not None:
        parts.update(websocket=0, tiles=0, urls=[])

        def on_websocket(ws):
            ws.on("framereceived", lambda payload: parts.__setitem__("websocket", parts["websocket"] + len(payload)))

        def on_response(r):
            if "/api/tiles/" in r.url:
                parts["tiles"] += body_bytes(r)
                parts["urls"].append(r.url)

        page.on("websocket", on_websocket)
        page.on("response", on_response)
    start_bytes, t = proxy.received, time.perf_counter()
    page.goto(url, timeout=timeout_s * 1000)
    deadline = t + timeout_s
    while True:  # the component frame can be replaced by a rerun while the page settles: look it up again
        frame = bh.map_frame(page, timeout=max(1.0, deadline - time.perf_counter()) * 1000)
        try:
            frame.wait_for_function(drawn_js, timeout=max(1.0, deadline - time.perf_counter()) * 1000, polling=50)
            break
        except Exception:
            if time.perf_counter() > deadline:
                raise
    return page, frame, round(time.perf_counter() - t, 3), proxy.received - start_bytes


def add_from_file(ws: Path, path: Path, name: str) -> float:
    """Seconds of ``python -m loaders workspace add FILE`` (the upload's real path) into workspace ws."""
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "loaders", "workspace", "add", str(path), "--name", name], cwd=REPO,
                   env={**os.environ, "CHAOHU_WORKSPACE": str(ws)}, check=True, stdout=subprocess.DEVNULL)
    return round(time.perf_counter() - t, 3)


def replicas_run(root: Path, ws: Path, label: str, tile_urls: list[str], first_pid: int, n: int,
                 timeout_s: float) -> dict:
    """n - 1 more app processes on the same workspace serving the first's tile URLs (and tiles one zoom deeper,
    which they make from the layer's shared copy); the memory of all n beside the first's."""
    stops = []
    out: dict = {"processes": n}
    try:
        for i in range(1, n):
            url, stop = bh.start_streamlit(REPO / "streamlit_app.py", cwd=REPO, timeout=timeout_s,
                                           log_path=root / f"streamlit-{label}-replica{i}.log",
                                           env_extra={"CHAOHU_WORKSPACE": str(ws)})
            stops.append((url, stop))
        deeper = []
        for u in tile_urls:
            head, z, x, last = u.rsplit("/", 3)
            y, ext = last.split(".")
            if ext == "pbf":
                deeper.append(f"{head}/{int(z) + 1}/{2 * int(x)}/{2 * int(y)}.pbf")
        same = made = 0
        t = time.perf_counter()
        for url, _ in stops:
            for u in tile_urls + deeper:
                path = u[u.index("/api/tiles/"):]
                req = urllib.request.Request(url + path, headers={"Accept-Encoding": "gzip"})
                with urllib.request.urlopen(req, timeout=timeout_s) as r:
                    r.read()
                    same += r.status in (200, 204)
            key = "/".join(tile_urls[0].split("/api/tiles/")[1].split("/")[:2])
            with urllib.request.urlopen(f"{url}/api/tiles/{key}/stats.json", timeout=30) as r:
                made += json.loads(r.read())["made"]
        out["tiles_served"], out["tiles_made_by_replicas"] = same, made
        out["serve_s"] = round(time.perf_counter() - t, 3)
        pids = [first_pid] + [stop.pid for _, stop in stops]
        out["rss"] = [rss_of(p)[0] for p in pids]
        out["pss"] = [pss_of(p) for p in pids]
        out["rss_total_over_one"] = round(sum(out["rss"]) / out["rss"][0], 2)
        out["pss_total_over_one"] = round(sum(out["pss"]) / out["pss"][0], 2)
    finally:
        for _, stop in stops:
            stop()
    return out


def ours_run(root: Path, label: str, gdf, timeout_s: float, playwright, click: dict | None, baseline: dict,
             replicas: int = 1) -> dict:
    """The real app: the file added → app start → page drawn (first picture), a warm page, a click, memory; then
    (replicas > 1) the same tiles from more processes on the one workspace."""
    import pyogrio

    from store.gpkg import GpkgStore

    ws = root / f"ws-{label}"
    shutil.rmtree(ws, ignore_errors=True)
    ws.mkdir()
    out: dict = {}
    upload = root / f"{label}.gpkg"  # the planner's file
    pyogrio.write_dataframe(gdf, upload, layer=label)
    scratch = root / f"ws-{label}-in-memory"
    scratch.mkdir(exist_ok=True)
    t = time.perf_counter()
    GpkgStore(scratch / "workspace.gpkg").add_layer(label, gdf)  # the old way: from a GeoDataFrame in memory
    out["add_in_memory_s"] = round(time.perf_counter() - t, 3)
    shutil.rmtree(scratch, ignore_errors=True)
    t0 = time.perf_counter()
    out["add_s"] = add_from_file(ws, upload, label)
    name = label
    url, stop = bh.start_streamlit(REPO / "streamlit_app.py", cwd=REPO, log_path=root / f"streamlit-{label}.log",
                                   env_extra={"CHAOHU_WORKSPACE": str(ws)}, timeout=timeout_s)
    out["app_started_s"] = round(time.perf_counter() - t0, 3)
    proxy = ByteProxy(int(url.rsplit(":", 1)[1]))
    purl = f"http://127.0.0.1:{proxy.port}"
    browser = bh.launch_browser(playwright)
    try:
        page, frame, seconds, received = _open_until_drawn(browser, purl, proxy, timeout_s, TILES_DRAWN_JS)
        out["first_picture_s"] = round(time.perf_counter() - t0, 3)
        out["drawn_cold_s"], out["bytes_cold"] = seconds, received
        stats = _tile_stats(url, _tile_key(frame))
        out["tiles_made_at_first_picture"], out["tiles_full_set"] = stats.get("made"), stats.get("full_set")
        out["detail_zoom"], out["maxzoom"] = stats.get("detail_zoom"), stats.get("maxzoom")
        page.context.close()
        parts: dict = {"urls": []}
        page, frame, seconds, received = _open_until_drawn(browser, purl, proxy, timeout_s, TILES_DRAWN_JS, parts)
        out["drawn_warm_s"], out["bytes_warm"] = seconds, received
        page.wait_for_timeout(300)  # let the browser's last events reach us
        out["map_bytes_warm"] = parts["websocket"] + parts["tiles"]
        out["tile_bytes_warm"] = parts["tiles"]
        if click:
            bh._wait_idle(page, timeout_s * 1000)
            # parcels: two zooms into the vector tiles; points: the deepest zoom, where none is thinned away
            zoom = (stats.get("detail_zoom") or 14) + 2 if click["kind"] == "polygon" else stats.get("maxzoom") or 16
            t = time.perf_counter()
            bh.click_map_at(page, click["lat"], click["lng"], zoom, TILES_DRAWN_JS)
            clicked = time.perf_counter()
            page.wait_for_selector("[data-parcel]", timeout=timeout_s * 1000)
            panel = page.locator("[data-parcel]").inner_text()
            out["click_to_panel_s"] = round(time.perf_counter() - clicked, 3)
            out["zoom_in_drawn_s"] = round(clicked - t, 3)
            out["panel_shows_clicked_feature"] = click["expect"] in panel
        page.context.close()
        rss, hwm = rss_of(stop.pid)
        out["app_peak_rss"], out["app_rss"] = hwm, rss
        if baseline.get("app_peak_rss"):
            out["layer_peak_rss"] = hwm - baseline["app_peak_rss"]
        out["gdf_rss"] = frame_rss(ws, name)
        if replicas > 1 and parts["urls"]:
            out["replicas"] = replicas_run(root, ws, label, parts["urls"], stop.pid, replicas, timeout_s)
    finally:
        browser.close()
        proxy.close()
        stop()
    return out


def baseline_run(root: Path, timeout_s: float, playwright) -> dict:
    """The real app with an empty workspace: its peak memory after one page (what a layer is measured above)."""
    ws = root / "ws-empty"
    ws.mkdir(exist_ok=True)
    url, stop = bh.start_streamlit(REPO / "streamlit_app.py", cwd=REPO, log_path=root / "streamlit-empty.log",
                                   env_extra={"CHAOHU_WORKSPACE": str(ws)}, timeout=timeout_s)
    browser = bh.launch_browser(playwright)
    try:
        page = bh.new_page(browser)
        page.goto(url)
        bh.wait_for_app(page, timeout=timeout_s * 1000)
        rss, hwm = rss_of(stop.pid)
        return {"app_peak_rss": hwm, "app_rss": rss}
    finally:
        browser.close()
        stop()


def ratio(a, b):
    """a / b rounded, or None when either is missing."""
    return round(a / b, 1) if a and b else None


def _click_target(gdf, expect_field: str) -> dict:
    """A feature of median size to click: its inner point and the text the panel must then show."""
    kind = "point" if gdf.geom_type.iloc[0] == "Point" else "polygon"
    if kind == "point":
        i = len(gdf) // 2
        pt = gdf.geometry.iloc[i]
    else:
        sizes = shapely.area(gdf.to_crs("EPSG:4548").geometry.values)
        i = int(np.argsort(sizes)[len(sizes) // 2])
        pt = gdf.geometry.iloc[i].representative_point()
    return {"lat": pt.y, "lng": pt.x, "expect": str(gdf.iloc[i][expect_field]), "kind": kind}


def measure(kind: str, gdf, root: Path, timeout_s: float, playwright, naive: bool, baseline: dict,
            replicas: int = 1) -> dict:
    """Every figure for one data set: naive (when asked) and ours, and their ratios."""
    res = {"kind": kind, "count": len(gdf)}
    if kind == "parcels":
        nv = shapely.get_num_coordinates(gdf.geometry.values) - 1
        res["vertices_mean"] = round(float(nv.mean()), 1)
    data = root / f"{kind}-{len(gdf)}.pkl"
    with open(data, "wb") as fh:
        pickle.dump(gdf, fh)
    res["naive"] = naive_run(root, data, timeout_s) if naive else {"skipped": "page too large for a browser"}
    data.unlink()
    target = _click_target(gdf, "DLMC" if kind == "parcels" else "名称")
    res["ours"] = ours_run(root, f"{kind}{len(gdf)}", gdf, timeout_s, playwright, target, baseline,
                           replicas if kind == "parcels" else 1)
    n, o = res["naive"], res["ours"]
    res["ratios"] = {
        "first_picture": ratio(n.get("first_picture_s"), o.get("first_picture_s")),
        "drawn_warm": ratio(n.get("drawn_warm_s"), o.get("drawn_warm_s")),
        "bytes_warm": ratio(n.get("bytes_warm") if n.get("drawn_warm_s") else None, o.get("bytes_warm")),
        "ours_peak_over_gdf": ratio(o.get("layer_peak_rss"), o.get("gdf_rss")),
    }
    return res


def _at_least(r: dict, timeout_s: float) -> float | None:
    """naive/ours first-picture ratio, or its lower bound timeout/ours when the naive page never drew."""
    n, o = r["naive"], r["ours"]
    if r["ratios"]["first_picture"]:
        return r["ratios"]["first_picture"]
    if n.get("error_cold") and o.get("first_picture_s"):
        return round(timeout_s / o["first_picture_s"], 1)
    return None


def targets(results: list[dict], timeout_s: float) -> dict:
    """Issue 17's targets: True/False on the figures of the count they name, None when not measured."""
    def near(kind, count):
        cands = [r for r in results if r["kind"] == kind and abs(r["count"] - count) <= 0.01 * count]
        return cands[0] if cands else None

    def le(value, limit):
        return None if value is None else value <= limit

    def ge(value, limit):
        return None if value is None else value >= limit

    out = {}
    p = near("parcels", TARGETS["parcels"])
    if p:
        o, rr = p["ours"], p["ratios"]
        out["200k_first_picture_le_15s"] = le(o.get("first_picture_s"), 15)
        out["200k_first_picture_4x_sooner"] = ge(_at_least(p, timeout_s), 4)
        out["200k_warm_drawn_le_2_5s"] = le(o.get("drawn_warm_s"), 2.5)
        out["200k_warm_drawn_5x_sooner"] = ge(rr["drawn_warm"], 5)
        out["200k_bytes_20x_fewer"] = ge(rr["bytes_warm"], 20)
    m = near("parcels", TARGETS["million"])
    if m:
        o = m["ours"]
        out["1m_first_picture_le_60s"] = le(o.get("first_picture_s"), 60)
        out["1m_peak_le_3x_gdf"] = le(m["ratios"]["ours_peak_over_gdf"], 3)
        out["1m_click_shows_parcel"] = o.get("panel_shows_clicked_feature")
        if o.get("replicas"):
            out["1m_three_processes_le_2x_one"] = le(o["replicas"]["rss_total_over_one"], 2)
    q = near("points", TARGETS["points"])
    if q:
        o = q["ours"]
        out["100k_points_warm_drawn_le_3s"] = le(o.get("drawn_warm_s"), 3)
        # the layer's data (map message + tiles); the Streamlit page's own ~3 MB of scripts is not the layer's
        out["100k_points_layer_sent_le_3mb"] = le(o.get("map_bytes_warm"), 3e6)
    return out


def _mb(n):
    return "—" if n is None else f"{n / 1e6:,.1f} MB"


def _s(x):
    return "—" if x is None else f"{x:,.1f} s"


def markdown(line: dict) -> str:
    """The README table of a run."""
    rows = ["| 数据 | 方式 | 上传→首次成图 | 页面绘制（热） | 绘制前接收（热；其中地图数据） | 首图时已生成瓦片 / 全套 | 点击→面板 | 峰值内存（图层 / GDF） |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in line["results"]:
        what = f"{r['count']:,} {'图斑' if r['kind'] == 'parcels' else '点'}"
        n, o, rr = r["naive"], r["ours"], r["ratios"]
        if "skipped" in n:
            rows.append(f"| {what} | folium.GeoJson | 未测（页面过大） | — | — | — | — | — |")
        else:
            first = _s(n.get("first_picture_s")) if n.get("first_picture_s") else f"> {line.get('timeout', 180):.0f} s（未绘制）"
            rows.append(f"| {what} | folium.GeoJson | {first} | {_s(n.get('drawn_warm_s'))} | "
                        f"{_mb(n.get('bytes_warm') if n.get('drawn_warm_s') else n.get('bytes_cold'))} | 整层一次发送 | — | "
                        f"{_mb(n.get('layer_peak_rss'))} / {_mb(n.get('gdf_rss'))} |")
        tiles = (f"{o['tiles_made_at_first_picture']:,} / {o['tiles_full_set']:,}"
                 if o.get("tiles_full_set") else "—")
        rows.append(f"| {what} | 本应用（按需瓦片） | {_s(o.get('first_picture_s'))}（文件入库 {o.get('add_s', 0):.1f} s"
                    f"〔旧法内存入库 {o.get('add_in_memory_s', 0):.1f} s〕，"
                    f"启动 {o.get('app_started_s', 0) - o.get('add_s', 0):.1f} s） | {_s(o.get('drawn_warm_s'))} | "
                    f"{_mb(o.get('bytes_warm'))}（{_mb(o.get('map_bytes_warm'))}） | {tiles} | {_s(o.get('click_to_panel_s'))} | "
                    f"{_mb(o.get('layer_peak_rss'))} / {_mb(o.get('gdf_rss'))} |")
        if "skipped" not in n:
            first = (f"{rr['first_picture']}×" if rr["first_picture"] else
                     f"≥ {_at_least(r, line.get('timeout', 180))}×" if _at_least(r, line.get("timeout", 180)) else "—")
            x = lambda v: f"{v}×" if v else "—"  # noqa: E731
            rows.append(f"| {what} | **倍数 naive/ours** | {first} | {x(rr['drawn_warm'])} | "
                        f"{x(rr['bytes_warm'])} | — | — | ours {rr['ours_peak_over_gdf'] or '—'}× GDF |")
        elif rr["ours_peak_over_gdf"]:
            rows.append(f"| {what} | **ours / GDF** | — | — | — | — | — | {rr['ours_peak_over_gdf']}× |")
        rep = o.get("replicas")
        if rep:
            rows.append(f"| {what} | **{rep['processes']} 个进程（同一工作空间）** | — | — | — | 副本生成 "
                        f"{rep['tiles_made_by_replicas']} 张 | — | RSS 合计 {rep['rss_total_over_one']}× 单进程"
                        f"（PSS {rep['pss_total_over_one']}×） |")
    held = [f"{k} {'未测' if v is None else '✔' if v else '✘'}" for k, v in line.get("targets", {}).items()]
    return (f"机器：{line['machine']}\n\n运行于 {line['date']}（{line.get('load', '')}）\n\n" + "\n".join(rows) + "\n\n"
            + ("目标：" + "，".join(held) + "\n" if held else ""))


def main(argv=None):
    """Parse arguments, run every data set, print the JSON line, write results.json and results.md."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--counts", type=int, nargs="+", default=[50000, 200000], help="parcel counts")
    ap.add_argument("--points", type=int, nargs="*", default=[100000], help="point counts")
    ap.add_argument("--naive-max", type=int, default=200000, help="largest count the naive page is tried on")
    ap.add_argument("--quick", action="store_true", help="6,000 parcels and 6,000 points (just above the tiling threshold): a smoke run")
    ap.add_argument("--replicas", type=int, default=None,
                    help="app processes serving the parcels' tiles from one workspace (default 3; 1 with --quick)")
    ap.add_argument("--timeout", type=float, default=180.0, help="seconds a page may take to draw")
    ap.add_argument("--out", type=Path, default=HERE / "results.md")
    ap.add_argument("--json", type=Path, default=None, help="write the JSON line here (default results.json)")
    ap.add_argument("--table-from", type=Path, default=None, help="only rewrite the table from a saved JSON line")
    args = ap.parse_args(argv)
    if args.table_from:
        line = json.loads(args.table_from.read_text(encoding="utf-8"))
        args.out.write_text(markdown(line), encoding="utf-8")
        return line
    counts, point_counts = ([6000], [6000]) if args.quick else (args.counts, args.points)
    replicas = args.replicas or (1 if args.quick else 3)
    from playwright.sync_api import sync_playwright

    area = land()
    root = Path(tempfile.mkdtemp(prefix="large-layers-"))
    page_dir(HERE / "bench_app.py", root)
    stamp = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    load_before = os.getloadavg()[0]
    results = []
    try:
        with sync_playwright() as p:
            baseline = baseline_run(root, args.timeout, p)
            for c in counts:
                t = time.perf_counter()
                gdf = parcels(c, area=area, fields="standard")
                gen = round(time.perf_counter() - t, 1)
                results.append({**measure("parcels", gdf, root, args.timeout, p, c <= args.naive_max, baseline,
                                          replicas), "generate_s": gen})
                del gdf
            for c in point_counts:
                results.append(measure("points", points(c, area=area), root, args.timeout, p, True, baseline))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    load = f"系统负载 {load_before:.1f} → {os.getloadavg()[0]:.1f}（1 分钟平均，{os.cpu_count()} 核）"
    line = {"benchmark": "large_layers", "date": stamp, "machine": machine, "load": load, "timeout": args.timeout,
            "baseline": baseline, "results": results}
    line["targets"] = targets(results, args.timeout)
    text = json.dumps(line, ensure_ascii=False)
    print(text, flush=True)
    json_path = args.json or (None if args.quick else HERE / "results.json")
    if json_path:
        json_path.write_text(text + "\n", encoding="utf-8")
    if not args.quick:
        args.out.write_text(markdown(line), encoding="utf-8")
    return line


if __name__ == "__main__":
    main()
