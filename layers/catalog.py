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
from geo.measure import MU_PER_KM2, area_km2, length_km
from layers.registry import ACCURACY, BY_ID, LAYERS, LayerSpec
from layers.userlayers import start_tiles, user_layers
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
    user_specs: dict[str, LayerSpec] = field(default_factory=dict)
    features: gpd.GeoDataFrame = field(init=False)

    def __post_init__(self):
        frames = [gdf.reindex(columns=COMMON + ["area_km2", "area_mu", "length_km"]) for gdf in self.layers.values()]
        self.features = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=STORAGE)

    def spec(self, layer_id: str) -> LayerSpec:
        """The declaration of a shipped or a planner's own layer."""
        return self.user_specs.get(layer_id) or BY_ID[layer_id]

    def counted_specs(self) -> list[LayerSpec]:
        """The layers per-town summaries and exports count: the plan layers, then the planner's own."""
        return [s for s in LAYERS if s.plan] + list(self.user_specs.values())

    def user_layers(self) -> list[tuple[LayerSpec, gpd.GeoDataFrame]]:
        """(declaration, data) of the planner's own layers, for the map."""
        return [(spec, self.layers[spec.id]) for spec in self.user_specs.values()]

    def attributes(self, feature_id: str) -> dict:
        """Every attribute of one feature as its file holds it (for a planner's own layers)."""
        f = self.feature(feature_id)
        if f is None:
            return {}
        gdf = self.layers[f["layer"]]
        row = gdf[gdf["id"] == feature_id].iloc[0]
        return {k: v for k, v in row.items() if k not in ("geometry", "layer", "accuracy_label")}

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
        return Catalog(layers=layers, links=self.links, places=self.places, user_specs=self.user_specs)

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
        gdf["area_mu"] = gdf["area_km2"] * MU_PER_KM2
    if spec.geometry == "LineString" and not gdf.empty:
        gdf["length_km"] = length_km(gdf)
    return gdf


def load_layer(spec: LayerSpec, areas: gpd.GeoDataFrame, data_dir: Path = DATA_DIR,
               gdf: gpd.GeoDataFrame | None = None, copy: bool = True) -> gpd.GeoDataFrame:
    """One layer (read from its file unless given), measured and assigned to townships, common columns filled."""
    gdf = _read(spec, data_dir) if gdf is None else gdf.copy() if copy else gdf
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
    labels = {a: ACCURACY.get(a, {}).get("label", a) for a in gdf["accuracy"].unique()}
    gdf["accuracy_label"] = gdf["accuracy"].map(labels)
    return _measure(gdf, spec)


def load_catalog(data_dir: Path = DATA_DIR, workspace: bool = True) -> Catalog:
    """Every declared layer (and the planner's own, unless workspace=False), the links and places, ready for use."""
    areas = base.load_township_areas(data_dir=data_dir)
    layers = {spec.id: load_layer(spec, areas, data_dir) for spec in LAYERS}
    user_specs = {}
    for spec, gdf in (user_layers() if workspace else []):
        start_tiles(spec, gdf)  # a large layer's first tiles are made while its towns are joined
        layers[spec.id] = load_layer(spec, areas, data_dir, gdf, copy=False)  # the same frame the tiles serve
        user_specs[spec.id] = spec
    places = pd.DataFrame(load_places_yaml())
    return Catalog(layers=layers, links=load_place_links(), places=places, user_specs=user_specs)
