"""The shared store on both engines (GeoPackage and a real PostGIS): layers keep their data and names, every
change is logged with who and before → after, removed layers come back within 30 days, documents refuse lost updates."""

from __future__ import annotations

from datetime import timedelta

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import Point, Polygon

from loaders.errors import LoadError
from store import ConflictError, StoreError
from store.base import RECYCLE_DAYS


def towns(tag: str = "a") -> gpd.GeoDataFrame:
    """Two points with Chinese values, a hostile column name, a long Chinese column name and a tag."""
    long_name = "规划用地性质及其批复文号与备注说明字段名称很长很长很长"  # > 63 bytes in UTF-8: longer than PostgreSQL's names
    return gpd.GeoDataFrame({"名称": ["柘皋镇", "中垾镇"], "<img src=x onerror=alert(1)>": ["甲", "乙"],
                             long_name: [1.5, 2.5], "tag": [tag, tag]},
                            geometry=[Point(117.78, 31.78), Point(117.64, 31.61)], crs="EPSG:4490")


def test_a_layer_comes_back_with_its_columns_order_crs_and_who_added_it(store):
    src = towns().to_crs("EPSG:4548")
    info = store.add_layer("我的点位", src, "张三", source="点位.csv")
    assert (info.name, info.features, info.added_by, info.source) == ("我的点位", 2, "张三", "点位.csv")
    back = store.read_layer("我的点位")
    assert back.crs == "EPSG:4490"
    assert list(back.columns) == list(towns().columns)
    assert back["名称"].tolist() == ["柘皋镇", "中垾镇"] and back["<img src=x onerror=alert(1)>"].tolist() == ["甲", "乙"]
    assert back.geometry.iloc[0].distance(Point(117.78, 31.78)) < 1e-7
    assert [i.to_dict()["name"] for i in store.layers()] == ["我的点位"]
    assert store.layers()[0].to_dict()["added_at"].endswith("+08:00")


def test_a_taken_name_gets_a_number_and_never_replaces_the_other_layer(store):
    assert store.add_layer("园区", towns("first"), "甲").name == "园区"
    assert store.add_layer("园区", towns("second"), "乙").name == "园区（2）"
    assert store.add_layer("园区", towns("third"), "丙").name == "园区（3）"
    assert store.read_layer("园区")["tag"].tolist() == ["first", "first"]
    assert store.read_layer("园区（2）")["tag"].tolist() == ["second", "second"]
    assert store.read_layer("园区（3）")["tag"].tolist() == ["third", "third"]


def test_rename_is_refused_onto_a_taken_name_and_keeps_both_layers(store):
    store.add_layer("甲图层", towns("x"), "张三")
    store.add_layer("乙图层", towns("n"), "李四")
    with pytest.raises(StoreError, match="已有名为「乙图层」"):
        store.rename_layer("甲图层", "乙图层", "张三")
    assert isinstance(StoreError("x"), LoadError)
    assert store.rename_layer("甲图层", "企业分布", "张三") == "企业分布"
    assert store.read_layer("企业分布")["tag"].tolist() == ["x", "x"]
    assert store.read_layer("乙图层")["tag"].tolist() == ["n", "n"]
    with pytest.raises(StoreError, match="没有名为「甲图层」"):
        store.read_layer("甲图层")


def test_every_change_is_logged_with_who_what_and_before_after(store):
    store.add_layer("原名", towns(), "张三")
    store.rename_layer("原名", "新名", "李四")
    store.remove_layer("新名", "王五")
    store.restore_layer("新名", "赵六")
    log = store.changes()
    assert [(c.action, c.user, c.target) for c in log] == [
        ("layer.restore", "赵六", "新名"), ("layer.remove", "王五", "新名"),
        ("layer.rename", "李四", "原名"), ("layer.add", "张三", "原名")]
    rename = log[2]
    assert rename.before["name"] == "原名" and rename.after["name"] == "新名"
    assert "「原名」改名为「新名」" in rename.summary and rename.label == "重命名图层"
    assert "2 个要素" in log[3].summary
    assert [c.action for c in store.changes(user="王五")] == ["layer.remove"]
    assert [c.action for c in store.changes(kind="layer", target="新名")][:2] == ["layer.restore", "layer.remove"]
    assert store.change_users() == ["张三", "李四", "王五", "赵六"]


def test_a_removed_layer_is_restorable_for_30_days_then_purged(store):
    store.add_layer("临时", towns("t"), "张三")
    store.remove_layer("临时", "张三")
    assert store.layer_names() == []
    assert [i.name for i in store.recycle_bin()] == ["临时"]
    start = store.clock()
    store.clock = lambda: start + timedelta(days=RECYCLE_DAYS - 1)
    back = store.restore_layer("临时", "李四")
    assert back.name == "临时" and store.read_layer("临时")["tag"].tolist() == ["t", "t"]
    store.remove_layer("临时", "李四")
    removed_at = store.clock()
    store.clock = lambda: removed_at + timedelta(days=RECYCLE_DAYS + 1)
    with pytest.raises(StoreError, match="超过 30 天"):
        store.restore_layer("临时", "李四")
    assert store.cleanup()["purged"] == ["临时"]
    assert store.changes()[0].action == "layer.purge"
    with pytest.raises(StoreError, match="回收站中没有"):
        store.restore_layer("临时", "李四")


def test_restoring_onto_a_name_taken_meanwhile_gets_a_number(store):
    store.add_layer("规划", towns("old"), "张三")
    store.remove_layer("规划", "张三")
    store.add_layer("规划", towns("new"), "李四")
    assert store.restore_layer("规划", "张三").name == "规划（2）"
    assert store.read_layer("规划")["tag"].tolist() == ["new", "new"]
    assert store.read_layer("规划（2）")["tag"].tolist() == ["old", "old"]


def test_undo_reverses_a_rename_a_remove_and_a_document_save(store):
    store.add_layer("甲", towns(), "张三")
    store.rename_layer("甲", "乙", "张三")
    assert store.undo(store.changes()[0].id, "李四").startswith("已将图层「乙」改回「甲」")
    store.remove_layer("甲", "张三")
    store.undo(store.changes()[0].id, "李四")
    assert store.layer_names() == ["甲"]
    store.put_document("tour", "title: 一\n", "张三")
    store.put_document("tour", "title: 二\n", "张三")
    store.undo(store.changes()[0].id, "李四")
    assert store.document("tour").content == "title: 一\n" and store.document("tour").version == 3


def test_a_document_save_on_an_old_version_is_a_conflict_not_a_lost_update(store):
    assert store.document("tour") is None
    first = store.put_document("tour", "title: 汇报\n", "张三", expected_version=0)
    assert first.version == 1
    store.put_document("tour", "title: 张三改\n", "张三", expected_version=1)
    with pytest.raises(ConflictError, match="已被张三"):
        store.put_document("tour", "title: 李四改\n", "李四", expected_version=1)
    assert store.document("tour").content == "title: 张三改\n"
    entry = store.changes(kind="document")[0]
    assert entry.before["content"] == "title: 汇报\n" and entry.after["content"] == "title: 张三改\n"


def test_settings_are_kept_and_logged(store):
    store.put_setting("plan_start_year", 2023, "管理员")
    store.put_setting("plan_start_year", 2024, "管理员")
    assert store.setting("plan_start_year") == 2024 and store.setting("missing", "默认") == "默认"
    entry = store.changes(kind="setting")[0]
    assert (entry.before, entry.after) == ({"value": 2023}, {"value": 2024})
    with pytest.raises(StoreError, match="有限数值"):
        store.put_setting("x", float("nan"), "管理员")


def test_empty_layers_and_empty_names_are_refused_in_chinese(store):
    with pytest.raises(StoreError, match="空图层"):
        store.add_layer("空", towns().iloc[:0], "张三")
    with pytest.raises(StoreError, match="名称不能为空"):
        store.add_layer("   ", towns(), "张三")
    assert store.changes() == [] and store.layers() == []


def test_polygons_and_mixed_geometries_round_trip(store):
    square = Polygon([(117.7, 31.6), (117.71, 31.6), (117.71, 31.61), (117.7, 31.61)])
    mixed = gpd.GeoDataFrame({"名称": ["面", "点"]}, geometry=[square, Point(117.7, 31.6)], crs="EPSG:4490")
    store.add_layer("混合", mixed, "张三")
    back = store.read_layer("混合")
    assert back.geom_type.tolist() == ["Polygon", "Point"]
    assert back.geometry.iloc[0].equals_exact(square, 1e-9)


def test_an_old_workspace_geopackage_is_adopted_as_it_is(tmp_path):
    from store.gpkg import GpkgStore

    path = tmp_path / "workspace.gpkg"
    pyogrio.write_dataframe(towns("legacy"), path, layer="我的点位", driver="GPKG")  # as the old Workspace wrote it
    store = GpkgStore(path)
    assert store.layer_names() == ["我的点位"]
    assert store.read_layer("我的点位")["tag"].tolist() == ["legacy", "legacy"]
    assert store.rename_layer("我的点位", "旧数据", "张三") == "旧数据"
    assert store.read_layer("旧数据")["名称"].tolist() == ["柘皋镇", "中垾镇"]
    assert GpkgStore(path).layer_names() == ["旧数据"]  # adopted once, not again on the next opening


def test_value_types_round_trip(store):
    import pandas as pd

    gdf = gpd.GeoDataFrame({"整数": [1, 2, 3], "小数": [1.5, None, 3.0], "真假": [True, False, True],
                            "日期": pd.to_datetime(["2024-01-02 00:00:00", "2024-03-04 05:06:07", None]), "文本": ["a", None, "c"]},
                           geometry=[Point(117.8, 31.6), Point(117.7, 31.5), Point(117.1, 31.1, 5)], crs="EPSG:4490")
    back = store.read_layer(store.add_layer("类型", gdf, "张三"))
    assert back["整数"].tolist() == [1, 2, 3] and back["真假"].tolist() == [True, False, True]
    assert back["小数"].iloc[0] == 1.5 and pd.isna(back["小数"].iloc[1])
    assert back["日期"].iloc[1] == pd.Timestamp("2024-03-04 05:06:07") and pd.isna(back["日期"].iloc[2])
    assert back["文本"].iloc[0] == "a" and pd.isna(back["文本"].iloc[1])
    assert not back.geometry.iloc[2].has_z  # 2D and 3D mixed: stored 2D
    heights = gpd.GeoDataFrame({"名称": ["塔"]}, geometry=[Point(117.8, 31.6, 42.0)], crs="EPSG:4490")
    assert store.read_layer(store.add_layer("高程", heights, "张三")).geometry.iloc[0].z == 42.0


def test_the_geopackage_stays_a_geopackage_that_gdal_reads(tmp_path):
    from store.gpkg import GpkgStore

    store = GpkgStore(tmp_path / "w.gpkg")
    info = store.add_layer("点位", towns(), "张三")
    layers = dict(pyogrio.list_layers(tmp_path / "w.gpkg"))
    assert info.table_name in layers
    gdal = pyogrio.read_dataframe(tmp_path / "w.gpkg", layer=info.table_name)
    assert gdal.crs == "EPSG:4490" and gdal["c1"].tolist() == ["柘皋镇", "中垾镇"]
    assert gdal.geometry.iloc[0].distance(Point(117.78, 31.78)) < 1e-9
