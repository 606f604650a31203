"""Read the base geography (city boundary, lake, township seats and areas), preferring official data."""

import os
from pathlib import Path

import geopandas as gpd
import yaml

from geo.crs import STORAGE

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_DIR = ROOT / "data" / "shapefiles"
OFFICIAL_DIR = ROOT / "data" / "official"
OFFICIAL_ENV = "CHAOHU_OFFICIAL_DIR"
OFFICIAL_EXTS = (".shp", ".gpkg", ".geojson")
TOWN_KINDS = ("街道", "镇", "乡")


def official_dir(official_dir: str | Path | None = None) -> Path:
    """Where official replacement data are looked for: the argument, else $CHAOHU_OFFICIAL_DIR, else data/official/."""
    return Path(official_dir or os.environ.get(OFFICIAL_ENV) or OFFICIAL_DIR)


def read_mapping(directory: Path) -> dict:
    """The field mapping of the official directory (mapping.yaml), or {} if there is none."""
    path = directory / "mapping.yaml"
    if not path.exists():
        return {}
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


def _official_file(directory: Path, layer: str, entry: dict) -> Path | None:
    """The official file for a layer: the one mapping.yaml names, else <layer>.shp/.gpkg/.geojson."""
    if entry.get("file"):
        path = directory / entry["file"]
        if not path.exists():
            raise FileNotFoundError(f"mapping.yaml names {path}, which does not exist")
        return path
    return next((directory / f"{layer}{ext}" for ext in OFFICIAL_EXTS if (directory / f"{layer}{ext}").exists()), None)


def _kind_from_name(name: str) -> str:
    """Township kind (街道/镇/乡) read off a name's suffix, or '' if it has none."""
    return next((k for k in TOWN_KINDS if str(name).endswith(k)), "")


def read_official(path: Path, entry: dict) -> gpd.GeoDataFrame:
    """An official layer in EPSG:4490 with its name column as `name`, accuracy `located`, source 官方数据."""
    kwargs = {"encoding": entry["encoding"]} if entry.get("encoding") else {}
    gdf = gpd.read_file(path, engine="pyogrio", layer=entry.get("layer"), **kwargs)
    if gdf.crs is None:
        if not entry.get("crs"):
            raise ValueError(f"{path.name} has no CRS (.prj): give one as `crs:` in mapping.yaml")
        gdf = gdf.set_crs(entry["crs"])
    name_field = entry.get("name_field", "name")
    if name_field not in gdf.columns:
        raise KeyError(f"{path.name} has no column {name_field!r} (columns: {list(gdf.columns)})")
    gdf = gdf.rename(columns={name_field: "name"}) if name_field != "name" else gdf
    gdf["name"] = gdf["name"].astype(str).str.strip()
    kind_field = entry.get("kind_field")
    gdf["kind"] = gdf[kind_field] if kind_field else gdf["name"].map(_kind_from_name)
    if "id" not in gdf.columns:
        gdf["id"] = [f"o{i + 1:02d}" for i in range(len(gdf))]
    gdf["accuracy"] = "located"
    gdf["source"] = f"官方数据：{path.name}"
    return gdf.to_crs(STORAGE)


def _load(layer: str, data_dir, official) -> gpd.GeoDataFrame:
    """A base layer from the official directory if it holds one, else the shipped shapefile; EPSG:4490."""
    directory = official_dir(official)
    if directory.is_dir():
        entry = read_mapping(directory).get(layer) or {}
        path = _official_file(directory, layer, entry)
        if path is not None:
            return read_official(path, entry)
    shipped = Path(data_dir or SHIPPED_DIR) / f"{layer}.shp"
    return gpd.read_file(shipped, engine="pyogrio", encoding="UTF-8").to_crs(STORAGE)


def load_township_areas(data_dir=None, official_dir=None) -> gpd.GeoDataFrame:
    """Township areas for per-town summaries: official boundaries if supplied, else the shipped Voronoi estimate."""
    return _load("township_areas", data_dir, official_dir)


def load_townships(data_dir=None, official_dir=None) -> gpd.GeoDataFrame:
    """Township seats (label points): official points if supplied, else the shipped gazetteer estimates."""
    return _load("townships", data_dir, official_dir)


def load_city_boundary(data_dir=None, with_neighbours: bool = False) -> gpd.GeoDataFrame:
    """巢湖市's boundary (role 巢湖市), or with the neighbouring 合肥市 districts (role 邻区) for context."""
    cities = gpd.read_file(Path(data_dir or SHIPPED_DIR) / "city_boundary.shp", engine="pyogrio", encoding="UTF-8")
    cities = cities.to_crs(STORAGE)
    return cities if with_neighbours else cities[cities["is_city"] == 1].reset_index(drop=True)


def load_lake(data_dir=None) -> gpd.GeoDataFrame:
    """The 巢湖 shoreline polygon (GSHHG, approximate), EPSG:4490."""
    lake = gpd.read_file(Path(data_dir or SHIPPED_DIR) / "lake.shp", engine="pyogrio", encoding="UTF-8")
    return lake.to_crs(STORAGE)


__all__ = ["load_township_areas", "load_townships", "load_city_boundary", "load_lake", "official_dir"]
