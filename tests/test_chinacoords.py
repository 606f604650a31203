"""GCJ-02 / BD-09 conversions match published implementations and line data up to within a metre around Chaohu."""

import geopandas as gpd
import numpy as np
import pytest
from pyproj import Geod
from shapely.geometry import Point, Polygon

from geo import chinacoords as cc

GEOD = Geod(ellps="WGS84")

# Beijing (116.404, 39.915) through each conversion; expected values are the "//result" comments of
# wandergis/coordtransform test/app.js (the widely copied reference JS implementation; same numbers in
# hutool's CoordinateUtilTest and coordtransform_rs tests).
BEIJING = (116.404, 39.915)
COORDTRANSFORM = {
    "wgs84_to_gcj02": (116.41024449916938, 39.91640428150164),
    "gcj02_to_bd09": (116.41036949371029, 39.92133699351021),
    "bd09_to_gcj02": (116.39762729119315, 39.90865673957631),
}

# (wgsLat, wgsLng, gcjLat, gcjLng) from googollee/eviltransform python/test.py TESTS.
EVILTRANSFORM = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # shenzhen
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # beijing
]


def _metres(lon1, lat1, lon2, lat2):
    """Geodesic distance in metres (arrays)."""
    return GEOD.inv(lon1, lat1, lon2, lat2)[2]


@pytest.mark.parametrize("name", sorted(COORDTRANSFORM))
def test_matches_coordtransform_reference(name):
    lon, lat = getattr(cc, name)(*BEIJING)
    assert (lon, lat) == pytest.approx(COORDTRANSFORM[name], abs=1e-9)


@pytest.mark.parametrize("wlat, wlon, glat, glon", EVILTRANSFORM)
def test_matches_eviltransform_reference(wlat, wlon, glat, glon):
    assert cc.wgs84_to_gcj02(wlon, wlat) == pytest.approx((glon, glat), abs=1e-9)
    # the exact inverse recovers the surveyed WGS84 point to well under a centimetre
    back = cc.gcj02_to_wgs84(glon, glat)
    assert _metres(*back, wlon, wlat) < 0.01


def test_inverse_close_to_coordtransform_one_step_inverse():
    # coordtransform's gcj02towgs84(116.404, 39.915) = (116.39775550083061, 39.91359571849836) is a
    # one-step approximation (metre-level error); ours iterates, so it must agree to within ~2 m.
    lon, lat = cc.gcj02_to_wgs84(*BEIJING)
    assert _metres(lon, lat, 116.39775550083061, 39.91359571849836) < 2.0
    assert _metres(*cc.wgs84_to_gcj02(lon, lat), *BEIJING) < 0.01


def _chaohu_grid():
    lon, lat = np.meshgrid(np.linspace(117.2, 118.1, 31), np.linspace(31.2, 31.9, 29))
    return lon.ravel(), lat.ravel()


def test_round_trip_around_chaohu_within_a_centimetre():
    lon, lat = _chaohu_grid()
    glon, glat = cc.wgs84_to_gcj02(lon, lat)
    blon, blat = cc.gcj02_to_wgs84(glon, glat)
    assert _metres(lon, lat, blon, blat).max() < 0.01


def test_bd09_round_trip_around_chaohu_within_a_metre():
    lon, lat = _chaohu_grid()
    blon, blat = cc.bd09_to_wgs84(*cc.wgs84_to_bd09(lon, lat))
    assert _metres(lon, lat, blon, blat).max() < 1.0


def test_offset_around_chaohu_is_a_few_hundred_metres():
    lon, lat = _chaohu_grid()
    shift = _metres(lon, lat, *cc.wgs84_to_gcj02(lon, lat))
    assert shift.min() > 300 and shift.max() < 700


def test_points_outside_china_unchanged():
    lon = np.array([-0.1276, 139.6917 + 0.5, 151.2093, 117.5])
    lat = np.array([51.5072, 35.6895, -33.8688, 31.5])
    glon, glat = cc.wgs84_to_gcj02(lon, lat)
    wlon, wlat = cc.gcj02_to_wgs84(lon, lat)
    assert np.array_equal(glon[:3], lon[:3]) and np.array_equal(glat[:3], lat[:3])
    assert np.array_equal(wlon[:3], lon[:3]) and np.array_equal(wlat[:3], lat[:3])
    assert glon[3] != lon[3]  # the Chaohu point in the same array is shifted


def test_scalars_in_scalars_out_arrays_in_arrays_out():
    lon, lat = cc.wgs84_to_gcj02(117.87, 31.6)
    assert isinstance(lon, float) and isinstance(lat, float)
    arr = cc.wgs84_to_gcj02(np.array([117.87, 117.5]), np.array([31.6, 31.5]))
    assert arr[0].shape == (2,)
    assert arr[0][0] == pytest.approx(lon, abs=1e-12)


def test_geodataframe_round_trip_keeps_shape_and_crs():
    poly = Polygon([(117.8, 31.5), (117.9, 31.5), (117.9, 31.6), (117.8, 31.6)])
    gdf = gpd.GeoDataFrame({"name": ["a", "b"]}, geometry=[poly, Point(117.87, 31.6)], crs="EPSG:4490")
    shifted = cc.to_gcj02(gdf)
    assert shifted.crs == gdf.crs and list(shifted["name"]) == ["a", "b"]
    moved = _metres(117.87, 31.6, shifted.geometry[1].x, shifted.geometry[1].y)
    assert 300 < moved < 700
    assert gdf.geometry[1].x == 117.87  # input not modified
    back = cc.from_gcj02(shifted)
    for a, b in zip(gdf.geometry, back.geometry):
        ax, ay = np.asarray(a.exterior.coords if a.geom_type == "Polygon" else a.coords).T
        bx, by = np.asarray(b.exterior.coords if b.geom_type == "Polygon" else b.coords).T
        assert _metres(ax, ay, bx, by).max() < 0.01


def test_projected_geodataframe_refused():
    gdf = gpd.GeoDataFrame(geometry=[Point(500000, 3500000)], crs="EPSG:4548")
    with pytest.raises(ValueError):
        cc.to_gcj02(gdf)
