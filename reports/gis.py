"""A town's plan features, clipped to it, as GeoPackage, GeoJSON and zipped Shapefile."""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd

from core.declarations import ACCURACY
from core.formatting import accuracy_label
from layers.catalog import Catalog
from reports.summary import AREA_CAVEAT, MEASURE_NOTE, TownSummary

#: Attribute columns of the exported features (all ≤ 10 characters, the DBF limit).
COLUMNS = ["id", "name", "layer", "title", "town", "share", "status", "accuracy", "correction", "area_km2", "area_mu",
           "length_km", "measures", "note"]
#: GeoJSON is written in WGS 84 as RFC 7946 asks (CGCS2000 differs from it by centimetres).
GEOJSON_CRS = "EPSG:4326"


def clipped(catalog: Catalog, summary: TownSummary) -> gpd.GeoDataFrame:
    """The town's plan features cut to it (the city: all towns' pieces), CGCS2000 (EPSG:4490)."""
    cut = summary.pieces.copy()
    cut["title"] = cut["layer"].map(lambda lid: catalog.spec(lid).title)
    cut["measures"] = cut["id"].map(lambda pid: "、".join(catalog.measures_of(pid)))
    cut["accuracy"] = cut["accuracy"].map(accuracy_label)  # the words a planner reads, not the codes
    cut["share"] = cut["share"].round(4)
    cut["area_km2"] = cut["area_km2"].round(4)
    cut["area_mu"] = cut["area_mu"].round(0)
    cut["length_km"] = cut["length_km"].round(4)
    return gpd.GeoDataFrame(cut[COLUMNS], geometry=cut.geometry, crs=cut.crs)


def _by_layer(gdf: gpd.GeoDataFrame):
    """(layer id, its features) for each layer present, in layer order; numeric columns it lacks dropped."""
    for layer_id in dict.fromkeys(gdf["layer"]):
        sub = gdf[gdf["layer"] == layer_id].dropna(axis=1, how="all")
        yield layer_id, gpd.GeoDataFrame(sub, geometry="geometry", crs=gdf.crs)


def write_gpkg(gdf: gpd.GeoDataFrame, path: Path) -> Path:
    """One GeoPackage, one table per plan layer (named by layer id; `title` holds the Chinese title)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    for layer_id, sub in _by_layer(gdf):
        sub.to_file(path, layer=layer_id, driver="GPKG")
    if not path.exists():  # a town without plan features still gets a valid, empty file
        gdf.to_file(path, layer="empty", driver="GPKG")
    return path


def write_geojson(gdf: gpd.GeoDataFrame, path: Path) -> Path:
    """One GeoJSON FeatureCollection of all the layers, in WGS 84."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    gdf.to_crs(GEOJSON_CRS).to_file(path, driver="GeoJSON")
    return path


def write_shp_zip(gdf: gpd.GeoDataFrame, path: Path, encoding: str = "utf-8") -> Path:
    """A zip of one Shapefile per plan layer (.shp .shx .dbf .prj .cpg); encoding "gbk" for old ArcGIS."""
    codec = "GBK" if encoding.lower() in ("gbk", "cp936", "gb2312", "gb18030") else "UTF-8"
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for layer_id, sub in _by_layer(gdf):
            sub.to_file(Path(tmp) / f"{layer_id}.shp", driver="ESRI Shapefile", encoding=codec)
        for f in sorted(Path(tmp).iterdir()):
            zf.write(f, f.name)
        zf.writestr("说明.txt", readme(codec).encode("utf-8-sig"))
    return path


def readme(codec: str) -> str:
    """The note packed with the shapefiles: CRS, encoding, fields and the accuracy caveat."""
    return "\r\n".join([
        "每个图层一个 Shapefile（文件名为图层代码，title 字段为中文图层名），坐标系 CGCS2000（EPSG:4490）。",
        f"属性表编码 {codec}（见 .cpg 文件）。" + ("旧版 ArcGIS 不能读 UTF-8 属性表时，请导出 GBK 版本。" if codec == "UTF-8" else ""),
        "要素已按乡镇/街道范围裁切；share 为该部分占整个要素的比例；area_km2/area_mu/length_km 为裁切后部分的面积、长度。",
        MEASURE_NOTE,
        AREA_CAVEAT,
        f"accuracy：{'；'.join(label for label in map(accuracy_label, ACCURACY))}。",
        "correction：本单位按来源校正过位置的要素写“已校准：来源（来源日期）”，其余为空。",
    ]) + "\r\n"
