"""File Geodatabases as 国土/规划 offices deliver them: zipped, nested in 成果/…, zone-prefixed CGCS2000, 三调 field codes."""

from __future__ import annotations

import io
import zipfile

import geopandas as gpd
import pytest
from filebuild import DLTB, TRUTH, file_gdb, metres_off, truth_points, zipped
from shapely.geometry import Point

from loaders.files import LoadError, read_any, read_uploads


def _by_name(result) -> dict:
    return {lr.name.split("/")[-1]: lr for lr in result.layers}


def test_zipped_nested_gdb_reads_every_feature_class_with_its_crs_and_chinese_field_names(tmp_path):
    data = zipped(file_gdb(tmp_path / "src"))
    result = read_any(data, "三调成果.zip")
    layers = _by_name(result)
    assert set(layers) == {"DLTB", "XZQ"}
    parcels = layers["DLTB"]
    assert parcels.crs_used == "EPSG:4527" and parcels.crs_decision.how == "declared" and not parcels.crs_inferred
    # the standard codes are shown by their Chinese names; the report keeps the codes
    assert {"地类编码", "地类名称", "图斑编号", "权属单位名称", "图斑面积", "标识码"} <= set(parcels.gdf.columns)
    assert "DLMC" not in parcels.gdf.columns
    assert {(r.original, r.name) for r in parcels.field_renames} >= {("DLBM", "地类编码"), ("DLMC", "地类名称")}
    assert parcels.gdf["地类名称"].tolist() == DLTB["DLMC"] and parcels.gdf["地类编码"].tolist() == DLTB["DLBM"]
    # each parcel's south-west corner lands on its truth point (zone 39 → CGCS2000 lon/lat)
    for geom, (lon, lat) in zip(parcels.gdf.geometry, TRUTH.values()):
        corner = min(geom.exterior.coords if geom.geom_type == "Polygon" else geom.geoms[0].exterior.coords)
        assert metres_off(Point(corner), lon, lat) < 2.0
    assert parcels.plausibility.near and parcels.plausibility.distance_km < 40
    seats = layers["XZQ"]
    assert "行政区名称" in seats.gdf.columns and sorted(seats.gdf["行政区名称"]) == sorted(TRUTH)
    # the empty feature class and the attribute table are named as skipped, with the reason
    assert any("CZCDYD" in w and "没有要素" in w for w in result.warnings)
    assert any("DLDM" in w and "属性表" in w for w in result.warnings)


def test_one_feature_class_can_be_picked_by_name(tmp_path):
    data = zipped(file_gdb(tmp_path / "src"))
    result = read_uploads([("三调成果.zip", data)], layer="DLTB")
    assert [lr.name for lr in result.layers] == ["巢湖市三调成果/DLTB"]
    with pytest.raises(LoadError, match="不存在的图层|没有名为"):
        read_any(data, "三调成果.zip", layer="不存在的图层")


def test_gdb_zipped_without_its_folder_name_and_a_gdb_folder_path(tmp_path):
    gdb = file_gdb(tmp_path / "src", empty=False)
    contents_only = zipped(gdb, root="")  # the .gdb folder's files at the zip's root
    assert {lr.name.split("/")[-1] for lr in read_any(contents_only, "图斑.zip").layers} == {"DLTB", "XZQ"}
    assert {lr.name for lr in read_any(gdb).layers} == {"巢湖市三调成果/DLTB", "巢湖市三调成果/XZQ"}


def test_personal_geodatabase_gets_a_chinese_message(tmp_path):
    with pytest.raises(LoadError, match=r"个人地理数据库.*\.gdb.*Shapefile"):
        read_any(b"Standard Jet DB\x00" + b"\x00" * 200, "土地利用现状.mdb")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("成果/土地利用现状.mdb", b"Standard Jet DB\x00" + b"\x00" * 200)
    with pytest.raises(LoadError, match="个人地理数据库"):
        read_any(buf.getvalue(), "成果.zip")


def test_empty_geopackage_layers_are_named_as_skipped(tmp_path):
    path = tmp_path / "成果.gpkg"
    truth_points().to_file(path, layer="驻地")
    gpd.GeoDataFrame({"名称": []}, geometry=[], crs="EPSG:4490").to_file(path, layer="待补充", geometry_type="Polygon")
    result = read_any(path)
    assert [lr.name for lr in result.layers] == ["成果/驻地"]
    assert any("「待补充」没有要素" in w and "已跳过" in w for w in result.warnings)
