"""The plan's places (data/plan/places.yaml) and their links to measures (data/plan/place_measures.csv).

places.yaml is the hand-authored text form of every place; the plan-layer shapefiles are built
from it by scripts/build_plan_layers.py. This module reads and checks it, and turns it into the
per-layer frames the shapefiles hold, so the build and the tests agree on one reading.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
import yaml

from core.declarations import ACCURACY, PLAN_LAYER_IDS
from core import settings
from geo.crs import STORAGE
from loaders.plan import DUE_PHRASES, PlanDataError

PLACES_FILE = "places.yaml"
LINKS_FILE = "place_measures.csv"
ACCURACIES = tuple(ACCURACY)
#: The status words the plan itself uses for its places; anything else is a typo or an invention.
STATUSES = (
    "规划建设", "谋划和建设", "规划编制", "启动", "启动建设", "建设", "续建", "新建",
    "开工建设", "建成投产", "完成", "申报",
)
#: Attribute columns every plan shapefile carries (all ≤ 10 characters, dBase's limit), in order.
COLUMNS = ("id", "name", "status", "deadline", "level", "partner", "accuracy", "parent", "source", "note")
#: What `geometry_from` may say: the place's extent is the union of its children's polygons.
DERIVED_FROM_CHILDREN = "children"
_KEYS = {"id", "layer", "name", "geometry", "geometry_from", *COLUMNS}
#: A dBase text field holds at most 254 bytes; longer text would be cut off in the shapefile.
MAX_FIELD_BYTES = 254


class PlacesError(PlanDataError):
    """places.yaml or place_measures.csv is wrong; the message names the place and the field."""


def _check(rows: list[dict]) -> None:
    """Refuse unknown keys, duplicate ids, unknown layers/accuracies/statuses/deadlines, dangling parents."""
    ids = [r.get("id") for r in rows]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise PlacesError(f"places.yaml: 重复的 id {dupes}")
    known = set(ids)
    for r in rows:
        where = f"places.yaml 地点 {r.get('id')!r}"
        extra = set(r) - _KEYS
        if extra:
            raise PlacesError(f"{where}: 未知字段 {sorted(extra)}")
        for key in ("id", "layer", "name", "source"):
            if not r.get(key):
                raise PlacesError(f"{where}: 缺少 {key}")
        if r["layer"] not in PLAN_LAYER_IDS:
            raise PlacesError(f"{where}: 图层 {r['layer']!r} 不是 {PLAN_LAYER_IDS} 之一")
        has_shape = bool(r.get("geometry") or r.get("geometry_from"))
        if r.get("geometry") and r.get("geometry_from"):
            raise PlacesError(f"{where}: geometry 与 geometry_from 只能写一个")
        if r.get("geometry_from") not in (None, DERIVED_FROM_CHILDREN):
            raise PlacesError(f"{where}: geometry_from 只能是 {DERIVED_FROM_CHILDREN!r}")
        if has_shape and r.get("accuracy") not in ACCURACIES:
            raise PlacesError(f"{where}: accuracy 应为 {ACCURACIES} 之一")
        if not has_shape and r.get("accuracy"):
            raise PlacesError(f"{where}: 没有几何的地点不写 accuracy")
        if r.get("status") and r["status"] not in STATUSES:
            raise PlacesError(f"{where}: status {r['status']!r} 不是规划原文的说法 {STATUSES}")
        if r.get("deadline") and r["deadline"] not in DUE_PHRASES:
            raise PlacesError(f"{where}: deadline {r['deadline']!r} 不是规划原文的时限说法")
        if r.get("parent") and r["parent"] not in known:
            raise PlacesError(f"{where}: parent {r['parent']!r} 不存在")
        for key in COLUMNS:
            if len(str(r.get(key) or "").encode("utf-8")) > MAX_FIELD_BYTES:
                raise PlacesError(f"{where}: {key} 超过 {MAX_FIELD_BYTES} 字节，写入 shapefile 会被截断")


def _derive(frame: gpd.GeoDataFrame, rows: list[dict]) -> None:
    """Fill `geometry_from: children` places with the union of their same-layer polygon children."""
    for i, r in enumerate(rows):
        if r.get("geometry_from") != DERIVED_FROM_CHILDREN:
            continue
        kids = frame[(frame["parent"] == r["id"]) & (frame["layer"] == r["layer"]) & frame.geometry.notna()]
        polys = [g for g in kids.geometry if g.geom_type in ("Polygon", "MultiPolygon")]
        if not polys:
            raise PlacesError(f"places.yaml 地点 {r['id']!r}: geometry_from: children，但没有带面几何的下属地点")
        frame.loc[frame.index[i], "geometry"] = shapely.union_all(polys)


def load_places_yaml(path: str | Path | None = None) -> gpd.GeoDataFrame:
    """Every place of places.yaml (geometry-less ones with geometry None) as a GeoDataFrame in EPSG:4490.

    Columns: id, layer, name, the COLUMNS attributes ('' where not given), geometry_from, geometry.
    Derived extents (`geometry_from: children`) are computed here. Raises PlacesError on bad data.
    """
    path = Path(path or settings.current().plan_dir / PLACES_FILE)
    with open(path, encoding="utf-8") as fh:
        rows = (yaml.safe_load(fh) or {}).get("places") or []
    _check(rows)
    geoms = [shapely.from_wkt(r["geometry"]) if r.get("geometry") else None for r in rows]
    data = {key: [str(r.get(key) or "") for r in rows] for key in ("id", "layer", "name", *COLUMNS[2:], "geometry_from")}
    frame = gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geoms, crs=STORAGE), crs=STORAGE)
    _derive(frame, rows)
    return frame


def layer_frame(places: gpd.GeoDataFrame, layer: str) -> gpd.GeoDataFrame:
    """The rows one plan shapefile holds: the layer's places that have a geometry, COLUMNS + geometry."""
    rows = places[(places["layer"] == layer) & places.geometry.notna()]
    return gpd.GeoDataFrame(rows[list(COLUMNS)].reset_index(drop=True),
                            geometry=rows.geometry.reset_index(drop=True), crs=STORAGE)


def load_place_links(path: str | Path | None = None) -> pd.DataFrame:
    """The place↔measure links (place_id, measure_id, basis), all as text, duplicates refused."""
    links = pd.read_csv(Path(path or settings.current().plan_dir / LINKS_FILE), dtype=str, encoding="utf-8",
                        keep_default_na=False)
    if list(links.columns) != ["place_id", "measure_id", "basis"]:
        raise PlacesError(f"place_measures.csv 的表头应为 place_id,measure_id,basis，实为 {list(links.columns)}")
    dupes = links[links.duplicated(["place_id", "measure_id"], keep=False)]
    if len(dupes):
        raise PlacesError(f"place_measures.csv: 重复的地点—措施对 {dupes[['place_id', 'measure_id']].values.tolist()}")
    return links
