"""One entry point for planners' own files: read any supported file, zip or upload into EPSG:4490 layers, report every change."""

from __future__ import annotations

import re
import struct
import tempfile
import threading
import warnings as pywarnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS

from geo.chinacoords import bd09_to_wgs84, gcj02_to_wgs84
from geo.crs import STORAGE, WEB
from loaders import crsguess, repairs, tables
from loaders import encoding as enc
from loaders.archive import check_zip, extract_zip
from loaders.errors import LoadError

DEFAULT_MAX_BYTES = 200 * 1024**2
#: Above this many features a layer is read in chunks so progress can be shown.
CHUNK_FEATURES = 50_000
VECTOR_FORMATS = {".shp": "Shapefile", ".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GeoPackage",
                  ".kml": "KML", ".kmz": "KMZ", ".fgb": "FlatGeobuf", ".dxf": "DXF"}
TABLE_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", ".xls")
SIDECARS = (".shx", ".dbf", ".prj", ".cpg", ".sbn", ".sbx", ".qix", ".xml", ".qmd", ".fix")
SUPPORTED = "Shapefile（.shp 及附属文件或 zip）、GeoJSON、GeoPackage、KML/KMZ、FlatGeobuf、CSV/Excel（含坐标列）、DXF"
#: --coords choices: where the numbers were picked, and the converter to WGS84.
COORDS = {"gcj02": ("GCJ-02（高德/腾讯）", gcj02_to_wgs84), "bd09": ("BD-09（百度）", bd09_to_wgs84)}
#: The label of "no conversion" beside COORDS: the numbers are WGS84/CGCS2000 already.
NATIVE_COORDS_LABEL = "WGS84/CGCS2000"
#: What an upload may be (suffixes without the dot): every readable format, its sidecars and zips.
UPLOAD_SUFFIXES = tuple(sorted({s.lstrip(".") for s in (*VECTOR_FORMATS, *TABLE_SUFFIXES, *SIDECARS, ".zip")}))
OUTPUT_DRIVERS = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GPKG", ".shp": "ESRI Shapefile", ".fgb": "FlatGeobuf"}

Progress = Callable[[float, str], None]
_GDAL_CONFIG = threading.Lock()


@dataclass
class LayerResult:
    """One layer read: data in EPSG:4490, how its CRS and encoding were decided, and every repair or problem (Chinese)."""

    name: str
    gdf: gpd.GeoDataFrame
    crs_used: str
    crs_inferred: bool
    encoding: str
    encoding_detected: bool
    repairs: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    source: str = ""
    crs_alternatives: list[str] = field(default_factory=list)

    @property
    def bounds_wgs84(self) -> tuple[float, float, float, float]:
        """(min lon, min lat, max lon, max lat) in WGS84."""
        return tuple(float(v) for v in self.gdf.to_crs(WEB).total_bounds)

    def to_dict(self) -> dict:
        """Everything but the data, for JSON output."""
        return {"name": self.name, "source": self.source, "features": len(self.gdf),
                "geometry_types": sorted(set(self.gdf.geom_type.dropna())),
                "crs_used": self.crs_used, "crs_inferred": self.crs_inferred, "crs_alternatives": self.crs_alternatives,
                "encoding": self.encoding, "encoding_detected": self.encoding_detected,
                "bounds_wgs84": list(self.bounds_wgs84), "fields": [c for c in self.gdf.columns if c != self.gdf.geometry.name],
                "repairs": self.repairs, "warnings": self.warnings}


@dataclass
class ReadResult:
    """Every layer read from one upload or path, and problems that concern the whole input (e.g. a skipped file)."""

    source: str
    layers: list[LayerResult]
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The report as JSON-ready data."""
        return {"source": self.source, "layers": [lr.to_dict() for lr in self.layers], "warnings": self.warnings}


@dataclass
class _Raw:
    """A layer as read from its file, before CRS, repairs and splitting."""

    name: str
    gdf: gpd.GeoDataFrame
    source: str
    encoding: str
    encoding_detected: bool
    repairs: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _say(progress: Progress | None, fraction: float, message: str) -> None:
    """Report progress if someone listens."""
    if progress is not None:
        progress(min(max(fraction, 0.0), 1.0), message)


def _safe_filename(name: str) -> str:
    """The base name of an uploaded file with path parts and control characters removed."""
    base = re.split(r"[\\/]", name or "")[-1].strip().lstrip(".")
    base = re.sub(r"[\x00-\x1f<>:\"|?*]", "_", base)
    return base or "upload"


def _check_size(path: Path, label: str, max_bytes: int) -> None:
    """Refuse empty files and files over the size limit."""
    size = path.stat().st_size
    if size == 0:
        raise LoadError(f"「{label}」是空文件（0 字节），没有可读的内容。")
    if size > max_bytes:
        raise LoadError(f"「{label}」大小 {size / 1024**2:.0f} MB，超过 {max_bytes / 1024**2:.0f} MB 的上限，已拒绝。")


def _check_shapefile(path: Path, label: str) -> None:
    """Refuse a .shp that is not one (wrong magic number) or is truncated, and one without its .shx."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(100)
    if len(head) < 100 or struct.unpack(">i", head[:4])[0] != 9994:
        raise LoadError(f"「{label}」不是有效的 Shapefile（文件头不对，可能是改了扩展名的其他文件）。")
    declared = struct.unpack(">i", head[24:28])[0] * 2
    if declared > size:
        raise LoadError(f"「{label}」不完整：文件头声明 {declared} 字节，实际只有 {size} 字节（拷贝或传输被中断），请重新导出。")
    if enc.find_sidecar(path, ".shx") is None:
        raise LoadError(f"「{label}」缺少同名的 .shx 索引文件，请把 .shp、.shx、.dbf、.prj（及 .cpg）一起提供或打包成 zip。")


def _read_layer(path: Path, layer: str | None, encoding: str | None, label: str, progress: Progress | None) -> gpd.GeoDataFrame:
    """One layer through pyogrio, in chunks (with progress) when it is large and the format allows it."""
    kwargs = {"layer": layer, "encoding": encoding} if encoding else {"layer": layer}
    info = pyogrio.read_info(path, **kwargs)
    total = int(info.get("features") or 0)
    if total > CHUNK_FEATURES and info["capabilities"].get("fast_set_next_by_index"):
        parts = []
        for start in range(0, total, CHUNK_FEATURES):
            parts.append(pyogrio.read_dataframe(path, skip_features=start, max_features=CHUNK_FEATURES, **kwargs))
            _say(progress, min(start + CHUNK_FEATURES, total) / total, f"读取「{label}」：{min(start + CHUNK_FEATURES, total)}/{total}")
        return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=parts[0].crs)
    _say(progress, 0.1, f"读取「{label}」…")
    gdf = pyogrio.read_dataframe(path, **kwargs)
    _say(progress, 1.0, f"已读取「{label}」：{len(gdf)} 个要素")
    return gdf


def _read_vector(path: Path, label: str, fmt: str, layer: str | None, encoding: str | None,
                 progress: Progress | None) -> tuple[list[tuple[str, gpd.GeoDataFrame]], list[str]]:
    """Every spatial layer of a vector file (or the one named), and notes on tables without geometry."""
    listed = pyogrio.list_layers(path)
    names = [str(n) for n, _ in listed]
    if layer is not None:
        if layer not in names:
            raise LoadError(f"「{label}」中没有名为「{layer}」的图层；现有图层：{'、'.join(names)}。")
        listed = [row for row in listed if row[0] == layer]
    out, notes = [], []
    for name, geometry_type in listed:
        if geometry_type is None and fmt == "GeoPackage":
            notes.append(f"「{label}」中的「{name}」是无几何的属性表，未导入")
            continue
        gdf = _read_layer(path, str(name), encoding, f"{label} · {name}" if len(listed) > 1 else label, progress)
        if len(gdf) or len(listed) == 1:
            out.append((str(name), gdf))
    return out, notes


def _read_dxf(path: Path, label: str, progress: Progress | None) -> tuple[gpd.GeoDataFrame, str, bool]:
    """A DXF's entities with their CAD layer names decoded (DXF_ENCODING set from $DWGCODEPAGE or the bytes)."""
    codec, detected = enc.dxf_encoding(path)
    with _GDAL_CONFIG:
        pyogrio.set_gdal_config_options({"DXF_ENCODING": codec})
        try:
            gdf = _read_layer(path, None, None, label, progress)
        finally:
            pyogrio.set_gdal_config_options({"DXF_ENCODING": None})
    empty = [c for c in gdf.columns if c not in ("Layer", gdf.geometry.name) and gdf[c].isna().all()]
    return gdf.drop(columns=empty), codec, detected


def _read_file(path: Path, label: str, tmp: Path, layer: str | None, max_bytes: int,
               progress: Progress | None) -> tuple[list[_Raw], list[str]]:
    """The layers of one file (not an archive), as read; LoadError with a Chinese message when it cannot be read."""
    _check_size(path, label, max_bytes)
    suffix = path.suffix.lower()
    stem = Path(label).with_suffix("").as_posix() if "/" in label else path.stem
    if suffix in SIDECARS:
        raise LoadError(f"「{label}」是 Shapefile 的附属文件，请同时提供同名的 .shp（或把全部文件打包成 zip）。")
    if suffix in (".csv", ".txt"):
        return [_Raw(t.name if t.name != path.stem else stem, t.gdf, label, t.encoding, t.encoding_detected, [], t.notes)
                for t in tables.read_csv(path)], []
    if suffix in (".xlsx", ".xlsm", ".xls"):
        found, skipped = tables.read_excel(path)
        return [_Raw(f"{stem}/{t.name}" if len(found) > 1 else stem, t.gdf, label, t.encoding, False, [], t.notes)
                for t in found], skipped
    fmt = VECTOR_FORMATS.get(suffix)
    if fmt is None:
        raise LoadError(f"「{label}」的格式（{suffix or '无扩展名'}）不受支持。支持：{SUPPORTED}。")
    codec, detected, notes, repairs_done = "UTF-8", False, [], []
    try:
        if fmt == "Shapefile":
            _check_shapefile(path, label)
            codec, detected, how = enc.shapefile_encoding(path)
            if enc.find_sidecar(path, ".dbf") is None:
                notes.append("缺少 .dbf 属性表：只有几何，没有属性")
            read = [(stem, _read_layer(path, None, codec, label, progress))]
        elif fmt == "DXF":
            gdf, codec, detected = _read_dxf(path, label, progress)
            gdf, closed = repairs.close_polylines(gdf)
            if closed:
                repairs_done.append(f"CAD 闭合多段线 {closed} 条转为面")
            read = [(stem, gdf)]
        else:
            if fmt == "KMZ":
                check_zip(path, max_bytes)
            if fmt == "GeoJSON":
                text, codec, detected = enc.decode(path.read_bytes())
                if not codec.startswith("UTF-8"):
                    path = tmp / f"recoded-{path.stem}.geojson"
                    path.write_text(text, encoding="utf-8")
                codec = "UTF-8" if codec.startswith("UTF-8") else codec
            found, notes = _read_vector(path, label, fmt, layer, None, progress)
            read = [(stem if len(found) == 1 else f"{stem}/{name}", gdf) for name, gdf in found]
    except LoadError:
        raise
    except Exception as exc:  # GDAL reports broken files in many ways; the planner gets one message
        raise LoadError(f"无法读取「{label}」：文件已损坏、不完整，或不是 {fmt} 格式。", str(exc)) from exc
    if not read:
        raise LoadError(f"「{label}」中没有图层。")
    return [_Raw(name, gdf, label, codec, detected, list(repairs_done), []) for name, gdf in read], notes


def _main_files(directory: Path) -> list[Path]:
    """The readable files in a folder tree (sidecars and archive debris skipped), in a stable order."""
    wanted = set(VECTOR_FORMATS) | set(TABLE_SUFFIXES)
    return sorted(p for p in directory.rglob("*") if p.is_file() and p.suffix.lower() in wanted
                  and not p.name.startswith("._") and "__MACOSX" not in p.parts)


def _read_dir(directory: Path, label: str, tmp: Path, max_bytes: int, progress: Progress | None) -> tuple[list[_Raw], list[str]]:
    """Every readable file under a folder (an unpacked zip, or several uploads); one broken file is reported, not fatal."""
    files = _main_files(directory)
    if not files:
        raise LoadError(f"「{label}」中没有可读的空间数据文件。支持：{SUPPORTED}。")
    raws, notes, errors = [], [], []
    for path in files:
        rel = path.relative_to(directory).as_posix()
        try:
            found, more = _read_file(path, rel, tmp, None, max_bytes, progress)
            raws += found
            notes += more
        except LoadError as exc:
            errors.append(exc)
    if not raws:
        raise errors[0] if len(errors) == 1 else LoadError(
            f"「{label}」中的文件都无法读取：" + "；".join(e.message for e in errors), "; ".join(e.detail for e in errors))
    if len(files) == 1:  # one file in nested folders: name its layers after the file, not the folders
        prefix = files[0].relative_to(directory).with_suffix("").as_posix()
        for raw in raws:
            raw.name = files[0].stem + raw.name[len(prefix):] if raw.name.startswith(prefix) else raw.name
    return raws, notes + [f"未导入：{e.message}" for e in errors]


def _convert(gdf: gpd.GeoDataFrame, converter) -> gpd.GeoDataFrame:
    """Every vertex of a lon/lat layer through a vectorised (lon, lat) converter."""
    def move(xy):
        lon, lat = converter(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])

    out = gdf.copy()
    out[out.geometry.name] = gpd.GeoSeries(shapely.transform(gdf.geometry.to_numpy(), move), index=gdf.index, crs=gdf.crs)
    return out


def _finish(raw: _Raw, coords: str | None, crs: str | None, reference_points) -> list[LayerResult]:
    """CRS decided, repairs made and counted, GCJ-02/BD-09 handled, mixed types split: the layers a user sees."""
    fixes, notes = list(raw.repairs), list(raw.warnings)
    label = raw.source if Path(raw.source).stem == raw.name.split("/")[-1] else f"{raw.source} · {raw.name}"
    gdf, n = repairs.drop_empty(raw.gdf)
    if n:
        fixes.append(f"删除空几何（或无法定位的行）{n} 个")
    if gdf.empty:
        raise LoadError(f"「{label}」没有任何带几何的要素。")
    gdf, n = repairs.explode_collections(gdf)
    if n:
        fixes.append(f"几何集合 {n} 个拆分为单独要素")
    gdf, n, lost = repairs.repair_invalid(gdf)
    if n:
        fixes.append(f"修复无效几何 {n} 个（make_valid，如自相交的“蝴蝶结”面）")
    if lost:
        fixes.append(f"修复后退化为零面积而删除 {lost} 个")
    bounds = gdf.total_bounds
    alternatives: list[str] = []
    if crs:
        source, inferred = CRS.from_user_input(crs), False
        fixes.append(f"按指定的坐标系 {crsguess.describe(source)} 读取")
    elif gdf.crs is not None and not (gdf.crs.is_geographic and not crsguess.looks_geographic(bounds)):
        source, inferred = gdf.crs, False
    else:
        if gdf.crs is not None:
            notes.append(f"文件声明的坐标系 {crsguess.describe(gdf.crs)} 与坐标数值不符（不是经纬度），已改为按数值推断")
        try:
            code, reason, alternatives = crsguess.infer_crs(bounds)
        except ValueError as exc:
            raise LoadError(f"「{label}」没有坐标系信息（.prj），且{exc}。请在导入时指定坐标系。") from exc
        source, inferred = CRS.from_user_input(code), True
        notes.append(f"未提供坐标系，{reason}（推断）" + (f"；旧资料也可能是：{'、'.join(alternatives)}" if alternatives else ""))
    gdf = gdf.set_crs(source, allow_override=True).to_crs(STORAGE)
    if coords in COORDS:
        title, converter = COORDS[coords]
        if source.is_geographic:
            gdf = _convert(gdf, converter)
            fixes.append(f"坐标由 {title} 转换为 WGS84/CGCS2000")
        else:
            notes.append(f"坐标是投影坐标（{crsguess.crs_code(source)}），不是 {title}，未做转换")
    elif reference_points is not None and source.is_geographic:
        offset = crsguess.suspect_gcj02(gdf.geometry, reference_points)
        if offset:
            notes.append(f"点位整体偏离已知要素约 {offset:.0f} 米，方向与 GCJ-02 偏移一致：可能是在高德/腾讯地图上拾取的坐标，"
                         "如是，请选择「GCJ-02」重新导入")
    parts = repairs.split_by_kind(gdf)
    if len(parts) > 1:
        fixes.append("几何类型混合，已拆分为：" + "、".join(f"{k} {len(p)} 个" for k, p in parts.items()))
    return [LayerResult(raw.name if len(parts) == 1 else f"{raw.name}（{kind}）", part, crsguess.crs_code(source), inferred,
                        raw.encoding, raw.encoding_detected, list(fixes), list(notes), raw.source, alternatives)
            for kind, part in parts.items()]


def _read_path(path: Path, label: str, tmp: Path, coords, layer, max_bytes, progress, reference_points, crs) -> ReadResult:
    """Read a file, folder or zip under a temporary folder and finish its layers."""
    if not path.exists():
        raise LoadError(f"找不到文件「{label}」。")
    if coords not in (None, "wgs84", *COORDS):
        raise LoadError(f"未知的坐标来源「{coords}」，可选：gcj02（高德/腾讯）、bd09（百度）。")
    if path.is_dir():
        raws, notes = _read_dir(path, label, tmp, max_bytes, progress)
    elif path.suffix.lower() == ".zip":
        _check_size(path, label, max_bytes)
        _say(progress, 0.0, f"解压「{label}」…")
        raws, notes = _read_dir(extract_zip(path, tmp / "unzipped", max_bytes), label, tmp, max_bytes, progress)
    else:
        raws, notes = _read_file(path, label, tmp, layer, max_bytes, progress)
    layers, errors = [], []
    for raw in raws:
        try:
            layers += _finish(raw, coords, crs, reference_points)
        except LoadError as exc:
            errors.append(exc)
    if layer is not None and (path.is_dir() or path.suffix.lower() == ".zip"):
        layers = [lr for lr in layers if layer in (lr.name, lr.name.split("/")[-1])]
        if not layers:
            raise LoadError(f"「{label}」中没有名为「{layer}」的图层。")
    if not layers:
        raise errors[0] if errors else LoadError(f"「{label}」中没有可读的图层。")
    return ReadResult(label, layers, notes + [f"未导入：{e.message}" for e in errors])


def read_any(source, filename: str | None = None, coords: str | None = None, layer: str | None = None,
             max_bytes: int = DEFAULT_MAX_BYTES, progress: Progress | None = None,
             reference_points: gpd.GeoSeries | None = None, crs: str | None = None) -> ReadResult:
    """Read a path or uploaded bytes (named `filename`) into EPSG:4490 layers; LoadError (Chinese) when it cannot."""
    with pywarnings.catch_warnings(), tempfile.TemporaryDirectory(prefix="chaohu-load-") as tmpdir:
        pywarnings.simplefilter("ignore")
        tmp = Path(tmpdir)
        if isinstance(source, (str, Path)):
            path = Path(source)
            return _read_path(path, filename or path.name, tmp, coords, layer, max_bytes, progress, reference_points, crs)
        data = source.getvalue() if hasattr(source, "getvalue") else source.read() if hasattr(source, "read") else bytes(source)
        name = _safe_filename(filename or getattr(source, "name", "") or "upload")
        if len(data) > max_bytes:
            raise LoadError(f"「{name}」大小 {len(data) / 1024**2:.0f} MB，超过 {max_bytes / 1024**2:.0f} MB 的上限，已拒绝。")
        path = tmp / "upload" / name
        path.parent.mkdir()
        path.write_bytes(data)
        return _read_path(path, name, tmp, coords, layer, max_bytes, progress, reference_points, crs)


def read_uploads(files: Sequence[tuple[str, bytes]], coords: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
                 progress: Progress | None = None, reference_points: gpd.GeoSeries | None = None,
                 crs: str | None = None) -> ReadResult:
    """Several uploaded files read together (e.g. a shapefile's .shp/.shx/.dbf/.prj/.cpg picked one by one)."""
    if sum(len(data) for _, data in files) > max_bytes:
        raise LoadError(f"上传的文件合计超过 {max_bytes / 1024**2:.0f} MB 的上限，已拒绝。")
    if len(files) == 1:
        return read_any(files[0][1], files[0][0], coords, None, max_bytes, progress, reference_points, crs)
    with pywarnings.catch_warnings(), tempfile.TemporaryDirectory(prefix="chaohu-load-") as tmpdir:
        pywarnings.simplefilter("ignore")
        folder = Path(tmpdir) / "upload"
        folder.mkdir()
        for name, data in files:
            (folder / _safe_filename(name)).write_bytes(data)
        label = "、".join(_safe_filename(n) for n, _ in files)
        return _read_path(folder, label, Path(tmpdir), coords, None, max_bytes, progress, reference_points, crs)


def _file_label(name: str) -> str:
    """A layer name usable as part of a file name."""
    return re.sub(r"[\\/:*?\"<>|\s]+", "_", name).strip("_") or "layer"


def shapefile_fields(gdf: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Field names cut to whole characters within the DBF's 10 UTF-8 bytes and kept unique, with a note per rename."""
    renames, taken, notes = {}, set(), []
    for col in gdf.columns:
        if col == gdf.geometry.name:
            continue
        short, i = str(col), 1
        while len(short.encode("utf-8")) > 10:
            short = short[:-1]
        base = short
        while short.lower() in taken:
            i += 1
            short = base
            while len(f"{short}{i}".encode()) > 10:
                short = short[:-1]
            short = f"{short}{i}"
        taken.add(short.lower())
        if short != col:
            renames[col] = short
            notes.append(f"Shapefile 字段名最长 10 字节：「{col}」改为「{short}」")
    return gdf.rename(columns=renames), notes


def write_layers(layers: Sequence[LayerResult], out: str | Path) -> list[tuple[Path, list[str]]]:
    """Write layers in EPSG:4326 as UTF-8 GeoJSON, GeoPackage, Shapefile or FlatGeobuf by `out`'s suffix; (file, notes) written."""
    out = Path(out)
    driver = OUTPUT_DRIVERS.get(out.suffix.lower())
    if driver is None:
        raise LoadError(f"不支持的输出格式「{out.suffix}」，可选：.geojson、.gpkg、.shp、.fgb。")
    out.parent.mkdir(parents=True, exist_ok=True)
    written: dict[Path, list[str]] = {}
    for lr in layers:
        target = out if driver == "GPKG" or len(layers) == 1 else out.with_name(f"{out.stem}_{_file_label(lr.name)}{out.suffix}")
        gdf, kwargs, notes = lr.gdf.to_crs(WEB), {}, []
        if driver == "GPKG":
            kwargs["layer"] = lr.name.replace("/", "_")
        if driver == "ESRI Shapefile":
            kwargs["encoding"] = "UTF-8"
            gdf, notes = shapefile_fields(gdf)
        try:
            with pywarnings.catch_warnings():
                pywarnings.simplefilter("ignore")
                pyogrio.write_dataframe(gdf, target, driver=driver, **kwargs)
        except Exception as exc:
            raise LoadError(f"无法写出「{target.name}」。", str(exc)) from exc
        written.setdefault(target, []).extend(notes)
    return list(written.items())
