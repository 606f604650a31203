"""Planners' layers written out for `python -m loaders convert`: UTF-8 GeoJSON, GeoPackage, Shapefile or FlatGeobuf in EPSG:4326."""

from __future__ import annotations

import re
import warnings as pywarnings
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import pyogrio

from geo.crs import WEB
from loaders.errors import LoadError

OUTPUT_DRIVERS = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GPKG", ".shp": "ESRI Shapefile", ".fgb": "FlatGeobuf"}


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
            while len(f"{short}{i}".encode("utf-8")) > 10:
                short = short[:-1]
            short = f"{short}{i}"
        taken.add(short.lower())
        if short != col:
            renames[col] = short
            notes.append(f"Shapefile 字段名最长 10 字节：「{col}」改为「{short}」")
    return gdf.rename(columns=renames), notes


def write_layers(layers: Sequence, out: str | Path) -> list[tuple[Path, list[str]]]:
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
