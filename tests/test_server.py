"""Several app processes behind HAProxy on one PostGIS (`python -m server`): a login made through HAProxy is the
same login on every replica, `status` lists them, `down` leaves nothing running; in Chromium a planner whose replica
is killed stays logged in on another one with the view of the URL, and the supervisor brings the replica back."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

import browser as bh
from server import config, processes
from store.accounts import COOKIE
from store.postgis import PostgisStore

PASSWORD = "巢湖规划2026!"
REPO = Path(__file__).resolve().parent.parent


def server(*args, timeout: float = 400) -> subprocess.CompletedProcess:
    """`python -m server ARGS` as an operator runs it."""
    return subprocess.run([sys.executable, "-m", "server", *map(str, args)], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout)


def status(ws: Path) -> dict:
    return json.loads(server("status", "--json", "--workspace", ws).stdout)


def request(url: str, data: dict | None = None, cookie: str | None = None) -> tuple[int, dict, object]:
    """(status, JSON body, headers) of a GET, or of a POST of `data` as JSON."""
    body = None if data is None else json.dumps(data).encode()
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"} if body else {})
    if cookie:
        req.add_header("Cookie", cookie)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read()), r.headers
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}"), exc.headers


def wait_for(predicate, seconds: float, what: str):
    """Poll `predicate` until it returns something true; that value (AssertionError naming `what` on the deadline)."""
    deadline = time.monotonic() + seconds
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)
    return value


@pytest.fixture
def office(pg_cluster, tmp_path):
    """A function starting `python -m server up` on a fresh PostGIS database with two accounts: (url, workspace,
    port, database URL); `down` afterwards whatever happened."""
    started: list[Path] = []

    def start(replicas: int = 2) -> tuple[str, Path, int, str]:
        database = pg_cluster.new_database()
        store = PostgisStore(database)
        store.add_account("管理员", PASSWORD, "管理", "测试")
        store.add_account("编辑员", PASSWORD, "编辑", "管理员")
        store.engine.dispose()
        ws, port = tmp_path / f"ws{len(started)}", config.free_port()
        started.append(ws)
        done = server("up", "--replicas", replicas, "--port", port, "--address", "127.0.0.1", "--database", database,
                      "--workspace", ws)
        assert done.returncode == 0, done.stderr + (ws / "run" / "supervisor.log").read_text(errors="replace")[-3000:]
        url = f"http://127.0.0.1:{port}"
        assert f"请打开 {url}" in done.stdout and f"已启动 {replicas} 个应用进程" in done.stdout
        assert "已将 127.0.0.1（HAProxy）加入单位设置 trusted_proxies" in done.stdout
        return url, ws, port, database

    yield start
    for ws in started:
        server("down", "--workspace", ws)


@pytest.mark.slow(seconds=45)
def test_a_login_through_haproxy_is_the_same_login_on_every_replica_and_down_stops_everything(office):
    url, ws, port, database = office(2)
    store = PostgisStore(database)
    assert store.trusted_proxies() == ["127.0.0.1"]  # each browser behind HAProxy is its own client
    store.engine.dispose()
    code, me, headers = request(f"{url}/api/login", {"name": "编辑员", "password": PASSWORD})
    assert code == 200 and me["name"] == "编辑员"
    token = headers["Set-Cookie"].split(";")[0]
    assert token.startswith(f"{COOKIE}=")

    info = status(ws)
    assert info["running"] and info["url"] == url and info["haproxy"]["healthy"]
    replicas = info["replicas"]
    assert len(replicas) == 2 and all(r["pid"] and r["alive"] and r["restarts"] == 0 for r in replicas)
    assert len({r["port"] for r in replicas} | {port}) == 3
    for replica in replicas:  # each process on its own: the session is the store's, not the process's
        code, me, _ = request(f"http://127.0.0.1:{replica['port']}/api/session", cookie=token)
        assert code == 200 and (me["name"], me["role_name"], me["open"]) == ("编辑员", "编辑", False), replica
        code, refused, _ = request(f"http://127.0.0.1:{replica['port']}/api/session")
        assert code == 401 and refused["message"] == "请重新登录。"
        code, place, _ = request(f"http://127.0.0.1:{replica['port']}/api/places/ft_zhonghan", cookie=token)
        assert code == 200 and place["name"] == "中垾体育小镇" and place["measures"], replica  # any process serves places
        assert request(f"http://127.0.0.1:{replica['port']}/api/places/ft_zhonghan")[0] == 401

    again = server("up", "--replicas", 2, "--port", config.free_port(), "--database", "postgresql+psycopg://x@127.0.0.1:1/x",
                   "--workspace", ws)
    assert again.returncode == 2 and "已有服务在运行" in again.stderr

    pids = [r["pid"] for r in replicas] + [info["haproxy"]["pid"], info["supervisor"]["pid"]]
    stopped = server("down", "--workspace", ws)
    assert stopped.returncode == 0 and "已停止" in stopped.stdout
    assert not [pid for pid in pids if processes.alive(pid)]
    assert not [p for p in [port, *(r["port"] for r in replicas)] if config.port_open(p)]
    assert status(ws)["running"] is False
    assert server("down", "--workspace", ws).stdout.strip() == "没有在运行的服务。"


@pytest.mark.slow(seconds=40)
def test_down_stops_what_a_killed_supervisor_left_running(tmp_path):
    """One replica on the workspace GeoPackage; the supervisor dies (kill -9): `status` says so, `down` still ends
    HAProxy and the replica by the pids in the run state and closes their ports."""
    ws, port = tmp_path / "ws", config.free_port()
    try:
        started = server("up", "--replicas", 1, "--port", port, "--address", "127.0.0.1", "--database", "", "--workspace", ws)
        assert started.returncode == 0, started.stderr
        info = status(ws)
        os.kill(info["supervisor"]["pid"], signal.SIGKILL)
        wait_for(lambda: not status(ws)["running"], 30, "status to see the supervisor gone")
        left = status(ws)
        assert left["replicas"][0]["alive"] and left["haproxy"]["alive"]  # orphans, still serving
        assert server("status", "--workspace", ws).returncode == 3
        stopped = server("down", "--workspace", ws)
        assert stopped.returncode == 0, stopped.stderr
        assert not processes.alive(info["replicas"][0]["pid"]) and not processes.alive(info["haproxy"]["pid"])
        assert not config.port_open(port) and not config.port_open(info["replicas"][0]["port"])
    finally:
        server("down", "--workspace", ws)


def test_up_refuses_a_busy_port_a_missing_haproxy_and_replicas_without_postgis(tmp_path, monkeypatch, cli):
    from server.__main__ import main

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        refused = cli(main, "up", "--port", taken, "--address", "127.0.0.1", "--replicas", 1, "--database", "",
                      "--workspace", tmp_path)
    assert refused.returncode == 2 and refused.stderr.strip() == f"错误：端口 {taken} 已被占用：请换一个端口（--port）。"
    no_db = cli(main, "up", "--port", config.free_port(), "--replicas", 2, "--workspace", tmp_path)
    assert no_db.returncode == 2 and "须共用一个 PostGIS 数据库" in no_db.stderr
    monkeypatch.setattr(config, "HAPROXY", tmp_path / "no-haproxy")
    monkeypatch.setenv("PATH", str(tmp_path))
    missing = cli(main, "up", "--port", config.free_port(), "--replicas", 1, "--workspace", tmp_path)
    assert missing.returncode == 2 and "未找到 HAProxy" in missing.stderr and "apt-get install haproxy" in missing.stderr
    assert not (tmp_path / "run" / "server.json").exists()  # nothing was started
    assert cli(main, "status", "--workspace", tmp_path).returncode == 3


def _signed_in(page, name: str = "编辑员", timeout: float = 180_000):
    page.get_by_text(f"当前用户：{name}").wait_for(timeout=timeout)


def _served_by(page) -> str:
    return next(c["value"] for c in page.context.cookies() if c["name"] == config.STICKY_COOKIE)


#: Notes in the page when Streamlit's connection drops (the page itself stays: a reconnect is not a reload) …
WATCH_CONNECTION_JS = """() => { const app = document.querySelector('[data-testid="stApp"]'); window.__chaohuDropped = false;
  new MutationObserver(() => { if (app.dataset.testConnectionState !== 'CONNECTED') window.__chaohuDropped = true; })
    .observe(app, {attributes: true, attributeFilter: ['data-test-connection-state']}); }"""
#: … and whether it has dropped and is connected again.
RECONNECTED_JS = """() => window.__chaohuDropped === true
  && document.querySelector('[data-testid="stApp"]').dataset.testConnectionState === 'CONNECTED'"""
#: A planner's own parcel, uploaded just before the replica that took the upload is killed.
PARCEL = "切换前上传的地块"
PARCEL_GEOJSON = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"名称": PARCEL},
                  "geometry": {"type": "Polygon", "coordinates": [[[117.70, 31.70], [117.74, 31.70], [117.74, 31.73],
                                                                   [117.70, 31.73], [117.70, 31.70]]]}}]}


@pytest.mark.slow(seconds=100)
def test_a_planner_whose_replica_dies_stays_logged_in_with_the_view_and_the_upload_and_the_replica_comes_back(
        office, page, tmp_path):
    url, ws, _port, _database = office(2)
    page.goto(url)
    page.get_by_label("账号", exact=True).fill("编辑员", timeout=180_000)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    _signed_in(page)

    page.goto(url + "/?mode=map&town=黄麓镇")
    bh.wait_for_app(page, timeout=180_000)
    page.wait_for_selector('[data-town="黄麓镇"]', timeout=60_000)
    upload = tmp_path / "地块.geojson"
    upload.write_text(json.dumps(PARCEL_GEOJSON, ensure_ascii=False), encoding="utf-8")
    bh.open_group(page, "我的数据")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(upload))
    page.get_by_role("button", name="添加到地图").click()
    page.wait_for_selector('.upload-report[data-kind="success"]', timeout=180_000)
    bh.wait_user_features(page, [PARCEL])

    served = _served_by(page)
    victim = next(r for r in status(ws)["replicas"] if r["name"] == served)
    page.evaluate(WATCH_CONNECTION_JS)
    os.kill(victim["pid"], signal.SIGKILL)

    # the open page loses its connection and reconnects by itself — HAProxy sends it to the other replica, or to the
    # restarted one if that answers first: a new process either way — with no new login, the same view, the upload
    # (it is in PostGIS), and a click opens the panel
    page.wait_for_function(RECONNECTED_JS, timeout=120_000, polling=100)
    bh._wait_idle(page, timeout=120_000)
    _signed_in(page, timeout=60_000)
    assert page.get_by_label("账号", exact=True).count() == 0
    page.wait_for_selector('[data-town="黄麓镇"]', timeout=60_000)
    bh.wait_user_features(page, [PARCEL])
    bh.click_feature(page, "黄麓建筑科创小镇")
    place = page.wait_for_selector('[data-place]', timeout=60_000).get_attribute("data-place")
    assert "黄麓建筑科创小镇" in page.locator('[data-testid="stHorizontalBlock"]').first.inner_text()
    page.wait_for_url(lambda u: f"sel={place}" in u and "town=" in u, timeout=60_000)  # the URL follows a moment later

    page.reload()  # a fresh session on a live replica: the view (town, selected place) comes back from the URL
    bh.wait_for_app(page, timeout=180_000)
    _signed_in(page, timeout=60_000)
    page.wait_for_selector(f'[data-place="{place}"]', timeout=60_000)
    bh.wait_user_features(page, [PARCEL])

    back = wait_for(lambda: next((r for r in status(ws)["replicas"] if r["name"] == served and r["alive"] and r["healthy"]
                                  and r["pid"] != victim["pid"]), None), 240, f"replica {served} restarted")
    assert back["restarts"] == 1 and back["port"] == victim["port"]
    log = (ws / "run" / "supervisor.log").read_text(encoding="utf-8")
    assert f"应用进程 {served}（进程 {victim['pid']}）已退出（退出码 -9）" in log and "第 1 次重启" in log
