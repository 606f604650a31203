"""Planners' own files read correctly: Chinese names decoded, positions right, repairs reported, bad input refused."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from pyproj import CRS, Geod
from pyproj.enums import WktVersion
from shapely.geometry import LineString, Point, Polygon

from geo.chinacoords import wgs84_to_gcj02
from loaders.files import CHUNK_FEATURES, LoadError, read_any, read_uploads

GEOD = Geod(ellps="GRS80")
#: Truth: three places in 巢湖市 (CGCS2000 lon/lat).
TRUTH = {"巢湖市政府": (117.8612, 31.6002), "柘皋镇": (117.7800, 31.7800), "中垾镇": (117.6400, 31.6100)}


def truth_points() -> gpd.GeoDataFrame:
    """The truth as a layer with Chinese names and a Chinese field name."""
    return gpd.GeoDataFrame({"名称": list(TRUTH), "类别": ["市", "镇", "镇"]},
                            geometry=[Point(xy) for xy in TRUTH.values()], crs="EPSG:4490")


def assert_positions(gdf: gpd.GeoDataFrame, tolerance_m: float, name_field: str = "名称") -> None:
    """Every named feature lies within `tolerance_m` of its true position."""
    gdf = gdf.to_crs("EPSG:4490")
    assert set(gdf[name_field]) == set(TRUTH)
    for name, geom in zip(gdf[name_field], gdf.geometry):
        lon, lat = TRUTH[name]
        _, _, dist = GEOD.inv(lon, lat, geom.x, geom.y)
        assert dist < tolerance_m, (name, dist)


def write_shp(gdf: gpd.GeoDataFrame, path: Path, encoding="UTF-8", cpg=True, prj=True) -> Path:
    """A shapefile written by GDAL, optionally without its .cpg or .prj, as planning offices hand them over."""
    gdf.to_file(path, encoding=encoding)
    if not cpg:
        path.with_suffix(".cpg").unlink()
    if not prj:
        path.with_suffix(".prj").unlink()
    return path


def only(result):
    """The single layer of a result."""
    assert len(result.layers) == 1, [lr.name for lr in result.layers]
    return result.layers[0]


# --- encodings -------------------------------------------------------------------------------------------------


def test_gbk_shapefile_without_cpg_decodes_names_and_values(tmp_path):
    lr = only(read_any(write_shp(truth_points(), tmp_path / "乡镇.shp", encoding="GBK", cpg=False)))
    assert "名称" in lr.gdf.columns and "类别" in lr.gdf.columns
    assert sorted(lr.gdf["名称"]) == sorted(TRUTH)
    assert lr.encoding == "GB18030" and lr.encoding_detected


def test_cpg_is_honoured_over_guessing(tmp_path):
    path = write_shp(truth_points(), tmp_path / "a.shp", encoding="GBK", cpg=False)
    path.with_suffix(".cpg").write_text("936")
    lr = only(read_any(path))
    assert sorted(lr.gdf["名称"]) == sorted(TRUTH) and lr.encoding == "GB18030" and not lr.encoding_detected


def test_utf8_shapefile_without_cpg_is_detected_as_utf8(tmp_path):
    lr = only(read_any(write_shp(truth_points(), tmp_path / "a.shp", cpg=False)))
    assert sorted(lr.gdf["名称"]) == sorted(TRUTH) and lr.encoding == "UTF-8" and lr.encoding_detected


# --- coordinates -----------------------------------------------------------------------------------------------


def test_zone_prefixed_gauss_kruger_without_prj_is_inferred(tmp_path):
    path = write_shp(truth_points().to_crs("EPSG:4527"), tmp_path / "gk.shp", prj=False)
    assert 39_000_000 < gpd.read_file(path).geometry.x.min() < 40_000_000
    lr = only(read_any(path))
    assert lr.crs_used == "EPSG:4527" and lr.crs_inferred
    assert any("西安80" in a for a in lr.crs_alternatives) and any("北京54" in a for a in lr.crs_alternatives)
    assert any("推断" in w for w in lr.warnings)
    assert_positions(lr.gdf, 1.0)


def test_six_digit_easting_without_prj_is_cm117(tmp_path):
    lr = only(read_any(write_shp(truth_points().to_crs("EPSG:4548"), tmp_path / "cm.shp", prj=False)))
    assert lr.crs_used == "EPSG:4548" and lr.crs_inferred
    assert_positions(lr.gdf, 1.0)


def test_esri_wkt_prj_of_cm117_is_honoured(tmp_path):
    path = write_shp(truth_points().to_crs("EPSG:4548"), tmp_path / "esri.shp")
    esri = CRS.from_epsg(4548).to_wkt(WktVersion.WKT1_ESRI)
    assert "Gauss_Kruger" in esri or "Transverse_Mercator" in esri
    path.with_suffix(".prj").write_text(esri)
    lr = only(read_any(path))
    assert lr.crs_used == "EPSG:4548" and not lr.crs_inferred
    assert_positions(lr.gdf, 1.0)


def test_numbers_that_fit_no_crs_give_a_message(tmp_path):
    path = tmp_path / "odd.shp"
    with pytest.warns(UserWarning, match="crs"):
        gpd.GeoDataFrame({"名称": ["x"]}, geometry=[Point(1e9, 1e9)]).to_file(path, encoding="UTF-8")
    with pytest.raises(LoadError, match="坐标系"):
        read_any(path)


def gcj_csv(tmp_path: Path) -> Path:
    """A CSV as Excel on Chinese Windows saves it (GBK), of points picked on 高德 (GCJ-02)."""
    lon, lat = wgs84_to_gcj02([p[0] for p in TRUTH.values()], [p[1] for p in TRUTH.values()])
    df = pd.DataFrame({"名称": list(TRUTH), "经度": lon, "纬度": lat, "备注": ["高德拾取"] * 3})
    path = tmp_path / "高德点位.csv"
    path.write_bytes(df.to_csv(index=False).encode("gbk"))
    return path


def test_gbk_csv_of_gcj02_points_lands_within_2m(tmp_path):
    lr = only(read_any(gcj_csv(tmp_path), coords="gcj02"))
    assert lr.encoding == "GB18030" and lr.encoding_detected and set(lr.gdf["备注"]) == {"高德拾取"}
    assert any("GCJ-02" in r for r in lr.repairs)
    assert_positions(lr.gdf, 2.0)


def test_gcj02_points_are_flagged_against_known_features(tmp_path):
    reference = truth_points().geometry
    flagged = only(read_any(gcj_csv(tmp_path), reference_points=reference))
    assert any("GCJ-02" in w for w in flagged.warnings)
    truth_csv = tmp_path / "真值.csv"
    pd.DataFrame({"名称": list(TRUTH), "lon": [p[0] for p in TRUTH.values()],
                  "lat": [p[1] for p in TRUTH.values()]}).to_csv(truth_csv, index=False)
    clean = only(read_any(truth_csv, reference_points=reference))
    assert not any("GCJ-02" in w for w in clean.warnings)


def test_bd09_points_are_converted(tmp_path):
    from geo.chinacoords import wgs84_to_bd09
    lon, lat = wgs84_to_bd09([p[0] for p in TRUTH.values()], [p[1] for p in TRUTH.values()])
    path = tmp_path / "百度.csv"
    pd.DataFrame({"名称": list(TRUTH), "lng": lon, "lat": lat}).to_csv(path, index=False)
    assert_positions(only(read_any(path, coords="bd09")).gdf, 2.0)


def test_excel_with_survey_xy_is_found_and_swapped(tmp_path):
    gk = truth_points().to_crs("EPSG:4548")
    path = tmp_path / "测量成果.xlsx"
    with pd.ExcelWriter(path) as xl:  # surveyors' X is the northing
        pd.DataFrame({"点名": list(TRUTH), "X": gk.geometry.y, "Y": gk.geometry.x}).to_excel(xl, sheet_name="控制点", index=False)
        pd.DataFrame({"说明": ["无坐标"]}).to_excel(xl, sheet_name="说明", index=False)
    result = read_any(path)
    lr = only(result)
    assert lr.crs_used == "EPSG:4548" and any("互换" in w for w in lr.warnings)
    assert any("说明" in w for w in result.warnings)
    assert_positions(lr.gdf, 1.0, name_field="点名")


def test_wkt_column_is_found(tmp_path):
    path = tmp_path / "wkt.csv"
    pd.DataFrame({"名称": list(TRUTH), "WKT": [Point(xy).wkt for xy in TRUTH.values()]}).to_csv(path, index=False)
    assert_positions(only(read_any(path)).gdf, 1.0)


# --- archives --------------------------------------------------------------------------------------------------


class GbkZipInfo(zipfile.ZipInfo):
    """A zip entry named in GBK without the UTF-8 flag, as Windows' built-in zip on Chinese systems writes it."""

    def _encodeFilenameFlags(self):
        return self.filename.encode("gbk"), self.flag_bits & ~0x800


def test_zip_in_nested_chinese_folders(tmp_path):
    src = write_shp(truth_points(), tmp_path / "地块.shp", encoding="GBK", cpg=False)
    archive = tmp_path / "规划资料.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for part in src.parent.glob("地块.*"):
            zf.writestr(GbkZipInfo(f"规划数据/2024年/用地/{part.name}"), part.read_bytes())
    result = read_any(archive.read_bytes(), "规划资料.zip")
    lr = only(result)
    assert lr.name == "地块" and sorted(lr.gdf["名称"]) == sorted(TRUTH)
    assert "规划数据/2024年/用地/地块.shp" in lr.source


def test_zip_with_several_layers_reads_all(tmp_path):
    a = write_shp(truth_points(), tmp_path / "点.shp")
    roads = gpd.GeoDataFrame({"名称": ["巢湖大道"]}, geometry=[LineString(list(TRUTH.values())[:2])], crs="EPSG:4490")
    b = write_shp(roads, tmp_path / "路.shp")
    archive = tmp_path / "两层.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in [*a.parent.glob("点.*"), *b.parent.glob("路.*")]:
            zf.write(part, f"资料/{part.name}")
    names = sorted(lr.name for lr in read_any(archive).layers)
    assert names == ["资料/点", "资料/路"]


@pytest.mark.parametrize("evil", ["../../escaped.txt", "/tmp/escaped-abs.txt", "..\\..\\escaped.txt"])
def test_zip_with_path_escape_writes_nothing_outside(tmp_path, monkeypatch, evil):
    import tempfile
    sandbox = tmp_path / "a" / "b"
    sandbox.mkdir(parents=True)
    monkeypatch.setattr(tempfile, "tempdir", str(sandbox))
    src = write_shp(truth_points(), tmp_path / "ok.shp")
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in src.parent.glob("ok.*"):
            zf.write(part, part.name)
        zf.writestr(evil, "pwned")
    before = set(tmp_path.rglob("*"))
    with pytest.raises(LoadError, match="压缩包外"):
        read_any(archive)
    assert set(tmp_path.rglob("*")) == before
    assert not Path("/tmp/escaped-abs.txt").exists()


def test_zip_bomb_is_refused_before_unpacking(tmp_path, monkeypatch):
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.csv", b"0" * (201 * 1024**2))
    assert archive.stat().st_size < 1024**2
    with pytest.raises(LoadError, match="上限|压缩比"):
        read_any(archive)
    assert sum(p.stat().st_size for p in tmp_path.rglob("*") if p.is_file()) < 2 * 1024**2


def test_file_over_the_size_limit_is_refused(tmp_path):
    path = write_shp(truth_points(), tmp_path / "a.shp")
    with pytest.raises(LoadError, match="上限"):
        read_any(path, max_bytes=50)


def test_loose_shapefile_parts_uploaded_together(tmp_path):
    src = write_shp(truth_points(), tmp_path / "上传.shp", encoding="GBK", cpg=False)
    files = [(p.name, p.read_bytes()) for p in src.parent.glob("上传.*")]
    lr = only(read_uploads(files))
    assert sorted(lr.gdf["名称"]) == sorted(TRUTH)


# --- other formats ---------------------------------------------------------------------------------------------


def test_kmz(tmp_path):
    kml = tmp_path / "doc.kml"
    truth_points().to_crs("EPSG:4326").rename(columns={"名称": "name"}).to_file(kml, driver="KML")
    kmz = tmp_path / "奥维标注.kmz"
    with zipfile.ZipFile(kmz, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(kml, "doc.kml")
    lr = only(read_any(kmz))
    name_col = next(c for c in lr.gdf.columns if c.lower() == "name")
    assert_positions(lr.gdf.rename(columns={name_col: "名称"}), 1.0)


def test_geopackage_every_layer_or_one_by_name(tmp_path):
    path = tmp_path / "成果.gpkg"
    truth_points().to_file(path, layer="乡镇驻地")
    gpd.GeoDataFrame({"名称": ["园区"]}, geometry=[Point(117.8, 31.6).buffer(0.01)], crs="EPSG:4490").to_file(path, layer="园区")
    assert sorted(lr.name for lr in read_any(path).layers) == ["成果/乡镇驻地", "成果/园区"]
    lr = only(read_any(path, layer="乡镇驻地"))
    assert_positions(lr.gdf, 1.0)
    with pytest.raises(LoadError, match="乡镇驻地"):
        read_any(path, layer="不存在")


def test_gbk_geojson_and_flatgeobuf(tmp_path):
    text = truth_points().to_json(ensure_ascii=False)
    gj = tmp_path / "gbk.geojson"
    gj.write_bytes(text.encode("gbk"))
    lr = only(read_any(gj))
    assert lr.encoding == "GB18030" and sorted(lr.gdf["名称"]) == sorted(TRUTH)
    fgb = tmp_path / "a.fgb"
    truth_points().to_file(fgb, driver="FlatGeobuf")
    assert_positions(only(read_any(fgb)).gdf, 1.0)


def cad_dxf(tmp_path: Path) -> Path:
    """A DXF as AutoCAD 2004 on Chinese Windows writes it: GBK text, $DWGCODEPAGE ANSI_936, zone-39 coordinates."""
    e, n = truth_points().to_crs("EPSG:4527").geometry.iloc[0].coords[0]
    parcel = Polygon([(e, n), (e + 200, n), (e + 200, n + 100), (e, n + 100)])
    road = LineString([(e - 500, n), (e + 500, n + 10)])
    path = tmp_path / "gdal.dxf"
    gpd.GeoDataFrame({"Layer": ["道路中线", "工业用地"]}, geometry=[road, parcel.exterior], crs="EPSG:4527").to_file(path, driver="DXF")
    text = path.read_bytes().decode("utf-8").replace("ANSI_1252", "ANSI_936")
    out = tmp_path / "总图.dxf"
    out.write_bytes(text.encode("gbk"))
    return out


def test_dxf_lines_and_closed_polylines_keep_cad_layers(tmp_path):
    lr_all = read_any(cad_dxf(tmp_path)).layers
    by_kind = {lr.gdf.geom_type.iloc[0]: lr for lr in lr_all}
    assert set(by_kind) == {"LineString", "Polygon"}
    assert by_kind["LineString"].gdf["Layer"].tolist() == ["道路中线"]
    parcel = by_kind["Polygon"]
    assert parcel.gdf["Layer"].tolist() == ["工业用地"] and parcel.crs_used == "EPSG:4527" and parcel.crs_inferred
    assert parcel.gdf.to_crs("EPSG:4548").area.iloc[0] == pytest.approx(20_000, rel=1e-3)
    corner = parcel.gdf.geometry.iloc[0].exterior.coords[0]
    lon, lat = TRUTH["巢湖市政府"]
    assert GEOD.inv(lon, lat, *corner)[2] < 1.0


# --- geometry repairs ------------------------------------------------------------------------------------------


def test_bowtie_repaired_empties_dropped_mixed_split_and_all_reported(tmp_path):
    bowtie = Polygon([(117.80, 31.60), (117.82, 31.62), (117.82, 31.60), (117.80, 31.62)])
    assert not bowtie.is_valid
    gdf = gpd.GeoDataFrame({"名称": ["蝴蝶结", "正常", "空", "点"]},
                           geometry=[bowtie, Point(117.8, 31.6).buffer(0.01), None, Point(117.85, 31.61)], crs="EPSG:4490")
    path = tmp_path / "mixed.geojson"
    gdf.to_file(path, driver="GeoJSON")
    layers = {lr.name: lr for lr in read_any(path).layers}
    assert set(layers) == {"mixed（点）", "mixed（面）"}
    polys = layers["mixed（面）"]
    assert polys.gdf.is_valid.all() and sorted(polys.gdf["名称"]) == ["正常", "蝴蝶结"]
    fixed = polys.gdf.set_index("名称").to_crs("EPSG:4548").geometry["蝴蝶结"]
    expected = gpd.GeoSeries([shapely.make_valid(bowtie)], crs="EPSG:4490").to_crs("EPSG:4548").area.iloc[0]
    assert fixed.area == pytest.approx(expected, rel=1e-6) and fixed.area > 0
    report = " ".join(polys.repairs)
    assert "修复无效几何 1 个" in report and "删除空几何" in report and "拆分" in report


# --- broken input ----------------------------------------------------------------------------------------------


def test_truncated_shapefile(tmp_path):
    path = write_shp(truth_points(), tmp_path / "cut.shp")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 30])
    with pytest.raises(LoadError, match="不完整"):
        read_any(path)


def test_text_renamed_shp_and_empty_file(tmp_path):
    fake = tmp_path / "fake.shp"
    fake.write_text("这不是 shapefile\n" * 20, encoding="utf-8")
    with pytest.raises(LoadError, match="不是有效的 Shapefile"):
        read_any(fake)
    empty = tmp_path / "empty.geojson"
    empty.write_bytes(b"")
    with pytest.raises(LoadError, match="空文件"):
        read_any(empty)
    with pytest.raises(LoadError, match="损坏|不完整"):
        read_any(b'{"type": "FeatureCollection", "features": [', "broken.geojson")


def test_one_broken_file_in_a_zip_is_reported_and_the_rest_read(tmp_path):
    src = write_shp(truth_points(), tmp_path / "好.shp")
    archive = tmp_path / "混合.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in src.parent.glob("好.*"):
            zf.write(part, part.name)
        zf.writestr("坏.shp", b"not a shapefile at all, just text" * 5)
    result = read_any(archive)
    assert [lr.name for lr in result.layers] == ["好"]
    assert any("坏.shp" in w for w in result.warnings)


def test_large_file_reports_progress(tmp_path):
    n = CHUNK_FEATURES + 10
    gdf = gpd.GeoDataFrame({"编号": range(n)}, geometry=gpd.points_from_xy([117.8] * n, [31.6] * n), crs="EPSG:4490")
    path = write_shp(gdf, tmp_path / "big.shp")
    calls = []
    lr = only(read_any(path, progress=lambda f, m: calls.append(f)))
    assert len(lr.gdf) == n and len(calls) >= 2 and calls == sorted(calls) and calls[-1] == 1.0
