"""The layers as data: each declared layer read, measured and joined to its township.

`town` is computed here by spatial join, never stored in the files, so that a planning office's
official township areas (see data/official/README.md) change it without code changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.crs import STORAGE
from geo.joins import assign_town
from geo.measure import area_km2, area_mu, length_km
from layers.registry import ACCURACY, LAYERS, LayerSpec
from loaders import base
from loaders.places import load_place_links, load_places_yaml

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "shapefiles"

#: Columns every feature of the catalogue carries, whatever its layer.
COMMON = ["id", "name", "layer", "town", "status", "accuracy", "source", "parent", "note", "geometry"]


@dataclass
class Catalog:
    """All layers, the place↔measure links and the places without geometry."""

    layers: dict[str, gpd.GeoDataFrame]
    links: pd.DataFrame
    places: pd.DataFrame
    features: gpd.GeoDataFrame = field(init=False)

    def __post_init__(self):
        frames = [gdf.reindex(columns=COMMON + ["area_km2", "area_mu", "length_km"]) for gdf in self.layers.values()]
        self.features = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=STORAGE)

    def feature(self, feature_id: str) -> pd.Series | None:
        """One feature by id, or None."""
        rows = self.features[self.features["id"] == feature_id]
        return None if rows.empty else rows.iloc[0]

    def measures_of(self, place_id: str) -> list[str]:
        """Measure ids linked to a place, in plan order."""
        ids = self.links.loc[self.links["place_id"] == place_id, "measure_id"].unique().tolist()
        return sorted(ids, key=lambda m: tuple(int(p) for p in m.split(".")))

    def places_of(self, measure_ids) -> set[str]:
        """Place ids linked to any of the given measures."""
        return set(self.links.loc[self.links["measure_id"].isin(list(measure_ids)), "place_id"])

    def children(self, place_id: str) -> pd.DataFrame:
        """Places (with or without geometry) whose parent is this place."""
        return self.places[self.places["parent"] == place_id]

    def subset(self, place_ids: set[str]) -> "Catalog":
        """The same catalogue with its plan layers narrowed to `place_ids` (base layers kept), e.g. for a filtered export."""
        plan_ids = {s.id for s in LAYERS if s.plan}
        layers = {k: (g[g["id"].isin(place_ids)] if k in plan_ids else g) for k, g in self.layers.items()}
        return Catalog(layers=layers, links=self.links, places=self.places)

    def in_town(self, town: str) -> gpd.GeoDataFrame:
        """Plan features whose township is `town`."""
        plan_ids = {s.id for s in LAYERS if s.plan}
        f = self.features
        return f[(f["town"] == town) & f["layer"].isin(plan_ids)]


def _read(spec: LayerSpec, data_dir: Path) -> gpd.GeoDataFrame:
    """Read one declared layer in the storage CRS (official data replaces the township layers)."""
    if spec.id == "township_areas":
        return base.load_township_areas(data_dir=data_dir)
    if spec.id == "townships":
        return base.load_townships(data_dir=data_dir)
    return gpd.read_file(data_dir / f"{spec.file}.shp").to_crs(STORAGE)


def _measure(gdf: gpd.GeoDataFrame, spec: LayerSpec) -> gpd.GeoDataFrame:
    """Add area (km², 亩) or length (km), measured in EPSG:4548."""
    if spec.geometry == "Polygon" and not gdf.empty:
        gdf["area_km2"] = area_km2(gdf)
        gdf["area_mu"] = area_mu(gdf)
    if spec.geometry == "LineString" and not gdf.empty:
        gdf["length_km"] = length_km(gdf)
    return gdf


def load_layer(spec: LayerSpec, areas: gpd.GeoDataFrame, data_dir: Path = DATA_DIR) -> gpd.GeoDataFrame:
    """One layer read, measured and assigned to townships, with the common columns filled."""
    gdf = _read(spec, data_dir)
    gdf["layer"] = spec.id
    for col in ("id", "name", "status", "accuracy", "source", "parent", "note"):
        if col not in gdf:
            gdf[col] = ""
        gdf[col] = gdf[col].fillna("").astype(str)
    if (gdf["id"] == "").any():
        gdf["id"] = [f"{spec.id}_{i}" for i in range(len(gdf))]
    if spec.id in ("township_areas", "townships"):
        gdf["town"] = gdf["name"]
    elif spec.id in ("city_boundary", "lake"):
        gdf["town"] = ""
    else:
        gdf["town"] = assign_town(gdf, areas).fillna("").astype(str)
    gdf["accuracy_label"] = gdf["accuracy"].map(lambda a: ACCURACY.get(a, {}).get("label", a))
    return _measure(gdf, spec)


def load_catalog(data_dir: Path = DATA_DIR) -> Catalog:
    """Every declared layer, the links table and the places list, ready for the map and reports."""
    areas = base.load_township_areas(data_dir=data_dir)
    layers = {spec.id: load_layer(spec, areas, data_dir) for spec in LAYERS}
    places = pd.DataFrame(load_places_yaml())
    return Catalog(layers=layers, links=load_place_links(), places=places)
