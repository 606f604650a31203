"""Planners' files built from scratch for the loader tests: true positions, DBFs written byte by byte, zipped geodatabases;
and a photo with an EXIF GPS position (a unit's evidence)."""

from __future__ import annotations

import io
import re
import struct
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
from PIL import Image
from pyproj import Geod
from shapely.geometry import Point, Polygon

GEOD = Geod(ellps="GRS80")
#: Truth: three places in 巢湖市 (CGCS2000 lon/lat).
TRUTH = {"巢湖市政府": (117.8612, 31.6002), "柘皋镇": (117.7800, 31.7800), "中垾镇": (117.6400, 31.6100)}


def truth_points() -> gpd.GeoDataFrame:
    """The truth as a layer with Chinese names."""
    return gpd.GeoDataFrame({"名称": list(TRUTH)}, geometry=[Point(xy) for xy in TRUTH.values()], crs="EPSG:4490")


def metres_off(geom, lon: float, lat: float) -> float:
    """Distance in metres from a point geometry (EPSG:4490) to a true position."""
    return float(GEOD.inv(lon, lat, geom.x, geom.y)[2])


def assert_at_truth(gdf: gpd.GeoDataFrame, tolerance_m: float = 2.0, name_field: str = "名称") -> None:
    """Every named point lies within `tolerance_m` of its true position."""
    gdf = gdf.to_crs("EPSG:4490")
    assert sorted(gdf[name_field]) == sorted(TRUTH), list(gdf[name_field])
    for name, geom in zip(gdf[name_field], gdf.geometry):
        assert metres_off(geom, *TRUTH[name]) < tolerance_m, (name, metres_off(geom, *TRUTH[name]))


def write_dbf(path: Path, fields: list[tuple[bytes, str, int]], rows: list[list[bytes]], ldid: int = 0) -> Path:
    """A dBase III file written byte by byte: each field (name bytes cut to 10, type letter, width), each row's values."""
    record_len = 1 + sum(width for _, _, width in fields)
    header_len = 32 + 32 * len(fields) + 1
    out = bytearray(struct.pack("<BBBBIHH", 3, 124, 1, 1, len(rows), header_len, record_len) + b"\0" * 20)
    out[29] = ldid
    for name, kind, width in fields:
        out += name[:10].ljust(11, b"\0") + kind.encode() + b"\0" * 4 + bytes([width, 0]) + b"\0" * 14
    out += b"\r"
    for row in rows:
        out += b" " + b"".join(value[:width].ljust(width) for value, (_, _, width) in zip(row, fields))
    out += b"\x1a"
    path.write_bytes(bytes(out))
    return path


def shapefile_with_dbf(path: Path, points: list[tuple[float, float]], fields, rows, cpg: str | None = None,
                       crs: str = "EPSG:4490") -> Path:
    """A point shapefile whose .shp/.shx/.prj GDAL writes and whose .dbf (and .cpg) are written here byte by byte."""
    gpd.GeoDataFrame({"tmp": range(len(points))}, geometry=[Point(p) for p in points], crs=crs).to_file(path)
    write_dbf(path.with_suffix(".dbf"), fields, rows)
    path.with_suffix(".cpg").unlink(missing_ok=True)
    if cpg is not None:
        path.with_suffix(".cpg").write_text(cpg)
    return path


def square(lon: float, lat: float, metres: float = 60.0) -> Polygon:
    """A square parcel of about `metres` a side whose south-west corner is at (lon, lat), in EPSG:4490."""
    d_lat = metres / 111_000.0
    d_lon = metres / (111_000.0 * 0.851)  # cos(31.6°)
    return Polygon([(lon, lat), (lon + d_lon, lat), (lon + d_lon, lat + d_lat), (lon, lat + d_lat)])


#: Three 三调 parcels around the truth points, with the standard pinyin field codes.
DLTB = {"BSM": ["1", "2", "3"], "TBBH": ["101", "102", "103"], "DLBM": ["0101", "0301", "0702"],
        "DLMC": ["水田", "乔木林地", "农村宅基地"], "QSDWMC": ["卧牛山社区", "柘皋村", "中垾村"], "TBMJ": [3600.0, 3600.0, 3600.0]}


def dltb(crs: str = "EPSG:4527") -> gpd.GeoDataFrame:
    """A DLTB (地类图斑) feature class: parcels at the truth points, in zone-prefixed Gauss-Krüger (zone 39) by default."""
    parcels = [square(*xy) for xy in TRUTH.values()]
    return gpd.GeoDataFrame(DLTB, geometry=parcels, crs="EPSG:4490").to_crs(crs)


def file_gdb(folder: Path, name: str = "巢湖市三调成果.gdb", empty: bool = True) -> Path:
    """A File Geodatabase written by GDAL's OpenFileGDB driver: DLTB (zone 39), XZQ points, an empty layer, an attribute table."""
    gdb = folder / name
    gdb.parent.mkdir(parents=True, exist_ok=True)
    dltb().to_file(gdb, layer="DLTB", driver="OpenFileGDB")
    seats = truth_points().rename(columns={"名称": "XZQMC"}).assign(XZQDM=["340181100", "340181101", "340181102"])
    seats.to_crs("EPSG:4527").to_file(gdb, layer="XZQ", driver="OpenFileGDB")
    if empty:
        gpd.GeoDataFrame({"BSM": []}, geometry=[], crs="EPSG:4527").to_file(
            gdb, layer="CZCDYD", driver="OpenFileGDB", geometry_type="Polygon")
    pyogrio.write_dataframe(pd.DataFrame({"DM": ["01"], "MC": ["耕地"]}), gdb, layer="DLDM", driver="OpenFileGDB")
    return gdb


def zipped(folder: Path, root: str = "成果") -> bytes:
    """Every file under `folder` zipped under `root/<folder name>/…` (nested, as offices deliver results)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for part in sorted(folder.rglob("*")):
            if part.is_file():
                zf.write(part, f"{root}/{folder.name}/{part.relative_to(folder).as_posix()}" if root else
                         part.relative_to(folder).as_posix())
    return buf.getvalue()


def _record(name: str, value) -> bytes:
    """One 16-byte NTv2 header record: an 8-character name and an int, a double or 8 characters."""
    key = name.ljust(8).encode("ascii")
    if isinstance(value, int):
        return key + struct.pack("<i", value) + b"\0" * 4
    if isinstance(value, float):
        return key + struct.pack("<d", value)
    return key + value.ljust(8).encode("ascii")


def ntv2_grid(path: Path, dlat_seconds: float, dlon_east_seconds: float, box=(117.0, 31.0, 118.5, 32.5), step=0.25) -> Path:
    """An NTv2 grid (.gsb) shifting every point by the same seconds north and east over `box` (west, south, east, north)."""
    west, south, east, north = box
    rows, cols = int(round((north - south) / step)) + 1, int(round((east - west) / step)) + 1
    head = b"".join(_record(k, v) for k, v in [
        ("NUM_OREC", 11), ("NUM_SREC", 11), ("NUM_FILE", 1), ("GS_TYPE", "SECONDS"), ("VERSION", "NTv2.0"),
        ("SYSTEM_F", "XIAN80"), ("SYSTEM_T", "CGCS2000"), ("MAJOR_F", 6378140.0), ("MINOR_F", 6356755.288),
        ("MAJOR_T", 6378137.0), ("MINOR_T", 6356752.314)])
    sub = b"".join(_record(k, v) for k, v in [  # NTv2 counts longitude positive west
        ("SUB_NAME", "CHAOHU"), ("PARENT", "NONE"), ("CREATED", "20240101"), ("UPDATED", "20240101"),
        ("S_LAT", south * 3600.0), ("N_LAT", north * 3600.0), ("E_LONG", -east * 3600.0), ("W_LONG", -west * 3600.0),
        ("LAT_INC", step * 3600.0), ("LONG_INC", step * 3600.0), ("GS_COUNT", rows * cols)])
    body = struct.pack("<4f", dlat_seconds, -dlon_east_seconds, 0.0, 0.0) * (rows * cols)
    path.write_bytes(head + sub + body + _record("END", ""))
    return path


def rezipped(data: bytes, sheet_xml) -> bytes:
    """An xlsx's bytes with its first sheet's XML changed by `sheet_xml(text) -> text` (crafted workbooks)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = sheet_xml(body.decode("utf-8")).encode("utf-8")
            out.writestr(info.filename, body)
    return buf.getvalue()


def whole_sheet(xml: str) -> str:
    """A sheet's used range declared as every cell Excel has (A1:XFD1048576)."""
    return re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:XFD1048576"', xml)


def photo_jpeg(gps: tuple[float, float] | None = None, taken: str = "2026:11:18 10:30:00", size=(40, 30)) -> bytes:
    """A small JPEG photo, with EXIF GPS (degrees, minutes, seconds) and a date when `gps` is given."""
    img = Image.new("RGB", size, (90, 140, 200))
    exif = Image.Exif()
    if gps is not None:
        def dms(x: float):
            d = int(abs(x))
            m = int((abs(x) - d) * 60)
            return (float(d), float(m), round(((abs(x) - d) * 60 - m) * 60, 4))
        exif[0x8825] = {1: "N" if gps[0] >= 0 else "S", 2: dms(gps[0]), 3: "E" if gps[1] >= 0 else "W", 4: dms(gps[1])}
        exif[0x8769] = {36867: taken}
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif)
    return buf.getvalue()
