"""Never put data in the wrong place: a declared CRS the numbers contradict is replaced by the one they fit (warned, naming
both) or the file is refused; every result is finite, inside China and near 巢湖市 or says how far."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
import shapely
from filebuild import TRUTH, assert_at_truth, truth_points
from shapely.geometry import Point

from loaders.files import LoadError, read_any


def _lying(tmp_path, numbers_crs: str, declared: str, name: str = "a.shp"):
    """The truth written with numbers in `numbers_crs` but a .prj saying `declared`."""
    path = tmp_path / name
    truth_points().to_crs(numbers_crs).set_crs(declared, allow_override=True).to_file(path, encoding="UTF-8")
    return path


def _all_finite_in_china(gdf: gpd.GeoDataFrame) -> bool:
    coords = shapely.get_coordinates(gdf.to_crs("EPSG:4490").geometry.to_numpy())
    return bool(np.isfinite(coords).all() and (coords[:, 0] > 73).all() and (coords[:, 0] < 136).all()
                and (coords[:, 1] > 3).all() and (coords[:, 1] < 54).all())


@pytest.mark.parametrize("numbers,declared,used", [
    ("EPSG:4490", "EPSG:4548", "EPSG:4490"),   # a projected .prj on degrees: 112.5°E, 0.0003°N before
    ("EPSG:4527", "EPSG:4548", "EPSG:4527"),   # CM 117 .prj on 8-digit zone-39 eastings: Infinity before
    ("EPSG:4527", "EPSG:4528", "EPSG:4527"),   # zone 40 declared, zone 39 in the numbers: 700 km west
    ("EPSG:4548", "EPSG:4490", "EPSG:4548"),   # a lon/lat .prj on metres
])
def test_prj_contradicted_by_the_numbers_is_replaced_and_both_are_named(tmp_path, numbers, declared, used):
    lr = read_any(_lying(tmp_path, numbers, declared)).layers[0]
    assert lr.crs_used == used and lr.crs_decision.how == "corrected" and lr.crs_inferred
    warning = next(w for w in lr.warnings if "不符" in w)
    assert declared in warning and used in warning
    assert_at_truth(lr.gdf, 2.0)
    assert _all_finite_in_china(lr.gdf)


def test_geojson_crs_member_contradicted_by_degrees(tmp_path):
    data = json.loads(truth_points().to_json())
    data["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4548"}}
    path = tmp_path / "点.geojson"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    lr = read_any(path).layers[0]
    assert lr.crs_used == "EPSG:4490" and any("crs" in w and "EPSG:4548" in w and "不在中国境内" in w for w in lr.warnings)
    assert_at_truth(lr.gdf, 2.0)


def test_a_declared_crs_that_fits_is_kept_and_near_chaohu(tmp_path):
    lr = read_any(_lying(tmp_path, "EPSG:4548", "EPSG:4548")).layers[0]
    assert lr.crs_decision.how == "declared" and not lr.warnings
    assert lr.plausibility.near and lr.plausibility.distance_km < 40


def test_numbers_no_crs_can_place_are_refused_naming_the_declared_one(tmp_path):
    path = tmp_path / "乱码.shp"
    gpd.GeoDataFrame({"a": [1]}, geometry=[Point(1e9, 1e9)], crs="EPSG:4548").to_file(path)
    with pytest.raises(LoadError, match=r"乱码\.shp.*EPSG:4548.*指定坐标系"):
        read_any(path)


def test_a_specified_crs_that_puts_data_off_the_continent_is_refused_naming_what_fits(tmp_path):
    path = _lying(tmp_path, "EPSG:4527", "EPSG:4527")
    with pytest.raises(LoadError, match=r"指定的坐标系 EPSG:4548.*EPSG:4527"):
        read_any(path, crs="EPSG:4548")
    assert_at_truth(read_any(path, crs="EPSG:4527").layers[0].gdf, 2.0)


def test_far_from_chaohu_is_kept_and_says_how_far(tmp_path):
    path = tmp_path / "北京.geojson"
    gpd.GeoDataFrame({"名称": ["天安门"]}, geometry=[Point(116.3975, 39.9087)], crs="EPSG:4490").to_file(path)
    lr = read_any(path).layers[0]
    assert not lr.plausibility.near and 900 < lr.plausibility.distance_km < 960
    assert any("公里" in w and "不在巢湖市附近" in w for w in lr.warnings)


def test_single_impossible_rows_are_dropped_and_named(tmp_path):
    path = tmp_path / "点.csv"
    rows = [f"{n},{x},{y}" for n, (x, y) in TRUTH.items()] + ["零点,0,0", "北极,117.8,91"]
    path.write_text("名称,经度,纬度\n" + "\n".join(rows) + "\n", encoding="utf-8")
    lr = read_any(path, coords="wgs84").layers[0]
    assert_at_truth(lr.gdf, 2.0)
    assert lr.plausibility.dropped == 2 and any("第 5、6 行" in r for r in lr.repairs)
