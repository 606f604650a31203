"""The planner's workspace store keeps added layers across restarts, renames and removes them, is where the
settings point, is the one the map's layers are read from, and survives a killed save."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point

from core import settings
from layers.userlayers import user_layers
from loaders.errors import LoadError
from store import LOCAL_USER, forget_stores, open_store
from store.gpkg import GpkgStore

REPO = Path(__file__).resolve().parent.parent


def towns() -> gpd.GeoDataFrame:
    """A small layer with Chinese names."""
    return gpd.GeoDataFrame({"名称": ["柘皋镇", "中垾镇"]}, geometry=[Point(117.78, 31.78), Point(117.64, 31.61)], crs="EPSG:4490")


@pytest.fixture
def workspace_env(tmp_path, monkeypatch):
    """The settings point at `tmp_path/w` (the GeoPackage engine); cached store objects are dropped before and after."""
    monkeypatch.setenv("CHAOHU_WORKSPACE", str(tmp_path / "w"))
    monkeypatch.delenv("CHAOHU_WORKSPACE_GPKG", raising=False)
    monkeypatch.delenv("CHAOHU_DATABASE_URL", raising=False)
    (tmp_path / "w").mkdir()
    forget_stores()
    yield tmp_path / "w"
    forget_stores()


def test_added_layer_survives_a_restart_and_can_be_renamed_and_removed(tmp_path):
    ws = GpkgStore(tmp_path / "ws.gpkg")
    assert ws.add_layer("我的点位", towns(), LOCAL_USER).name == "我的点位"
    assert ws.add_layer("我的点位", towns().to_crs("EPSG:4548"), LOCAL_USER).name == "我的点位（2）"
    again = GpkgStore(tmp_path / "ws.gpkg")  # a new process would see the same file
    assert again.layer_names() == ["我的点位", "我的点位（2）"]
    back = again.read_layer("我的点位（2）")
    assert back.crs == "EPSG:4490" and back["名称"].tolist() == ["柘皋镇", "中垾镇"]
    assert back.geometry.iloc[0].distance(Point(117.78, 31.78)) < 1e-7
    assert again.rename_layer("我的点位（2）", "企业分布", LOCAL_USER) == "企业分布"
    with pytest.raises(LoadError, match="已有"):
        again.rename_layer("企业分布", "我的点位", LOCAL_USER)
    again.remove_layer("我的点位", LOCAL_USER)
    assert GpkgStore(tmp_path / "ws.gpkg").layer_names() == ["企业分布"]
    again.remove_layer("企业分布", LOCAL_USER)
    assert again.layer_names() == []


def test_workspace_location_is_configurable(workspace_env):
    assert settings.current().workspace_gpkg == workspace_env / "workspace.gpkg"
    open_store().add_layer("园区", towns(), LOCAL_USER)
    assert (workspace_env / "workspace.gpkg").exists()
    assert [spec.title for spec, _ in user_layers().layers] == ["我的数据：园区"]


def test_the_maps_layers_come_from_the_store_handed_over_and_loose_files_are_not_read(store, workspace_env):
    open_store().add_layer("别处的图层", towns(), LOCAL_USER)  # the store the settings name: not the one handed over
    (workspace_env / "layers").mkdir()
    towns().to_file(workspace_env / "layers" / "放入的.geojson", driver="GeoJSON")  # no change log, no permission
    store.add_layer("工作空间层", towns(), "张三")
    found = user_layers(store)
    assert [spec.title for spec, _ in found.layers] == ["我的数据：工作空间层"] and found.problems == []
    assert found.layers[0][1]["名称"].tolist() == ["柘皋镇", "中垾镇"]
    assert [spec.title for spec, _ in user_layers().layers] == ["我的数据：别处的图层"]


def test_a_damaged_workspace_is_said_and_the_map_goes_on(workspace_env):
    (workspace_env / "workspace.gpkg").write_bytes(b"garbage" * 300)
    found = user_layers()
    assert found.layers == []
    assert found.problems == ["工作空间无法读取，其中的图层暂不显示：工作空间文件无法读取（workspace.gpkg，可能已损坏），请联系管理员从备份恢复。"]


WRITER = textwrap.dedent("""
    import sys, geopandas as gpd
    sys.path.insert(0, {repo!r})
    from store.gpkg import GpkgStore
    n = 200_000
    big = gpd.GeoDataFrame({{"名称": ["点"] * n}}, geometry=gpd.points_from_xy([117.8] * n, [31.6] * n), crs="EPSG:4490")
    ws = GpkgStore({path!r})
    i = 0
    while True:
        print(f"saving {{i}}", flush=True)
        ws.add_layer(f"大图层{{i}}", big, "本机用户")
        print(f"saved {{i}}", flush=True)
        i += 1
""")


@pytest.mark.slow
def test_killing_a_save_leaves_the_previous_workspace_readable(tmp_path):
    path = tmp_path / "ws.gpkg"
    GpkgStore(path).add_layer("原有图层", towns(), LOCAL_USER)
    proc = subprocess.Popen([sys.executable, "-c", WRITER.format(repo=str(REPO), path=str(path))],
                            stdout=subprocess.PIPE, text=True)
    try:
        while proc.stdout.readline().strip() != "saving 1":  # the second save has begun
            assert proc.poll() is None, "the writer died"
        time.sleep(0.5)  # a save of 200 000 features takes over a second
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.stdout.read().split() == [], "the writer was not killed mid-save"
    ws = GpkgStore(path)
    names = ws.layer_names()
    assert names == ["原有图层", "大图层0"]
    assert ws.read_layer("原有图层")["名称"].tolist() == ["柘皋镇", "中垾镇"]
    assert len(ws.read_layer("大图层0")) == 200_000
    assert ws.cleanup()["orphan_tables"] == 0  # data, registry and log are one transaction: nothing left over
    assert ws.add_layer("大图层1", towns(), LOCAL_USER).name == "大图层1"
