"""`python -m loaders workspace …` and `… accounts …` drive the same store as the app; `migrate` moves everything
from the GeoPackage to PostGIS; bad input is one Chinese line and exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point

from loaders.__main__ import main
from store.gpkg import GpkgStore
from store.migrate import migrate
from store.postgis import PostgisStore


@pytest.fixture
def command(cli):
    """`python -m loaders ARGS` with the given store settings (in this process)."""
    return lambda *args, env, stdin=None: cli(main, *args, env=env, stdin=stdin)


@pytest.fixture(params=["gpkg", "postgis"])
def cli_env(request, tmp_path):
    """Environment pointing the command line at an empty store of each engine."""
    if request.param == "gpkg":
        return {"CHAOHU_WORKSPACE": str(tmp_path / "ws")}
    return {"CHAOHU_WORKSPACE": str(tmp_path / "ws"), "CHAOHU_DATABASE_URL": request.getfixturevalue("pg_cluster").new_database()}


def points_file(tmp_path: Path, name: str = "企业点位.geojson") -> Path:
    path = tmp_path / name
    gpd.GeoDataFrame({"名称": ["甲厂", "乙厂", "丙厂"]}, geometry=[Point(117.8, 31.6), Point(117.7, 31.55), Point(117.9, 31.7)],
                     crs="EPSG:4326").to_file(path, driver="GeoJSON")
    return path


@pytest.mark.slow
def test_workspace_commands_add_list_rename_remove_restore_and_log(cli_env, tmp_path, command):
    src = points_file(tmp_path)
    run = command("workspace", "add", str(src), "--name", "企业", "--by", "张三", env=cli_env)
    assert run.returncode == 0, run.stderr
    assert "已添加「企业」3 个要素" in run.stdout
    assert command("workspace", "add", str(src), "--name", "企业", env=cli_env).stdout.startswith("已添加「企业（2）」")
    listed = json.loads(command("workspace", "list", "--json", env=cli_env).stdout)
    assert [(x["name"], x["features"], x["added_by"]) for x in listed][0] == ("企业", 3, "张三")
    assert listed[0]["added_at"].endswith("+08:00") and listed[1]["added_by"].startswith("命令行:")
    clash = command("workspace", "rename", "企业（2）", "企业", env=cli_env)
    assert clash.returncode == 2 and clash.stderr.strip() == "错误：工作空间中已有名为「企业」的图层。"
    assert command("workspace", "rename", "企业（2）", "工厂", env=cli_env).returncode == 0
    assert command("workspace", "remove", "工厂", "--by", "李四", env=cli_env).returncode == 0
    assert [x["name"] for x in json.loads(command("workspace", "list", "--json", "--removed", env=cli_env).stdout)] == ["工厂"]
    assert command("workspace", "restore", "工厂", env=cli_env).stdout.strip() == "已恢复「工厂」"
    log = json.loads(command("workspace", "log", "--json", env=cli_env).stdout)
    assert [e["action"] for e in log] == ["layer.restore", "layer.remove", "layer.rename", "layer.add", "layer.add"]
    assert log[1]["user"] == "李四" and log[1]["label"] == "删除图层（移入回收站）"


@pytest.mark.slow
def test_bad_input_is_one_chinese_line_and_exit_2(cli_env, tmp_path, command):
    for args, message in [
        (("workspace", "add", str(tmp_path / "没有.shp")), "找不到文件"),
        (("workspace", "remove", "没有的图层"), "工作空间中没有名为「没有的图层」的图层"),
        (("workspace", "restore", "没有的图层"), "回收站中没有「没有的图层」图层"),
        (("workspace", "migrate", "--to", "mysql://x@y/z"), "须为 PostgreSQL"),
    ]:
        run = command(*args, env=cli_env)
        assert run.returncode == 2, run
        lines = run.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("错误：") and message in lines[0], run.stderr


@pytest.mark.slow
def test_accounts_commands(cli_env, command):
    weak = command("accounts", "add", "admin", "--role", "管理", "--password-stdin", env=cli_env, stdin="short\n")
    assert weak.returncode == 2 and "至少需要 8 个字符" in weak.stderr
    assert command("accounts", "list", env=cli_env).stdout.startswith("尚未配置账号")
    assert command("accounts", "add", "admin", "--role", "管理", "--password-stdin", env=cli_env, stdin="correct horse\n").returncode == 0
    assert command("accounts", "add", "wang", "--role", "编辑", "--password-stdin", env=cli_env, stdin="battery staple\n").returncode == 0
    assert command("accounts", "role", "wang", "查看", env=cli_env).returncode == 0
    assert command("accounts", "passwd", "wang", "--password-stdin", env=cli_env, stdin="new password\n").returncode == 0
    listed = json.loads(command("accounts", "list", "--json", env=cli_env).stdout)
    assert [(a["name"], a["role"]) for a in listed] == [("admin", "管理"), ("wang", "查看")]
    store = PostgisStore(cli_env["CHAOHU_DATABASE_URL"]) if "CHAOHU_DATABASE_URL" in cli_env else \
        GpkgStore(Path(cli_env["CHAOHU_WORKSPACE"]) / "workspace.gpkg")
    assert store.login("wang", "new password").role == "viewer"
    assert command("accounts", "remove", "wang", env=cli_env).returncode == 0
    assert [a.name for a in store.accounts()] == ["admin"]
    unbound = command("accounts", "add", "zhang", "--role", "填报", "--password-stdin", env=cli_env, stdin="correct horse\n")
    assert unbound.returncode == 2 and "须指定牵头单位" in unbound.stderr
    added = command("accounts", "add", "zhang", "--role", "填报", "--unit", "市经信委", "--password-stdin", env=cli_env,
                stdin="correct horse\n")
    assert added.returncode == 0 and "已添加账号「zhang」（填报，市经信委）" in added.stdout
    assert store.login("zhang", "correct horse").unit == "市经信委"


def filled_gpkg(path: Path) -> GpkgStore:
    """A GeoPackage store with layers (hostile and long column names), a recycled layer, documents, settings, accounts."""
    store = GpkgStore(path)
    long_name = "规划用地性质及其批复文号与备注说明字段名称很长很长很长"
    gdf = gpd.GeoDataFrame({"名称": ["甲", "乙"], "<script>x</script>": [1, 2], long_name: ["长", "字段"]},
                           geometry=[Point(117.8, 31.6), Point(117.7, 31.5)], crs="EPSG:4490")
    store.add_layer("企业", gdf, "张三")
    store.add_layer("园区", gdf.iloc[:1], "李四")
    store.add_layer("旧图层", gdf, "王五")
    store.remove_layer("旧图层", "王五")
    store.put_document("tour", "title: 汇报\nslides: []\n", "张三")
    store.put_setting("plan_start_year", 2023, "管理员")
    store.add_account("admin", "correct horse", "管理", "命令行")
    store.add_account("zhang", "correct horse", "填报", "admin", unit="市经信委")
    return store


def test_migrate_from_geopackage_to_postgis_keeps_everything(tmp_path, pg_cluster):
    source = filled_gpkg(tmp_path / "workspace.gpkg")
    target = PostgisStore(pg_cluster.new_database())
    counts = migrate(source, target, "张三")
    assert counts == {"layers": 2, "recycle_bin": 1, "documents": 1, "settings": 1, "accounts": 2, "account_units": 1,
                      "changes": 8, "progress": 0, "progress_withdrawals": 0, "progress_reviews": 0,
                      "progress_evidence": 0, "corrections": 0, "reminders": 0,
                      "bulletins": 0}
    assert [(i.id, i.name, i.features, i.added_by, i.added_at) for i in target.layers()] == \
        [(i.id, i.name, i.features, i.added_by, i.added_at) for i in source.layers()]
    for name in ("企业", "园区"):
        a, b = source.read_layer(name), target.read_layer(name)
        assert list(a.columns) == list(b.columns) and a.drop(columns="geometry").equals(b.drop(columns="geometry"))
        assert all(x.equals_exact(y, 1e-9) for x, y in zip(a.geometry, b.geometry))
    assert [i.name for i in target.recycle_bin()] == ["旧图层"]
    assert target.restore_layer("旧图层", "赵六").name == "旧图层"
    assert target.document("tour").content == source.document("tour").content
    assert target.settings() == {"plan_start_year": 2023}
    assert target.login("admin", "correct horse").account == "admin"
    assert target.login("zhang", "correct horse").unit == "市经信委"  # the 填报 account keeps its unit
    log = target.changes()
    assert log[1].action == "store.migrate" and "图层 2 个、回收站 1 个" in log[1].summary
    assert [(c.id, c.user, c.action, c.summary) for c in log[2:]] == [(c.id, c.user, c.action, c.summary) for c in source.changes()]
    assert target.add_layer("新图层", source.read_layer("园区"), "赵六").id == 4  # ids go on after the copied ones


def test_migrate_refuses_a_target_that_holds_data(tmp_path, pg_cluster):
    from store import StoreError

    source = filled_gpkg(tmp_path / "workspace.gpkg")
    target = PostgisStore(pg_cluster.new_database())
    target.add_layer("已有", source.read_layer("园区"), "张三")
    with pytest.raises(StoreError, match="已有数据"):
        migrate(source, target, "张三")
    assert target.layer_names() == ["已有"]


@pytest.mark.slow
def test_migrate_command(tmp_path, pg_cluster, command):
    ws = tmp_path / "ws"
    filled_gpkg(ws / "workspace.gpkg")
    url = pg_cluster.new_database()
    run = command("workspace", "migrate", "--to", url, env={"CHAOHU_WORKSPACE": str(ws)})
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "已迁移：图层 2 个、回收站 1 个、文档 1 个、设置 1 项、账号 2 个、变更记录 8 条。"
    listed = json.loads(command("workspace", "list", "--json", env={"CHAOHU_DATABASE_URL": url}).stdout)
    assert [x["name"] for x in listed] == ["企业", "园区"]
    again = command("workspace", "migrate", "--to", url, env={"CHAOHU_WORKSPACE": str(ws)})
    assert again.returncode == 2 and "已有数据" in again.stderr
