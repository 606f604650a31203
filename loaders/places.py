"""The plan's places (data/plan/places.yaml) and their links to measures (data/plan/place_measures.csv).

places.yaml is the hand-authored text form of every place; the plan-layer shapefiles are built
from it by scripts/build_plan_layers.py. This module reads and checks it, and turns it into the
per-layer frames the shapefiles hold, so the build and the tests agree on one reading.
Every link and every parent relation says whether the plan's words make it (原文点名) or we infer it (推断).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
import yaml

from core import settings
from core.declarations import ACCURACY, PLAN_LAYER_IDS
from geo.crs import STORAGE
from loaders.plan import DUE_PHRASES, Plan, PlanDataError

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
#: Name lists of a place: the plan's other spellings (`aliases`) and third-party names (`other_names`).
NAME_LISTS = ("aliases", "other_names")
#: What a link or a parent relation rests on: the plan's words name the place, or we infer it.
NAMED, INFERRED = "原文点名", "推断"
LINK_KINDS = (NAMED, INFERRED)
#: A link basis naming a responsible unit of the measure's closing bracket, e.g. `配合单位:居巢经开区`.
BRACKET_ROLES = ("牵头单位", "配合单位")
LINK_COLUMNS = ["place_id", "measure_id", "kind", "basis", "note"]
_KEYS = {"id", "layer", "name", "geometry", "geometry_from", "parent_kind", *NAME_LISTS, *COLUMNS}
#: A dBase text field holds at most 254 bytes; longer text would be cut off in the shapefile.
MAX_FIELD_BYTES = 254


class PlacesError(PlanDataError):
    """places.yaml or place_measures.csv is wrong; the (Chinese) message names the place and the field."""


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
        if bool(r.get("parent")) != bool(r.get("parent_kind")):
            raise PlacesError(f"{where}: 有 parent 就须写 parent_kind（{'/'.join(LINK_KINDS)}），没有则不写")
        if r.get("parent_kind") and r["parent_kind"] not in LINK_KINDS:
            raise PlacesError(f"{where}: parent_kind 应为 {'/'.join(LINK_KINDS)}")
        for key in NAME_LISTS:
            names = r.get(key) or []
            if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
                raise PlacesError(f"{where}: {key} 应为名称列表")
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


def places_version(path: str | Path | None = None) -> tuple[str, str]:
    """Which places.yaml is read and which version of it (path, digest of its bytes): what caches of the parsed file
    are keyed by (parsing it takes a tenth of a second, reading and hashing it well under a millisecond)."""
    path = Path(path or settings.current().plan_dir / PLACES_FILE)
    try:
        return str(path), hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()
    except OSError:
        return str(path), ""  # parsing it says what is missing


def load_places_yaml(path: str | Path | None = None) -> gpd.GeoDataFrame:
    """Every place of places.yaml (geometry-less ones with geometry None) as a GeoDataFrame in EPSG:4490.

    Columns: id, layer, name, the COLUMNS attributes and parent_kind ('' where not given), geometry_from,
    aliases and other_names (tuples), geometry.
    Derived extents (`geometry_from: children`) are computed here. Raises PlacesError on bad data. The file is parsed
    once per version (places_version); each caller gets its own copy.
    """
    return _parsed(*places_version(path)).copy()


@lru_cache(maxsize=4)
def _parsed(path: str, _digest: str) -> gpd.GeoDataFrame:
    with open(path, encoding="utf-8") as fh:
        rows = (yaml.safe_load(fh) or {}).get("places") or []
    _check(rows)
    geoms = [shapely.from_wkt(r["geometry"]) if r.get("geometry") else None for r in rows]
    data = {key: [str(r.get(key) or "") for r in rows]
            for key in ("id", "layer", "name", *COLUMNS[2:], "parent_kind", "geometry_from")}
    data.update({key: [tuple(r.get(key) or ()) for r in rows] for key in NAME_LISTS})
    frame = gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geoms, crs=STORAGE), crs=STORAGE)
    _derive(frame, rows)
    return frame


def layer_frame(places: gpd.GeoDataFrame, layer: str) -> gpd.GeoDataFrame:
    """The rows one plan shapefile holds: the layer's places that have a geometry, COLUMNS + geometry."""
    rows = places[(places["layer"] == layer) & places.geometry.notna()]
    return gpd.GeoDataFrame(rows[list(COLUMNS)].reset_index(drop=True),
                            geometry=rows.geometry.reset_index(drop=True), crs=STORAGE)


def load_place_links(path: str | Path | None = None) -> pd.DataFrame:
    """The place↔measure links (place_id, measure_id, kind, basis, note), all as text, duplicates refused.

    kind is 原文点名 (the measure's words, quoted in basis, name the place) or 推断 (our inference from
    the words in basis; note says why). A basis `配合单位:居巢经开区` names a unit of the closing bracket.
    """
    links = pd.read_csv(Path(path or settings.current().plan_dir / LINKS_FILE), dtype=str, encoding="utf-8",
                        keep_default_na=False)
    if list(links.columns) != LINK_COLUMNS:
        raise PlacesError(f"place_measures.csv 的表头应为 {','.join(LINK_COLUMNS)}，实为 {','.join(links.columns)}")
    dupes = links[links.duplicated(["place_id", "measure_id"], keep=False)]
    if len(dupes):
        raise PlacesError(f"place_measures.csv: 重复的地点—措施对 {dupes[['place_id', 'measure_id']].values.tolist()}")
    for n, row in enumerate(links.itertuples(index=False), 2):
        where = f"place_measures.csv 第 {n} 行（{row.place_id}—{row.measure_id}）"
        if row.kind not in LINK_KINDS:
            raise PlacesError(f"{where}: kind 应为 {'/'.join(LINK_KINDS)}，实为 {row.kind!r}")
        if not row.basis:
            raise PlacesError(f"{where}: 缺少 basis（措施原文中的依据词句）")
        if row.kind == INFERRED and not row.note:
            raise PlacesError(f"{where}: 推断的关联须在 note 中写明理由")
    return links


def place_names(places: pd.DataFrame, place_id: str) -> tuple[str, ...]:
    """Every way the plan writes a place: its name and its aliases (not third-party names)."""
    row = places[places["id"] == place_id].iloc[0]
    return (row["name"], *row["aliases"])


def link_problems(links: pd.DataFrame, places: pd.DataFrame, plan: Plan) -> list[str]:
    """Why links are wrong (Chinese, one line each): unknown place or measure, a basis not in the measure's
    words, or a 原文点名 link whose basis does not name the place. Empty when every link holds."""
    known = set(places["id"])
    measures = {m.id: m for m in plan.measures}
    problems = []
    for row in links.itertuples(index=False):
        where = f"place_measures.csv {row.place_id}—{row.measure_id}"
        if row.place_id not in known or row.measure_id not in measures:
            problems.append(f"{where}: 地点或措施不存在")
            continue
        m = measures[row.measure_id]
        role, _, unit_name = row.basis.partition(":")
        if role in BRACKET_ROLES and unit_name:
            unit = plan.unit_by_name(unit_name)
            ids = m.lead if role == "牵头单位" else m.coop
            if unit is None or unit.id not in ids:
                problems.append(f"{where}: 措施括号的{role}中没有 “{unit_name}”")
                continue
            said = unit.names
        elif row.basis not in m.text:
            problems.append(f"{where}: 依据 “{row.basis}” 不在措施原文中")
            continue
        else:
            said = (row.basis,)
        if row.kind == NAMED and not any(n in s for n in place_names(places, row.place_id) for s in said):
            problems.append(f"{where}: 标为原文点名，但依据 “{row.basis}” 没有写出该地点的名称或别称")
    return problems


def children_of(places: gpd.GeoDataFrame, place_id: str) -> gpd.GeoDataFrame:
    """The places whose parent is place_id (with or without geometry): what its panel lists."""
    return places[places["parent"] == place_id]
