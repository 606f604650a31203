"""The layers as data: each declared layer read, measured and joined to its township, and what is derived from them.

`town` is computed here by spatial join, never stored in the files, so that a planning office's
official township areas (see data/official/README.md) change it without code changes. The catalogue
also owns the data derived from its layers (the plan features cut along the township areas), so that
every summary and export computes them once per catalogue.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from core.declarations import BY_ID, LAYERS, USER_GROUP, LayerSpec, by_role
from core.formatting import accuracy_label, measure_key
from core.settings import SHAPEFILE_DIR
from geo.crs import STORAGE
from geo.joins import assign_town, split_by_town
from geo.measure import MU_PER_KM2, area_km2, area_mu, length_km
from layers.columns import COMMON, COMPUTED, MEASURES  # noqa: F401  (re-exported: the catalogue's columns)
from layers.userlayers import start_tiles, user_layers
from loaders import base
from loaders.enterprises import load_enterprises
from corrections.overlay import MARK, Corrections
from loaders.errors import LoadError
from loaders.places import load_place_links, load_places_yaml

DATA_DIR = SHAPEFILE_DIR

#: The kind of the township unit that is the lake's water, not a 乡镇/街道.
WATER_KIND = "水域"
#: Columns of the plan features cut along the township areas (`Catalog.pieces`).
PIECE_COLUMNS = ["id", "name", "layer", "town", "share", "status", "accuracy", "parent", "note", MARK,
                 "area_km2", "area_mu", "length_km", "geometry"]


@dataclass
class Catalog:
    """All layers, the place↔measure links, the places without geometry, the planner's own layers and the
    position corrections laid over the plan layers (`corrections`: each place's history and the one in effect)."""

    layers: dict[str, gpd.GeoDataFrame]
    links: pd.DataFrame
    places: pd.DataFrame
    user_specs: dict[str, LayerSpec] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    #: The enterprises and partners the measures name (data/plan/enterprises.csv).
    enterprises: pd.DataFrame = field(default_factory=pd.DataFrame)
    corrections: Corrections = field(default_factory=Corrections)
    features: gpd.GeoDataFrame = field(init=False)

    def __post_init__(self):
        frames = [gdf.reindex(columns=COMMON + MEASURES) for gdf in self.layers.values()]
        self.features = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=STORAGE)

    # ---- declarations

    def spec(self, layer_id: str) -> LayerSpec:
        """The declaration of a shipped or a planner's own layer."""
        return self.user_specs.get(layer_id) or BY_ID[layer_id]

    def counted_specs(self) -> list[LayerSpec]:
        """The layers per-town summaries and exports count: the plan layers, then the planner's own."""
        return [s for s in LAYERS if s.plan] + list(self.user_specs.values())

    def user_layers(self) -> list[tuple[LayerSpec, gpd.GeoDataFrame]]:
        """(declaration, data) of the planner's own layers, for the map."""
        return [(spec, self.layers[spec.id]) for spec in self.user_specs.values()]

    def role(self, role: str) -> gpd.GeoDataFrame:
        """The data of the declared layer with this role (city, water, town_areas, town_seats)."""
        return self.layers[by_role(role).id]

    # ---- the city and its towns

    @property
    def town_areas(self) -> gpd.GeoDataFrame:
        """The township areas (official when supplied), including the lake's water unit."""
        return self.role("town_areas")

    def town_names(self) -> list[str]:
        """The township units (the lake's water unit excluded), in the layer's order."""
        areas = self.town_areas
        kinds = areas["kind"] if "kind" in areas else pd.Series("", index=areas.index)
        return areas.loc[kinds != WATER_KIND, "name"].tolist()

    def town_area(self, town: str | None) -> gpd.GeoDataFrame:
        """The area polygon of a town, or of the whole city (巢湖市's outline) for None."""
        if town is None:
            return self.city_outline()
        areas = self.town_areas
        return areas[areas["name"] == town]

    def city_outline(self) -> gpd.GeoDataFrame:
        """巢湖市's own outline (the city layer also holds its neighbours for context)."""
        city = self.role("city")
        return city[city["is_city"] == 1] if "is_city" in city else city

    # ---- features and links

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

    def place(self, place_id: str) -> pd.Series | None:
        """One place of places.yaml (with or without geometry), or None."""
        rows = self.places[self.places["id"] == place_id]
        return None if rows.empty else rows.iloc[0]

    def link(self, place_id: str, measure_id: str) -> pd.Series:
        """The link between a place and a measure: kind (原文点名/推断), basis and note."""
        rows = self.links[(self.links["place_id"] == place_id) & (self.links["measure_id"] == measure_id)]
        return rows.iloc[0]

    def place_name(self, place_id: str) -> str:
        """A place's name, with or without geometry (the id when unknown)."""
        rows = self.places[self.places["id"] == place_id]
        return str(rows["name"].iloc[0]) if len(rows) else place_id

    def measures_of(self, place_id: str) -> list[str]:
        """Measure ids linked to a place, in plan order."""
        ids = self.links.loc[self.links["place_id"] == place_id, "measure_id"].unique().tolist()
        return sorted(ids, key=measure_key)

    def places_of(self, measure_ids) -> set[str]:
        """Place ids linked to any of the given measures."""
        return set(self.links.loc[self.links["measure_id"].isin(list(measure_ids)), "place_id"])

    def children(self, place_id: str) -> pd.DataFrame:
        """Places (with or without geometry) whose parent is this place."""
        return self.places[self.places["parent"] == place_id]

    def plan_features(self) -> gpd.GeoDataFrame:
        """The features of the plan layers."""
        return self.features[self.features["layer"].isin([s.id for s in LAYERS if s.plan])]

    def subset(self, place_ids: set[str]) -> Catalog:
        """The same catalogue with its plan layers narrowed to `place_ids` (base layers kept), e.g. for a filtered export."""
        plan_ids = {s.id for s in LAYERS if s.plan}
        layers = {k: (g[g["id"].isin(place_ids)] if k in plan_ids else g) for k, g in self.layers.items()}
        return Catalog(layers=layers, links=self.links, places=self.places, user_specs=self.user_specs,
                       problems=self.problems, enterprises=self.enterprises, corrections=self.corrections)

    def in_town(self, town: str) -> gpd.GeoDataFrame:
        """Plan features whose township is `town`."""
        f = self.plan_features()
        return f[f["town"] == town]

    # ---- derived data, computed once per catalogue

    @cached_property
    def pieces(self) -> gpd.GeoDataFrame:
        """Every counted feature cut along the township areas, each piece measured in EPSG:4548 (PIECE_COLUMNS).

        A feature crossing a boundary gives one piece per town with its `share`, so the towns' sums
        equal the city's totals. Rows in layer order, then feature order.
        """
        areas = self.town_areas
        frames = []
        for spec in self.counted_specs():
            layer = self.layers[spec.id].drop(columns=["town"], errors="ignore")
            if layer.empty:
                continue
            cut = split_by_town(layer, areas)
            cut["layer"] = spec.id
            cut["area_km2"] = area_km2(cut) if spec.geometry == "Polygon" else float("nan")
            cut["area_mu"] = area_mu(cut) if spec.geometry == "Polygon" else float("nan")
            cut["length_km"] = length_km(cut) if spec.geometry == "LineString" else float("nan")
            frames.append(cut)
        if not frames:
            return gpd.GeoDataFrame(columns=PIECE_COLUMNS, geometry="geometry", crs=areas.crs)
        out = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=areas.crs)
        out = out.reindex(columns=PIECE_COLUMNS)
        for col in ("id", "name", "status", "accuracy", "parent", "note", MARK):
            out[col] = out[col].fillna("").astype(str)
        return out

    def town_pieces(self, town: str | None) -> gpd.GeoDataFrame:
        """The pieces lying in a town (town=None: in any of the towns)."""
        wanted = self.town_names() if town is None else [town]
        p = self.pieces
        return p[p["town"].isin(wanted)].reset_index(drop=True)


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
    gdf = base.read_layer(spec, data_dir) if gdf is None else gdf.copy() if copy else gdf
    gdf["layer"] = spec.id
    for col in ("id", "name", "status", "deadline", "accuracy", "source", "parent", "note", MARK):
        if col not in gdf:
            gdf[col] = ""
        gdf[col] = gdf[col].fillna("").astype(str)
    if (gdf["id"] == "").any():
        gdf["id"] = [f"{spec.id}_{i}" for i in range(len(gdf))]
    rule = spec.town_rule
    if rule == "own_name":
        gdf["town"] = gdf["name"]
    elif rule == "none":
        gdf["town"] = ""
    else:
        gdf["town"] = assign_town(gdf, areas).fillna("").astype(str)
    gdf["accuracy_label"] = gdf["accuracy"].map(accuracy_label)
    return _measure(gdf, spec)


#: Declared layers as joined and measured (load_layer) by what they were made from: a correction changes one plan layer,
#: and only that one is joined to the towns again. Bounded; each catalogue gets copies.
_JOINED: OrderedDict[tuple, gpd.GeoDataFrame] = OrderedDict()
JOINED_ENTRIES = 64


def _fingerprint(gdf: gpd.GeoDataFrame) -> str:
    """A digest of a frame's columns, values, geometries and CRS (what load_layer's result depends on)."""
    geometry = gdf.geometry.name
    digest = hashlib.blake2b(digest_size=16)
    digest.update(repr((list(gdf.columns), gdf.crs.srs if gdf.crs is not None else None, gdf.index.tolist())).encode())
    for column in gdf.columns:
        if column != geometry:
            digest.update(repr(gdf[column].tolist()).encode())
    for wkb in shapely.to_wkb(np.asarray(gdf[geometry].values)):
        digest.update(wkb or b"-")
    return digest.hexdigest()


def _joined(spec: LayerSpec, areas: gpd.GeoDataFrame, areas_key: str, gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """load_layer(spec, areas, gdf=gdf), made once per content of `gdf` and of the township areas."""
    key = (spec.id, areas_key, _fingerprint(gdf))
    if key not in _JOINED:
        _JOINED[key] = load_layer(spec, areas, gdf=gdf)
        while len(_JOINED) > JOINED_ENTRIES:
            _JOINED.popitem(last=False)
    _JOINED.move_to_end(key)
    return _JOINED[key].copy()


def load_catalog(data_dir: Path = DATA_DIR, workspace: bool = True, store=None, own_layers: bool = True) -> Catalog:
    """Every declared layer (and the planner's own, unless workspace=False), the links and places, ready for use.

    With the workspace, the position corrections in the store (`store`, else the one the settings name) are laid
    over the plan layers before towns are joined and sizes measured; workspace=False gives the shipped data only.
    own_layers=False leaves the planner's own layers out (a caller reading them from the store itself).
    """
    areas = base.read_layer(by_role("town_areas"), data_dir)
    frames = {spec.id: base.read_layer(spec, data_dir) for spec in LAYERS}
    places = load_places_yaml()
    corrections = Corrections()
    if workspace:
        from store import open_store

        try:
            store = store or open_store()
            corrections = Corrections.from_store(store)
        except LoadError as exc:  # the store cannot even be opened: shipped positions, said on the page
            corrections = Corrections(problems=[f"位置校正记录暂时无法读取，地图显示随附位置：{exc.message}"])
    frames, places = corrections.apply(frames, places)
    areas_key = _fingerprint(areas)
    layers = {spec.id: _joined(spec, areas, areas_key, frames[spec.id]) for spec in LAYERS}
    user_specs, problems = {}, list(corrections.problems)
    if workspace and own_layers:
        found = user_layers(store)  # the same store as the corrections
        problems += found.problems
        for spec, gdf in found.layers:
            start_tiles(spec, gdf)  # a large layer's first tiles are made while its towns are joined
            layers[spec.id] = load_layer(spec, areas, data_dir, gdf, copy=False)  # the same frame the tiles serve
            user_specs[spec.id] = spec
    return Catalog(layers=layers, links=load_place_links(), places=pd.DataFrame(places), user_specs=user_specs,
                   problems=problems, corrections=corrections, enterprises=load_enterprises())


__all__ = ["Catalog", "load_catalog", "load_layer", "DATA_DIR", "USER_GROUP"]
