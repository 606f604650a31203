"""Whether a layer lands where it can: every coordinate finite, inside China, and near 巢湖市 (else how far); and which CRS
to read it in when the one declared puts it somewhere impossible but the numbers fit another."""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Geod, Transformer
from pyproj.exceptions import CRSError, ProjError

from geo.crs import STORAGE
from loaders import crsguess
from loaders.errors import LoadError
from loaders.report import Plausibility

#: 巢湖市人民政府 (CGCS2000 lon/lat, as in data/plan/gazetteer.tsv): "near" is measured from here.
CHAOHU = (117.8612, 31.6002)
#: Beyond this many km from 巢湖市 a layer is kept but said to be far (the city spans about 40 km from its centre).
NEAR_KM = 80.0
#: Longitude/latitude box around China (South China Sea islands included): outside it, a position is impossible here.
CHINA = (73.4, 3.8, 135.1, 53.6)
#: Features sampled (first vertex each) to judge a CRS before the whole layer is transformed.
SAMPLE = 2000
_GEOD = Geod(ellps="GRS80")


def distance_km(lon: float, lat: float) -> float:
    """Distance in km from 巢湖市 along the ellipsoid."""
    return float(_GEOD.inv(CHAOHU[0], CHAOHU[1], lon, lat)[2]) / 1000.0


def in_china(lon, lat) -> np.ndarray:
    """True where a finite lon/lat lies inside the box around China."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.isfinite(lon) & np.isfinite(lat) & (lon >= CHINA[0]) & (lon <= CHINA[2]) & (lat >= CHINA[1]) & (lat <= CHINA[3])


@dataclass
class Fit:
    """Where a sample of a layer lands when its numbers are read in `crs`."""

    crs: CRS
    share: float
    lon: float = float("nan")
    lat: float = float("nan")

    @property
    def ok(self) -> bool:
        """Most of the layer lands inside China."""
        return self.share >= 0.5

    @property
    def distance(self) -> float:
        """km from 巢湖市 of the layer's middle (inf when nothing is finite)."""
        valid = np.isfinite([self.lon, self.lat]).all() and -180 <= self.lon <= 180 and -90 <= self.lat <= 90
        return distance_km(self.lon, self.lat) if valid else float("inf")

    @property
    def near(self) -> bool:
        """The layer lands in China, near 巢湖市."""
        return self.ok and self.distance <= NEAR_KM

    def where(self) -> str:
        """Where that puts the layer, in Chinese."""
        if not np.isfinite([self.lon, self.lat]).all():
            return "无法换算（得到无穷大或空值）"
        if not (-180 <= self.lon <= 180 and -90 <= self.lat <= 90):
            return f"得到 {self.lon:.6g}, {self.lat:.6g}，不是有效的经纬度"
        place = f"在经度 {self.lon:.4f}°、纬度 {self.lat:.4f}°"
        if not self.ok:
            return f"{place}，不在中国境内（距巢湖市约 {self.distance:,.0f} 公里）"
        return f"{place}，距巢湖市约 {self.distance:,.0f} 公里"


def first_vertices(geoms: gpd.GeoSeries, limit: int = SAMPLE) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) of the first vertex of up to `limit` evenly spaced non-empty geometries."""
    values = geoms.to_numpy()
    values = values[~(shapely.is_missing(values) | shapely.is_empty(values))]
    values = values[:: max(1, len(values) // limit)]
    coords, index = shapely.get_coordinates(values, return_index=True)
    _, first = np.unique(index, return_index=True)
    return coords[first, 0], coords[first, 1]


def fit(x: np.ndarray, y: np.ndarray, crs: CRS) -> Fit:
    """Where the sampled vertices land in CGCS2000 when read in `crs`."""
    try:
        with np.errstate(all="ignore"):
            lon, lat = Transformer.from_crs(crs, STORAGE, always_xy=True).transform(x, y, errcheck=False)
    except (ProjError, CRSError):
        return Fit(crs, 0.0)
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    inside = in_china(lon, lat)
    if not len(lon):
        return Fit(crs, 0.0)
    finite = np.isfinite(lon) & np.isfinite(lat)
    pick = inside if inside.any() else finite
    if not pick.any():
        return Fit(crs, 0.0)
    return Fit(crs, float(inside.mean()), float(np.median(lon[pick])), float(np.median(lat[pick])))


@dataclass
class Choice:
    """The CRS a layer's numbers are read in, how it was decided (declared/specified/inferred/corrected), why, and warnings."""

    crs: CRS
    how: str
    why: str
    warnings: list[str] = field(default_factory=list)
    alternatives: list[str] = field(default_factory=list)
    declared: str | None = None


def _far(f: Fit) -> list[str]:
    """A warning when a layer lands in China but far from 巢湖市."""
    if f.near:
        return []
    return [f"图层中部{f.where()}，不在巢湖市附近：请确认坐标系和数据是否正确"]


def _from_numbers(bounds, x: np.ndarray, y: np.ndarray) -> tuple[CRS, str, list[str]] | None:
    """(CRS, reason, older-datum alternatives) the numbers fit — all of them, else their middle (a few typos aside) — or None."""
    finite = np.isfinite(x) & np.isfinite(y)
    middle = (float(np.median(x[finite])), float(np.median(y[finite]))) * 2 if finite.any() else None
    for box in (bounds, middle):
        if box is None:
            continue
        try:
            code, reason, alternatives = crsguess.infer_crs(box)
        except ValueError:
            continue
        return CRS.from_user_input(code), reason, alternatives
    return None


def _same(a: CRS, b: CRS) -> bool:
    """True when two CRSs are the same for our purpose."""
    return a == b or (a.to_epsg(min_confidence=70) is not None and a.to_epsg(min_confidence=70) == b.to_epsg(min_confidence=70))


def choose(gdf: gpd.GeoDataFrame, label: str, specified: str | None = None, declared_by: str = "文件") -> Choice:
    """The CRS to read a layer in: the one specified (refused when impossible), else the declared one unless the numbers
    contradict it and fit another, else the one the numbers fit; LoadError (Chinese, naming both) when nothing lands in China."""
    x, y = first_vertices(gdf.geometry)
    bounds = gdf.total_bounds
    if specified:
        try:
            crs = CRS.from_user_input(specified)
        except CRSError as exc:
            raise LoadError(f"无法识别指定的坐标系「{specified}」（可写 EPSG:4548 等）。", str(exc)) from exc
        f = fit(x, y, crs)
        if not f.ok:
            guess = _from_numbers(bounds, x, y)
            hint = f"坐标数值看起来是 {crsguess.describe(guess[0])}（{guess[1]}）。" if guess else ""
            raise LoadError(f"「{label}」按指定的坐标系 {crsguess.describe(crs)} 换算，位置{f.where()}。{hint}请检查指定的坐标系。")
        return Choice(crs, "specified", f"按指定的坐标系 {crsguess.describe(crs)} 读取", _far(f))
    declared = gdf.crs
    guess = _from_numbers(bounds, x, y)
    if declared is not None:
        declared = CRS.from_user_input(declared)
        f = fit(x, y, declared)
        named = f"{declared_by}声明的坐标系 {crsguess.describe(declared)}"
        if f.near:
            return Choice(declared, "declared", f"{declared_by}声明 {crsguess.describe(declared)}，坐标数值与之相符",
                          declared=crsguess.describe(declared))
        g = fit(x, y, guess[0]) if guess and not _same(guess[0], declared) else None
        if g is not None and g.ok and (not f.ok or (g.near and not f.near)):
            warning = (f"{named}与坐标数值不符：按它换算，位置{f.where()}；坐标数值符合 {crsguess.describe(g.crs)}，"
                       "已按后者读取，请核对")
            return Choice(g.crs, "corrected", f"{named}与数值不符，{guess[1]}", [warning] + _far(g), guess[2],
                          crsguess.describe(declared))
        if f.ok:
            return Choice(declared, "declared", f"{declared_by}声明 {crsguess.describe(declared)}", _far(f),
                          declared=crsguess.describe(declared))
        other = (f"按坐标数值推断的 {crsguess.describe(g.crs)} 也{g.where()}" if g is not None
                 else "坐标数值也不符合经纬度或本地区的高斯-克吕格坐标")
        raise LoadError(f"「{label}」{named}使位置{f.where()}；{other}。请在导入时指定坐标系。")
    if guess is None:
        minx, miny, maxx, maxy = bounds
        raise LoadError(f"「{label}」没有坐标系信息（.prj），且坐标范围 {minx:.6g}, {miny:.6g} – {maxx:.6g}, {maxy:.6g} "
                        "既不是经纬度也不是本地区的高斯-克吕格坐标。请在导入时指定坐标系。")
    crs, reason, alternatives = guess
    g = fit(x, y, crs)
    if not g.ok:
        raise LoadError(f"「{label}」没有坐标系信息，按数值推断为 {crsguess.describe(crs)}，但位置{g.where()}。请在导入时指定坐标系。")
    note = f"未提供坐标系，{reason}（推断）" + (f"；旧资料也可能是：{'、'.join(alternatives)}" if alternatives else "")
    return Choice(crs, "inferred", reason, [note] + _far(g), alternatives)


def impossible(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """True for each feature (in CGCS2000) with an empty geometry or any vertex not finite or outside China."""
    geoms = gdf.geometry.to_numpy()
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    bad_vertex = ~in_china(coords[:, 0], coords[:, 1]) if len(coords) else np.zeros(0, dtype=bool)
    bad = np.bincount(index[bad_vertex], minlength=len(geoms)) > 0
    return bad | shapely.is_missing(geoms) | shapely.is_empty(geoms)


def summary(gdf: gpd.GeoDataFrame, dropped: int = 0) -> Plausibility:
    """Where a layer (in CGCS2000) landed: its middle, its distance from 巢湖市, said in Chinese."""
    x, y = first_vertices(gdf.geometry)
    lon, lat = float(np.median(x)), float(np.median(y))
    km = distance_km(lon, lat)
    near = km <= NEAR_KM
    why = f"中部在经度 {lon:.4f}°、纬度 {lat:.4f}°，距巢湖市约 {km:,.0f} 公里" + ("" if near else "，不在巢湖市附近")
    if dropped:
        why += f"；{dropped} 个要素位置不可能（无穷大、为空或在中国境外），未导入"
    return Plausibility(centre_lon=lon, centre_lat=lat, distance_km=round(km, 1), near=near, dropped=dropped, why=why)
