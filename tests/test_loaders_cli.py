"""`python -m loaders inspect|convert`: Chinese report, decoded UTF-8 output in EPSG:4326, exit 2 without a traceback on bad input."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point

from loaders.__main__ import main

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def run(cli):
    """`python -m loaders ARGS`, as a planner runs it (in this process)."""
    return lambda *args: cli(main, *args)


@pytest.fixture
def gbk_gk_shapefile(tmp_path) -> Path:
    """A GBK shapefile without .cpg or .prj, in zone-prefixed Gauss-Krüger (zone 39)."""
    path = tmp_path / "企业.shp"
    gdf = gpd.GeoDataFrame({"企业名称": ["巢湖云海镁业"], "行业": ["新材料"]}, geometry=[Point(117.8612, 31.6002)], crs="EPSG:4490")
    gdf.to_crs("EPSG:4527").to_file(path, encoding="GBK")
    path.with_suffix(".cpg").unlink()
    path.with_suffix(".prj").unlink()
    return path


def test_inspect_reports_crs_encoding_and_bounds(gbk_gk_shapefile, run):
    done = run("inspect", str(gbk_gk_shapefile), "--json")
    assert done.returncode == 0, done.stderr
    layer = json.loads(done.stdout)["layers"][0]
    assert layer["features"] == 1 and layer["crs"]["used"] == "EPSG:4527" and layer["crs"]["how"] == "inferred"
    assert layer["encoding"]["used"] == "GB18030" and layer["encoding"]["detected"] is True and "企业名称" in layer["fields"]
    minx, miny, maxx, maxy = layer["bounds_wgs84"]
    assert abs(minx - 117.8612) < 1e-5 and abs(miny - 31.6002) < 1e-5
    text = run("inspect", str(gbk_gk_shapefile)).stdout
    assert "EPSG:4527" in text and "推断" in text and "GB18030" in text


def test_convert_writes_utf8_geojson_in_wgs84(gbk_gk_shapefile, run, tmp_path):
    out = tmp_path / "out" / "企业.geojson"
    done = run("convert", str(gbk_gk_shapefile), str(out))
    assert done.returncode == 0, done.stderr
    data = json.loads(out.read_bytes().decode("utf-8"))
    feature = data["features"][0]
    assert feature["properties"] == {"企业名称": "巢湖云海镁业", "行业": "新材料"}
    lon, lat = feature["geometry"]["coordinates"]
    assert abs(lon - 117.8612) < 1e-5 and abs(lat - 31.6002) < 1e-5


def test_convert_to_shapefile_keeps_chinese(gbk_gk_shapefile, run, tmp_path):
    out = tmp_path / "utf8.shp"
    done = run("convert", str(gbk_gk_shapefile), str(out))
    assert done.returncode == 0 and "「企业名称」改为「企业名」" in done.stderr  # a DBF field name holds 10 bytes
    assert out.with_suffix(".cpg").read_text().strip().upper() in ("UTF-8", "UTF8")
    back = gpd.read_file(out)
    assert back.crs == "EPSG:4326" and back["行业"].tolist() == ["新材料"] and back["企业名"].tolist() == ["巢湖云海镁业"]


def test_coords_option_converts_gcj02(tmp_path, run):
    from geo.chinacoords import wgs84_to_gcj02
    lon, lat = wgs84_to_gcj02(117.8612, 31.6002)
    csv = tmp_path / "点.csv"
    csv.write_bytes(f"名称,lng,lat\n巢湖市政府,{lon},{lat}\n".encode("gbk"))
    out = tmp_path / "点.geojson"
    assert run("convert", str(csv), str(out), "--coords", "gcj02").returncode == 0
    x, y = json.loads(out.read_text(encoding="utf-8"))["features"][0]["geometry"]["coordinates"]
    assert abs(x - 117.8612) < 2e-5 and abs(y - 31.6002) < 2e-5


def _broken_inputs(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """Each broken input and the words its message must contain."""
    good = tmp_path / "good.shp"
    gpd.GeoDataFrame({"a": [1]}, geometry=[Point(117.8, 31.6)], crs="EPSG:4490").to_file(good)
    truncated = tmp_path / "truncated.shp"
    for part in good.parent.glob("good.*"):
        (tmp_path / f"truncated{part.suffix}").write_bytes(part.read_bytes())
    truncated.write_bytes(good.read_bytes()[:-10])
    renamed = tmp_path / "renamed.shp"
    renamed.write_text("名称,经度,纬度\n" * 10, encoding="utf-8")
    empty = tmp_path / "empty.geojson"
    empty.write_bytes(b"")
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("../../x.txt", "x")
    notzip = tmp_path / "notzip.zip"
    notzip.write_text("hello")
    return {"truncated": (truncated, "不完整"), "renamed": (renamed, "不是有效的 Shapefile"), "empty": (empty, "空文件"),
            "evil": (evil, "压缩包外"), "notzip": (notzip, "不是有效的压缩包"), "missing": (tmp_path / "nope.shp", "找不到")}


@pytest.mark.slow
def test_every_broken_input_gives_its_message_and_exit_2(tmp_path, run):
    for name, (path, words) in _broken_inputs(tmp_path).items():
        for command in (["inspect", str(path)], ["convert", str(path), str(tmp_path / f"out-{name}.geojson")]):
            done = run(*command)
            assert done.returncode == 2, (name, done.stdout, done.stderr)
            assert words in done.stderr and "Traceback" not in done.stderr, (name, done.stderr)
            assert not (tmp_path / f"out-{name}.geojson").exists()
    assert not (tmp_path.parent / "x.txt").exists()


@pytest.mark.slow
def test_inspect_json_reports_what_was_decided_and_repaired_per_layer(tmp_path, run):
    from filebuild import file_gdb, zipped

    archive = tmp_path / "三调成果.zip"
    archive.write_bytes(zipped(file_gdb(tmp_path / "src")))
    done = run("inspect", str(archive), "--json", "--quiet")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    parcels = next(layer for layer in report["layers"] if layer["name"].endswith("/DLTB"))
    assert parcels["crs"]["used"] == "EPSG:4527" and parcels["crs"]["how"] == "declared" and "文件地理数据库" in parcels["crs"]["why"]
    assert parcels["encoding"]["used"] == "UTF-8" and parcels["encoding"]["why"]
    assert {"original": "DLMC", "name": "地类名称"}.items() <= next(
        r for r in parcels["field_renames"] if r["original"] == "DLMC").items()
    assert parcels["plausibility"]["near"] is True and parcels["plausibility"]["distance_km"] < 40
    assert any("CZCDYD" in w for w in report["warnings"])
    text = run("inspect", str(archive), "--quiet").stdout
    assert "DLMC → 地类名称" in text and "文件地理数据库" in text and "距巢湖市约" in text


def test_upload_options_match_the_app_configuration():
    import tomllib

    from loaders.options import CRS_CHOICES, MAX_UPLOAD_MB, UPLOAD_TYPES, too_large
    from pyproj import CRS

    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] >= MAX_UPLOAD_MB  # Streamlit must let through what we accept
    assert {"zip", "shp", "gpkg", "csv", "xlsx", "mdb"} <= set(UPLOAD_TYPES)
    assert all(CRS.from_user_input(code) for code in CRS_CHOICES if code)
    message = too_large("三调.zip", 300 * 1024**2)
    assert "300 MB" in message and f"{MAX_UPLOAD_MB} MB" in message and "maxUploadSize" in message
