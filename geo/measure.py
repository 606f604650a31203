"""Areas and lengths measured in metres (EPSG:4548), never in degrees."""

import geopandas as gpd
import pandas as pd

from geo.crs import MEASURE

#: 1 km² = 1500 亩 (1 亩 = 666.67 m²).
MU_PER_KM2 = 1500
#: Square metres in one 亩.
M2_PER_MU = 1e6 / MU_PER_KM2


#: Features projected at a time: a county's 1,000,000 parcels are measured without a projected copy of them all.
CHUNK = 100_000


def _projected(features: gpd.GeoDataFrame | gpd.GeoSeries) -> gpd.GeoSeries:
    """Geometries of a CRS-aware frame/series in the measuring CRS, refusing CRS-less input."""
    geoms = features.geometry if isinstance(features, gpd.GeoDataFrame) else features
    if geoms.crs is None:
        raise ValueError("geometries have no CRS: cannot measure them")
    return geoms.to_crs(MEASURE)


def _measured(features: gpd.GeoDataFrame | gpd.GeoSeries, measure) -> pd.Series:
    """measure(geometries in EPSG:4548) of each feature, projecting CHUNK features at a time."""
    geoms = features.geometry if isinstance(features, gpd.GeoDataFrame) else features
    if len(geoms) <= CHUNK:
        return measure(_projected(geoms))
    return pd.concat([measure(_projected(geoms.iloc[i:i + CHUNK])) for i in range(0, len(geoms), CHUNK)])


def area_km2(features: gpd.GeoDataFrame | gpd.GeoSeries) -> pd.Series:
    """Area of each feature in km², measured in EPSG:4548."""
    return _measured(features, lambda g: g.area / 1e6)


def area_mu(features: gpd.GeoDataFrame | gpd.GeoSeries) -> pd.Series:
    """Area of each feature in 亩, the unit Chinese land plans are written in."""
    return area_km2(features) * MU_PER_KM2


def length_km(features: gpd.GeoDataFrame | gpd.GeoSeries) -> pd.Series:
    """Length of each feature in km (perimeter for polygons), measured in EPSG:4548."""
    return _measured(features, lambda g: g.length / 1e3)
