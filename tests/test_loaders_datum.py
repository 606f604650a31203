"""Xi'an 1980 / Beijing 1954 honestly: with the office's seven parameters the data lands within 2 m; without them the
report says the datum shift is approximate and how large, instead of 「无修复、无问题」."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
from filebuild import TRUTH, assert_at_truth, metres_off, ntv2_grid, truth_points
from pyproj import Transformer

from loaders.datum import DatumShift, old_datum
from loaders.files import LoadError, read_any
from loaders.report import layer_lines

#: An office's (made-up) Xi'an 80 → CGCS2000 parameters: dx, dy, dz (m), rx, ry, rz (arc-seconds), ds (ppm), position vector.
OFFICE = (-12.5, -110.3, -48.6, 1.2, -0.8, 2.5, 3.1)
ELLIPSOIDS = {"EPSG:2384": "IAU76", "EPSG:2436": "krass"}


def _old_datum_numbers(params, epsg: str) -> tuple[np.ndarray, np.ndarray]:
    """The truth as the old datum's CM-117 Gauss-Krüger numbers, by the inverse Helmert done here in numpy (not by PROJ)."""
    lon, lat = np.array([p[0] for p in TRUTH.values()]), np.array([p[1] for p in TRUTH.values()])
    xyz = np.column_stack(Transformer.from_crs("+proj=longlat +ellps=GRS80", "+proj=geocent +ellps=GRS80",
                                               always_xy=True).transform(lon, lat, np.zeros(3)))
    dx, dy, dz, rx, ry, rz, ds = params
    rx, ry, rz = (np.radians(v / 3600.0) for v in (rx, ry, rz))
    rotation = np.array([[1, -rz, ry], [rz, 1, -rx], [-ry, rx, 1]])
    old = ((xyz - [dx, dy, dz]) / (1 + ds * 1e-6)) @ rotation  # x_new = T + (1+s) R x_old, so x_old = Rᵀ(x_new − T)/(1+s)
    ellps = ELLIPSOIDS[epsg]
    x, y, _ = Transformer.from_crs(f"+proj=geocent +ellps={ellps}", f"+proj=tmerc +lon_0=117 +k=1 +x_0=500000 +ellps={ellps}",
                                   always_xy=True).transform(old[:, 0], old[:, 1], old[:, 2])
    return np.asarray(x), np.asarray(y)


def _old_shapefile(tmp_path, epsg: str = "EPSG:2384", params=OFFICE):
    x, y = _old_datum_numbers(params, epsg)
    gdf = truth_points().set_geometry(gpd.points_from_xy(x, y), crs=epsg)
    path = tmp_path / "西安80.shp"
    gdf.to_file(path, encoding="UTF-8")
    return path


def test_office_seven_parameters_land_within_2m(tmp_path):
    lr = read_any(_old_shapefile(tmp_path), datum_shift=DatumShift(towgs84=OFFICE)).layers[0]
    assert lr.crs_used == "EPSG:2384" and "西安80 → CGCS2000 按 本单位七参数" in lr.datum
    assert_at_truth(lr.gdf, 2.0)
    assert not any("未做基准转换" in w for w in lr.warnings)


def test_coordinate_frame_parameters_are_the_same_shift_with_rotations_flipped(tmp_path):
    dx, dy, dz, rx, ry, rz, ds = OFFICE
    shift = DatumShift(towgs84=(dx, dy, dz, -rx, -ry, -rz, ds), convention="coordinate_frame")
    assert_at_truth(read_any(_old_shapefile(tmp_path), datum_shift=shift).layers[0].gdf, 2.0)


def test_without_parameters_the_result_says_the_shift_is_approximate(tmp_path):
    lr = read_any(_old_shapefile(tmp_path)).layers[0]
    said = " ".join(lr.warnings)
    assert "西安80" in said and "未做基准转换" in said and "米" in said and "七参数" in said
    assert "无修复、无问题" not in "\n".join(layer_lines(lr.report()))
    off = max(metres_off(g, *TRUTH[n]) for n, g in zip(lr.gdf["名称"], lr.gdf.geometry))
    assert off > 50  # what the ballpark conversion leaves out with these parameters: the warning is not idle


def test_beijing54_with_parameters_for_another_datum_is_left_approximate(tmp_path):
    path = _old_shapefile(tmp_path, "EPSG:2436")
    assert old_datum("EPSG:2436") == "北京54" and old_datum("EPSG:4548") is None
    lr = read_any(path, datum_shift=DatumShift(towgs84=OFFICE, datum="西安80")).layers[0]
    assert any("北京54" in w and "未做基准转换" in w for w in lr.warnings)
    assert_at_truth(read_any(path, datum_shift=DatumShift(towgs84=OFFICE, datum="北京54")).layers[0].gdf, 2.0)


def test_seven_parameters_typed_wrong_give_a_chinese_message():
    with pytest.raises(LoadError, match="7 个数"):
        DatumShift.from_text("1,2,3")
    with pytest.raises(LoadError, match="不是数字"):
        DatumShift.from_text("1,2,3,a,5,6,7")


def test_cli_towgs84_option(tmp_path, cli):
    from loaders.__main__ import main

    path = _old_shapefile(tmp_path)
    done = cli(main, "inspect", path, "--json", "--quiet", "--towgs84=" + ",".join(map(str, OFFICE)))
    assert done.returncode == 0, done.stderr
    layer = json.loads(done.stdout)["layers"][0]
    assert "本单位七参数" in layer["datum"] and layer["plausibility"]["near"]
    minx, miny, maxx, maxy = layer["bounds_wgs84"]  # the truth spans 117.64–117.8612 E, 31.6002–31.78 N
    assert [round(v, 4) for v in (minx, miny, maxx, maxy)] == [117.64, 31.6002, 117.8612, 31.78]


def test_an_office_grid_is_applied(tmp_path):
    grid = ntv2_grid(tmp_path / "西安80_2000.gsb", dlat_seconds=2.0, dlon_east_seconds=3.0)
    lon = np.array([p[0] for p in TRUTH.values()]) - 3.0 / 3600  # where the old datum puts the truth, per the grid
    lat = np.array([p[1] for p in TRUTH.values()]) - 2.0 / 3600
    x, y = Transformer.from_crs("+proj=longlat +ellps=IAU76", "+proj=tmerc +lon_0=117 +k=1 +x_0=500000 +ellps=IAU76",
                                always_xy=True).transform(lon, lat)
    path = tmp_path / "格网.shp"
    truth_points().set_geometry(gpd.points_from_xy(x, y), crs="EPSG:2384").to_file(path, encoding="UTF-8")
    lr = read_any(path, datum_shift=DatumShift(grid=str(grid))).layers[0]
    assert "格网 西安80_2000.gsb" in lr.datum
    assert_at_truth(lr.gdf, 2.0)
    with pytest.raises(LoadError, match="找不到格网文件"):
        read_any(path, datum_shift=DatumShift(grid=str(tmp_path / "没有.gsb")))
