"""Field names as ArcGIS/GDAL leave them: cut mid-character at 10 bytes, a copied .cpg that lies, Name/NAME, two FIDs,
thousands of fields, a file named gpkg_…; and the 三调/国土空间规划 codes shown in Chinese."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from filebuild import TRUTH, assert_at_truth, shapefile_with_dbf, truth_points
from shapely.geometry import Point

from loaders.fieldnames import MAX_FIELDS, standard_names
from loaders.files import LoadError, read_any

POINTS = list(TRUTH.values())
NAMES = list(TRUTH)


def _cut_utf8_shapefile(tmp_path, cpg):
    """'规划用地性质' (18 bytes in UTF-8) stored as its first 10 bytes: 3 characters and one byte of the 4th."""
    fields = [("规划用地性质".encode("utf-8"), "C", 30), ("名称".encode("utf-8"), "C", 30)]
    rows = [["工业用地".encode("utf-8"), n.encode("utf-8")] for n in NAMES]
    return shapefile_with_dbf(tmp_path / "规划.shp", POINTS, fields, rows, cpg=cpg)


@pytest.mark.parametrize("cpg", ["UTF-8", None])
def test_utf8_name_cut_mid_character_is_repaired_and_said(tmp_path, cpg):
    lr = read_any(_cut_utf8_shapefile(tmp_path, cpg)).layers[0]
    assert list(lr.gdf.columns[:2]) == ["规划用", "名称"]
    assert set(lr.gdf["规划用"]) == {"工业用地"}
    assert lr.encoding == "UTF-8" and lr.encoding_detected == (cpg is None)
    cut = [r for r in lr.field_renames if r.name == "规划用"]
    assert cut and "截断" in cut[0].why and cut[0].original.startswith("规划用")
    assert_at_truth(lr.gdf)


def test_gbk_dbf_with_a_copied_utf8_cpg_is_read_as_gb18030_and_said(tmp_path):
    fields = [("名称".encode("gbk"), "C", 30), ("类别".encode("gbk"), "C", 10)]
    rows = [[n.encode("gbk"), "镇".encode("gbk")] for n in NAMES]
    lr = read_any(shapefile_with_dbf(tmp_path / "乡镇.shp", POINTS, fields, rows, cpg="UTF-8")).layers[0]
    assert lr.encoding == "GB18030" and lr.encoding_detected
    assert sorted(lr.gdf["名称"]) == sorted(NAMES) and set(lr.gdf["类别"]) == {"镇"}
    assert any(".cpg 声明 UTF-8" in w and "GB18030" in w for w in lr.warnings)


def test_utf8_dbf_with_a_gbk_cpg_is_read_as_utf8(tmp_path):
    fields = [("名称".encode("utf-8"), "C", 30)]
    rows = [[n.encode("utf-8")] for n in NAMES]
    lr = read_any(shapefile_with_dbf(tmp_path / "a.shp", POINTS, fields, rows, cpg="GBK")).layers[0]
    assert lr.encoding == "UTF-8" and sorted(lr.gdf["名称"]) == sorted(NAMES)
    assert any("GBK" in w for w in lr.warnings)


def test_value_cut_at_the_field_width_keeps_whole_characters(tmp_path):
    fields = [("名称".encode("utf-8"), "C", 10)]  # 10 bytes: 巢湖市政府 (15 bytes) is cut inside 政
    rows = [[n.encode("utf-8")] for n in NAMES]
    lr = read_any(shapefile_with_dbf(tmp_path / "a.shp", POINTS, fields, rows, cpg="UTF-8")).layers[0]
    assert "巢湖市" in set(lr.gdf["名称"]) and all("\ufffd" not in v for v in lr.gdf["名称"])
    assert any("截断" in r for r in lr.repairs)


def test_name_and_NAME_and_two_fids_are_kept_apart_and_can_be_stored(tmp_path):
    fields = [(b"Name", "C", 10), (b"NAME", "C", 10), (b"FID", "N", 5), (b"FID", "N", 5)]
    rows = [[b"a", b"b", b"1", b"1"], [b"c", b"d", b"3", b"1"], [b"e", b"f", b"5", b"1"]]
    lr = read_any(shapefile_with_dbf(tmp_path / "dup.shp", POINTS, fields, rows)).layers[0]
    assert list(lr.gdf.columns[:4]) == ["Name", "NAME_2", "原FID", "原FID_2"]
    assert lr.gdf["Name"].tolist() == ["a", "c", "e"] and lr.gdf["NAME_2"].tolist() == ["b", "d", "f"]
    assert lr.gdf["原FID"].tolist() == [1, 3, 5] and lr.gdf["原FID_2"].tolist() == [1, 1, 1]  # neither column lost
    assert {(r.original, r.name) for r in lr.field_renames} == {("NAME", "NAME_2"), ("FID", "原FID"), ("FID", "原FID_2")}
    store = tmp_path / "store.gpkg"  # what failed before: a GeoPackage refuses NAME beside Name and duplicate FIDs
    pyogrio.write_dataframe(lr.gdf, store, layer=lr.name)
    assert pyogrio.read_dataframe(store)["NAME_2"].tolist() == ["b", "d", "f"]


def test_geojson_with_name_and_NAME_properties(tmp_path):
    path = tmp_path / "a.geojson"
    features = ",".join(f'{{"type":"Feature","properties":{{"Name":"{n}","NAME":"{i}"}},"geometry":{{"type":"Point",'
                        f'"coordinates":[{x},{y}]}}}}' for i, (n, (x, y)) in enumerate(TRUTH.items()))
    path.write_text(f'{{"type":"FeatureCollection","features":[{features}]}}', encoding="utf-8")
    lr = read_any(path).layers[0]
    assert lr.gdf["Name"].tolist() == NAMES and lr.gdf["NAME_2"].tolist() == ["0", "1", "2"]


def test_more_fields_than_a_store_holds_is_refused_in_chinese(tmp_path):
    path = tmp_path / "宽表.csv"
    wide = pd.DataFrame({f"指标{i}": [1] for i in range(MAX_FIELDS + 100)})
    wide.insert(0, "经度", [117.86])
    wide.insert(1, "纬度", [31.60])
    wide.to_csv(path, index=False)
    with pytest.raises(LoadError, match=f"{MAX_FIELDS + 102:,} 个字段.*{MAX_FIELDS:,}"):
        read_any(path)


def test_file_named_gpkg_prefix_is_renamed_and_storable(tmp_path):
    path = tmp_path / "gpkg_道路.geojson"
    truth_points().to_file(path, driver="GeoJSON")
    lr = read_any(path).layers[0]
    assert lr.name == "图层_gpkg_道路" and any("gpkg_道路" in r for r in lr.repairs)
    pyogrio.write_dataframe(lr.gdf, tmp_path / "store.gpkg", layer=lr.name)


def test_standard_codes_become_chinese_only_in_standard_layers(tmp_path):
    table = standard_names()
    assert table["DLBM"][0] == "地类编码" and table["DLMC"][0] == "地类名称" and table["YDYHFLDM"][0] == "用地用海分类代码"
    parcels = gpd.GeoDataFrame({"YDYHFLDM": ["1001"], "YDYHFLMC": ["工业用地"], "地类名称": ["旱地"], "DLMC": ["旱地"]},
                               geometry=[Point(117.86, 31.60).buffer(0.001)], crs="EPSG:4490")
    parcels.to_file(tmp_path / "规划.gpkg")
    lr = read_any(tmp_path / "规划.gpkg").layers[0]
    assert {"用地用海分类代码", "用地用海分类名称", "地类名称", "DLMC"} <= set(lr.gdf.columns)  # 地类名称 exists: DLMC kept
    lone = gpd.GeoDataFrame({"BZ": ["备注"]}, geometry=[Point(117.86, 31.60)], crs="EPSG:4490")
    lone.to_file(tmp_path / "一个.gpkg")
    assert "BZ" in read_any(tmp_path / "一个.gpkg").layers[0].gdf.columns  # one lone code: not a standard layer
