"""`python -m reports qgis --out DIR`: the office's map as a QGIS project (.qgz) beside a GeoPackage holding every layer.

Every declared layer (plan places at their corrected positions) and every office layer, each a table of
``巢湖市制造业规划图.gpkg``; the project (``巢湖市制造业规划图.qgz``) reads them by a path relative to itself, so the
folder can be copied or zipped whole. Each layer is drawn as the map draws it: its colours and widths from
core/declarations.py, a categorized renderer on `accuracy` (approximate positions dashed, schematic dotted, as
on the map), Chinese name labels where the map labels, roads coloured by status. The map note (示意图 · 内部资料 …
or the office's 审图号) is the project's abstract. The .qgs XML comes from reports/templates/qgis_project.qgs.j2.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
from pyproj import CRS

from datetime import datetime

from core.clock import BEIJING
from core.declarations import ACCURACY, GROUPS, UNSURE, LayerSpec
from core.templates import render as render_template
from core.formatting import map_note

TITLE = "巢湖市制造业规划图"
#: The project's CRS: CGCS2000 3-degree Gauss-Krüger CM 117E (metres), as the app measures.
PROJECT_CRS = 4548
LAYER_CRS = 4490
#: Screen pixels (the web map's units) to millimetres (QGIS symbol units).
PX_MM = 0.2646
FONT = "Noto Sans CJK SC"
#: How the outline of an unsure position is drawn in QGIS (fills and markers have styles, not dash patterns).
OUTLINE_STYLES = {"approximate": "dash", "schematic": "dot"}
#: Label placement (QgsPalLayerSettings): around the point, curved along the line, over the polygon's centre.
PLACEMENTS = {"Point": 0, "Line": 3, "Polygon": 1}
WKB_TYPES = {"Point": 1, "LineString": 2, "Polygon": 3, "MultiPoint": 4, "MultiLineString": 5, "MultiPolygon": 6}


def _rgba(hex_colour: str | None, alpha: float = 1.0) -> str:
    h = (hex_colour or "#888888").lstrip("#")
    return f"{int(h[0:2], 16)},{int(h[2:4], 16)},{int(h[4:6], 16)},{round(alpha * 255)}"


def _crs(epsg: int) -> dict:
    crs = CRS.from_epsg(epsg)
    return {"wkt": crs.to_wkt(), "srid": epsg, "authid": f"EPSG:{epsg}", "description": crs.name,
            "geographic": crs.is_geographic}


def _status_expression(spec: LayerSpec) -> str:
    """A QGIS expression colouring a feature by its status (roads: 续建 grey, 新建 red), else the layer colour."""
    if not spec.status_colors:
        return ""
    cases = " ".join(f"WHEN \"status\" = '{s}' THEN '{c}'" for s, c in spec.status_colors.items())
    return f"CASE {cases} ELSE '{spec.color}' END"


def _symbol(spec: LayerSpec, geometry: str, accuracy: str) -> dict:
    """The QGIS symbol of one accuracy class of a layer."""
    width = f"{spec.weight * PX_MM:.2f}"
    style = OUTLINE_STYLES.get(accuracy, "solid")
    if geometry == "Point":
        return {"type": "marker", "cls": "SimpleMarker", "color_property": "outlineColor", "color_expression": "",
                "props": {"name": "circle", "color": _rgba(spec.fill_color or spec.color, spec.fill_opacity),
                          "outline_color": _rgba(spec.color), "outline_style": style, "outline_width": "0.4",
                          "size": f"{2 * spec.radius * PX_MM:.2f}", "size_unit": "MM", "outline_width_unit": "MM"}}
    if geometry == "Line":
        dash = ACCURACY.get(accuracy, {}).get("dash")
        return {"type": "line", "cls": "SimpleLine", "color_property": "outlineColor",
                "color_expression": _status_expression(spec),
                "props": {"line_color": _rgba(spec.color), "line_width": width, "line_width_unit": "MM",
                          "line_style": "solid", "use_custom_dash": "1" if dash else "0",
                          "customdash": (dash or "5 2").replace(" ", ";"), "customdash_unit": "MM",
                          "capstyle": "round", "joinstyle": "round"}}
    return {"type": "fill", "cls": "SimpleFill", "color_property": "outlineColor", "color_expression": "",
            "props": {"color": _rgba(spec.fill_color or spec.color, spec.fill_opacity),
                      "style": "solid" if spec.fill_opacity > 0 else "no", "outline_color": _rgba(spec.color),
                      "outline_style": style, "outline_width": width, "outline_width_unit": "MM"}}


def _geometry(gdf: gpd.GeoDataFrame) -> str:
    kinds = set(gdf.geom_type.dropna())
    if kinds and kinds <= {"Point", "MultiPoint"}:
        return "Point"
    if kinds and kinds <= {"LineString", "MultiLineString"}:
        return "Line"
    return "Polygon"


def _writable(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The layer as a GeoPackage table takes it: EPSG:4490, plain column names, text for mixed columns."""
    gdf = gdf.to_crs(LAYER_CRS) if gdf.crs is not None else gdf.set_crs(LAYER_CRS)
    out = gdf.copy()
    for col in out.columns:
        if col != out.geometry.name and out[col].dtype == object:
            out[col] = out[col].map(lambda v: None if v is None or (isinstance(v, float) and pd.isna(v)) else str(v))
    return out.reset_index(drop=True)


def _table(spec: LayerSpec) -> str:
    return re.sub(r"[^0-9A-Za-z_]", "_", spec.id)


def layer_entries(catalog) -> list[tuple[LayerSpec, gpd.GeoDataFrame]]:
    """(declaration, data) of every layer of the catalogue: the declared ones, then the office's own."""
    from core.declarations import LAYERS

    return [(spec, catalog.layers[spec.id]) for spec in LAYERS] + catalog.user_layers()


def write_project(catalog, out_dir: Path, name: str = TITLE) -> Path:
    """Write <name>.gpkg and <name>.qgz into out_dir; the .qgz path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    gpkg = out_dir / f"{name}.gpkg"
    gpkg.unlink(missing_ok=True)
    layers = []
    for spec, gdf in layer_entries(catalog):
        table = _table(spec)
        data = _writable(gdf)
        pyogrio.write_dataframe(data, gpkg, layer=table, driver="GPKG", promote_to_multi=False if data.empty else None)
        info = pyogrio.read_info(gpkg, layer=table)
        geometry = _geometry(data) if not data.empty else {"Point": "Point", "LineString": "Line"}.get(spec.geometry, "Polygon")
        wkb = WKB_TYPES.get(str(info.get("geometry_type") or "").replace(" Z", ""), 7)
        categories = [{"value": acc, "label": ACCURACY[acc]["label"], "symbol": _symbol(spec, geometry, acc)}
                      for acc in ("located", *UNSURE)]
        categories.append({"value": "", "label": "其他", "symbol": _symbol(spec, geometry, "located")})
        labels = spec.labels or spec.near_labels
        layers.append({
            "qgis_id": f"{table}_layer", "table": table, "title": spec.title, "group": spec.group,
            "source": f"./{gpkg.name}|layername={table}", "geometry": geometry, "wkb_type": wkb,
            "visible": spec.visible, "abstract": f"{spec.group}：{spec.title}（{len(data)} 个要素）",
            "categories": categories, "labels": labels, "label_size": 9 if spec.near_labels else 10,
            "label_bold": "bold" in spec.label_css, "label_placement": PLACEMENTS[geometry],
            "label_priority": max(0, min(10, spec.label_priority // 10)),
            "label_max_scale": round(591_657_550 / 2**spec.label_minzoom * 0.85) if spec.label_minzoom else 0,
        })
    order = {g: i for i, g in enumerate(GROUPS)}
    groups = []
    for group in sorted({lyr["group"] for lyr in layers}, key=lambda g: -order.get(g, len(GROUPS))):
        groups.append({"name": group, "layers": [lyr for lyr in reversed(layers) if lyr["group"] == group]})
    bounds = gpd.GeoSeries(catalog.city_outline().geometry, crs=catalog.city_outline().crs).to_crs(PROJECT_CRS).total_bounds
    xml = render_template("reports", "qgis_project.qgs.j2",
        title=TITLE, note=map_note(), crs=_crs(PROJECT_CRS), layer_crs=_crs(LAYER_CRS), layers=layers, groups=groups,
        extent=[round(float(v), 1) for v in bounds], font=FONT, created=datetime.now(BEIJING).isoformat(timespec="seconds"))
    qgz = out_dir / f"{name}.qgz"
    with zipfile.ZipFile(qgz, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"{name}.qgs", xml)
    return qgz
