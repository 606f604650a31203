"""A standalone HTML map of one town: its clipped plan features, no tiles, every script inline (opens from a file)."""

from __future__ import annotations

from pathlib import Path

import folium
import geopandas as gpd
from branca.element import Element

from core.declarations import LAYERS
from core.templates import render
from geo.crs import WEB
from layers.assets import offline
from layers.catalog import Catalog
from layers.mapview import build_map
from reports.summary import AREA_CAVEAT, TownSummary, plan_specs, town_names


def one_per_place(pieces: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The pieces of each place (cut along the towns) joined again: one feature, one label, one tooltip per place,
    its towns listed and its measured sizes summed."""
    if pieces.empty:
        return pieces
    towns = pieces.groupby("id", sort=False)["town"].agg(lambda t: "、".join(dict.fromkeys(t)))
    sums = {c: "sum" for c in ("area_km2", "area_mu", "length_km", "share") if c in pieces}
    merged = pieces.dissolve(by="id", sort=False, aggfunc={**{c: "first" for c in pieces.columns
                                                             if c not in ("id", "geometry", *sums)}, **sums})
    merged = merged.reset_index()
    merged["town"] = merged["id"].map(towns)
    return merged


def town_layers(catalog: Catalog, summary: TownSummary) -> dict[str, gpd.GeoDataFrame]:
    """The layer dict build_map takes: plan layers cut to the town (one feature per place), base layers limited to it."""
    layers = dict(catalog.layers)
    town, cut = summary.town, summary.pieces
    for spec in plan_specs(catalog):
        layers[spec.id] = one_per_place(cut[cut["layer"] == spec.id])
    towns = [town] if town else town_names(catalog)
    for spec in LAYERS:
        if spec.town_rule == "own_name":  # the township areas and seats: only the town's own
            gdf = catalog.layers[spec.id]
            layers[spec.id] = gdf[gdf["name"].isin(towns)]
    return layers


def town_map(catalog: Catalog, summary: TownSummary) -> folium.Map:
    """The town's map, fitted to its area, without tiles, with a title bar and the accuracy caveat."""
    layers = town_layers(catalog, summary)
    visible = [s.id for s in LAYERS if s.export_base] + [s.id for s in plan_specs(catalog) if not layers[s.id].empty]
    extra = [(s, layers[s.id]) for s in catalog.user_specs.values() if not layers[s.id].empty]
    m = build_map(layers, visible, basemap="none", extra=extra)
    m.height = (100.0, "%")  # a standalone page: the map fills the window
    area = summary.area
    folium.GeoJson(  # the town's own outline, stronger than the thin township lines
        area[["geometry"]].to_crs(WEB).__geo_interface__, name="本乡镇范围", control=False, interactive=False,
        style_function=lambda _: {"color": "#333333", "weight": 3, "fill": False, "dashArray": "8 4"},
    ).add_to(m)
    minx, miny, maxx, maxy = area.total_bounds
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    label = summary.label
    root = m.get_root()
    root.title = f"{label} · 规划要素图（示意）"
    root.html.add_child(Element(render("reports", "town_title.html.j2", label=label, caveat=AREA_CAVEAT)))
    return m


def write_html(catalog: Catalog, summary: TownSummary, path: Path) -> Path:
    """Save the town's map as one self-contained HTML file (no CDN, no tiles, no server)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    m = offline(town_map(catalog, summary), mode="inline")
    path.write_text(m.get_root().render(), encoding="utf-8")
    return path
