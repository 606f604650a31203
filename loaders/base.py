"""Read the declared layers from data/shapefiles, letting an office's official files replace the township layers.

Which layers may be replaced is declared in core/declarations.py (`LayerSpec.official`); the official
folder (data/official/, or $CHAOHU_OFFICIAL_DIR) holds `<file>.shp/.gpkg/.geojson` or a mapping.yaml
naming the file and its columns (see data/official/README.md).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import yaml

from core import settings
from core.declarations import LayerSpec, by_role
from geo.crs import STORAGE
from loaders.errors import LoadError

OFFICIAL_EXTS = (".shp", ".gpkg", ".geojson")
TOWN_KINDS = ("街道", "镇", "乡")


def official_dir(directory: str | Path | None = None) -> Path:
    """Where official replacement data are looked for: the argument, else the configured folder."""
    return Path(directory) if directory else settings.current().official_dir


def read_mapping(directory: Path) -> dict:
    """The field mapping of the official folder (mapping.yaml), or {} if there is none."""
    path = directory / "mapping.yaml"
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise LoadError(f"官方数据说明文件 {path} 格式有误（应为 UTF-8 编码的 YAML）。", str(exc)) from None
    if not isinstance(data, dict):
        raise LoadError(f"官方数据说明文件 {path} 应是“图层: 设置”的键值表。")
    return data


def _official_file(directory: Path, stem: str, entry: dict) -> Path | None:
    """The official file for a layer: the one mapping.yaml names, else <stem>.shp/.gpkg/.geojson."""
    if entry.get("file"):
        path = directory / entry["file"]
        if not path.exists():
            raise LoadError(f"mapping.yaml 指定的官方数据文件 {path} 不存在。")
        return path
    return next((directory / f"{stem}{ext}" for ext in OFFICIAL_EXTS if (directory / f"{stem}{ext}").exists()), None)


def _kind_from_name(name: str) -> str:
    """Township kind (街道/镇/乡) read off a name's suffix, or '' if it has none."""
    return next((k for k in TOWN_KINDS if str(name).endswith(k)), "")


def read_official(path: Path, entry: dict) -> gpd.GeoDataFrame:
    """An official layer in EPSG:4490 with its name column as `name`, accuracy `located`, source 官方数据."""
    kwargs = {"encoding": entry["encoding"]} if entry.get("encoding") else {}
    try:
        gdf = gpd.read_file(path, engine="pyogrio", layer=entry.get("layer"), **kwargs)
    except Exception as exc:  # GDAL says "broken" in many ways
        raise LoadError(f"无法读取官方数据文件 {path.name}（文件损坏或格式不对）。", str(exc)) from None
    if gdf.crs is None:
        if not entry.get("crs"):
            raise LoadError(f"官方数据文件 {path.name} 没有坐标系（.prj）：请在 mapping.yaml 中写明 crs，如 EPSG:4548。")
        gdf = gdf.set_crs(entry["crs"])
    name_field = entry.get("name_field", "name")
    if name_field not in gdf.columns:
        raise LoadError(f"官方数据文件 {path.name} 没有名称列“{name_field}”（现有列：{'、'.join(map(str, gdf.columns))}），"
                        "请在 mapping.yaml 的 name_field 中写明。")
    gdf = gdf.rename(columns={name_field: "name"}) if name_field != "name" else gdf
    gdf["name"] = gdf["name"].astype(str).str.strip()
    kind_field = entry.get("kind_field")
    gdf["kind"] = gdf[kind_field] if kind_field else gdf["name"].map(_kind_from_name)
    if "id" not in gdf.columns:
        gdf["id"] = [f"o{i + 1:02d}" for i in range(len(gdf))]
    gdf["accuracy"] = "located"
    gdf["source"] = f"官方数据：{path.name}"
    return gdf.to_crs(STORAGE)


def read_shipped(spec: LayerSpec, data_dir: str | Path | None = None) -> gpd.GeoDataFrame:
    """A declared layer's shipped shapefile (UTF-8) in EPSG:4490; read once per version of its files (the catalogue is
    made again after every correction), each caller getting its own copy."""
    path = Path(data_dir or settings.SHAPEFILE_DIR) / f"{spec.file}.shp"
    version = tuple((s.st_mtime_ns, s.st_size) if (s := _stat(path.with_suffix(ext))) else None for ext in SHAPEFILE_PARTS)
    return _read_shipped(str(path), spec.title, version).copy()


#: The files of a shapefile whose change means the layer must be read again.
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")


def _stat(path: Path):
    try:
        return path.stat()
    except OSError:
        return None


@lru_cache(maxsize=64)
def _read_shipped(path: str, title: str, _version: tuple) -> gpd.GeoDataFrame:
    try:
        return gpd.read_file(path, engine="pyogrio", encoding="UTF-8").to_crs(STORAGE)
    except Exception as exc:
        raise LoadError(f"无法读取随附图层文件 {Path(path).name}（{title}）：文件缺失或损坏。", str(exc)) from None


def read_layer(spec: LayerSpec, data_dir=None, official=None) -> gpd.GeoDataFrame:
    """A declared layer: the office's official file when it may replace this layer and one is there, else the shipped one."""
    directory = official_dir(official)
    if spec.official and directory.is_dir():
        entry = read_mapping(directory).get(spec.file) or {}
        path = _official_file(directory, spec.file, entry)
        if path is not None:
            return read_official(path, entry)
    return read_shipped(spec, data_dir)


def load_township_areas(data_dir=None, official_dir=None) -> gpd.GeoDataFrame:
    """Township areas for per-town summaries: official boundaries if supplied, else the shipped Voronoi estimate."""
    return read_layer(by_role("town_areas"), data_dir, official_dir)


def load_townships(data_dir=None, official_dir=None) -> gpd.GeoDataFrame:
    """Township seats (label points): official points if supplied, else the shipped gazetteer estimates."""
    return read_layer(by_role("town_seats"), data_dir, official_dir)


def load_city_boundary(data_dir=None, with_neighbours: bool = False) -> gpd.GeoDataFrame:
    """巢湖市's boundary (is_city = 1), or with the neighbouring 合肥市 districts for context."""
    cities = read_shipped(by_role("city"), data_dir)
    return cities if with_neighbours else cities[cities["is_city"] == 1].reset_index(drop=True)


def load_lake(data_dir=None) -> gpd.GeoDataFrame:
    """The 巢湖 shoreline polygon (GSHHG, approximate), EPSG:4490."""
    return read_shipped(by_role("water"), data_dir)
