"""The /ogc vector tiles and MapLibre style made from a collection, without a server: what a tile holds, where a
large layer starts, and the map's colours and dashes in the style."""

from __future__ import annotations

import geopandas as gpd
import mapbox_vector_tile
import numpy as np
from shapely.geometry import LineString, Point, box

from core.declarations import BY_ID
from geo.tiling import lonlat_tile_range
from layers.ogc import LARGE_MIN_ZOOM, min_zoom, style, tile
from layers.ogcdata import Collection, Snapshot


def _collection(cid, frame, spec=None) -> Collection:
    return Collection(cid, cid, "", gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4490"), spec)


def test_tile_holds_the_features_there_with_their_fields():
    parks = _collection("industrial_parks", {
        "id": ["a", "b"], "name": ["东区", "远处"], "accuracy": ["approximate", "located"],
        "geometry": [box(117.86, 31.60, 117.87, 31.61), box(116.0, 30.0, 116.01, 30.01)]}, BY_ID["industrial_parks"])
    x, y, _, _ = lonlat_tile_range((117.865, 31.605, 117.865, 31.605), 14)
    features = mapbox_vector_tile.decode(tile(parks, 14, x, y))["industrial_parks"]["features"]
    assert [f["properties"]["name"] for f in features] == ["东区"]
    assert features[0]["properties"]["accuracy"] == "approximate"
    assert tile(parks, 14, x + 5, y) == b""


def test_style_in_the_map_colours_with_unsure_positions_dashed_and_large_layers_from_zoom_12():
    roads = _collection("peninsula_roads", {"id": ["r"], "name": ["经一路"], "status": ["新建"], "accuracy": ["schematic"],
                                            "geometry": [LineString([(117.8, 31.6), (117.9, 31.6)])]}, BY_ID["peninsula_roads"])
    rng = np.random.default_rng(1)
    many = _collection("office_1", {"id": [str(i) for i in range(6000)],
                                    "geometry": [Point(117.8 + a, 31.6 + b) for a, b in rng.random((6000, 2)) * 0.1]})
    assert min_zoom(roads) == 0 and min_zoom(many) == LARGE_MIN_ZOOM
    made = style(Snapshot(7, {"peninsula_roads": roads, "office_1": many}), "http://host/ogc")
    assert made["sources"]["office_1"]["minzoom"] == LARGE_MIN_ZOOM
    assert made["sources"]["peninsula_roads"]["tiles"] == ["http://host/ogc/tiles/peninsula_roads/{z}/{x}/{y}.pbf"]
    layers = {layer["id"]: layer for layer in made["layers"]}
    schematic = layers["peninsula_roads-line-schematic"]
    assert schematic["filter"] == ["==", "accuracy", "schematic"] and schematic["paint"]["line-dasharray"] == [1.0, 2.5]
    assert "line-dasharray" not in layers["peninsula_roads-line-located"]["paint"]
    assert schematic["paint"]["line-color"] == ["match", ["get", "status"], "续建", "#495057", "新建", "#e03131", "#1971c2"]
    assert layers["peninsula_roads-label"]["layout"]["symbol-placement"] == "line"
    assert layers["office_1-circle"]["type"] == "circle"
