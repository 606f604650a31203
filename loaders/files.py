"""One entry point for planners' own files: read any supported file, folder, zip or upload into EPSG:4490 layers, each
with a report of what was decided (CRS, encoding, field names, coordinates, position) and what was repaired.

Nothing impossible leaves here: every layer is checked finite, inside China and near 巢湖市 (or says how far), and a
declared CRS the numbers contradict is replaced by the one they fit (with a warning) or the file is refused.
"""

from __future__ import annotations

import re
import tempfile
import threading
import warnings as pywarnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely

from geo.chinacoords import bd09_to_wgs84, gcj02_to_wgs84
from geo.crs import WEB
from loaders import coordsource, crsguess, datum, fieldnames, frames, gdb, plausibility, repairs, shapefile, tables, textformats
from loaders.archive import check_zip, extract_zip
from loaders.datum import DatumShift
from loaders.encoding import UTF8, EncodingDecision, find_sidecar, mapinfo_encoding
from loaders.errors import LoadError
from loaders.frames import CHUNK_FEATURES, Progress, say  # noqa: F401  (CHUNK_FEATURES: how large a layer reads in chunks)
from loaders.options import COORD_SOURCES, CRS_CHOICES, MAX_UPLOAD_MB, SUPPORTED, UPLOAD_TYPES, too_large  # noqa: F401
from loaders.report import (CoordSource, CrsDecision, EncodingReport, FieldRename, LayerReport, Plausibility, ReadReport,
                            report_lines)

DEFAULT_MAX_BYTES = MAX_UPLOAD_MB * 1024**2
VECTOR_FORMATS = {".shp": "Shapefile", ".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GeoPackage",
                  ".kml": "KML", ".kmz": "KMZ", ".fgb": "FlatGeobuf", ".dxf": "DXF", ".tab": "MapInfo", ".mif": "MapInfo"}
TABLE_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", ".xls")
SIDECARS = (".shx", ".dbf", ".prj", ".cpg", ".sbn", ".sbx", ".qix", ".xml", ".qmd", ".fix")
#: The parts of a MapInfo table besides its .tab (.dat, .map, .id, .ind) or .mif (.mid).
MAPINFO_SIDECARS = (".dat", ".map", ".id", ".ind", ".mid")
#: --coords choices: where the numbers were picked, and the converter to WGS84 ('wgs84' = confirmed, no conversion).
COORDS = {"gcj02": ("GCJ-02（高德/腾讯）", gcj02_to_wgs84), "bd09": ("BD-09（百度）", bd09_to_wgs84)}
#: Layer name beginnings GeoPackage/SQLite keep for themselves: a file so named is stored as 图层_… instead.
RESERVED_LAYER_PREFIXES = ("gpkg", "rtree_", "sqlite_")
#: Who declares a CRS, per format, for the report ("文件" when unsure).
DECLARED_BY = {"Shapefile": ".prj 文件", "GeoJSON": "GeoJSON 的 crs 成员", "GeoPackage": "GeoPackage", "FlatGeobuf": "FlatGeobuf",
               "KML": "KML 规范（WGS84）", "KMZ": "KML 规范（WGS84）", "FileGDB": "文件地理数据库",
               "MapInfo": "MapInfo 的 CoordSys"}

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
    crs_decision: CrsDecision | None = None
    encoding_why: str = ""
    datum: str = ""
    field_renames: list[FieldRename] = field(default_factory=list)
    coordinates: str = ""
    plausibility: Plausibility | None = None
    coord_source: CoordSource = field(default_factory=CoordSource)

    @property
    def needs_coord_source_confirmation(self) -> bool:
        """True for lon/lat points whose source (WGS84, 高德 GCJ-02, 百度 BD-09) the planner has not confirmed: ask before storing."""
        return self.coord_source.needs_confirmation

    @property
    def bounds_wgs84(self) -> tuple[float, float, float, float]:
        """(min lon, min lat, max lon, max lat) in WGS84."""
        return tuple(float(v) for v in self.gdf.to_crs(WEB).total_bounds)

    def report(self) -> LayerReport:
        """What was decided and repaired for this layer, as data."""
        crs = self.crs_decision or CrsDecision(used=self.crs_used, name=self.crs_used, how="inferred" if self.crs_inferred else "declared",
                                               why="", alternatives=self.crs_alternatives)
        where = self.plausibility or plausibility.summary(self.gdf)
        return LayerReport(name=self.name, source=self.source, features=len(self.gdf),
                           geometry_types=sorted(set(self.gdf.geom_type.dropna())),
                           fields=[str(c) for c in self.gdf.columns if c != self.gdf.geometry.name],
                           bounds_wgs84=list(self.bounds_wgs84), crs=crs,
                           encoding=EncodingReport(used=self.encoding, detected=self.encoding_detected, why=self.encoding_why),
                           datum=self.datum, field_renames=self.field_renames, coordinates=self.coordinates, plausibility=where,
                           coord_source=self.coord_source, repairs=self.repairs, warnings=self.warnings)

    def to_dict(self) -> dict:
        """Everything but the data, for JSON output."""
        return self.report().model_dump()


@dataclass
class ReadResult:
    """Every layer read from one upload or path, and problems that concern the whole input (e.g. a skipped file or layer)."""

    source: str
    layers: list[LayerResult]
    warnings: list[str] = field(default_factory=list)

    def report(self) -> ReadReport:
        """The whole report as data (the app shows it after an upload, `inspect --json` prints it)."""
        return ReadReport(source=self.source, layers=[lr.report() for lr in self.layers], warnings=self.warnings)

    def lines(self) -> list[str]:
        """The whole report as Chinese lines."""
        return report_lines(self.report())

    def to_dict(self) -> dict:
        """The report as JSON-ready data."""
        return self.report().model_dump()


@dataclass
class _Raw:
    """A layer as read from its file, before CRS, repairs and splitting."""

    name: str
    gdf: gpd.GeoDataFrame
    source: str
    encoding: EncodingDecision
    repairs: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    renames: list[FieldRename] = field(default_factory=list)
    declared_by: str = "文件"
    coordinates: str = ""
    texts: list[str] = field(default_factory=list)
    table: bool = False


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
        raise LoadError(too_large(label, size, max_bytes))


def _frame(raw: frames.RawLayer, label: str) -> tuple[gpd.GeoDataFrame, list[FieldRename]]:
    """A GDAL layer as a GeoDataFrame with unique field names (and the renames that made them so)."""
    fieldnames.check_count(raw.names, label)
    names, renames = fieldnames.unique_names(raw.names)
    return raw.frame(names), renames


def _read_vector(path: Path, label: str, fmt: str, layer: str | None,
                 progress: Progress | None) -> tuple[list[tuple[str, gpd.GeoDataFrame, list[FieldRename]]], list[str], bool]:
    """Every spatial layer of a multi-layer source (or the one named); notes on tables without geometry and empty layers;
    whether the source holds several layers (then each is named source/layer)."""
    listed = pyogrio.list_layers(path)
    names = [str(n) for n, _ in listed]
    if layer is not None:
        if layer not in names:
            raise LoadError(f"「{label}」中没有名为「{layer}」的图层；现有图层：{'、'.join(names)}。")
        listed = [row for row in listed if row[0] == layer]
    out, notes = [], []
    for name, geometry_type in listed:
        if geometry_type is None and fmt in ("GeoPackage", "FileGDB"):
            notes.append(f"「{label}」中的「{name}」是无几何的属性表，未导入")
            continue
        gdf, renames = _frame(frames.read_layer(path, str(name), None, f"{label} · {name}" if len(listed) > 1 else label,
                                                progress), f"{label} · {name}")
        if len(gdf) or len(listed) == 1:
            out.append((str(name), gdf, renames))
        else:
            notes.append(f"「{label}」中的图层「{name}」没有要素（空图层），已跳过")
    return out, notes, len(names) > 1


def _read_dxf(path: Path, label: str, tmp: Path, progress: Progress | None) -> _Raw:
    """A DXF's entities with CAD layer names and text decoded (escapes undone, UTF-8 rewritten when needed), closed polylines as polygons."""
    target, decision, fixes = textformats.dxf_for_gdal(path, tmp)
    with _GDAL_CONFIG:
        pyogrio.set_gdal_config_options({"DXF_ENCODING": UTF8})
        try:
            gdf, renames = _frame(frames.read_layer(target, None, None, label, progress), label)
        finally:
            pyogrio.set_gdal_config_options({"DXF_ENCODING": None})
    empty = [c for c in gdf.columns if c not in ("Layer", gdf.geometry.name) and gdf[c].isna().all()]
    gdf, closed = repairs.close_polylines(gdf.drop(columns=empty))
    if closed:
        fixes.append(f"CAD 闭合多段线 {closed} 条转为面")
    warnings = [decision.warning] if decision.warning else []
    return _Raw(path.stem, gdf, label, decision, fixes, warnings, renames, "文件")


def _read_mapinfo(path: Path, label: str, stem: str, tmp: Path, progress: Progress | None) -> _Raw:
    """A MapInfo table (.tab with .dat/.map/.id, or .mif with .mid): text in its declared charset, or judged from the
    bytes when it says Neutral (as GDAL writes it) or lies; the CRS from its CoordSys."""
    needed = (".dat", ".map") if path.suffix.lower() == ".tab" else (".mid",)
    missing = [s for s in needed if find_sidecar(path, s) is None]
    if missing:
        raise LoadError(f"「{label}」缺少 MapInfo 的 {'、'.join(missing)} 文件：请同时提供同名的全部文件，或打包成 zip。")
    decision = mapinfo_encoding(path)
    target, codec = path, None  # a charset GDAL knows and the bytes agree with: GDAL hands over UTF-8
    if decision.detected:  # Neutral, none or a lie: GDAL hands over the bytes as they are, decoded by us
        target, codec = textformats.mapinfo_neutral(path, tmp), decision.codec
    gdf, renames = _frame(frames.read_layer(target, None, codec, label, progress), label)
    warnings = [decision.warning] if decision.warning else []
    return _Raw(stem, gdf, label, decision, [], warnings, renames, DECLARED_BY["MapInfo"])


def _vector_raws(path: Path, label: str, stem: str, fmt: str, tmp: Path, layer: str | None, max_bytes: int,
                 progress: Progress | None) -> tuple[list[_Raw], list[str]]:
    """The layers of a GeoJSON, GeoPackage, KML/KMZ, FlatGeobuf or File Geodatabase."""
    decision, declared_by, has_crs = EncodingDecision(UTF8, False, f"{fmt} 规定为 UTF-8"), DECLARED_BY.get(fmt, "文件"), True
    target = path
    if fmt == "KMZ":
        check_zip(path, max_bytes)
    if fmt in ("KML", "KMZ"):
        target, decision = textformats.kml_for_gdal(path, tmp)
    elif fmt == "GeoJSON":
        target, decision, has_crs = textformats.geojson_for_gdal(path, tmp)
        declared_by = DECLARED_BY["GeoJSON"] if has_crs else "GeoJSON 规范（无 crs 成员时为 WGS84）"
    found, notes, several = _read_vector(target, label, fmt, layer, progress)
    warnings = [decision.warning] if decision.warning else []
    return [_Raw(f"{stem}/{name}" if several or fmt == "FileGDB" else stem, gdf, label, decision, [], list(warnings),
                 renames, declared_by) for name, gdf, renames in found], notes


def _table_raws(path: Path, label: str, stem: str) -> tuple[list[_Raw], list[str]]:
    """The sheets of a CSV or Excel file that hold coordinates."""
    if path.suffix.lower() in (".csv", ".txt"):
        found, skipped = tables.read_csv(path), []
    else:
        found, skipped = tables.read_excel(path)
    raws = []
    for t in found:
        name = (t.name if t.name != path.stem else stem) if path.suffix.lower() in (".csv", ".txt") else \
            (f"{stem}/{t.name}" if len(found) > 1 else stem)
        raws.append(_Raw(name, t.gdf, label, EncodingDecision(t.encoding, t.encoding_detected, t.encoding_why), [],
                         list(t.notes), list(t.renames), "表格", t.coordinates, t.texts, table=True))
    return raws, skipped


def _read_file(path: Path, label: str, tmp: Path, layer: str | None, max_bytes: int,
               progress: Progress | None) -> tuple[list[_Raw], list[str]]:
    """The layers of one file (not an archive), as read; LoadError with a Chinese message when it cannot be read."""
    _check_size(path, label, max_bytes)
    suffix = path.suffix.lower()
    stem = Path(label).with_suffix("").as_posix() if "/" in label else path.stem
    if suffix in SIDECARS:
        raise LoadError(f"「{label}」是 Shapefile 的附属文件，请同时提供同名的 .shp（或把全部文件打包成 zip）。")
    if suffix in MAPINFO_SIDECARS:
        raise LoadError(f"「{label}」是 MapInfo 表的附属文件，请同时提供同名的 .tab（或 .mif）及其全部文件，或打包成 zip。")
    if suffix == ".mdb":
        raise gdb.refuse_personal(label)
    if suffix in TABLE_SUFFIXES:
        return _table_raws(path, label, stem)
    fmt = VECTOR_FORMATS.get(suffix)
    if fmt is None:
        raise LoadError(f"「{label}」的格式（{suffix or '无扩展名'}）不受支持。支持：{SUPPORTED}。")
    try:
        if fmt == "Shapefile":
            shapefile.check(path, label)
            read = shapefile.read(path, label, progress)
            notes = [] if find_sidecar(path, ".dbf") else ["缺少 .dbf 属性表：只有几何，没有属性"]
            warnings = notes + ([read.encoding.warning] if read.encoding.warning else [])
            return [_Raw(stem, read.gdf, label, read.encoding, read.repairs, warnings, read.renames, ".prj")], []
        if fmt == "DXF":
            return [_read_dxf(path, label, tmp, progress)], []
        if fmt == "MapInfo":
            return [_read_mapinfo(path, label, stem, tmp, progress)], []
        raws, notes = _vector_raws(path, label, stem, fmt, tmp, layer, max_bytes, progress)
    except LoadError:
        raise
    except Exception as exc:  # GDAL reports broken files in many ways; the planner gets one message
        raise LoadError(f"无法读取「{label}」：文件已损坏、不完整，或不是 {fmt} 格式。", str(exc)) from exc
    if not raws:
        raise LoadError(f"「{label}」中没有图层。" + ("".join(f"{n}。" for n in notes)))
    return raws, notes


def _read_gdb(folder: Path, label: str, stem: str, tmp: Path, layer: str | None,
              progress: Progress | None) -> tuple[list[_Raw], list[str]]:
    """Every feature class of a File Geodatabase folder (or the one named), grouped under `stem`."""
    if folder.suffix.lower() != ".gdb":  # GDAL opens a geodatabase by its .gdb folder name: link one
        link = tmp / f"gdb-{len(list(tmp.glob('gdb-*')))}" / f"{stem}.gdb"
        link.parent.mkdir(parents=True)
        link.symlink_to(folder.resolve(), target_is_directory=True)
        folder = link
    try:
        return _vector_raws(folder, label, stem, "FileGDB", tmp, layer, 0, progress)
    except LoadError:
        raise
    except Exception as exc:  # a damaged or partial .gdb
        raise LoadError(f"无法读取「{label}」：文件地理数据库已损坏或不完整（请把整个 .gdb 文件夹打包成 zip）。", str(exc)) from exc


def _main_files(directory: Path, skip: list[Path]) -> list[Path]:
    """The readable files in a folder tree (sidecars, archive debris and geodatabase internals skipped), in a stable order."""
    wanted = set(VECTOR_FORMATS) | set(TABLE_SUFFIXES) | {".mdb"}
    return sorted(p for p in directory.rglob("*") if p.is_file() and p.suffix.lower() in wanted
                  and not p.name.startswith("._") and "__MACOSX" not in p.parts
                  and not any(p.is_relative_to(g) for g in skip))


def _read_dir(directory: Path, label: str, tmp: Path, layer: str | None, max_bytes: int,
              progress: Progress | None) -> tuple[list[_Raw], list[str]]:
    """Every readable file and geodatabase under a folder (an unpacked zip, or several uploads); one broken file is reported, not fatal."""
    gdbs = gdb.find_file_gdbs(directory)
    files = _main_files(directory, gdbs)
    if not files and not gdbs:
        raise LoadError(f"「{label}」中没有可读的空间数据文件。支持：{SUPPORTED}。")
    raws, notes, errors = [], [], []
    for folder in gdbs:
        inner = folder != directory
        rel = folder.relative_to(directory).as_posix() if inner else label
        stem = gdb.layer_stem(folder) if inner or folder.suffix.lower() == ".gdb" else Path(label).stem
        try:
            found, more = _read_gdb(folder, rel, stem, tmp, layer if len(gdbs) == 1 else None, progress)
            raws += found
            notes += more
        except LoadError as exc:
            errors.append(exc)
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
    if len(files) == 1 and not gdbs:  # one file in nested folders: name its layers after the file, not the folders
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


def _where(index, table: bool) -> str:
    """'第 5、9 行' for table rows (index = row number) or '第 3、4 个' for features, first ten."""
    labels = list(index)
    shown = "、".join(str(i if table else i + 1) for i in labels[:10]) + ("…" if len(labels) > 10 else "")
    return f"第 {shown} {'行' if table else '个'}"


def _safe_layer_name(name: str) -> tuple[str, str | None]:
    """A layer name a GeoPackage accepts (gpkg_x → 图层_gpkg_x), and the repair said when it changed."""
    for prefix in RESERVED_LAYER_PREFIXES:
        if name.lower().startswith(prefix):
            new = f"图层_{name}"
            return new, f"图层名「{name}」以 GeoPackage 保留的「{name[:len(prefix)]}」开头，改为「{new}」"
    return name, None


def _coord_source(raw: _Raw, gdf: gpd.GeoDataFrame, coords: str | None, geographic: bool) -> tuple[CoordSource, list[str]]:
    """What the file's names say about where its points were picked, whether to ask, and the warning."""
    found = coordsource.hint([raw.source, raw.name, *map(str, gdf.columns), *raw.texts])
    points = bool(gdf.geom_type.isin(["Point", "MultiPoint"]).all())
    used = coords if coords in COORD_SOURCES else None
    source = CoordSource(hint=found[0] if found else None, hint_words=found[1] if found else "", used=used,
                         needs_confirmation=used is None and geographic and ((raw.table and points) or found is not None))
    if not found or not geographic:
        return source, []
    lon, lat = plausibility.first_vertices(gdf.geometry, 1)
    if used is None:
        return source, [coordsource.warning(found[0], found[1], float(lon[0]), float(lat[0]))]
    if used != found[0]:
        return source, [f"名称中含「{found[1]}」，提示坐标来源是{coordsource.NAMES[found[0]]}，但导入时选择了{COORD_SOURCES[used]}：请核对"]
    return source, []


def _finish(raw: _Raw, coords: str | None, crs: str | None, reference_points, shift: DatumShift | None) -> list[LayerResult]:
    """Field names, repairs, CRS (checked for plausibility), datum, coordinate source, impossible features, mixed types: the layers a user sees."""
    fixes, notes, renames = list(raw.repairs), list(raw.warnings), list(raw.renames)
    label = raw.source if Path(raw.source).stem == raw.name.split("/")[-1] else f"{raw.source} · {raw.name}"
    fieldnames.check_count([c for c in raw.gdf.columns if c != raw.gdf.geometry.name], label)
    gdf, standard = fieldnames.to_chinese(raw.gdf)
    renames += standard
    gdf, n = repairs.drop_empty(gdf)
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
    choice = plausibility.choose(gdf, label, crs, raw.declared_by)
    notes += choice.warnings
    gdf, datum_note = datum.to_cgcs2000(gdf, choice.crs, shift)
    if coords in COORDS:
        title, converter = COORDS[coords]
        if choice.crs.is_geographic:
            gdf = _convert(gdf, converter)
            fixes.append(f"坐标由 {title} 转换为 WGS84/CGCS2000")
        else:
            notes.append(f"坐标是投影坐标（{crsguess.crs_code(choice.crs)}），不是 {title}，未做转换")
    bad = plausibility.impossible(gdf)
    if bad.all():
        raise LoadError(f"「{label}」的要素换算后位置都不可能（无穷大、为空或在中国境外），未导入。请在导入时指定坐标系。")
    if bad.any():
        fixes.append(f"{int(bad.sum())} 个要素位置不可能（无穷大、为空或在中国境外），未导入（{_where(gdf.index[bad], raw.table)}）")
        gdf = gdf[~bad]
    if coords is None and reference_points is not None and choice.crs.is_geographic:
        offset = crsguess.suspect_gcj02(gdf.geometry, reference_points)
        if offset:
            notes.append(f"点位整体偏离已知要素约 {offset:.0f} 米，方向与 GCJ-02 偏移一致：可能是在高德/腾讯地图上拾取的坐标，"
                         "如是，请选择「GCJ-02」重新导入")
    source, said = _coord_source(raw, gdf, coords, choice.crs.is_geographic)
    notes += said
    where = plausibility.summary(gdf, int(bad.sum()))
    decision = CrsDecision(used=crsguess.crs_code(choice.crs), name=crsguess.describe(choice.crs), how=choice.how,
                           why=choice.why, declared=choice.declared, alternatives=choice.alternatives)
    if datum_note and "未做基准转换" in datum_note:
        notes.append(datum_note)
    name, renamed = _safe_layer_name(raw.name)
    if renamed:
        fixes.append(renamed)
    parts = repairs.split_by_kind(gdf)
    if len(parts) > 1:
        fixes.append("几何类型混合，已拆分为：" + "、".join(f"{k} {len(p)} 个" for k, p in parts.items()))
    return [LayerResult(name if len(parts) == 1 else f"{name}（{kind}）", part, decision.used, choice.how in ("inferred", "corrected"),
                        raw.encoding.codec, raw.encoding.detected, list(fixes), list(notes), raw.source, choice.alternatives,
                        decision, raw.encoding.why, datum_note, list(renames), raw.coordinates,
                        where if len(parts) == 1 else plausibility.summary(part, 0), source)
            for kind, part in parts.items()]


def _read_path(path: Path, label: str, tmp: Path, coords, layer, max_bytes, progress, reference_points, crs,
               shift: DatumShift | None) -> ReadResult:
    """Read a file, folder or zip under a temporary folder and finish its layers."""
    if not path.exists():
        raise LoadError(f"找不到文件「{label}」。")
    if coords not in (None, *COORD_SOURCES):
        raise LoadError(f"未知的坐标来源「{coords}」，可选：wgs84（已确认无偏移）、gcj02（高德/腾讯）、bd09（百度）。")
    if path.is_dir():
        raws, notes = _read_dir(path, label, tmp, layer, max_bytes, progress)
    elif path.suffix.lower() == ".zip":
        _check_size(path, label, max_bytes)
        say(progress, 0.0, f"解压「{label}」…")
        raws, notes = _read_dir(extract_zip(path, tmp / "unzipped", max_bytes), label, tmp, layer, max_bytes, progress)
    else:
        raws, notes = _read_file(path, label, tmp, layer, max_bytes, progress)
    layers, errors = [], []
    for raw in raws:
        raw.texts = [label, *raw.texts]  # the upload's own name (e.g. 高德点位.zip) speaks for every layer in it
        try:
            layers += _finish(raw, coords, crs, reference_points, shift)
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
             reference_points: gpd.GeoSeries | None = None, crs: str | None = None,
             datum_shift: DatumShift | None = None) -> ReadResult:
    """Read a path or uploaded bytes (named `filename`) into EPSG:4490 layers; LoadError (Chinese) when it cannot.

    coords: where lon/lat points were picked ('wgs84' confirmed, 'gcj02', 'bd09'; None = not asked yet);
    crs: the CRS the planner chose (overrides the file, refused when impossible); datum_shift: the office's 七参数 or grid.
    """
    with pywarnings.catch_warnings(), tempfile.TemporaryDirectory(prefix="chaohu-load-") as tmpdir:
        pywarnings.simplefilter("ignore")
        tmp = Path(tmpdir)
        if isinstance(source, (str, Path)):
            path = Path(source)
            return _read_path(path, filename or path.name, tmp, coords, layer, max_bytes, progress, reference_points, crs,
                              datum_shift)
        data = source.getvalue() if hasattr(source, "getvalue") else source.read() if hasattr(source, "read") else bytes(source)
        name = _safe_filename(filename or getattr(source, "name", "") or "upload")
        if len(data) > max_bytes:
            raise LoadError(too_large(name, len(data), max_bytes))
        path = tmp / "upload" / name
        path.parent.mkdir()
        path.write_bytes(data)
        return _read_path(path, name, tmp, coords, layer, max_bytes, progress, reference_points, crs, datum_shift)


def read_uploads(files: Sequence[tuple[str, bytes]], coords: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
                 progress: Progress | None = None, reference_points: gpd.GeoSeries | None = None,
                 crs: str | None = None, datum_shift: DatumShift | None = None, layer: str | None = None) -> ReadResult:
    """Several uploaded files read together (e.g. a shapefile's .shp/.shx/.dbf/.prj/.cpg picked one by one)."""
    total = sum(len(data) for _, data in files)
    if total > max_bytes:
        raise LoadError(too_large("、".join(_safe_filename(n) for n, _ in files), total, max_bytes))
    if len(files) == 1:
        return read_any(files[0][1], files[0][0], coords, layer, max_bytes, progress, reference_points, crs, datum_shift)
    with pywarnings.catch_warnings(), tempfile.TemporaryDirectory(prefix="chaohu-load-") as tmpdir:
        pywarnings.simplefilter("ignore")
        folder = Path(tmpdir) / "upload"
        folder.mkdir()
        for name, data in files:
            (folder / _safe_filename(name)).write_bytes(data)
        label = "、".join(_safe_filename(n) for n, _ in files)
        return _read_path(folder, label, Path(tmpdir), coords, layer, max_bytes, progress, reference_points, crs, datum_shift)
