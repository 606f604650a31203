"""No lost update and no half-written layer, on both engines: 8 processes racing adds and renames on the same
names; a writer killed with SIGKILL mid-upload; PostGIS stopped (`pg_ctl stop -m immediate`) mid-upload."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import geopandas as gpd
import psycopg
import pytest
from shapely.geometry import Point

from loaders.errors import LoadError
from store import StoreUnavailable
from store.gpkg import GpkgStore
from store.postgis import PostgisStore

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow
PROCESSES, ROUNDS = 8, 5
BIG = 200_000


def small(tag: str, n: int = 2) -> gpd.GeoDataFrame:
    """n points carrying a tag, so whose data a layer holds can be checked."""
    return gpd.GeoDataFrame({"tag": [tag] * n}, geometry=[Point(117.7 + 0.001 * i, 31.6) for i in range(n)], crs="EPSG:4490")


def big_layer(n: int = BIG) -> gpd.GeoDataFrame:
    """A layer large enough that saving it takes a second or more."""
    return gpd.GeoDataFrame({"名称": ["点"] * n}, geometry=gpd.points_from_xy([117.8] * n, [31.6] * n), crs="EPSG:4490")


@pytest.fixture(params=["gpkg", "postgis"])
def target(request, tmp_path):
    """(engine, where) for worker processes: a GeoPackage path or a fresh PostGIS database URL."""
    if request.param == "gpkg":
        return "gpkg", str(tmp_path / "workspace.gpkg")
    return "postgis", request.getfixturevalue("pg_cluster").new_database()


def open_target(kind: str, where: str):
    return GpkgStore(where) if kind == "gpkg" else PostgisStore(where)


def dsn(url: str) -> str:
    """psycopg's connection string for a SQLAlchemy postgresql+psycopg URL."""
    return url.replace("postgresql+psycopg://", "postgresql://")


def copying(url: str) -> bool:
    """Whether some connection is uploading layer data (COPY) into the database right now."""
    with psycopg.connect(dsn(url), autocommit=True) as conn:
        return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query ILIKE 'COPY%'").fetchone()[0] > 0


RACER = textwrap.dedent("""
    import json, os, sys, time
    sys.path.insert(0, {repo!r})
    import geopandas as gpd
    from shapely.geometry import Point
    from store import StoreError, open_target
    p, rounds, go = {p}, {rounds}, {go!r}
    store = open_target({where!r})
    def small(tag, n):
        return gpd.GeoDataFrame({{"tag": [tag] * n}}, geometry=[Point(117.7 + 0.001 * i, 31.6) for i in range(n)], crs="EPSG:4490")
    print("ready", flush=True)
    while not os.path.exists(go):
        time.sleep(0.005)
    marker, adds, renames = f"标记{{p}}", [], []
    for r in range(rounds):
        tag = f"add-{{p}}-{{r}}"
        adds.append([tag, store.add_layer("同名", small(tag, 1 + (p * rounds + r) % 7), f"用户{{p}}").name])
        # race a rename with the others' adds: onto the name the next add of 同名 would take
        taken = sum(n.startswith("同名") for n in store.layer_names())
        try:
            marker = store.rename_layer(marker, f"同名（{{taken + 1}}）", f"用户{{p}}")
            renames.append("ok")
        except StoreError as exc:
            renames.append(exc.message)
    print(json.dumps({{"adds": adds, "marker": marker, "renames": renames}}, ensure_ascii=False), flush=True)
""")


def test_concurrent_adds_and_renames_lose_nothing(target, tmp_path):
    kind, where = target
    store = open_target(kind, where)
    for p in range(PROCESSES):
        store.add_layer(f"标记{p}", small(f"mark-{p}", 3), "准备")
    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", RACER.format(repo=str(REPO), p=p, rounds=ROUNDS, go=str(go), where=where)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for p in range(PROCESSES)]
    for proc in procs:
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
    go.touch()
    reports = []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
        reports.append(json.loads(out.strip().splitlines()[-1]))

    layers = store.layers()
    names = [info.name for info in layers]
    assert len(names) == PROCESSES * (ROUNDS + 1)
    assert len({n.lower() for n in names}) == len(names), "names are not unique"
    holder = {}
    for info in layers:
        data = store.read_layer(info)
        tags = set(data["tag"])
        assert len(tags) == 1 and len(data) == info.features, f"{info.name} holds {tags}"
        holder[tags.pop()] = (info.name, len(data))
    for p, report in enumerate(reports):
        for r, (tag, told) in enumerate(report["adds"]):
            # the name each uploader was told holds exactly its own data
            assert holder[tag] == (told, 1 + (p * ROUNDS + r) % 7)
        assert holder[f"mark-{p}"] == (report["marker"], 3)
    assert sum(r == "ok" for rep in reports for r in rep["renames"]) > 0
    adds = list(store.changes(action="layer.add", limit=10_000))
    assert len(adds) == PROCESSES * (ROUNDS + 1)
    assert len(store.changes(action="layer.rename", limit=10_000)) == sum(r == "ok" for rep in reports for r in rep["renames"])


WRITER = textwrap.dedent("""
    import sys
    sys.path.insert(0, {repo!r})
    import geopandas as gpd
    from store import open_target
    n = {n}
    big = gpd.GeoDataFrame({{"名称": ["点"] * n}}, geometry=gpd.points_from_xy([117.8] * n, [31.6] * n), crs="EPSG:4490")
    store = open_target({where!r})
    i = 0
    while True:
        print(f"saving {{i}}", flush=True)
        store.add_layer(f"大图层{{i}}", big, "写入进程")
        print(f"saved {{i}}", flush=True)
        i += 1
""")


def test_a_writer_killed_mid_upload_leaves_every_earlier_layer_and_no_half_layer(target):
    kind, where = target
    store = open_target(kind, where)
    store.add_layer("原有图层", small("old"), "张三")
    proc = subprocess.Popen([sys.executable, "-c", WRITER.format(repo=str(REPO), where=where, n=BIG)],
                            stdout=subprocess.PIPE, text=True)
    try:
        while proc.stdout.readline().strip() != "saving 1":  # the first big layer is saved, the second has begun
            assert proc.poll() is None, "the writer died"
        deadline = time.monotonic() + 30
        if kind == "postgis":  # wait until its data are streaming into the database
            while not copying(where):
                assert time.monotonic() < deadline
                time.sleep(0.02)
        else:
            time.sleep(0.6)  # saving 200 000 points takes over a second
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.stdout.read().split() == [], "the writer was not killed mid-upload"
    time.sleep(0.5)  # the server notices the lost client and rolls back
    assert store.layer_names() == ["原有图层", "大图层0"]
    assert store.read_layer("原有图层")["tag"].tolist() == ["old", "old"]
    assert len(store.read_layer("大图层0")) == BIG
    registered = {info.table_name for info in store.layers()}
    if kind == "postgis":
        assert set(store.data_tables()) == registered
    else:
        store.cleanup()
        import pyogrio

        assert {n for n, _ in pyogrio.list_layers(where) if n.startswith("l_")} == registered
    assert store.add_layer("大图层1", small("retry"), "张三").name == "大图层1"  # the retry works


def test_postgis_stopped_mid_upload_says_so_in_chinese_writes_nothing_and_the_retry_works(pg_cluster):
    url = pg_cluster.new_database()
    store = PostgisStore(url)
    store.add_layer("原有图层", small("old"), "张三")
    big = big_layer()
    stopped = threading.Event()

    def stop_during_copy():
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if copying(url):
                pg_cluster.stop_immediate()
                stopped.set()
                return
            time.sleep(0.01)

    watcher = threading.Thread(target=stop_during_copy)
    watcher.start()
    try:
        with pytest.raises(StoreUnavailable) as err:
            store.add_layer("大图层", big, "李四")
    finally:
        watcher.join()
        if stopped.is_set():
            pg_cluster.start()
    assert stopped.is_set(), "the server was not stopped during the upload"
    assert isinstance(err.value, LoadError)
    assert err.value.message.startswith("数据库不可用") and "没有写入任何内容" in err.value.message
    # after the restart: every earlier layer there, nothing half-written, and the same store object retries fine
    assert store.layer_names() == ["原有图层"]
    assert set(store.data_tables()) == {info.table_name for info in store.layers()}
    assert [c.action for c in store.changes()] == ["layer.add"]
    assert store.add_layer("大图层", big, "李四").features == BIG
    assert store.layer_names() == ["原有图层", "大图层"]


def test_the_command_line_reports_a_stopped_database_in_chinese(pg_cluster, tmp_path, cli):
    from loaders.__main__ import main

    url = pg_cluster.new_database()
    PostgisStore(url).add_layer("原有图层", small("old"), "张三")
    pg_cluster.stop_immediate()
    try:
        src = tmp_path / "点位.geojson"
        small("new").to_file(src, driver="GeoJSON")
        run = cli(main, "workspace", "add", src, env={"CHAOHU_DATABASE_URL": url})
    finally:
        pg_cluster.start()
    assert run.returncode == 2
    assert run.stderr.strip().startswith("错误：数据库不可用") and "Traceback" not in run.stderr
    assert PostgisStore(url).layer_names() == ["原有图层"]


def test_readers_in_threads_never_fail_while_processes_write(target, tmp_path):
    """As in the app: many threads of one process list and read layers while other processes upload."""
    kind, where = target
    store = open_target(kind, where)
    store.add_layer("底图", small("base", 50), "准备")
    go = tmp_path / "go"
    writers = [subprocess.Popen([sys.executable, "-c", RACER.format(repo=str(REPO), p=p, rounds=6, go=str(go), where=where)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for p in range(3)]
    for p in range(3):
        store.add_layer(f"标记{p}", small(f"mark-{p}", 3), "准备")
    for proc in writers:
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
    errors, reads, done = [], [0], threading.Event()

    def read_loop():
        while not done.is_set():
            try:
                for info in store.layers()[-3:]:
                    assert len(store.read_layer(info)) == info.features
                reads[0] += 1
            except Exception as exc:  # every failure is collected and reported
                errors.append(repr(exc))

    threads = [threading.Thread(target=read_loop) for _ in range(6)]
    for th in threads:
        th.start()
    go.touch()
    try:
        for proc in writers:
            out, err = proc.communicate(timeout=600)
            assert proc.returncode == 0, err
    finally:
        done.set()
        for th in threads:
            th.join()
    assert errors == [] and reads[0] > 0
    assert len(store.layer_names()) == 1 + 3 + 3 * 6
