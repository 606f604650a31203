"""Faults in the real app while a planner uploads a large file: the app process killed with SIGKILL in the middle of
writing the layer (both engines), and PostGIS stopped as by a crash (`pg_ctl stop -m immediate`) in the middle of it.
Afterwards every earlier layer is there with its own data, nothing is half-written, the page said in Chinese what
happened (no traceback) and the same upload goes through once the database is back."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import time

import geopandas as gpd
import numpy as np
import psycopg
import pytest
from shapely.geometry import Point

import browser as bh
from store.gpkg import GpkgStore
from store.postgis import PostgisStore

pytestmark = [pytest.mark.browser, pytest.mark.slow]
#: Points in the large upload: enough that writing it into the store takes seconds on this machine.
BIG = 200_000
EARLIER = {"早先图层甲": 3, "早先图层乙": 5, "早先图层丙": 7}


def big_geojson(path, n: int = BIG):
    """A GeoJSON of n points in 巢湖市 (not a table: no coordinate-source question), ~30 MB."""
    rng = np.random.default_rng(13)
    lon, lat = 117.6 + rng.random(n) * 0.4, 31.5 + rng.random(n) * 0.3
    features = [{"type": "Feature", "properties": {"名称": f"点{i}"}, "geometry": {"type": "Point", "coordinates": [a, b]}}
                for i, (a, b) in enumerate(zip(lon.round(6).tolist(), lat.round(6).tolist()))]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), encoding="utf-8")
    return path


def tagged(tag: str, n: int) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"tag": [tag] * n}, geometry=[Point(117.80 + 0.002 * i, 31.62) for i in range(n)], crs="EPSG:4490")


def seed(store) -> None:
    """The layers planners added before the crash, each holding its own tag."""
    for name, n in EARLIER.items():
        store.add_layer(name, tagged(name, n), "早先的用户")


def assert_earlier_layers_intact(store, allow_big: bool = False) -> list[str]:
    """Every earlier layer is there with its own data; the big upload is either absent or complete; the names."""
    names = store.layer_names()
    assert names[:3] == list(EARLIER), names
    for name, n in EARLIER.items():
        data = store.read_layer(name)
        assert len(data) == n and set(data["tag"]) == {name}
    rest = [info for info in store.layers() if info.name not in EARLIER]
    for info in rest:
        assert allow_big and info.features == BIG and len(store.read_layer(info)) == BIG, f"half-written: {info}"
    return names


def start(workspace, **env):
    return bh.start_streamlit(bh.REPO / "streamlit_app.py", cwd=bh.REPO, timeout=180, log_path=bh.ARTIFACTS / "streamlit-faults.log",
                              env_extra={"CHAOHU_WORKSPACE": str(workspace), **env})


def start_upload(page, url: str, path) -> None:
    page.goto(url)
    bh.wait_for_app(page, timeout=180_000)
    bh.open_group(page, "我的数据")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
    page.get_by_role("button", name="添加到地图").click()


def dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def copying(url: str) -> bool:
    """Whether some connection is writing layer data (COPY) into the database right now."""
    with psycopg.connect(dsn(url), autocommit=True) as conn:
        return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query ILIKE 'COPY%'").fetchone()[0] > 0


def wal_growing(gpkg, start_size: int) -> bool:
    """Whether the GeoPackage's write-ahead log has grown by more than 1 MB: a layer is being written."""
    wal = gpkg.with_name(gpkg.name + "-wal")
    return wal.exists() and wal.stat().st_size > start_size + 1_000_000


def wait_for(check, seconds: float, what: str, poll: float = 0.05):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(poll)
    raise AssertionError(f"timed out waiting until {what}")


@pytest.mark.parametrize("engine", ["gpkg", "postgis"])
def test_the_app_killed_mid_upload_keeps_every_earlier_layer_and_no_half_layer(engine, page, tmp_path, pg_cluster):
    ws = tmp_path / "ws"
    ws.mkdir()
    gpkg = ws / "workspace.gpkg"
    env = {}
    if engine == "gpkg":
        store = GpkgStore(gpkg)
    else:
        env["CHAOHU_DATABASE_URL"] = pg_cluster.new_database()
        store = PostgisStore(env["CHAOHU_DATABASE_URL"])
    seed(store)
    store.engine.dispose()
    big = big_geojson(tmp_path / "大批点位.geojson")
    url, stop = start(ws, **env)
    try:
        wal = gpkg.with_name(gpkg.name + "-wal")
        before = wal.stat().st_size if wal.exists() else 0
        start_upload(page, url, big)
        writing = (lambda: wal_growing(gpkg, before)) if engine == "gpkg" else (lambda: copying(env["CHAOHU_DATABASE_URL"]))
        wait_for(writing, 600, "the app writes the layer")
        os.killpg(stop.pid, signal.SIGKILL)  # as a crash, a power cut or the OOM killer would
        stop.proc.wait(timeout=30)
    finally:
        stop()
    if engine == "gpkg":
        with sqlite3.connect(gpkg) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        store = GpkgStore(gpkg)
    else:
        store = PostgisStore(env["CHAOHU_DATABASE_URL"])
    try:
        assert_earlier_layers_intact(store, allow_big=True)
        assert [c.target for c in store.changes(action="layer.add", limit=100)][::-1][:3] == list(EARLIER)
    finally:
        store.engine.dispose()

    url, stop = start(ws, **env)  # the app restarted on the same store
    try:
        page.goto(url)
        bh.wait_for_app(page, timeout=300_000)
        bh.open_group(page, "我的数据")
        boxes = page.locator('input[aria-label="图层名称"]')
        assert [boxes.nth(i).input_value() for i in range(boxes.count())][:3] == list(EARLIER)  # the 我的数据 list
        assert "无法读取" not in page.inner_text('[data-testid="stSidebar"]')
    finally:
        stop()


def test_postgis_stopped_mid_upload_is_said_in_chinese_and_the_upload_goes_through_after(page, tmp_path):
    from pgcluster import PgCluster

    cluster = PgCluster()  # its own server: stopping it must not disturb other tests
    try:
        database = cluster.url
        store = PostgisStore(database)
        seed(store)
        store.engine.dispose()
        big = big_geojson(tmp_path / "大批点位.geojson")
        url, stop = start(tmp_path, CHAOHU_DATABASE_URL=database)
        try:
            start_upload(page, url, big)
            wait_for(lambda: copying(database), 600, "the app writes the layer")
            cluster.stop_immediate()
            report = page.locator('.upload-report[data-kind="error"]')
            report.wait_for(timeout=180_000)
            text = report.inner_text()
            assert "「大批点位」未添加：数据库不可用" in text and "本次操作没有写入任何内容" in text
            body = page.inner_text("body")
            assert "Traceback" not in body and "psycopg" not in body and "OperationalError" not in body
            assert page.locator('[data-testid="stException"]').count() == 0
            bh.screenshot(page, "faults-postgis-stopped")

            cluster.start()
            store = PostgisStore(database)
            try:
                assert_earlier_layers_intact(store)  # nothing of the interrupted upload
            finally:
                store.engine.dispose()
            # the same file is still in the form: the planner clicks again
            page.get_by_role("button", name="添加到地图").click()
            page.wait_for_selector('.upload-report[data-kind="success"]', timeout=600_000)
            assert f"已添加「大批点位」{BIG} 个要素" in page.locator(".upload-report").inner_text()
        finally:
            stop()
        store = PostgisStore(database)
        try:
            names = assert_earlier_layers_intact(store, allow_big=True)
            assert names == [*EARLIER, "大批点位"]  # once, complete
            assert store.layer("大批点位").added_by == "本机用户"
        finally:
            store.engine.dispose()
    finally:
        cluster.stop()
