"""WGS84 / GCJ-02 / BD-09 conversions (the published "Mars" offsets pyproj cannot do), vectorised with numpy."""

from __future__ import annotations

import numpy as np
import shapely

# Krasovsky 1940 ellipsoid, as used by the published GCJ-02 algorithm.
_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = np.pi * 3000.0 / 180.0
_GEOGRAPHIC = {4326, 4490}


def out_of_china(lon, lat):
    """True where a point lies outside the published bounding box in which GCJ-02 applies."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _transform_lat(x, y):
    """Published latitude offset polynomial (degrees-scaled metres) of the GCJ-02 algorithm."""
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x, y):
    """Published longitude offset polynomial of the GCJ-02 algorithm."""
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return ret


def _gcj_delta(lon, lat):
    """GCJ-02 minus WGS84 offset (dlon, dlat) in degrees at a WGS84 point."""
    dlat = _transform_lat(lon - 105.0, lat - 35.0)
    dlon = _transform_lon(lon - 105.0, lat - 35.0)
    radlat = lat / 180.0 * np.pi
    magic = 1 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    return dlon, dlat


def _out(lon, lat, scalar):
    """Return numpy results as floats when the caller passed scalars."""
    if scalar:
        return float(lon), float(lat)
    return lon, lat


def _prepare(lon, lat):
    """Broadcast inputs to float arrays and remember whether they were scalars."""
    scalar = np.ndim(lon) == 0 and np.ndim(lat) == 0
    lon, lat = np.broadcast_arrays(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return lon, lat, scalar


def wgs84_to_gcj02(lon, lat):
    """WGS84 → GCJ-02 (what AMap/Tencent basemaps draw in); outside China unchanged."""
    lon, lat, scalar = _prepare(lon, lat)
    dlon, dlat = _gcj_delta(lon, lat)
    outside = out_of_china(lon, lat)
    return _out(np.where(outside, lon, lon + dlon), np.where(outside, lat, lat + dlat), scalar)


def gcj02_to_wgs84(lon, lat, tol_deg=1e-10, max_iter=30):
    """GCJ-02 → WGS84 by fixed-point iteration (≈1e-10° ≈ 0.01 mm), since the forward offset has no closed inverse."""
    lon, lat, scalar = _prepare(lon, lat)
    wlon, wlat = lon.copy(), lat.copy()
    for _ in range(max_iter):
        glon, glat = wgs84_to_gcj02(wlon, wlat)
        elon, elat = glon - lon, glat - lat
        wlon, wlat = wlon - elon, wlat - elat
        if np.all(np.abs(elon) < tol_deg) and np.all(np.abs(elat) < tol_deg):
            break
    outside = out_of_china(lon, lat)
    return _out(np.where(outside, lon, wlon), np.where(outside, lat, wlat), scalar)


def gcj02_to_bd09(lon, lat):
    """GCJ-02 → BD-09 (Baidu's extra offset); applied everywhere, as Baidu does."""
    lon, lat, scalar = _prepare(lon, lat)
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return _out(z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006, scalar)


def bd09_to_gcj02(lon, lat):
    """BD-09 → GCJ-02 using the published approximate inverse."""
    lon, lat, scalar = _prepare(lon, lat)
    x, y = lon - 0.0065, lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return _out(z * np.cos(theta), z * np.sin(theta), scalar)


def wgs84_to_bd09(lon, lat):
    """WGS84 → BD-09 via GCJ-02."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon, lat):
    """BD-09 → WGS84 via GCJ-02."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def _apply(gdf, fn):
    """Apply a lon/lat converter to every vertex of a geographic GeoDataFrame, returning a copy."""
    if gdf.crs is None or gdf.crs.to_epsg() not in _GEOGRAPHIC:
        raise ValueError(f"需要经纬度坐标 (EPSG:4326/4490)，实际为 {gdf.crs}")

    def convert(xy):
        lon, lat = fn(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])

    out = gdf.copy()
    out[out.geometry.name] = shapely.transform(np.asarray(gdf.geometry.values), convert)
    return out.set_crs(gdf.crs, allow_override=True)


def to_gcj02(gdf):
    """Shift a WGS84/CGCS2000 GeoDataFrame onto GCJ-02 so it lines up with GCJ-02 basemaps (e.g. AMap tiles)."""
    return _apply(gdf, wgs84_to_gcj02)


def from_gcj02(gdf):
    """Bring GCJ-02 coordinates (e.g. digitised on AMap) back to true WGS84/CGCS2000."""
    return _apply(gdf, gcj02_to_wgs84)
