"""Correcting a plan place's position: the checks a new position must pass, and correcting, adopting and reverting.

A planning office knows where a place really is; the plan (and so the shipped data) often does not. A correction
gives a place of data/plan/places.yaml a new geometry of its layer's kind, inside 巢湖市, with a 来源 and its date and
the accuracy the editor vouches for (位置有出处 or 大致位置). Every check runs before anything is written: a refused
correction leaves the store as it was. The position in effect is replayed from the store (store/corrections.py).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from core import clock
from core.declarations import BY_ID, LayerSpec
from core.formatting import accuracy_label, size_text
from geo.crs import MEASURE, STORAGE
from geo.measure import area_km2, area_mu, length_km
from loaders.base import load_city_boundary
from loaders.places import load_places_yaml, places_version
from store.base import LOCAL_USER, Store
from store.corrections import ANY, CorrectionEntry
from store.errors import StoreError

#: The accuracies an editor may choose for a corrected position (code → what the form says).
CHOICES = {"located": "位置有出处", "approximate": "大致位置"}
#: How far (km) a corrected position may reach past the city outline, which is itself a generalised national dataset.
OUTSIDE_TOLERANCE_KM = 1.0
MAX_SOURCE = 200
#: 面 / 线 / 点: how planners name a layer's geometry.
KIND_WORDS = {"Polygon": "面", "LineString": "线", "Point": "点"}
_FAMILY = {"Point": "Point", "MultiPoint": "Point", "LineString": "LineString", "MultiLineString": "LineString",
           "LinearRing": "LineString", "Polygon": "Polygon", "MultiPolygon": "Polygon"}
#: Methods recorded with a correction (the history shows them).
DRAWN, EDITED = "在地图上绘制", "在地图上修改原图形"


class CorrectionError(StoreError):
    """A correction was refused (unknown place, wrong geometry kind, outside 巢湖市, no source …); nothing was stored."""


@dataclass(frozen=True)
class Place:
    """A plan place as shipped: id, layer, name, geometry (None where the plan gives no position) and accuracy."""

    id: str
    layer: str
    name: str
    geometry: object
    accuracy: str

    @property
    def spec(self) -> LayerSpec:
        """The declaration of the place's layer."""
        return BY_ID[self.layer]


def plan_places() -> dict[str, Place]:
    """Every place of places.yaml by id, with its shipped geometry (derived extents included); made once per version
    of the file (the 校正位置 page names every place on each run)."""
    return dict(_plan_places(places_version()))


@lru_cache(maxsize=4)
def _plan_places(version: tuple) -> dict[str, Place]:
    frame = load_places_yaml(version[0])
    return {pid: Place(pid, layer, name, geom if isinstance(geom, BaseGeometry) and not geom.is_empty else None, acc)
            for pid, layer, name, geom, acc in zip(frame["id"], frame["layer"], frame["name"], frame.geometry, frame["accuracy"])}


def plan_place(place_id: str) -> Place:
    """The plan place with this id; CorrectionError (Chinese) when there is none."""
    places = plan_places()
    place = places.get(str(place_id).strip())
    if place is None:
        raise CorrectionError(f"没有编号为「{place_id}」的规划地点（编号见 data/plan/places.yaml 的 id，如 "
                              f"{'、'.join(list(places)[:3])}）。")
    return place


@lru_cache(maxsize=4)
def _city(data_dir: str | None = None):
    """巢湖市's outline in EPSG:4548 (one geometry)."""
    return shapely.union_all(load_city_boundary(data_dir).to_crs(MEASURE).geometry.values)


def _kind_text(geometry) -> str:
    """What a geometry is, in planners' words: 面, 2 条线, 3 个点 …"""
    parts = shapely.get_parts(geometry)
    families = [_FAMILY.get(p.geom_type, p.geom_type) for p in parts]
    counts = {f: families.count(f) for f in dict.fromkeys(families)}
    unit = {"Point": "个点", "LineString": "条线", "Polygon": "个面"}
    return "、".join(f"{n} {unit.get(f, '个' + f)}" for f, n in counts.items())


def shaped(geometry, place: Place):
    """The geometry as the place's layer holds it (Point; (Multi)LineString; (Multi)Polygon), 2-D and valid.

    CorrectionError names the place, its layer and what was given when the kind is wrong, empty or not finite.
    """
    spec = place.spec
    want = KIND_WORDS[spec.geometry]
    if geometry is None or geometry.is_empty:
        raise CorrectionError(f"「{place.name}」的新位置是空的：请画出或选择一个{want}。")
    geometry = shapely.force_2d(geometry)
    coords = shapely.get_coordinates(geometry)
    if not all(math.isfinite(v) for v in coords.ravel()):
        raise CorrectionError(f"「{place.name}」的新位置含有无效坐标（非数值或无穷大），未保存。")
    parts = [p for p in shapely.get_parts(geometry) if not p.is_empty]
    families = {_FAMILY.get(p.geom_type, p.geom_type) for p in parts}
    wrong = (f"「{place.name}」属于「{spec.title}」（{want}图层），只能用{want}校正；收到的是 {_kind_text(geometry)}，未保存。")
    if families != {spec.geometry}:
        raise CorrectionError(wrong)
    if spec.geometry == "Point":
        if len(parts) != 1:
            raise CorrectionError(f"「{place.name}」是一个点位，只能给一个点；收到的是 {_kind_text(geometry)}，未保存。")
        return parts[0]
    if spec.geometry == "LineString":
        merged = shapely.line_merge(shapely.MultiLineString(parts)) if len(parts) > 1 else parts[0]
        return merged
    polygon = shapely.union_all(parts)
    if not polygon.is_valid:
        polygon = shapely.make_valid(polygon)
    polygon = shapely.union_all([p for p in shapely.get_parts(polygon) if p.geom_type in ("Polygon", "MultiPolygon")])
    if polygon.is_empty or polygon.area == 0:
        raise CorrectionError(f"「{place.name}」的新范围面积为零（各点在一条线上），请重新画一个面。")
    return polygon


def size_words(geometry, kind: str, accuracy: str = "located", prefix: bool = True) -> str:
    """A position's size as planners read it, measured in EPSG:4548: 面积 3.00 平方公里（约 4,500 亩）, 长度 3.40 公里,
    坐标 117.800000, 31.600000 (约 and rounding for schematic sizes; '' for a missing geometry, or a point without prefix)."""
    if geometry is None:
        return ""
    series = gpd.GeoSeries([geometry], crs=STORAGE)
    if kind == "Polygon":
        text = size_text(area_km2=float(area_km2(series).iloc[0]), area_mu=float(area_mu(series).iloc[0]), accuracy=accuracy)
        return f"面积 {text}" if prefix else text
    if kind == "LineString":
        text = size_text(length_km=float(length_km(series).iloc[0]), accuracy=accuracy)
        return f"长度 {text}" if prefix else text
    point = geometry.representative_point()
    return f"坐标 {point.x:.6f}, {point.y:.6f}" if prefix else ""


def outside_km(geometry, data_dir: str | None = None) -> tuple[float, bool]:
    """(how far the geometry reaches outside 巢湖市 in km, whether it touches the city at all), measured in EPSG:4548."""
    city = _city(data_dir)
    measured = gpd.GeoSeries([geometry], crs=STORAGE).to_crs(MEASURE).iloc[0]
    if not measured.intersects(city):
        return measured.distance(city) / 1000, False
    if city.covers(measured):
        return 0.0, True
    outside = measured.difference(city)
    far = max(shapely.distance(shapely.points(shapely.get_coordinates(outside)), city), default=0.0)
    return float(far) / 1000, True


def check_inside(geometry, place: Place) -> None:
    """Refuse a position outside 巢湖市 (beyond the outline's tolerance), saying how far outside, in km."""
    lon_lat = shapely.get_coordinates(geometry)
    if not ((73 <= lon_lat[:, 0]) & (lon_lat[:, 0] <= 136) & (3 <= lon_lat[:, 1]) & (lon_lat[:, 1] <= 54)).all():
        x, y = lon_lat[0]
        raise CorrectionError(f"「{place.name}」的新位置坐标（{x:.6g}, {y:.6g}）不是中国境内的经纬度，"
                              "请检查文件的坐标系（应为 CGCS2000/WGS84 经纬度，或带有 .prj）。")
    km, touches = outside_km(geometry)
    if km <= OUTSIDE_TOLERANCE_KM:
        return
    if not touches:
        raise CorrectionError(f"「{place.name}」的新位置在巢湖市界外，距市界约 {km:.1f} 公里，未保存。"
                              "请检查位置或坐标系（高德/百度拾取的坐标请选择对应的坐标来源）。")
    raise CorrectionError(f"「{place.name}」的新位置有部分超出巢湖市界约 {km:.1f} 公里（允许 {OUTSIDE_TOLERANCE_KM:g} 公里以内），未保存。")


def check_source(source) -> str:
    """The 来源 text, trimmed; CorrectionError when empty or too long."""
    text = " ".join(str(source or "").split())
    if not text:
        raise CorrectionError("请填写来源（如「园区管委会 2025 年范围图」）：没有来源的校正不能保存。")
    if len(text) > MAX_SOURCE:
        raise CorrectionError(f"来源过长（{len(text)} 字），请控制在 {MAX_SOURCE} 字以内。")
    return text


def check_date(value=None, today: dt.date | None = None) -> str:
    """The source's date as text: YYYY-MM-DD, YYYY-MM or YYYY (None: today); not in the future."""
    today = today or clock.today()
    if value is None or value == "":
        return today.isoformat()
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        day, text = value, value.isoformat()
    else:
        text = str(value).strip().replace("年", "-").replace("月", "-").replace("日", "").replace("/", "-").replace(".", "-")
        try:
            parts = [int(p) for p in text.strip("-").split("-")]
            if not 1 <= len(parts) <= 3:
                raise ValueError(text)
            day = dt.date(*(parts + [1] * (3 - len(parts))))
        except (ValueError, TypeError):
            raise CorrectionError(f"来源日期「{value}」无法识别，请写成 2025-03-01（或 2025-03、2025）。") from None
        text = "-".join([f"{parts[0]:04d}", *(f"{p:02d}" for p in parts[1:])])
    if day > today:
        raise CorrectionError(f"来源日期 {text} 晚于今天，请检查。")
    if day.year < 1949:
        raise CorrectionError(f"来源日期 {text} 过早，请检查。")
    return text


def check_accuracy(value) -> str:
    """located or approximate (the Chinese words are accepted too); CorrectionError otherwise."""
    value = str(value or "located").strip()
    for code, label in CHOICES.items():
        if value in (code, label, accuracy_label(code)):
            return code
    raise CorrectionError(f"位置精度「{value}」不可选：校正后的位置只能是「位置有出处」（located）或「大致位置」（approximate）。")


def correct(store: Store, place_id: str, geometry, source, source_date=None, accuracy="located", user: str = LOCAL_USER,
            method: str = DRAWN, expected=ANY) -> CorrectionEntry:
    """Give a place a new position after every check; the entry written (CorrectionError and nothing stored otherwise)."""
    place = plan_place(place_id)
    source = check_source(source)
    geometry = shaped(geometry, place)
    check_inside(geometry, place)
    accuracy = check_accuracy(accuracy)
    date = check_date(source_date)
    summary = f"校正「{place.name}」的位置（{method}），来源「{source}」（{date}），{CHOICES[accuracy]}"
    return store.add_correction(place.id, place.layer, place.name, geometry, accuracy, source, date, method,
                                place.geometry, place.accuracy, user, expected=expected, summary=summary)


def revert(store: Store, place_id: str, user: str = LOCAL_USER, expected=ANY) -> CorrectionEntry:
    """Undo the correction in effect for a place (recorded); the revert entry."""
    place = plan_place(place_id)
    return store.revert_correction(place.id, place.name, user, expected=expected)


def geometry_from_drawings(features) -> object:
    """One geometry from what was drawn on the map (GeoJSON features or geometries): polygons unioned, lines and points kept."""
    geoms = []
    for item in features or []:
        geom = item.get("geometry") if isinstance(item, dict) and item.get("type") == "Feature" else item
        if geom:
            try:
                geoms.append(shape(geom))
            except (ValueError, TypeError, AttributeError, KeyError):
                raise CorrectionError("地图返回的图形无法识别，请重新绘制。") from None
    geoms = [g for g in geoms if not g.is_empty]
    if not geoms:
        return None
    families = {_FAMILY.get(g.geom_type) for g in geoms}
    if families == {"Polygon"}:
        return shapely.union_all([shapely.make_valid(g) if not g.is_valid else g for g in geoms])
    if len(geoms) == 1:
        return geoms[0]
    return shapely.GeometryCollection(geoms)


def pick_feature(gdf: gpd.GeoDataFrame, feature: int | None, label: str):
    """The geometry of the feature-th feature (1-based) of a layer in EPSG:4490; a single feature needs no number."""
    count = len(gdf)
    if count == 0:
        raise CorrectionError(f"{label}中没有要素。")
    if feature is None:
        if count > 1:
            raise CorrectionError(f"{label}中有 {count} 个要素，请指定采用第几个（1–{count}）。")
        feature = 1
    if not 1 <= int(feature) <= count:
        raise CorrectionError(f"{label}中没有第 {feature} 个要素（共 {count} 个，从 1 开始数）。")
    gdf = gdf.set_crs(STORAGE) if gdf.crs is None else gdf.to_crs(STORAGE)
    return gdf.geometry.iloc[int(feature) - 1]


def adopt_layer(store: Store, layer_name: str, place_id: str, source, feature: int | None = None, accuracy="located",
                source_date=None, user: str = LOCAL_USER, expected=ANY) -> CorrectionEntry:
    """Give a place the geometry of a feature of a planner's layer in the store (e.g. the office's 园区范围)."""
    gdf = store.read_layer(layer_name)
    n = feature or 1
    geometry = pick_feature(gdf, feature, f"图层「{layer_name}」")
    return correct(store, place_id, geometry, source, source_date, accuracy, user,
                   method=f"采用图层「{layer_name}」第 {n} 个要素", expected=expected)


def adopt_file(store: Store, path: str | Path, place_id: str, source, feature: int | None = None, accuracy="located",
               source_date=None, user: str = LOCAL_USER, coords: str | None = None, crs: str | None = None,
               layer: str | None = None) -> CorrectionEntry:
    """Give a place the geometry of a feature of a file (read as an upload is: CRS, encoding, repairs, 高德/百度 coordinates)."""
    from loaders.files import read_any

    plan_place(place_id)  # an unknown place is said before the file is read
    check_source(source)
    path = Path(path)
    result = read_any(path, coords=coords, crs=crs, layer=layer)
    layers = [lr for lr in result.layers if len(lr.gdf)]
    if not layers:
        raise CorrectionError(f"文件「{path.name}」中没有带图形的要素。")
    if len(layers) > 1:
        raise CorrectionError(f"文件「{path.name}」中有多个图层（{'、'.join(lr.name for lr in layers)}），请指定采用哪一个图层。")
    chosen = layers[0]
    n = feature or 1
    label = f"文件「{path.name}」" + (f"图层「{chosen.name}」" if chosen.name != path.stem else "")
    geometry = pick_feature(chosen.gdf, feature, label)
    return correct(store, place_id, geometry, source, source_date, accuracy, user, method=f"采用{label}第 {n} 个要素")
