"""The corrections in effect laid over the shipped plan layers: data in, data out, the shipped files untouched.

The catalogue (layers/catalog.py) reads the plan layers, passes them through ``Corrections.apply`` and only then
joins towns and measures, so every summary, export, the tour and the map use the corrected geometry. A corrected
feature carries its chosen accuracy, the correction's `source` (the panel's 来源) and a `correction` text
(已校准：来源（日期）); a place the plan gave no position joins its layer once corrected; an extent derived from its
children (居巢经开区) follows their corrections.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd
import shapely

from core.declarations import BY_ID
from loaders.errors import LoadError
from loaders.places import COLUMNS, DERIVED_FROM_CHILDREN
from store.corrections import CorrectionEntry, in_effect

#: The column a corrected feature's 已校准 text is kept in (empty for every other feature).
MARK = "correction"
#: What a shipped note is prefixed with once the position it describes has been replaced.
OLD_NOTE = "（校准前）"


def mark_text(entry: CorrectionEntry) -> str:
    """已校准：来源（日期）: the words a corrected feature carries into the map, panel and exports."""
    return f"已校准：{entry.source}（{entry.source_date}）"


@dataclass
class Corrections:
    """Every correction entry of the store by place (oldest first), and the one in effect for each corrected place."""

    history: dict[str, list[CorrectionEntry]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @classmethod
    def from_entries(cls, entries: list[CorrectionEntry]) -> Corrections:
        """Grouped by place, in the order they were written."""
        out = cls()
        for entry in entries:
            out.history.setdefault(entry.place_id, []).append(entry)
        return out

    @classmethod
    def from_store(cls, store) -> Corrections:
        """The store's corrections; an unreadable store gives none and says so in `problems` (the map stays up)."""
        try:
            return cls.from_entries(store.correction_entries())
        except LoadError as exc:
            return cls(problems=[f"位置校正记录暂时无法读取，地图显示随附位置：{exc.message}"])

    @property
    def current(self) -> dict[str, CorrectionEntry]:
        """Place id → the correction in effect (places back on their shipped position are left out)."""
        return {pid: cur for pid, entries in self.history.items() if (cur := in_effect(entries)) is not None}

    def of(self, place_id: str) -> CorrectionEntry | None:
        """The correction in effect for a place, or None."""
        return in_effect(self.history.get(place_id, []))

    def entries_of(self, place_id: str) -> list[CorrectionEntry]:
        """A place's history, newest first (as the panel lists it)."""
        return list(reversed(self.history.get(place_id, [])))

    def apply(self, frames: dict[str, gpd.GeoDataFrame], places: gpd.GeoDataFrame) -> tuple[dict, gpd.GeoDataFrame]:
        """(plan layer frames, places) with the corrections in effect laid over copies of them.

        `frames` are the layers as read (id, name, … columns of the shipped shapefiles), `places` the places.yaml
        frame. Corrections of places no longer in places.yaml are left out and reported in `problems`.
        """
        frames = {lid: (gdf.assign(**{MARK: ""}) if BY_ID[lid].plan else gdf) for lid, gdf in frames.items()}
        places = places.copy()
        current = self.current
        if not current:
            return frames, places
        known = places.set_index("id")
        for pid, entry in current.items():
            if pid not in known.index:
                self.problems.append(f"位置校正记录中的地点「{pid}」已不在规划数据中，该校正未显示。")
                continue
            layer = known.at[pid, "layer"]
            if BY_ID[layer].geometry != _family(entry.geometry):
                self.problems.append(f"地点「{known.at[pid, 'name']}」的校正图形与其图层类型不符，该校正未显示。")
                continue
            frames[layer] = _laid_over(frames[layer], known.loc[pid], pid, entry)
            places.loc[places["id"] == pid, "geometry"] = gpd.GeoSeries([entry.geometry], crs=places.crs).values
        for _, parent in places[places["geometry_from"] == DERIVED_FROM_CHILDREN].iterrows():
            if parent["id"] not in current:
                frames[parent["layer"]] = _rederived(frames[parent["layer"]], places, parent, set(current))
        return frames, places


def _family(geometry) -> str:
    kind = geometry.geom_type.removeprefix("Multi") if geometry is not None else ""
    return kind


def _laid_over(gdf: gpd.GeoDataFrame, place: pd.Series, pid: str, entry: CorrectionEntry) -> gpd.GeoDataFrame:
    """The layer with one place's corrected geometry, accuracy and mark (the place added when the plan gave it none)."""
    gdf = gdf.copy()
    rows = gdf.index[gdf["id"] == pid]
    if len(rows) == 0:
        added = {col: place.get(col, "") for col in COLUMNS if col != "id"}
        new = gpd.GeoDataFrame([{"id": pid, **added, MARK: ""}], geometry=[entry.geometry], crs=gdf.crs)
        gdf = gpd.GeoDataFrame(pd.concat([gdf, new.reindex(columns=gdf.columns)], ignore_index=True),
                               geometry=gdf.geometry.name, crs=gdf.crs)
        rows = gdf.index[gdf["id"] == pid]
    i = rows[0]
    gdf.loc[[i], gdf.geometry.name] = gpd.GeoSeries([entry.geometry], index=[i], crs=gdf.crs)
    gdf.loc[i, "accuracy"] = entry.accuracy
    gdf.loc[i, MARK] = mark_text(entry)
    gdf.loc[i, "source"] = entry.source  # the shipped source told where the replaced position came from
    note = gdf.loc[i, "note"] if "note" in gdf.columns else ""
    if isinstance(note, str) and note and not note.startswith(OLD_NOTE):
        gdf.loc[i, "note"] = OLD_NOTE + note
    return gdf


def _rederived(gdf: gpd.GeoDataFrame, places: gpd.GeoDataFrame, parent: pd.Series, corrected: set[str]) -> gpd.GeoDataFrame:
    """A `geometry_from: children` extent recomputed from its children as they are now, when one of them is corrected."""
    kids = places[(places["parent"] == parent["id"]) & (places["layer"] == parent["layer"])]
    if not (set(kids["id"]) & corrected):
        return gdf
    rows = gdf[gdf["id"].isin(kids["id"])]
    polys = [g for g in rows.geometry if g is not None and g.geom_type in ("Polygon", "MultiPolygon")]
    if not polys:
        return gdf
    gdf = gdf.copy()
    i = gdf.index[gdf["id"] == parent["id"]]
    if len(i):
        gdf.loc[[i[0]], gdf.geometry.name] = gpd.GeoSeries([shapely.union_all(polys)], index=[i[0]], crs=gdf.crs)
    return gdf
