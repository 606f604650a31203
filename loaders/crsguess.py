"""Which coordinate system a file's numbers are in when it does not say, and whether points look GCJ-02."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from pyproj import CRS

from geo.chinacoords import gcj02_to_wgs84
from geo.crs import MEASURE, STORAGE

#: CGCS2000 3-degree zones with the zone number in front of the easting: zone 25 → EPSG:4513 … 45 → 4533.
CGCS2000_3DEG_ZONE0 = 4513 - 25
XIAN80_3DEG_ZONE0 = 2349 - 25
BEIJING54_3DEG_ZONE0 = 2401 - 25
#: CGCS2000 6-degree zones with prefix: zone 13 → EPSG:4491 … 23 → 4501.
CGCS2000_6DEG_ZONE0 = 4491 - 13
#: Without a zone prefix: CM 117°E, the zone this region is surveyed in.
CM117 = {"CGCS2000": 4548, "西安80": 2384, "北京54": 2436}
GEOGRAPHIC_OLD = {"西安80": 4610, "北京54": 4214}


def describe(crs) -> str:
    """'EPSG:4548（CGCS2000 / 3-degree Gauss-Kruger CM 117E）' for a CRS, by EPSG code when one matches."""
    crs = CRS.from_user_input(crs)
    code = crs.to_epsg(min_confidence=70)
    return f"EPSG:{code}（{crs.name}）" if code else crs.name


def crs_code(crs) -> str:
    """'EPSG:4548' when the CRS matches an EPSG code, else its WKT name."""
    crs = CRS.from_user_input(crs)
    code = crs.to_epsg(min_confidence=70)
    return f"EPSG:{code}" if code else crs.name


def looks_geographic(bounds) -> bool:
    """True when bounds (minx, miny, maxx, maxy) can be longitude/latitude degrees."""
    minx, miny, maxx, maxy = bounds
    return -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90


def infer_crs(bounds) -> tuple[str, str, list[str]]:
    """(EPSG code, Chinese reason, older-datum alternatives) read off a layer's bounds; ValueError when nothing fits."""
    minx, miny, maxx, maxy = (float(v) for v in bounds)
    if not np.isfinite([minx, miny, maxx, maxy]).all():
        raise ValueError("坐标为空，无法判断坐标系")
    if looks_geographic(bounds):
        alt = [f"EPSG:{c}（{k} 经纬度）" for k, c in GEOGRAPHIC_OLD.items()]
        return STORAGE, "坐标为经纬度（度），按 CGCS2000 经纬度（EPSG:4490）处理", alt
    zone = int(minx // 1_000_000)
    if int(maxx // 1_000_000) == zone and 1_000_000 <= miny <= maxy <= 6_000_000:
        if 25 <= zone <= 45:
            code = CGCS2000_3DEG_ZONE0 + zone
            alt = [f"EPSG:{XIAN80_3DEG_ZONE0 + zone}（西安80 3度带 {zone} 带）",
                   f"EPSG:{BEIJING54_3DEG_ZONE0 + zone}（北京54 3度带 {zone} 带）"]
            return f"EPSG:{code}", f"东坐标为 8 位、带号 {zone}，按 CGCS2000 3度带第 {zone} 带（EPSG:{code}）处理", alt
        if 13 <= zone <= 23:
            code = CGCS2000_6DEG_ZONE0 + zone
            return f"EPSG:{code}", f"东坐标带号 {zone}，按 CGCS2000 6度带第 {zone} 带（EPSG:{code}）处理", []
    if 100_000 <= minx <= maxx <= 900_000 and 2_000_000 <= miny <= maxy <= 6_000_000:
        alt = [f"EPSG:{CM117['西安80']}（西安80 3度带 中央经线117°）", f"EPSG:{CM117['北京54']}（北京54 3度带 中央经线117°）"]
        return (MEASURE, "东坐标为 6 位（约 500 000）、北坐标约 350 万，按本地区的 CGCS2000 3度带中央经线 117°（EPSG:4548）处理",
                alt)
    raise ValueError(f"坐标范围 {minx:.6g}, {miny:.6g} – {maxx:.6g}, {maxy:.6g} 既不是经纬度也不是本地区的高斯-克吕格坐标")


#: Features the GCJ-02 check looks at, evenly spread over a layer: its medians need no more (200,000 parcels
#: took seconds of an upload to project and join for the same answer).
GCJ02_SAMPLE = 20_000


def suspect_gcj02(points: gpd.GeoSeries, reference: gpd.GeoSeries, near_m: float = 1500.0) -> float | None:
    """Median offset in metres when points sit 300–600 m off reference points the way GCJ-02 shifts them, else None."""
    if reference is None or len(reference) == 0 or len(points) == 0:
        return None
    if len(points) > GCJ02_SAMPLE:
        points = points.iloc[np.linspace(0, len(points) - 1, GCJ02_SAMPLE).astype(int)]
    pts = gpd.GeoDataFrame(geometry=points.to_crs(STORAGE).representative_point().reset_index(drop=True))
    pts = pts[~pts.geometry.is_empty]
    ref = gpd.GeoDataFrame(geometry=reference.to_crs(STORAGE).reset_index(drop=True)).to_crs(MEASURE)
    fixed_lon, fixed_lat = gcj02_to_wgs84(pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy())
    fixed = gpd.GeoDataFrame(geometry=gpd.points_from_xy(fixed_lon, fixed_lat), crs=STORAGE).to_crs(MEASURE)
    raw = pts.set_crs(STORAGE, allow_override=True).to_crs(MEASURE)
    d_raw = gpd.sjoin_nearest(raw, ref, distance_col="d").groupby(level=0)["d"].min()
    d_fixed = gpd.sjoin_nearest(fixed, ref, distance_col="d").groupby(level=0)["d"].min()
    near = d_raw[d_raw <= near_m].index
    if len(near) < min(3, len(pts)) or (d_raw < 100).any():
        return None
    raw_m, fixed_m = float(d_raw[near].median()), float(d_fixed[near].median())
    return raw_m if 300 <= raw_m <= 600 and fixed_m < 0.25 * raw_m else None
