"""CSV and Excel tables with coordinates: 经度/纬度, lon/lat, X/Y columns (numbers or degrees-minutes-seconds), one combined
经纬度/坐标 column, or WKT; the header found below title rows and notes."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from core.spreadsheets import open_xlsx, rows
from loaders import dms
from loaders import encoding as enc
from loaders.errors import LoadError
from loaders.fieldnames import MAX_FIELDS, check_count, unique_names
from loaders.report import FieldRename

#: Column-name spellings (normalised: lower case, no spaces, units in brackets removed), best pairs first.
COORD_PAIRS = (
    ({"经度", "东经", "经度坐标", "gcj经度", "bd经度", "wgs84经度"}, {"纬度", "北纬", "纬度坐标", "gcj纬度", "bd纬度", "wgs84纬度"}),
    ({"lon", "longitude", "long", "wgs84lon", "gcjlon"}, {"lat", "latitude", "wgs84lat", "gcjlat"}),
    ({"lng", "gcjlng", "bdlng"}, {"lat", "gcjlat", "bdlat"}),
    ({"x", "x坐标", "坐标x", "pointx", "xcoord", "横坐标"}, {"y", "y坐标", "坐标y", "pointy", "ycoord", "纵坐标"}),
)
#: Names of one column holding both coordinates ('117.87,31.60'); the second set names latitude first.
PAIR_NAMES = {"经纬度", "坐标", "经纬度坐标", "坐标点", "点位坐标", "中心点坐标", "位置坐标", "位置", "xy", "xy坐标",
              "lnglat", "lonlat", "coordinates", "coordinate", "coords", "location", "纬经度", "latlng", "latlon"}
WKT_NAMES = {"wkt", "geometry", "geom", "thegeom", "shape", "几何", "空间信息", "图形"}
WKT_RE = re.compile(r"^\s*(SRID=\d+;\s*)?(MULTI)?(POINT|LINESTRING|POLYGON)\s*Z?\s*\(|^\s*GEOMETRYCOLLECTION", re.I)
#: How far down a sheet the header row is looked for (title rows and notes above it are skipped and reported).
MAX_TITLE_ROWS = 30
DELIMITERS = (",", "\t", ";", "|")
#: The most an Excel table may hold (e.g. 150,000 points of 20 fields) and unpack to: read in bounded memory, refused beyond.
MAX_ROWS, MAX_CELLS, MAX_UNPACKED = 500_000, 3_000_000, 200 * 1024**2
#: Longitude and latitude ranges that can be China (to tell 117.87,31.60 from 31.60,117.87).
LON_RANGE, LAT_RANGE = (70.0, 140.0), (0.0, 60.0)


@dataclass
class Table:
    """One sheet turned into geometry (no CRS yet; index = row number in the file), how it was found, and what changed."""

    name: str
    gdf: gpd.GeoDataFrame
    encoding: str
    encoding_detected: bool
    notes: list[str] = field(default_factory=list)
    coordinates: str = ""
    texts: list[str] = field(default_factory=list)
    renames: list[FieldRename] = field(default_factory=list)
    encoding_why: str = ""


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


def _is_header(cells) -> bool:
    """True when a row's cells name coordinate columns, a combined coordinate column or a WKT column."""
    cells = [c for c in cells if isinstance(c, str) and c.strip()]
    return bool(find_coordinate_columns(cells)) or any(_norm(c) in PAIR_NAMES | WKT_NAMES for c in cells)


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


def find_pair_column(df: pd.DataFrame) -> str | None:
    """The column holding both coordinates in one cell ('117.87,31.60' in 经纬度 or 坐标), by name and values."""
    for col in df.columns:
        if _norm(col) in PAIR_NAMES and dms.looks_like_pairs(df[col]):
            return col
    return None


def _swapped(x: pd.Series, y: pd.Series) -> bool:
    """True when X/Y (or lon/lat) were written the other way round and should be swapped."""
    xs, ys = x.dropna(), y.dropna()
    if not len(xs) or not len(ys):
        return False
    if xs.between(*LAT_RANGE).all() and ys.between(*LON_RANGE).all() and not ys.between(*LAT_RANGE).all():
        return True  # 经度/纬度 columns exchanged
    northing = xs.between(2_000_000, 6_000_000).all()
    easting = ys.between(100_000, 900_000).all() or ys.between(13_000_000, 46_000_000).all()
    return northing and easting  # surveyors' X = north, Y = east


def _rows(index) -> str:
    """'3, 7, 12' for the first ten row numbers (with … after)."""
    index = list(index)
    return ", ".join(str(i) for i in index[:10]) + ("…" if len(index) > 10 else "")


def _trailing_notes(df: pd.DataFrame, located: pd.Series) -> list[int]:
    """Row labels at the end of a table that hold a note (no coordinates, at most two filled cells), not a feature."""
    notes = []
    for label in reversed(df.index):
        if located[label] or df.loc[label].notna().sum() > 2:
            break
        notes.append(label)
    return list(reversed(notes))


def table_to_geo(df: pd.DataFrame, name: str) -> tuple[gpd.GeoDataFrame, list[str], str, list[str]] | None:
    """(points or WKT geometry, notes, coordinate columns said in Chinese, note texts) for a table; None when it has no coordinates."""
    notes: list[str] = []
    df = df.dropna(how="all")
    pair = find_coordinate_columns(df.columns)
    combined = None if pair else find_pair_column(df)
    if pair or combined:
        if pair:
            xcol, ycol = pair
            x, nx = dms.parse_numbers(df[xcol])
            y, ny = dms.parse_numbers(df[ycol])
            said = f"{xcol} / {ycol}"
        else:
            x, y, nx = dms.split_pair(df[combined])
            ny, xcol, ycol = 0, combined, combined
            latitude_first = _norm(combined) in ("纬经度", "latlng", "latlon")
            x, y = (y, x) if latitude_first else (x, y)
            said = f"{combined}（一列中的两个坐标，{'纬度在前' if latitude_first else '按数值判断先后'}）"
        if nx + ny:
            said += f"；度分秒 {nx + ny} 个已换算为十进制度"
        if _swapped(x, y):
            x, y = y, x
            notes.append(f"「{xcol}」「{ycol}」两个坐标互换使用（按测量习惯 X 为北坐标、Y 为东坐标，或经纬度写反）")
        located = x.notna() & y.notna()
        tail = _trailing_notes(df, located)
        texts = [" ".join(str(v) for v in df.loc[r].dropna()) for r in tail]
        if tail:
            notes.append(f"表格末尾的说明 {len(tail)} 行（第 {_rows(tail)} 行）未作为要素导入")
            df, x, y, located = df.drop(index=tail), x.drop(index=tail), y.drop(index=tail), located.drop(index=tail)
        bad = ~located
        if bad.any():
            notes.append(f"坐标为空或无法识别的 {int(bad.sum())} 行未能定位（第 {_rows(df.index[bad])} 行）")
        geometry = gpd.GeoSeries(gpd.points_from_xy(x, y), index=df.index)
        geometry[bad] = None
        keep = [c for c in df.columns if c != combined]
        return gpd.GeoDataFrame(df[keep], geometry=geometry), notes, said, texts
    wkt = find_wkt_column(df)
    if wkt:
        text = df[wkt].astype(str).str.replace(r"^\s*SRID=\d+;", "", regex=True)
        geometry = shapely.from_wkt(text.where(df[wkt].notna(), None), on_invalid="ignore")
        bad = pd.isna(geometry) & df[wkt].notna().to_numpy()
        if bad.any():
            notes.append(f"无法解析的 WKT {int(bad.sum())} 行（第 {_rows(df.index[bad])} 行）")
        return gpd.GeoDataFrame(df.drop(columns=[wkt]), geometry=gpd.GeoSeries(list(geometry), index=df.index)), notes, \
            f"{wkt}（WKT 几何）", []
    return None


def _header_row(lines: list[str]) -> tuple[int, str] | None:
    """(line index, delimiter) of the first of a CSV's first lines that names coordinate or WKT columns."""
    for i, line in enumerate(lines[:MAX_TITLE_ROWS]):
        for delimiter in DELIMITERS:
            cells = next(csv.reader([line], delimiter=delimiter), [])
            if len(cells) > 1 and _is_header(cells):
                return i, delimiter
    return None


def _sniff(text: str) -> str:
    """The delimiter of a CSV text (comma, tab, semicolon or bar)."""
    try:
        return csv.Sniffer().sniff(text[:20000], delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        return ","


def _numeric_where_possible(col: pd.Series) -> pd.Series:
    """A text column as numbers when every value is a number and none has a leading zero (codes stay text)."""
    values = col.dropna().astype(str).str.strip()
    if not len(values) or values.str.match(r"^0\d").any():
        return col
    numbers = pd.to_numeric(values, errors="coerce")
    return pd.to_numeric(col, errors="coerce") if numbers.notna().all() else col


def _titled(df: pd.DataFrame, header: int, first_row: int) -> tuple[pd.DataFrame, list[str], list[FieldRename]]:
    """The rows under a sheet's header row, with unique column names, index = row number in the file; and the title texts above."""
    above = [" ".join(str(v) for v in df.iloc[i].dropna() if str(v).strip()) for i in range(header)]
    names = [str(v).strip() if pd.notna(v) and str(v).strip() else f"列{j + 1}" for j, v in enumerate(df.iloc[header])]
    names, renames = unique_names(names)
    body = df.iloc[header + 1:].copy()
    body.columns = names
    body.index = pd.RangeIndex(first_row + header + 1, first_row + header + 1 + len(body))
    return body, [t for t in above if t], renames


def _title_note(header_line: int, texts: list[str]) -> list[str]:
    """A note saying where the header was found and which title/note rows above it were skipped."""
    if not header_line:
        return []
    shown = "；".join(t[:40] for t in texts[:3])
    return [f"表头在第 {header_line + 1} 行，上方的标题/说明 {header_line} 行已跳过" + (f"：「{shown}」" if shown else "")]


def read_csv(path: Path) -> list[Table]:
    """A CSV/TXT table with coordinates; encoding UTF-8 (with or without BOM) or GB18030 decided from the bytes."""
    text, codec, detected = enc.decode(path.read_bytes())
    lines = text.splitlines()
    found = _header_row(lines)
    header, sep = found if found else (0, _sniff(text))
    try:
        raw = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_values=[""], header=None,
                          skiprows=header, skip_blank_lines=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise LoadError(f"「{path.name}」不是可读的 CSV 表格（第 {header + 1} 行起）。", str(exc)) from exc
    check_count(raw.columns, path.name)
    df, _, renames = _titled(raw, 0, header + 1)
    df = df.apply(_numeric_where_possible)
    made = table_to_geo(df, path.stem)
    if made is None:
        raise LoadError(f"「{path.name}」中没有找到坐标列（经度/纬度、lon/lat、lng/lat、X/Y、经纬度/坐标）或 WKT 几何列。")
    gdf, notes, said, tail = made
    titles = [line for line in lines[:header] if line.strip(" ,\t;|")]
    codec = "UTF-8" if codec.startswith("UTF-8") else codec
    why = f"按字节判断为 {codec}" if detected else "纯 ASCII"
    return [Table(path.stem, gdf, codec, detected, _title_note(header, titles) + notes, said, titles + tail, renames, why)]


def _cell(cell):
    """A cell's value as pandas reads it: whole numbers as int, error values (#N/A …) and blanks as None."""
    value = cell.value
    if cell.data_type == "e":
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _sheets(path: Path) -> dict[str, pd.DataFrame]:
    """Every worksheet as a frame of raw cells (header=None, values as typed), streamed and bounded: more than
    MAX_ROWS rows, MAX_FIELDS columns, MAX_CELLS cells or MAX_UNPACKED unpacked bytes is refused (LoadError)."""
    wb = open_xlsx(path, path.name, MAX_UNPACKED, LoadError, data_only=True)
    frames, cells = {}, 0
    try:
        for ws in wb.worksheets:
            data = []
            for row in rows(ws, path.name, MAX_ROWS, MAX_FIELDS, LoadError):
                cells += len(row)
                if cells > MAX_CELLS:
                    raise LoadError(f"「{path.name}」的单元格超过 {MAX_CELLS:,} 个（读到工作表「{ws.title}」第 {len(data) + 1:,} 行），"
                                    "已拒绝。请分成几个文件，或删去不需要的列后再导入。")
                data.append([_cell(c) for c in row])
            while data and not data[-1]:
                data.pop()
            width = max(map(len, data), default=0)
            frames[ws.title] = pd.DataFrame([r + [None] * (width - len(r)) for r in data], columns=range(width), dtype=object)
    finally:
        wb.close()
    return frames


def read_excel(path: Path) -> tuple[list[Table], list[str]]:
    """Every sheet of an .xlsx with coordinates as a table (header found below title rows), and a note for each sheet without."""
    if path.suffix.lower() == ".xls":
        raise LoadError(f"「{path.name}」是旧版 Excel（.xls），请在 Excel 中另存为 .xlsx 或 CSV 后再导入。")
    try:
        sheets = _sheets(path)
    except LoadError:
        raise
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise LoadError(f"「{path.name}」不是可读的 Excel 工作簿（文件损坏或格式不符）。", str(exc)) from exc
    tables, skipped = [], []
    for sheet, raw in sheets.items():
        header = next((i for i in range(min(len(raw), MAX_TITLE_ROWS)) if _is_header(list(raw.iloc[i]))), None)
        if header is None:
            skipped.append(f"工作表「{sheet}」没有坐标列或 WKT 列，未导入")
            continue
        check_count(raw.columns, f"{path.name} · {sheet}")
        df, titles, renames = _titled(raw, header, 1)
        made = table_to_geo(df.infer_objects(), str(sheet))
        if made is None:
            skipped.append(f"工作表「{sheet}」没有坐标列或 WKT 列，未导入")
            continue
        gdf, notes, said, tail = made
        tables.append(Table(str(sheet), gdf, "UTF-8", False, _title_note(header, titles) + notes, said, titles + tail,
                            renames, "Excel 工作簿规定为 Unicode"))
    if not tables:
        raise LoadError(f"「{path.name}」中没有找到坐标列（经度/纬度、lon/lat、lng/lat、X/Y、经纬度/坐标）或 WKT 几何列。")
    return tables, skipped
