"""App-level load benchmark (not a timed test): the real app on a throwaway PostGIS, 20 logged-in users browsing and
clicking places on the map while 5 editors upload files, for 2 minutes.

- The 20 browsing users are websocket clients speaking Streamlit's own protocol (BackMsg/ForwardMsg protobufs), as the
  browser's JavaScript does: each logs in as the login form does (POST /api/login, then the page's websocket with
  the session cookie), opens the map, clicks a random plan place (the
  st_folium component's value, as Leaflet's click handler sets it) and waits for that place's panel, thinks 1–4 s,
  clicks again; every 8 clicks it opens a new session (a reload, a new login). They run the same server path as a
  browser — script reruns, session checks against the store, the catalogue and map caches, the deltas sent — without
  20 Chromium renderers (≈3 GB, and Leaflet/SVG work on the client side) competing with the server for 2 cores, which
  would measure Chromium rather than the app.
- The 5 uploaders are real Chromium pages (Playwright): they log in and add files through the 我的数据 form, all
  files named 上传.geojson (the store hands out 上传（2）, 上传（3）…), each with its own tag in every feature.

Prints one JSON line: errors (want 0: Chinese error boxes, exceptions, disconnects, timeouts), lost layers (want 0: an
upload the page reported 已添加「名称」 that is not in the store under that name with its own data), click→panel
p50/p95, first render p50/p95, uploads done and their p50/p95, and the machine's load average.

Run: python benchmarks/app_load.py [--seconds 120] [--browsers 20] [--uploaders 5]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import random
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

PASSWORD = "巢湖负载测试2026"
#: Seconds a click may take to show its panel, a session its first map, an upload its report, before it counts as an error.
CLICK_TIMEOUT, RENDER_TIMEOUT, UPLOAD_TIMEOUT = 180, 300, 300
CLICKS_PER_SESSION = 8
UPLOAD_FEATURES = 5


def pct(values: list[float], q: float) -> float | None:
    """The q-quantile (nearest rank), in seconds rounded to ms."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[max(0, min(len(ordered) - 1, int(round(q * len(ordered))) - 1))], 3)


@dataclass
class Figures:
    """What the simulated users measured and what went wrong."""

    clicks: list[float] = field(default_factory=list)
    renders: list[float] = field(default_factory=list)
    uploads: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: (tag, name the page said it was stored under)
    told: list[tuple[str, str]] = field(default_factory=list)
    #: clicks made again because the map was redrawn for someone else's upload as the first one arrived
    redone: int = 0

    def error(self, who: str, what: str) -> None:
        self.errors.append(f"{who}: {what}"[:300])


# ------------------------------------------------------------------ a browser without a browser


def http_login(url: str, name: str, client: str = "") -> tuple[int, str | None]:
    """POST /api/login as the login form does: (HTTP status, the ``name=value`` session cookie or None)."""
    import urllib.error
    import urllib.request

    headers = {"Content-Type": "application/json", **({"X-Forwarded-For": client} if client else {})}
    request = urllib.request.Request(f"{url}/api/login", data=json.dumps({"name": name, "password": PASSWORD}).encode(),
                                     headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=RENDER_TIMEOUT) as answer:
            return answer.status, answer.headers["set-cookie"].split(";")[0]
    except urllib.error.HTTPError as exc:
        return exc.code, None


class StreamlitSession:
    """One Streamlit session over its websocket, as the browser's JavaScript runs it (see the module docstring)."""

    def __init__(self, url: str, who: str, figures: Figures):
        self.url = url
        self.ws_url = url.replace("http://", "ws://") + "/_stcore/stream"
        self.who, self.figures = who, figures
        self.elements: dict[str, object] = {}  # widget label / component name → its proto (ids change with args)
        self.html: list[str] = []
        self.cache: dict[str, object] = {}  # hash → ForwardMsg, as the browser caches large messages
        self.ws = None
        self.finished = asyncio.Event()
        self.reader = None

    async def __aenter__(self):
        return self

    async def connect(self, cookie: str | None = None) -> None:
        """Open the session's websocket, with the login cookie as the browser sends it."""
        import websockets

        self.ws = await websockets.connect(self.ws_url, subprotocols=["streamlit"], max_size=None, open_timeout=120,
                                           ping_interval=None, additional_headers={"Cookie": cookie} if cookie else None)
        self.reader = asyncio.create_task(self._read())

    async def __aexit__(self, *exc):
        if self.reader is not None:
            self.reader.cancel()
        if self.ws is not None:
            await self.ws.close()

    async def _read(self) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        try:
            async for data in self.ws:
                msg = ForwardMsg()
                msg.ParseFromString(data)
                kind = msg.WhichOneof("type")
                if kind == "ref_hash":
                    msg = self.cache.get(msg.ref_hash) or msg
                    kind = msg.WhichOneof("type")
                elif msg.metadata.cacheable:
                    self.cache[msg.hash] = msg
                if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                    self._element(msg.delta.new_element)
                elif kind == "script_finished":
                    self.finished.set()
        except Exception as exc:  # noqa: BLE001 — a dropped connection is an error of the run, not of this client
            if not isinstance(exc, asyncio.CancelledError):
                self.figures.error(self.who, f"连接中断 {type(exc).__name__}: {exc}")

    def _element(self, element) -> None:
        kind = element.WhichOneof("type")
        if kind == "exception":
            self.figures.error(self.who, f"exception {element.exception.type}: {element.exception.message}")
        elif kind == "alert" and element.alert.format == 1:  # ERROR: the app's Chinese error box
            self.figures.error(self.who, f"st.error {element.alert.body}")
        elif kind == "html":
            self.html.append(element.html.body)
        elif kind == "component_instance":
            self.elements[element.component_instance.component_name] = element.component_instance
        elif kind in ("text_input", "button"):
            widget = getattr(element, kind)
            self.elements[f"{kind}:{widget.label}"] = widget

    async def rerun(self, widgets: list | None = None, query: str = "") -> None:
        """Send what the browser sends when a widget changes: a rerun with the widgets' new values."""
        from streamlit.proto.BackMsg_pb2 import BackMsg

        msg = BackMsg()
        msg.rerun_script.query_string = query
        for widget in widgets or []:
            msg.rerun_script.widget_states.widgets.append(widget)
        msg.rerun_script.cached_message_hashes.extend(self.cache)
        self.finished.clear()
        await self.ws.send(msg.SerializeToString())

    async def wait(self, check, timeout: float) -> bool:
        """Poll until check() is true (False after `timeout` seconds)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return True
            await asyncio.sleep(0.02)
        return False

    async def login(self, name: str, client: str = "") -> bool:
        """Log in as the page's login form does (POST /api/login → the session cookie), then open the app with the
        cookie. `client`: the browser's address as a trusted proxy would forward it (X-Forwarded-For)."""
        status, cookie = await asyncio.to_thread(http_login, self.url, name, client)
        if cookie is None:
            self.figures.error(self.who, f"登录失败（HTTP {status}）")
            return False
        await self.connect(cookie)
        await self.rerun()
        return True

    def map_component(self):
        return self.elements.get("streamlit_folium.st_folium")

    async def click(self, place_id: str) -> float | None:
        """Click a place on the map (st_folium's value); seconds until its panel arrived, None on a timeout.

        st_folium keys its component by the map's content: when another user's upload changed the map just before
        the click, the run that answers it draws a new map and drops the old map's click — the user sees the map
        redrawn without a panel and clicks again. That second click is made here too, and counted (`clicks_redone`).
        """
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        marker = f'data-place="{place_id}"'
        self.html.clear()
        t0 = time.perf_counter()
        deadline = time.monotonic() + CLICK_TIMEOUT
        for attempt in range(4):
            component = self.map_component()
            state = WidgetState(id=component.id)
            state.json_value = json.dumps({"last_active_drawing": {"type": "Feature", "properties": {"id": place_id}}})
            await self.rerun([state])
            def answered(used=component.id) -> bool:  # the panel, or a new map that dropped the click
                redrawn = self.finished.is_set() and self.map_component().id != used
                return redrawn or any(marker in body for body in self.html)
            if not await self.wait(answered, deadline - time.monotonic()):
                break
            if any(marker in body for body in self.html):
                self.figures.redone += attempt
                return time.perf_counter() - t0
        self.figures.error(self.who, f"点击 {place_id} 后 {CLICK_TIMEOUT} 秒未出现面板")
        return None


async def browsing_user(index: int, url: str, places: list[str], until: float, figures: Figures) -> None:
    """Log in, open the map, click places with 1–4 s between, a new session every CLICKS_PER_SESSION clicks."""
    rng = random.Random(index)
    name = f"浏览{index}"
    client = f"10.8.{index // 250}.{index % 250 + 1}"  # its own address behind a proxy (login limits are per client)
    await asyncio.sleep(rng.random() * 10)  # people do not all arrive in the same second
    while time.monotonic() < until:
        try:
            async with StreamlitSession(url, name, figures) as session:
                t0 = time.perf_counter()
                if not await session.login(name, client):
                    continue
                if not await session.wait(lambda: session.map_component() is not None and session.finished.is_set(),
                                          RENDER_TIMEOUT):
                    figures.error(name, "登录后地图未出现")
                    continue
                figures.renders.append(time.perf_counter() - t0)
                for _ in range(CLICKS_PER_SESSION):
                    if time.monotonic() >= until:
                        break
                    await asyncio.sleep(1 + rng.random() * 3)
                    took = await session.click(rng.choice(places))
                    if took is not None:
                        figures.clicks.append(took)
        except Exception as exc:  # noqa: BLE001 — counted, the user goes on
            figures.error(name, f"{type(exc).__name__}: {exc}")
            await asyncio.sleep(1)


# ------------------------------------------------------------------ uploaders in Chromium


def upload_file(folder: Path, tag: str) -> Path:
    """上传.geojson: UPLOAD_FEATURES points, every one carrying `tag` (whose data a stored layer holds)."""
    rng = random.Random(tag)
    features = [{"type": "Feature", "properties": {"名称": f"{tag}-{k}", "tag": tag},
                 "geometry": {"type": "Point", "coordinates": [117.6 + rng.random() * 0.4, 31.5 + rng.random() * 0.3]}}
                for k in range(UPLOAD_FEATURES)]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "上传.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), encoding="utf-8")
    return path


async def idle(page) -> None:
    """Wait until Streamlit's running indicator is gone (the page has the server's latest state)."""
    await page.wait_for_function("""() => { const w = document.querySelector('[data-testid="stStatusWidget"]');
                                          return !w || !/Running|运行|Stop/i.test(w.innerText); }""",
                                 timeout=UPLOAD_TIMEOUT * 1000)
    await page.wait_for_timeout(300)


ADDED = re.compile(r"已添加「(.+?)」(\d+) 个要素")


async def open_my_data(page) -> None:
    """Unfold the sidebar's 我的数据 group (folded by default), again if Streamlit re-mounted it just after a first run."""
    group = page.locator('[data-testid="stSidebar"] details', has=page.locator("summary", has_text="我的数据")).first
    await group.wait_for(timeout=RENDER_TIMEOUT * 1000)
    for _ in range(10):
        if await group.get_attribute("open") is not None:
            return
        await group.locator("summary").click()
        await page.wait_for_timeout(1500)


async def uploader(index: int, browser, url: str, until: float, figures: Figures, folder: Path) -> None:
    """Log in as 上传N in Chromium and add files through the form until the deadline."""
    import browser as bh

    name = f"上传{index}"
    context = await browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    page = await context.new_page()
    try:
        await page.goto(url, timeout=RENDER_TIMEOUT * 1000)
        await page.get_by_label("账号", exact=True).fill(name, timeout=RENDER_TIMEOUT * 1000)
        await page.get_by_label("密码", exact=True).fill(PASSWORD)
        await page.get_by_role("button", name="登录").click()
        await page.wait_for_selector(f'iframe[title*="{bh.FOLIUM_FRAME_TITLE}"]', state="attached", timeout=RENDER_TIMEOUT * 1000)
        for i in itertools.count():
            if time.monotonic() >= until:
                break
            tag = f"u{index}-{i}"
            await open_my_data(page)
            report = page.locator(".upload-report")
            before = await report.inner_text() if await report.count() else ""
            chips = page.locator('[data-testid="stFileChip"]')
            while await chips.count():  # the previous file out of the form, as a planner would
                before_chips = await chips.count()
                await chips.first.locator('[data-testid="stFileChipDeleteBtn"] button').first.click()
                await page.wait_for_function("n => document.querySelectorAll('[data-testid=\"stFileChip\"]').length < n",
                                             arg=before_chips, timeout=UPLOAD_TIMEOUT * 1000)
            await page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(upload_file(folder / tag, tag)))
            await chips.first.wait_for(timeout=UPLOAD_TIMEOUT * 1000)
            await idle(page)  # the file has reached the server before the button is pressed
            t0 = time.perf_counter()
            await page.get_by_role("button", name="添加到地图").click()
            deadline = time.monotonic() + UPLOAD_TIMEOUT
            text = before
            while time.monotonic() < deadline:
                if await report.count():
                    text = await report.inner_text()
                    if text != before:
                        break
                await asyncio.sleep(0.1)
            found = ADDED.search(text) if text != before else None
            if found is None:
                figures.error(name, f"上传 {tag} 未成功：{text[:120] if text != before else '超时'}")
                continue
            figures.uploads.append(time.perf_counter() - t0)
            figures.told.append((tag, found.group(1)))
    except Exception as exc:  # noqa: BLE001 — counted in the figures
        figures.error(name, f"{type(exc).__name__}: {exc}")
    finally:
        await context.close()


# ------------------------------------------------------------------ the run


def plan_places() -> list[str]:
    """Ids of the plan places drawn on the map (what browsing users click)."""
    from core.declarations import LAYERS
    from layers.catalog import load_catalog

    catalog = load_catalog(workspace=False)
    plan_layers = {s.id for s in LAYERS if s.plan}
    return sorted(catalog.features.loc[catalog.features["layer"].isin(plan_layers), "id"].astype(str))


def lost_layers(store, told: list[tuple[str, str]]) -> int:
    """Uploads the page reported as stored that are not in the store under that name with their own data."""
    lost = 0
    for tag, name in told:
        try:
            data = store.read_layer(name)
        except Exception:  # noqa: BLE001 — missing is what is being counted
            lost += 1
            continue
        if len(data) != UPLOAD_FEATURES or set(data["tag"]) != {tag}:
            lost += 1
    return lost


async def drive(url: str, seconds: float, browsers: int, uploaders: int, places: list[str], folder: Path) -> Figures:
    from playwright.async_api import async_playwright

    import browser as bh

    figures = Figures()
    async with async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=bh.CHROMIUM, args=bh.CHROMIUM_ARGS, headless=True)
        until = time.monotonic() + seconds
        tasks = [browsing_user(i + 1, url, places, until, figures) for i in range(browsers)]
        tasks += [uploader(i + 1, chromium, url, until, figures, folder) for i in range(uploaders)]
        await asyncio.gather(*tasks)
        await chromium.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--browsers", type=int, default=20)
    parser.add_argument("--uploaders", type=int, default=5)
    args = parser.parse_args()

    import browser as bh
    from store.postgis import PostgisStore
    from pgcluster import PgCluster

    places = plan_places()
    cluster = PgCluster()
    folder = Path(tempfile.mkdtemp(prefix="chaohu-app-load-"))
    try:
        database = cluster.new_database()
        store = PostgisStore(database)
        store.add_account("负载管理员", PASSWORD, "管理", "负载测试")
        for i in range(args.uploaders):
            store.add_account(f"上传{i + 1}", PASSWORD, "编辑", "负载测试")
        for i in range(args.browsers):
            store.add_account(f"浏览{i + 1}", PASSWORD, "查看", "负载测试")
        url, stop = bh.start_streamlit(REPO / "streamlit_app.py", cwd=REPO, log_path=folder / "streamlit.log", timeout=300,
                                       env_extra={"CHAOHU_DATABASE_URL": database, "CHAOHU_WORKSPACE": str(folder / "ws")})
        try:
            t0 = time.perf_counter()  # the first user pays for building the catalogue and the map: not counted below
            warm = asyncio.run(warm_up(url))
            warm_s = time.perf_counter() - t0
            load_before = os.getloadavg()
            figures = asyncio.run(drive(url, args.seconds, args.browsers, args.uploaders, places, folder))
            load_after = os.getloadavg()
        finally:
            stop()
        names = store.layer_names()
        result = {
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
            "load_average_before_after": [round(load_before[0], 1), round(load_after[0], 1)],
            "seconds": args.seconds, "browsing_users": args.browsers, "uploaders": args.uploaders,
            "warm_up_first_map_s": round(warm_s, 1), "warm_up_ok": warm,
            "errors": len(figures.errors), "error_examples": figures.errors[:5],
            "uploads": len(figures.told), "lost_layers": lost_layers(store, figures.told),
            "layers_in_store": len(names), "names_unique": len({n.lower() for n in names}) == len(names),
            "clicks": len(figures.clicks), "clicks_redone": figures.redone, "click_to_panel_p50_s": pct(figures.clicks, 0.5),
            "click_to_panel_p95_s": pct(figures.clicks, 0.95),
            "sessions": len(figures.renders), "login_to_map_p50_s": pct(figures.renders, 0.5),
            "login_to_map_p95_s": pct(figures.renders, 0.95),
            "upload_to_report_p50_s": pct(figures.uploads, 0.5), "upload_to_report_p95_s": pct(figures.uploads, 0.95),
        }
        store.engine.dispose()
    finally:
        cluster.stop()
    print(json.dumps(result, ensure_ascii=False))


async def warm_up(url: str) -> bool:
    """One user logs in and waits for the map, so the run measures a warm app as an office meets it after 8:00."""
    figures = Figures()
    async with StreamlitSession(url, "负载管理员", figures) as session:
        if not await session.login("负载管理员"):
            return False
        return await session.wait(lambda: session.map_component() is not None and session.finished.is_set(), 600)


if __name__ == "__main__":
    main()
