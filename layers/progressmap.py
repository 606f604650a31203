"""The 实施进展 map: the base geography as on the planning map, and every plan place coloured by the state of its
items (core.progress.CATEGORY_COLORS; grey when nothing is reported), with the progress legend.

The colours and tooltips are given (place id → category, text), so this module knows nothing of the store.
"""

from __future__ import annotations

import folium
import geopandas as gpd

from core.declarations import LAYERS, LayerSpec
from core.formatting import esc
from core.progress import CATEGORY_COLORS, CATEGORY_NOTES, NO_ITEMS
from layers.mapview import BASEMAPS, MapClient, build_map, feature_collection

#: What a place's tooltip shows on the progress map.
POPUP = (("name", "名称"), ("status", "规划要求"), ("progress", "实施进展"), ("accuracy", "位置精度"))
#: Base layers drawn under the places (the planning map's, without the plan layers).
BASE = tuple(s.id for s in LAYERS if not s.plan and s.visible)


def legend_rows(shown: set[str] | None = None) -> str:
    """The progress legend's HTML rows (every category, or those shown)."""
    rows = ['<div style="margin-top:4px;color:#555" data-progress-legend="1">实施进展（按关联事项的最新填报）</div>']
    for category, color in CATEGORY_COLORS.items():
        if shown is not None and category not in shown:
            continue
        rows.append(f'<div data-category="{esc(category)}" title="{esc(CATEGORY_NOTES[category])}">'
                    f'<svg width="26" height="12"><rect x="2" y="1" width="22" height="10" fill="{color}" stroke="#333" '
                    f'stroke-width="0.8"/></svg> {esc(category)}</div>')
    return "".join(rows)


def _style(spec: LayerSpec):
    def style(feature):
        p = feature["properties"]
        faint = p["_category"] == NO_ITEMS
        return {"color": "#495057" if spec.geometry != "LineString" else p["_color"],
                "weight": spec.weight * (1.6 if spec.geometry == "LineString" else 1),
                "dashArray": p["_dash"], "fill": spec.geometry != "LineString", "fillColor": p["_color"],
                "fillOpacity": 0.15 if faint else (0.9 if spec.geometry == "Point" else 0.45), "opacity": 1.0}
    return style


def _layer(gdf: gpd.GeoDataFrame, spec: LayerSpec, colors: dict[str, tuple[str, str]], tips: dict[str, str],
           gcj02: bool) -> folium.GeoJson:
    spec = spec.model_copy(update={"popup_fields": POPUP})
    fc = feature_collection(gdf.assign(progress=gdf["id"].map(tips).fillna("")), spec, gcj02)
    for feature in fc["features"]:
        props = feature["properties"]
        category, color = colors.get(props["id"], (NO_ITEMS, CATEGORY_COLORS[NO_ITEMS]))
        props["_category"], props["_color"] = category, color
    marker = folium.CircleMarker(radius=spec.radius) if spec.geometry == "Point" else None
    return folium.GeoJson(
        fc, name=spec.title, style_function=_style(spec), highlight_function=lambda f: {"weight": spec.weight * 2.5},
        # `_tip` is built from escaped labels and values (layers.mapview.tooltip_html)
        tooltip=folium.GeoJsonTooltip(fields=["_tip"], labels=False, sticky=True) if fc["features"] else None,
        marker=marker, control=False)


def progress_map(layers: dict[str, gpd.GeoDataFrame], colors: dict[str, tuple[str, str]], tips: dict[str, str],
                 only_ids: set[str] | None = None, basemap: str = "none", tianditu_token: str = "",
                 height: int = 720) -> folium.Map:
    """The map: base layers, then the plan places (narrowed to `only_ids`) coloured by progress category."""
    m = build_map(layers, list(BASE), basemap, tianditu_token, height=height)
    gcj02 = BASEMAPS[basemap][3]
    order = {"Polygon": 0, "LineString": 1, "Point": 2}
    shown: set[str] = set()
    for spec in sorted((s for s in LAYERS if s.plan), key=lambda s: order[s.geometry]):
        gdf = layers[spec.id]
        if only_ids is not None:
            gdf = gdf[gdf["id"].isin(only_ids)]
        if gdf.empty:
            continue
        shown |= {colors.get(pid, (NO_ITEMS,))[0] for pid in gdf["id"]}
        _layer(gdf, spec, colors, tips, gcj02).add_to(m)
    for child in m._children.values():  # the planning legend gets the progress colours on top
        if isinstance(child, MapClient):
            child.config["legend"] = legend_rows(shown or None) + child.config["legend"]
    return m


#: The colour and class of a photo's marker (its EXIF position) on the 实施进展 map.
PHOTO_COLOR, PHOTO_CLASS = "#e8590c", "evidence-photo"


def photo_markers(photos: list[tuple[float, float, str]]) -> folium.FeatureGroup:
    """Photos with a position (lat, lon, text: the photo's name, date and place) as markers drawn over the map; the
    text is a file's name from outside, escaped before it reaches the tooltip's HTML."""
    group = folium.FeatureGroup(name="现场照片", control=False)
    for lat, lon, text in photos:
        folium.CircleMarker([lat, lon], radius=7, color="#fff", weight=2, fill=True, fill_color=PHOTO_COLOR,
                            fill_opacity=0.95, class_name=PHOTO_CLASS,
                            tooltip=folium.Tooltip(esc(text), sticky=True)).add_to(group)
    return group
