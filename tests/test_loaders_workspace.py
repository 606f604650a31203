"""The planner's workspace keeps added layers across restarts, renames and removes them, and survives a killed save."""

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

from loaders.errors import LoadError
from loaders.workspace import Workspace, read_user_layers, workspace_dir

REPO = Path(__file__).resolve().parent.parent


def towns() -> gpd.GeoDataFrame:
    """A small layer with Chinese names."""
    return gpd.GeoDataFrame({"名称": ["柘皋镇", "中垾镇"]}, geometry=[Point(117.78, 31.78), Point(117.64, 31.61)], crs="EPSG:4490")


def test_added_layer_survives_a_restart_and_can_be_renamed_and_removed(tmp_path):
    ws = Workspace(tmp_path / "ws.gpkg")
    assert ws.add("我的点位", towns()) == "我的点位"
    assert ws.add("我的点位", towns().to_crs("EPSG:4548")) == "我的点位（2）"
    again = Workspace(tmp_path / "ws.gpkg")  # a new process would see the same file
    assert again.layers() == ["我的点位", "我的点位（2）"]
    back = again.read("我的点位（2）")
    assert back.crs == "EPSG:4490" and back["名称"].tolist() == ["柘皋镇", "中垾镇"]
    assert back.geometry.iloc[0].distance(Point(117.78, 31.78)) < 1e-7
    assert again.rename("我的点位（2）", "企业分布") == "企业分布"
    with pytest.raises(LoadError, match="已有"):
        again.rename("企业分布", "我的点位")
    again.remove("我的点位")
    assert Workspace(tmp_path / "ws.gpkg").layers() == ["企业分布"]
    again.remove("企业分布")
    assert again.layers() == []


def test_workspace_location_is_configurable(tmp_path, monkeypatch):
    monkeypatch.setenv("CHAOHU_WORKSPACE", str(tmp_path / "w"))
    assert workspace_dir() == tmp_path / "w"
    Workspace().add("园区", towns())
    assert (tmp_path / "w" / "workspace.gpkg").exists()
    assert [name for name, _ in read_user_layers().layers] == ["园区"]


def test_read_user_layers_includes_loose_files_and_skips_broken_ones(tmp_path):
    Workspace(tmp_path / "workspace.gpkg").add("工作空间层", towns())
    (tmp_path / "layers").mkdir()
    towns().to_file(tmp_path / "layers" / "放入的.geojson", driver="GeoJSON")
    (tmp_path / "layers" / "坏的.shp").write_bytes(b"garbage" * 30)
    found = read_user_layers(tmp_path)
    layers = dict(found.layers)
    assert list(layers) == ["工作空间层", "放入的"]
    assert any("坏的.shp" in p for p in found.problems)  # said, not swallowed
    assert layers["放入的"]["名称"].tolist() == ["柘皋镇", "中垾镇"]


WRITER = textwrap.dedent("""
    import sys, geopandas as gpd
    sys.path.insert(0, {repo!r})
    from loaders.workspace import Workspace
    n = 200_000
    big = gpd.GeoDataFrame({{"名称": ["点"] * n}}, geometry=gpd.points_from_xy([117.8] * n, [31.6] * n), crs="EPSG:4490")
    ws = Workspace({path!r})
    i = 0
    while True:
        print(f"saving {{i}}", flush=True)
        ws.add(f"大图层{{i}}", big)
        print(f"saved {{i}}", flush=True)
        i += 1
""")


def test_killing_a_save_leaves_the_previous_workspace_readable(tmp_path):
    path = tmp_path / "ws.gpkg"
    Workspace(path).add("原有图层", towns())
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
    ws = Workspace(path)
    names = ws.layers()
    assert names == ["原有图层", "大图层0"]
    assert ws.read("原有图层")["名称"].tolist() == ["柘皋镇", "中垾镇"]
    assert len(ws.read("大图层0")) == 200_000
    assert ws.store.cleanup()["orphan_tables"] in (0, 1)  # the killed save's table, if GDAL had committed it
    assert ws.add("大图层1", towns()) == "大图层1"
