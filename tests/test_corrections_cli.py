"""`python -m loaders adopt …`, `… adopt --revert`, `python -m layers show PLACE --json` and the corrections
export/import on the command line, against an empty store of each engine: what the office types, what it reads back."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point, box, shape

from loaders.places import load_places_yaml

pytestmark = pytest.mark.slow


@pytest.fixture
def run(cli):
    """`python -m MODULE ARGS` (loaders or layers) with the given store settings, in this process."""
    from layers.__main__ import main as layers_main
    from loaders.__main__ import main as loaders_main

    mains = {"loaders": loaders_main, "layers": layers_main}
    return lambda module, *args, env: cli(mains[module], *args, env=env)


def _parks(tmp_path: Path) -> gpd.GeoDataFrame:
    """Two park polygons written as a GeoJSON file (the second is the one adopted)."""
    parks = gpd.GeoDataFrame({"名称": ["二期", "一期"]}, geometry=[box(117.80, 31.70, 117.81, 31.71), box(117.82, 31.70, 117.835, 31.712)],
                             crs="EPSG:4490")
    parks.to_file(tmp_path / "锦江园区.geojson", driver="GeoJSON")
    return parks


@pytest.fixture(params=["gpkg", "postgis"])
def cli_env(request, tmp_path):
    """The command line pointed at an empty store of each engine."""
    env = {"CHAOHU_WORKSPACE": str(tmp_path / "ws")}
    if request.param == "postgis":
        env["CHAOHU_DATABASE_URL"] = request.getfixturevalue("pg_cluster").new_database()
    return env


def test_adopt_show_and_revert_on_the_command_line(cli_env, tmp_path, run):
    parks = _parks(tmp_path)
    (tmp_path / "高德点位.csv").write_text("名称,经度,纬度\n五万吨镁项目,117.7890,31.7090\n", encoding="utf-8")

    many = run("loaders", "adopt", str(tmp_path / "锦江园区.geojson"), "--place", "ip_jinjiang", "--source", "管委会图", env=cli_env)
    assert many.returncode == 2 and "中有 2 个要素，请指定采用第几个（1–2）" in many.stderr
    done = run("loaders", "adopt", str(tmp_path / "锦江园区.geojson"), "--place", "ip_jinjiang", "--feature", "2",
               "--source", "锦江产业园管委会 2025 年范围图", "--date", "2025-03", "--by", "张三", env=cli_env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("已校正「锦江产业园」：采用文件「锦江园区.geojson」第 2 个要素；面积 ")

    shown = json.loads(run("layers", "show", "ip_jinjiang", "--json", env=cli_env).stdout)
    assert shape(shown["geometry"]).equals_exact(parks.geometry.iloc[1], 1e-9)
    assert (shown["accuracy"], shown["corrected"], shown["source"], shown["source_date"], shown["corrected_by"]) == (
        "located", True, "锦江产业园管委会 2025 年范围图", "2025-03", "张三")
    assert shown["corrected_at"].endswith("+08:00") and shown["area_km2"] > 0 and shown["history"] == 1

    gaode = run("loaders", "adopt", str(tmp_path / "高德点位.csv"), "--place", "pj_mg50kt", "--coords", "gcj02",
                "--source", "高德地图拾取", "--accuracy", "approximate", env=cli_env)
    assert gaode.returncode == 0, gaode.stderr
    point = shape(json.loads(run("layers", "show", "pj_mg50kt", "--json", env=cli_env).stdout)["geometry"])
    shift = gpd.GeoSeries([point, Point(117.7890, 31.7090)], crs="EPSG:4490").to_crs("EPSG:4548")
    assert 300 < shift.iloc[0].distance(shift.iloc[1]) < 800  # GCJ-02 → WGS84 moved it by the usual few hundred metres

    wrong = run("loaders", "adopt", str(tmp_path / "高德点位.csv"), "--place", "ip_jinjiang", "--source", "x", env=cli_env)
    assert wrong.returncode == 2 and wrong.stderr.strip() == (
        "错误：「锦江产业园」属于「产业园区与基地」（面图层），只能用面校正；收到的是 1 个点，未保存。")
    unknown = run("layers", "show", "ip_atlantis", env=cli_env)
    assert unknown.returncode == 2 and unknown.stderr.startswith("错误：没有编号为「ip_atlantis」的规划地点")

    back = run("loaders", "adopt", "--revert", "ip_jinjiang", "--by", "王五", env=cli_env)
    assert back.returncode == 0 and back.stdout.startswith("已撤销「锦江产业园」的校正，恢复为规划随附位置")
    shown = json.loads(run("layers", "show", "ip_jinjiang", "--json", env=cli_env).stdout)
    places = load_places_yaml()
    assert not shown["corrected"] and shown["accuracy"] == "schematic" and shown["history"] == 2
    shipped = places.loc[places["id"] == "ip_jinjiang"].geometry.iloc[0]
    assert shape(shown["geometry"]).normalize().equals_exact(shipped.normalize(), 1e-7)  # the shapefile's ring order may differ
    log = json.loads(run("loaders", "workspace", "log", "--json", "--kind", "correction", env=cli_env).stdout)
    assert [(r["action"], r["user"]) for r in log][0] == ("correction.revert", "王五")


def test_corrections_are_exported_and_imported_with_the_conflict_listed(tmp_path, run):
    """One installation exports; another, which corrected the same park differently, sees the conflict, then takes it."""
    cli_env = {"CHAOHU_WORKSPACE": str(tmp_path / "ws")}
    _parks(tmp_path)
    done = run("loaders", "adopt", str(tmp_path / "锦江园区.geojson"), "--place", "ip_jinjiang", "--feature", "2",
               "--source", "锦江产业园管委会 2025 年范围图", "--by", "张三", env=cli_env)
    assert done.returncode == 0, done.stderr
    export = run("loaders", "corrections", "export", str(tmp_path / "本机校正.gpkg"), env=cli_env)
    assert export.returncode == 0 and export.stdout.startswith("已导出 1 条校正记录")
    other = {"CHAOHU_WORKSPACE": str(tmp_path / "other-ws")}
    mine = run("loaders", "adopt", str(tmp_path / "锦江园区.geojson"), "--place", "ip_jinjiang", "--feature", "1",
               "--source", "镇里的示意图", env=other)
    assert mine.returncode == 0, mine.stderr
    imported = run("loaders", "corrections", "import", str(tmp_path / "本机校正.gpkg"), "--by", "李四", env=other)
    assert imported.returncode == 1, imported.stderr
    assert "已导入 0 个地点的 0 条校正记录" in imported.stdout and "冲突 1 个" in imported.stdout
    assert "「锦江产业园」（ip_jinjiang）：本机为来源「镇里的示意图」" in imported.stdout
    assert json.loads(run("layers", "show", "ip_jinjiang", "--json", env=other).stdout)["source"] == "镇里的示意图"
    taken = run("loaders", "corrections", "import", str(tmp_path / "本机校正.gpkg"), "--take", "ip_jinjiang", env=other)
    assert taken.returncode == 0 and "采用导入版本：ip_jinjiang" in taken.stdout
    assert json.loads(run("layers", "show", "ip_jinjiang", "--json", env=other).stdout)["source"] == "锦江产业园管委会 2025 年范围图"

