"""CSV and Excel tables with coordinate columns (经度/纬度, lon/lat, lng/lat, X/Y or WKT) found by name."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from loaders import encoding as enc
from loaders.errors import LoadError

#: Column-name spellings (normalised: lower case, no spaces, units in brackets removed), best pairs first.
COORD_PAIRS = (
    ({"经度", "东经", "经度坐标", "gcj经度", "bd经度", "wgs84经度"}, {"纬度", "北纬", "纬度坐标", "gcj纬度", "bd纬度", "wgs84纬度"}),
    ({"lon", "longitude", "long", "wgs84lon", "gcjlon"}, {"lat", "latitude", "wgs84lat", "gcjlat"}),
    ({"lng", "gcjlng", "bdlng"}, {"lat", "gcjlat", "bdlat"}),
    ({"x", "x坐标", "坐标x", "pointx", "xcoord", "横坐标"}, {"y", "y坐标", "坐标y", "pointy", "ycoord", "纵坐标"}),
)
WKT_NAMES = {"wkt", "geometry", "geom", "thegeom", "shape", "几何", "空间信息", "图形"}
WKT_RE = re.compile(r"^\s*(SRID=\d+;\s*)?(MULTI)?(POINT|LINESTRING|POLYGON)\s*Z?\s*\(|^\s*GEOMETRYCOLLECTION", re.I)


@dataclass
class Table:
    """One sheet turned into geometry: the data (no CRS yet), how it was found, and what changed."""

    name: str
    gdf: gpd.GeoDataFrame
    encoding: str
    encoding_detected: bool
    notes: list[str] = field(default_factory=list)


def _norm(name) -> str:
    """A column name reduced for matching: '经度(°)' → '经度', 'Point_X' → 'pointx'."""
    text = re.sub(r"[（(\[【].*?[)）\]】]", "", str(name)).strip().lower()
    return re.sub(r"[\s_\-.:：]", "", text)


def find_coordinate_columns(columns) -> tuple[str, str] | None:
    """(x column, y column) among `columns` by name, or None."""
    names = {_norm(c): c for c in columns}
    for xs, ys in COORD_PAIRS:
        x = next((names[n] for n in names if n in xs), None)
        y = next((names[n] for n in names if n in ys), None)
        if x is not None and y is not None:
            return x, y
    return None


def find_wkt_column(df: pd.DataFrame) -> str | None:
    """The column holding WKT geometry: by name, else the first text column whose values are WKT."""
    for col in df.columns:
        if _norm(col) in WKT_NAMES and df[col].dropna().astype(str).head(20).str.match(WKT_RE).any():
            return col
    for col in df.columns:
        values = df[col].dropna()
        if len(values) and values.map(lambda v: isinstance(v, str)).all() and values.astype(str).head(20).str.match(WKT_RE).all():
            return col
    return None


def _swapped(x: pd.Series, y: pd.Series) -> bool:
    """True when X/Y (or lon/lat) were written the other way round and should be swapped."""
    xs, ys = x.dropna(), y.dropna()
    if not len(xs):
        return False
    if xs.between(0, 90).all() and ys.between(70, 140).all() and not ys.between(0, 90).all():
        return True  # 经度/纬度 columns exchanged
    northing = xs.between(2_000_000, 6_000_000).all()
    easting = ys.between(100_000, 900_000).all() or ys.between(13_000_000, 46_000_000).all()
    return northing and easting  # surveyors' X = north, Y = east


def table_to_geo(df: pd.DataFrame, name: str) -> tuple[gpd.GeoDataFrame, list[str]] | None:
    """Geometry for a table from its coordinate or WKT columns, with notes; None when it has neither."""
    notes: list[str] = []
    df = df.dropna(how="all").reset_index(drop=True)
    pair = find_coordinate_columns(df.columns)
    if pair:
        xcol, ycol = pair
        x = pd.to_numeric(df[xcol].astype(str).str.strip().str.replace(",", ""), errors="coerce")
        y = pd.to_numeric(df[ycol].astype(str).str.strip().str.replace(",", ""), errors="coerce")
        if _swapped(x, y):
            x, y = y, x
            notes.append(f"「{xcol}」「{ycol}」两列互换使用（按测量习惯 X 为北坐标、Y 为东坐标，或经纬度列写反）")
        bad = x.isna() | y.isna()
        if bad.any():
            notes.append(f"坐标为空或不是数字的 {int(bad.sum())} 行未能定位（第 {', '.join(str(i + 2) for i in df.index[bad][:10])} 行…）")
        geometry = gpd.points_from_xy(x, y)
        geometry[bad.to_numpy()] = None
        notes.insert(0, f"坐标列：{xcol} / {ycol}")
        return gpd.GeoDataFrame(df, geometry=geometry), notes
    wkt = find_wkt_column(df)
    if wkt:
        text = df[wkt].astype(str).str.replace(r"^\s*SRID=\d+;", "", regex=True)
        geometry = shapely.from_wkt(text.where(df[wkt].notna(), None), on_invalid="ignore")
        bad = pd.isna(geometry) & df[wkt].notna().to_numpy()
        if bad.any():
            notes.append(f"无法解析的 WKT {int(bad.sum())} 行")
        notes.insert(0, f"几何列（WKT）：{wkt}")
        return gpd.GeoDataFrame(df.drop(columns=[wkt]), geometry=list(geometry)), notes
    return None


def _sniff(text: str) -> str:
    """The delimiter of a CSV text (comma, tab, semicolon or bar)."""
    try:
        return csv.Sniffer().sniff(text[:20000], delimiters=",\t;|").delimiter
    except csv.Error:
        return ","


def read_csv(path: Path) -> list[Table]:
    """A CSV/TXT table with coordinates; encoding UTF-8 (with or without BOM) or GB18030 decided from the bytes."""
    text, codec, detected = enc.decode(path.read_bytes())
    try:
        df = pd.read_csv(io.StringIO(text), sep=_sniff(text), dtype=str, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise LoadError(f"「{path.name}」不是可读的 CSV 表格。", str(exc)) from exc
    df = df.apply(_numeric_where_possible)
    found = table_to_geo(df, path.stem)
    if found is None:
        raise LoadError(f"「{path.name}」中没有找到坐标列（经度/纬度、lon/lat、lng/lat、X/Y）或 WKT 几何列。")
    codec = "UTF-8" if codec.startswith("UTF-8") else codec
    return [Table(path.stem, found[0], codec, detected, found[1])]


def _numeric_where_possible(col: pd.Series) -> pd.Series:
    """A text column as numbers when every value is a number and none has a leading zero (codes stay text)."""
    values = col.dropna().astype(str).str.strip()
    if not len(values) or values.str.match(r"^0\d").any():
        return col
    numbers = pd.to_numeric(values, errors="coerce")
    return pd.to_numeric(col, errors="coerce") if numbers.notna().all() else col


def read_excel(path: Path) -> tuple[list[Table], list[str]]:
    """Every sheet of an .xlsx with coordinates as a table, and a note for each sheet without."""
    if path.suffix.lower() == ".xls":
        raise LoadError(f"「{path.name}」是旧版 Excel（.xls），请在 Excel 中另存为 .xlsx 或 CSV 后再导入。")
    try:
        sheets = pd.read_excel(path, sheet_name=None, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise LoadError(f"「{path.name}」不是可读的 Excel 工作簿（文件损坏或格式不符）。", str(exc)) from exc
    tables, skipped = [], []
    for sheet, df in sheets.items():
        found = table_to_geo(df, str(sheet))
        if found is None:
            skipped.append(f"工作表「{sheet}」没有坐标列或 WKT 列，未导入")
            continue
        tables.append(Table(str(sheet), found[0], "UTF-8", False, found[1]))
    if not tables:
        raise LoadError(f"「{path.name}」中没有找到坐标列（经度/纬度、lon/lat、lng/lat、X/Y）或 WKT 几何列。")
    return tables, skipped
