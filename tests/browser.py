"""Browser-test helpers: start Streamlit, drive headless Chromium, reach into the st_folium map iframe."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = "/usr/bin/chromium"
# The machine has no network: keep Chromium from phoning home (it would spam refused connections).
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
FOLIUM_FRAME_TITLE = "streamlit_folium.st_folium"


def free_port() -> int:
    """An unused TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    """True once Streamlit's health endpoint answers ok; False while the server is not listening yet.

    Only "not listening yet" (connection refused or reset, a timeout while it starts) counts as not healthy; any
    other error (a wrong answer, a bad URL) is raised.
    """
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
            return r.status == 200
    except urllib.error.HTTPError:
        return False  # listening, not ready (503 while the app starts)
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, (ConnectionError, TimeoutError, socket.timeout)):
            return False
        raise
    except (ConnectionError, TimeoutError):
        return False


def start_streamlit(script: Path, cwd: Path, log_path: Path | None = None, timeout: float = 90.0,
                    env_extra: dict | None = None):
    """Run ``streamlit run script`` on a free port from cwd (env plus env_extra); return (url, stop) once healthy."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, **(env_extra or {}))
    env.pop("TIANDITU_TOKEN", None)
    log_path = Path(log_path or ARTIFACTS / "streamlit.log")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "ab")
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(script),
        "--server.port", str(port), "--server.address", "127.0.0.1",
        "--server.headless", "true",  # telemetry etc. come from the app's own .streamlit/config.toml
    ]
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def stop():
        """Kill the Streamlit process group and close its log."""
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()

    deadline = time.monotonic() + timeout
    while not _healthy(url):
        if proc.poll() is not None or time.monotonic() > deadline:
            stop()
            raise RuntimeError(f"streamlit did not start (see {log_path}):\n{log_path.read_text()[-3000:]}")
        try:  # the next look at the health endpoint, sooner if the server process ends
            proc.wait(timeout=0.1)
        except subprocess.TimeoutExpired:
            pass
    stop.pid = proc.pid  # the app's process (group leader): memory figures in benchmarks, tests that kill it
    stop.proc = proc  # …and wait for it to end
    return url, stop


def launch_browser(playwright):
    """Headless system Chromium with the offline-friendly flags."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


class RequestRecorder(list):
    """Every request URL made by a browser context (all pages and frames), in order."""

    def attach(self, context):
        """Start recording the context's requests."""
        context.on("request", lambda request: self.append(request.url))
        return self


def new_page(browser):
    """A fresh 1600x1000 zh-CN page whose requests are recorded in ``page.requests``."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    recorder = RequestRecorder().attach(context)
    page = context.new_page()
    page.requests = recorder
    return page


def external_requests(recorder, allow=()) -> list[str]:
    """Requests whose host is neither this machine nor in ``allow`` (data:/blob: are not requests out)."""
    out = []
    for url in recorder:
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https", "ws", "wss"):
            continue
        if parsed.hostname in LOCAL_HOSTS or parsed.hostname in allow:
            continue
        out.append(url)
    return out


def map_frame(page, timeout: float = 60_000):
    """The st_folium component frame (waits for its iframe to appear).

    A rerun that draws a new map (a layer switch, a filter) replaces the iframe: one found just as it is taken away
    has no frame any more, and the new one is looked up until `timeout`.
    """
    selector = f'iframe[title*="{FOLIUM_FRAME_TITLE}"]'
    deadline = time.monotonic() + timeout / 1000
    while True:
        left = max((deadline - time.monotonic()) * 1000, 1)
        # fail fast with the app's own error instead of timing out when the script raised
        page.wait_for_selector(f'{selector}, [data-testid="stException"]', state="attached", timeout=left)
        error = page.query_selector('[data-testid="stException"]')
        if error is not None:
            raise AssertionError(f"Streamlit app raised:\n{error.inner_text()[:2000]}")
        handle = page.wait_for_selector(selector, state="attached", timeout=left)
        frame = handle.content_frame()
        if frame is not None:
            return frame
        if time.monotonic() >= deadline:
            raise RuntimeError("st_folium iframe has no frame")
        page.wait_for_function("(el) => !el.isConnected || !!el.contentWindow", arg=handle, timeout=left, polling=50)


def wait_for_app(page, timeout: float = 60_000):
    """Wait until Streamlit has finished running and the Leaflet map in the st_folium frame has layers.

    A new map (other layers or filter) replaces the frame; a frame that went away meanwhile is looked up again.
    """
    from playwright.sync_api import Error as PlaywrightError

    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    deadline = time.monotonic() + timeout / 1000
    while True:
        frame = map_frame(page, timeout)
        try:
            frame.wait_for_function("window.map && Object.keys(window.map._layers).length > 0", timeout=5_000)
            break
        except PlaywrightError:  # still drawing (a timeout), or the frame was replaced under us (detached)
            if time.monotonic() > deadline:
                raise
    _wait_idle(page, timeout)
    return map_frame(page, timeout)


#: True once the app's script has not been running for `quiet` ms in a row (Streamlit's own run state on stApp:
#: "running", "rerunRequested", … while a run is going or asked for, "notRunning" after it): a run that a
#: component's first report starts just after another one ended is waited for too.
_IDLE_JS = """
(quiet) => {
  const app = document.querySelector('[data-testid="stApp"]');
  const now = performance.now();
  if (!app || app.dataset.testScriptState !== 'notRunning' || app.dataset.testConnectionState !== 'CONNECTED') {
    window.__chaohuIdleSince = undefined;
    return false;
  }
  if (window.__chaohuIdleSince === undefined) window.__chaohuIdleSince = now;
  return now - window.__chaohuIdleSince >= quiet;
}
"""


def _wait_idle(page, timeout: float = 60_000, quiet: float = 300):
    """Wait until the app's script run is over and no other run started for `quiet` ms (see `_IDLE_JS`)."""
    page.evaluate("() => { window.__chaohuIdleSince = undefined; }")
    page.wait_for_function(_IDLE_JS, arg=quiet, timeout=timeout, polling=50)


#: The fill colour of the plan place with this id on the map (null when it is not drawn): a JS function of the id.
PLACE_FILL_JS = """(id) => { let found = null;
  const visit = (l) => { if (found) return;
    if (l.feature && l.feature.properties && l.feature.properties.id === id) { found = l.options.fillColor; return; }
    if (l.eachLayer) l.eachLayer(visit); };
  window.map.eachLayer(visit); return found; }"""


def login(page, url: str, name: str, password: str, wait_map: bool = True, query: str = "", signed_in: bool = True):
    """Open the app and log in through its login page, as a planner would (the login form posts to /api/login);
    waits until the page names the account (unless `signed_in` is False: a wrong password) and the map is drawn."""
    page.goto(url + query)
    page.get_by_label("账号", exact=True).wait_for(timeout=120_000)
    page.get_by_label("账号", exact=True).fill(name)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录").click()
    if signed_in:
        page.get_by_text(f"当前用户：{name}").wait_for(timeout=180_000)
    if wait_map:
        wait_for_app(page, timeout=180_000)


def open_group(page, title: str = "我的数据"):
    """Unfold a sidebar group of the map page (图层, 筛选, 底图, 我的数据) unless it is open already."""
    details = page.locator('[data-testid="stSidebar"] details', has=page.locator("summary", has_text=title)).first
    details.wait_for(timeout=60_000)
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    page.wait_for_function("(el) => el.open", arg=details.element_handle(), timeout=10_000)


def open_expander(page, expander, timeout: float = 30_000):
    """Open an st.expander with one click on its title and wait until its content shows."""
    details = expander.locator("details")
    if details.get_attribute("open", timeout=timeout) is None:
        expander.locator("summary").click(timeout=timeout)
    page.wait_for_function("(el) => el.open", arg=details.element_handle(timeout=timeout), timeout=timeout)
    expander.locator('[data-testid="stExpanderDetails"]').wait_for(state="visible", timeout=timeout)


def wait_map_until(page, js: str, arg=None, timeout: float = 60_000, what: str = "the map"):
    """Wait until the JS predicate `js(arg)` holds in the map frame; returns its value.

    A rerun may replace the frame meanwhile: the predicate is then waited for in the new one. Only Playwright's own
    errors (a timeout, a frame detached under us) are retried; on the deadline the last one is reported.
    """
    from playwright.sync_api import Error as PlaywrightError

    deadline = time.monotonic() + timeout / 1000
    while True:
        left = (deadline - time.monotonic()) * 1000
        try:
            frame = map_frame(page, max(left, 1))
            return frame.wait_for_function(js, arg=arg, timeout=max(min(left, 10_000), 1)).json_value()
        except PlaywrightError as exc:
            if time.monotonic() >= deadline:
                raise AssertionError(f"timed out waiting for {what}: {exc.message.splitlines()[0]}") from exc


#: True once the names of the planner-layer features on the map include all of `want` (present) or none (absent).
_USER_FEATURES_JS = """([want, present]) => { if (!window.map) return false; const names = new Set();
  const visit = (l) => { if (l.feature && String(l.feature.properties.layer).startsWith('user_')) names.add(l.feature.properties.name);
                         if (l.eachLayer) l.eachLayer(visit); };
  window.map.eachLayer(visit); return want.every(n => names.has(n) === present); }"""


def wait_user_features(page, names, present: bool = True, timeout: float = 120_000):
    """Wait until every one of `names` is drawn as a feature of a planner's layer (or, present=False, none is)."""
    wait_map_until(page, _USER_FEATURES_JS, [list(names), present], timeout=timeout,
                   what=f"{list(names)} {'on' if present else 'gone from'} the map")


#: True while Leaflet is not moving the map: no zoom animation, no pan (or the glide after a drag), no drag going on.
_MAP_STILL_JS = """() => { const m = window.map; if (!m) return false;
  const drag = m.dragging && m.dragging._draggable;
  return !m._animatingZoom && !(m._panAnim && m._panAnim._inProgress) && !(drag && drag._moving) && !m._flyToFrame; }"""


def wait_map_settled(page, timeout: float = 60_000):
    """Wait until the map stands still and the frames after it stopped are drawn (labels are laid out on the
    animation frame after a move ends, layers/map_client.js)."""
    wait_map_until(page, _MAP_STILL_JS, timeout=timeout, what="the map to stand still")
    map_frame(page).evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))")


def map_eval(page, js: str, arg=None):
    """Evaluate JS in the map frame (``window.map`` is the Leaflet map)."""
    return map_frame(page).evaluate(js, arg)


#: A page point where the map feature named `name` can be clicked, or {error} (a JS function of the name).
_FEATURE_POINT_JS = (Path(__file__).parent / "js" / "feature_point.js").read_text(encoding="utf-8")


def click_feature(page, name: str, timeout: float = 30_000):
    """Mouse-click the map feature whose ``properties.name`` is name, as a user would (reaches st_folium's handler).

    Waits (up to `timeout` ms) until the feature is on screen: a zoom animation may still be moving it there.
    When other features lie under the pointer too, the map lists them; the named one is then chosen from the list.
    """
    from playwright.sync_api import Error as PlaywrightError

    try:
        wait_map_until(page, f"(name) => {{ const p = ({_FEATURE_POINT_JS})(name); return !!p && !p.error; }}", name,
                       timeout=timeout, what=f"the map feature {name!r} on screen")
    except AssertionError:
        pass  # said precisely below
    handle = page.wait_for_selector(f'iframe[title*="{FOLIUM_FRAME_TITLE}"]', state="attached")
    handle.scroll_into_view_if_needed()
    frame = handle.content_frame()
    try:
        point = frame.evaluate(_FEATURE_POINT_JS, name)
    except PlaywrightError as exc:
        raise LookupError(f"{name!r}: the map frame went away ({exc.message.splitlines()[0]})") from exc
    if point is None:
        raise LookupError(f"no map feature named {name!r}")
    if "error" in point:
        raise LookupError(f"{name!r}: {point['error']}")
    box = handle.bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    choose_listed(frame, name)


def choose_listed(frame, name: str) -> bool:
    """If the map lists several features under the pointer and `name` is not the one shown, choose it; True if listed."""
    buttons = frame.locator(".chaohu-chooser button")
    if buttons.count() == 0:
        return False
    for i in range(buttons.count()):
        button = buttons.nth(i)
        if button.evaluate("(b, name) => b.firstChild && b.firstChild.textContent === name", name):
            if "on" not in (button.get_attribute("class") or ""):
                button.click()
            return True
    return False


_MAP_POINT_JS = """
([lat, lng, zoom, drawn]) => new Promise(resolve => {
  const map = window.map;
  map.setView([lat, lng], zoom, {animate: false});
  const ready = new Function('return (' + drawn + ')();');
  const check = () => ready() ? resolve(map.latLngToContainerPoint([lat, lng])) : setTimeout(check, 100);
  setTimeout(check, 100);
})
"""


def click_map_at(page, lat: float, lng: float, zoom: int, drawn_js: str = "() => true"):
    """Centre the map on lat/lng at zoom, wait until drawn_js (a JS predicate) holds, then mouse-click there."""
    handle = page.wait_for_selector(f'iframe[title*="{FOLIUM_FRAME_TITLE}"]', state="attached")
    handle.scroll_into_view_if_needed()
    point = handle.content_frame().evaluate(_MAP_POINT_JS, [lat, lng, zoom, drawn_js])
    box = handle.bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot to tests/artifacts/NAME.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


#: What a presenter would notice on the current slide: label pairs whose text overlaps (measured on the glyphs'
#: line boxes, so a 0-px-wide label cannot hide), labels shown, whether the text panel runs past the screen,
#: and whether the map is drawn over the whole map area (Leaflet's SVG covers the map, not a smaller rectangle).
TOUR_SLIDE_STATE_JS = """
() => {
  const visible = [...document.querySelectorAll('#map .chaohu-label')].filter(e =>
    e.offsetParent !== null && getComputedStyle(e).visibility !== 'hidden' && getComputedStyle(e).opacity !== '0');
  const boxes = visible.map(e => { const r = document.createRange(); r.selectNodeContents(e);
                                   return [e.textContent, r.getBoundingClientRect()]; });
  const mapBox = document.getElementById('map').getBoundingClientRect();
  const onMap = boxes.filter(([, b]) => b.right > mapBox.left && b.left < mapBox.right &&
                                        b.bottom > mapBox.top && b.top < mapBox.bottom);
  const pairs = [];
  for (let i = 0; i < onMap.length; i++) for (let j = i + 1; j < onMap.length; j++) {
    const a = onMap[i][1], b = onMap[j][1];
    if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) pairs.push([onMap[i][0], onMap[j][0]]);
  }
  const panel = document.getElementById('panel');
  const svgs = [...document.querySelectorAll('#map .leaflet-overlay-pane svg')].map(s => s.getBoundingClientRect());
  const covered = svgs.length > 0 && svgs.every(r => r.left <= mapBox.left + 1 && r.top <= mapBox.top + 1 &&
                                                     r.right >= mapBox.right - 1 && r.bottom >= mapBox.bottom - 1);
  return {pairs, shown: onMap.map(([t]) => t), panelOverflow: panel.scrollHeight - panel.clientHeight,
          panelBottom: panel.getBoundingClientRect().bottom, height: window.innerHeight, covered,
          mapRight: mapBox.right, panelLeft: panel.getBoundingClientRect().left};
}
"""
