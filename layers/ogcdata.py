"""What /ogc serves: every declared layer (plan places at their corrected positions), the corrections in effect and
every office layer in the store, as collections kept in memory and rebuilt when the store's change log moves on.

The change log is the one clock: a layer added, renamed or removed, or a position corrected, writes a change row,
so the next request sees a new ``Snapshot`` without a restart. Plan layers come from the catalogue (reloaded only
when a correction changed), office layers from the store (each read once per version of the layer).
``CatalogProvider`` is the pygeoapi feature provider reading a collection of the current snapshot.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pygeoapi.provider.base import BaseProvider, ProviderItemNotFoundError
from pyproj import CRS

from core.declarations import LAYERS, LayerSpec
from geo.crs import STORAGE

#: The CRS URIs offered (OGC API – Features Part 2); the first is the default.
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CRS_URIS = (CRS84, "http://www.opengis.net/def/crs/EPSG/0/4490", "http://www.opengis.net/def/crs/EPSG/0/4548")
STORAGE_URI = CRS_URIS[1]
#: Collection id of the corrections in effect.
CORRECTIONS_ID = "corrections"
#: Collection id prefix of an office layer (followed by its store id: stable across renames).
OFFICE_PREFIX = "office_"


@dataclass
class Collection:
    """One collection: id, Chinese title, description, its declaration (None for the corrections) and its data."""

    id: str
    title: str
    description: str
    frame: gpd.GeoDataFrame
    spec: LayerSpec | None = None
    keywords: tuple[str, ...] = ()
    _tree: shapely.STRtree | None = field(default=None, repr=False)

    @property
    def bbox(self) -> list[float]:
        """The lon/lat extent (the city's around 117.6–118.2, 31.3–31.9 when empty)."""
        b = self.frame.total_bounds if len(self.frame) and self.frame.geometry.notna().any() else None
        return [float(v) for v in b] if b is not None and np.isfinite(b).all() else [117.6, 31.3, 118.2, 31.9]

    @property
    def tree(self) -> shapely.STRtree:
        """A spatial index of the geometries (tiles and bbox queries)."""
        if self._tree is None:
            self._tree = shapely.STRtree(np.asarray(self.frame.geometry.values))
        return self._tree


@dataclass
class Snapshot:
    """The collections as of change-log entry `version`."""

    version: int
    collections: dict[str, Collection]


def _clean(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """In EPSG:4490, without columns that are not plain data, a text `id` on every feature."""
    frame = frame.to_crs(STORAGE) if frame.crs is not None and frame.crs != STORAGE else frame.set_crs(STORAGE, allow_override=True)
    frame = frame.reset_index(drop=True)
    if "id" not in frame:
        frame["id"] = [str(i + 1) for i in range(len(frame))]
    frame["id"] = frame["id"].astype(str)
    return frame


def _corrections_frame(catalog) -> gpd.GeoDataFrame:
    """The correction in effect per place: where it is now, how sure, from what source, by whom and when."""
    rows = [{"id": e.uid, "place_id": e.place_id, "name": catalog.place_name(e.place_id), "layer": e.layer,
             "accuracy": e.accuracy, "source": e.source, "source_date": e.source_date, "method": e.method,
             "made_by": e.made_by, "made_at": e.made_at.isoformat(timespec="seconds"), "geometry": e.geometry}
            for e in catalog.corrections.current.values()]
    return gpd.GeoDataFrame(rows, columns=["id", "place_id", "name", "layer", "accuracy", "source", "source_date",
                                           "method", "made_by", "made_at", "geometry"], geometry="geometry", crs=STORAGE)


class Collections:
    """The current snapshot of one store, rebuilt when its change log moves on (thread-safe)."""

    def __init__(self, open_store, load_catalog):
        self._open_store, self._load_catalog = open_store, load_catalog
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._catalog_key, self._plan = None, {}
        self._office: dict[tuple, gpd.GeoDataFrame] = {}

    def current(self) -> Snapshot:
        """The collections as of the store's newest change."""
        store = self._open_store()
        newest = store.changes(limit=1)
        version = newest[0].id if newest else 0
        with self._lock:
            if self._snapshot is None or self._snapshot.version != version:
                self._snapshot = Snapshot(version, self._build(store))
            return self._snapshot

    def _build(self, store) -> dict[str, Collection]:
        fixed = store.changes(kind="correction", limit=1)
        key = fixed[0].id if fixed else 0
        if key != self._catalog_key or not self._plan:
            catalog = self._load_catalog(store=store, own_layers=False)
            self._plan = {spec.id: Collection(spec.id, spec.title, f"{spec.group}：{spec.title}",
                                              _clean(catalog.layers[spec.id]), spec, (spec.group,)) for spec in LAYERS}
            self._plan[CORRECTIONS_ID] = Collection(
                CORRECTIONS_ID, "位置校正（生效中）", "各规划地点现行的位置校正：校正后的位置、精度、来源与校正人；规划图层已按此显示。",
                _clean(_corrections_frame(catalog)), None, ("位置校正",))
            self._catalog_key = key
        out = dict(self._plan)
        office = {}
        for info in store.layers():
            ident = (info.id, info.updated_at, info.features)
            frame = self._office.get(ident)
            if frame is None:
                frame = _clean(store.read_layer(info))
            office[ident] = frame
            cid = f"{OFFICE_PREFIX}{info.id}"
            out[cid] = Collection(cid, info.name, f"我的数据：{info.name}（{info.features} 个要素，{info.added_by} 添加）",
                                  frame, None, ("我的数据",))
        self._office = office
        return out


# ---------------------------------------------------------------- the pygeoapi provider

#: The Collections every provider reads (set by layers/ogc.py when the /ogc routes are made).
SOURCE: dict[str, Collections] = {}


def _json_value(v):
    """A cell as JSON: numbers, text, None for missing."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return None if math.isnan(v) else float(v)
    if isinstance(v, (bool, int, float, str)):
        return v
    if np.ndim(v) == 0 and pd.isna(v):
        return None
    return str(v)  # dates, times and anything else as text


def _schema_type(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "boolean"
    if pd.api.types.is_integer_dtype(series):
        return "integer"
    if pd.api.types.is_float_dtype(series):
        return "number"
    return "string"


def _north_first(crs: CRS) -> bool:
    return bool(crs.axis_info) and crs.axis_info[0].direction.lower() == "north"


def _swap(geoms):
    return shapely.transform(geoms, lambda c: c[:, ::-1])


class CatalogProvider(BaseProvider):
    """pygeoapi feature provider over one collection of the current snapshot (``data`` is the collection id)."""

    def __init__(self, provider_def):
        super().__init__(provider_def)
        self.collection = SOURCE["current"].current().collections.get(self.data)
        if self.collection is None:
            raise ProviderItemNotFoundError(user_msg=f"没有图层「{self.data}」。")
        frame = self.collection.frame
        self._fields = {c: {"type": _schema_type(frame[c])} for c in frame.columns if c != "geometry"}

    def get_fields(self):
        return self._fields

    def _features(self, frame: gpd.GeoDataFrame, skip_geometry: bool, select_properties, crs_transform_spec) -> list[dict]:
        geoms = np.asarray(frame.geometry.values)
        if not skip_geometry:  # no transform asked: pygeoapi wants the storage CRS itself (EPSG:4490, lat/lon)
            target = CRS.from_wkt(crs_transform_spec.target_crs_wkt) if crs_transform_spec else CRS.from_user_input(STORAGE)
            if not target.equals(CRS.from_user_input(STORAGE)):
                geoms = np.asarray(gpd.GeoSeries(geoms, crs=STORAGE).to_crs(target).values)
            if _north_first(target):  # coordinates in the CRS's own axis order (OGC API – Features Part 2)
                geoms = _swap(geoms)
        columns = [c for c in frame.columns if c != "geometry" and (not select_properties or c in select_properties)]
        records = frame[columns].to_dict("records")
        out = []
        for rec, geom, fid in zip(records, geoms, frame["id"]):
            geometry = None if skip_geometry or geom is None or shapely.is_empty(geom) else shapely.geometry.mapping(geom)
            out.append({"type": "Feature", "id": fid, "geometry": geometry,
                        "properties": {k: _json_value(v) for k, v in rec.items()}})
        return out

    def query(self, offset=0, limit=10, resulttype="results", bbox=(), datetime_=None, properties=(), sortby=(),
              select_properties=(), skip_geometry=False, q=None, crs_transform_spec=None, **kwargs):
        frame = self.collection.frame
        if bbox:
            box = list(bbox[:2]) + list(bbox[-2:]) if len(bbox) == 4 else [bbox[0], bbox[1], bbox[3], bbox[4]]
            if _north_first(CRS.from_user_input(STORAGE)):  # pygeoapi gives the box in the storage CRS's axis order
                box = [box[1], box[0], box[3], box[2]]
            frame = frame.iloc[np.sort(self.collection.tree.query(shapely.box(*box), predicate="intersects"))]
        for name, value in properties or []:
            if name in frame:
                frame = frame[frame[name].astype(str) == str(value)]
        for sort in reversed(sortby or []):
            frame = frame.sort_values(sort["property"], ascending=sort.get("order", "+") != "-", kind="stable")
        matched = len(frame)
        page = frame.iloc[int(offset):int(offset) + int(limit)] if resulttype != "hits" else frame.iloc[0:0]
        return {"type": "FeatureCollection", "numberMatched": matched, "numberReturned": len(page),
                "features": self._features(page, skip_geometry, select_properties, crs_transform_spec)}

    def get(self, identifier, crs_transform_spec=None, **kwargs):
        frame = self.collection.frame
        row = frame[frame["id"] == str(identifier)]
        if row.empty:
            raise ProviderItemNotFoundError(user_msg=f"图层「{self.collection.title}」中没有要素 {identifier}。")
        return self._features(row.iloc[:1], False, [], crs_transform_spec)[0]
