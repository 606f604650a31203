"""The base geography a user sees: city, lake, township seats and areas, and official-data replacement."""

import csv
import itertools
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from geo.crs import MEASURE, STORAGE
from geo.joins import assign_town, split_by_town
from geo.measure import MU_PER_KM2, area_km2, area_mu, length_km
from geo.zones import voronoi_zones
from loaders.base import load_city_boundary, load_lake, load_township_areas, load_townships

ROOT = Path(__file__).resolve().parent.parent
SHAPES = ROOT / "data" / "shapefiles"
GAZETTEER = ROOT / "data" / "plan" / "gazetteer.tsv"


@pytest.fixture(autouse=True)
def no_official(monkeypatch, tmp_path):
    """Point the official directory at an empty folder unless a test says otherwise."""
    monkeypatch.setenv("CHAOHU_OFFICIAL_DIR", str(tmp_path / "no-official-data"))


def gazetteer_towns() -> dict:
    """name → (lon, lat) of the township rows of the gazetteer."""
    with open(GAZETTEER, encoding="utf-8") as fh:
        return {r["name_zh"]: (float(r["lon"]), float(r["lat"]))
                for r in csv.DictReader(fh, delimiter="\t") if r["kind"] == "township"}


def test_city_area_matches_official():
    city = load_city_boundary()
    assert city["name"].tolist() == ["巢湖市"] and city.crs == STORAGE
    assert area_km2(city).iloc[0] == pytest.approx(2046.14, rel=0.01)
    everyone = load_city_boundary(with_neighbours=True)
    assert set(everyone["role"]) == {"巢湖市", "邻区"} and "肥东县" in set(everyone["name"])


def test_lake_is_gshhg_chaohu():
    lake = load_lake()
    assert lake["name"].tolist() == ["巢湖"]
    assert area_km2(lake).iloc[0] == pytest.approx(793, rel=0.01)
    xmin, ymin, xmax, ymax = lake.total_bounds
    assert (xmin, ymin) == pytest.approx((117.287, 31.434), abs=0.002)
    assert (xmax, ymax) == pytest.approx((117.956, 31.720), abs=0.002)


def test_eighteen_seats_at_gazetteer_positions():
    seats = load_townships()
    gaz = gazetteer_towns()
    assert len(seats) == 18 and set(seats["name"]) == set(gaz)
    assert seats["kind"].value_counts().to_dict() == {"镇": 11, "街道": 6, "乡": 1}
    assert set(seats["accuracy"]) == {"approximate"}
    expected = gpd.GeoSeries(gpd.points_from_xy(*zip(*(gaz[n] for n in seats["name"]))), crs="EPSG:4326")
    gaps = seats.geometry.to_crs(MEASURE).distance(expected.to_crs(MEASURE).set_axis(seats.index))
    assert gaps.max() < 1000


def test_township_areas_tile_the_city():
    areas = load_township_areas()
    city_km2 = area_km2(load_city_boundary()).iloc[0]
    assert area_km2(areas).sum() == pytest.approx(city_km2, rel=0.005)
    assert len(areas) == 19 and "巢湖（水域）" in set(areas["name"])
    assert areas.is_valid.all() and set(areas.geom_type) <= {"Polygon", "MultiPolygon"}
    assert areas["method"].str.contains("泰森多边形").sum() == 18
    geoms = areas.to_crs(MEASURE).geometry.tolist()
    worst = max(a.intersection(b).area for a, b in itertools.combinations(geoms, 2))
    assert worst < 1.0  # m²


def test_each_seat_lies_in_its_own_area():
    areas = load_township_areas().set_index("name")
    seats = load_townships()
    outside = [n for n, p in zip(seats["name"], seats.geometry) if not areas.geometry[n].contains(p)]
    assert outside == []
    assert (assign_town(seats, load_township_areas()) == seats["name"]).all()


@pytest.mark.parametrize("layer", ["city_boundary", "lake", "townships", "township_areas"])
def test_shapefiles_are_gis_ready(layer):
    assert (SHAPES / f"{layer}.cpg").read_text().strip().upper() in ("UTF-8", "UTF8")
    assert "China" in (SHAPES / f"{layer}.prj").read_text() or "2000" in (SHAPES / f"{layer}.prj").read_text()
    gdf = gpd.read_file(SHAPES / f"{layer}.shp")  # as QGIS would: encoding taken from the .cpg
    assert gdf.crs.to_epsg() == 4490
    assert gdf["name"].str.contains("[巢镇街乡湖县区]").any()


def test_measure_units():
    square = gpd.GeoSeries([shapely.box(0, 0, 1000, 1000)], crs=MEASURE)  # 1 km²
    assert area_km2(square).iloc[0] == pytest.approx(1.0)
    assert area_mu(square).iloc[0] == pytest.approx(MU_PER_KM2)
    assert length_km(gpd.GeoSeries([shapely.LineString([(0, 0), (3000, 4000)])], crs=MEASURE)).iloc[0] == pytest.approx(5)
    # degrees in, kilometres out: 0.01° of latitude is about 1.11 km
    line = gpd.GeoSeries([shapely.LineString([(117.8, 31.6), (117.8, 31.61)])], crs=STORAGE)
    assert length_km(line).iloc[0] == pytest.approx(1.109, abs=0.005)


def two_areas(crs=MEASURE) -> gpd.GeoDataFrame:
    """Two side-by-side 10 km squares, 甲镇 (west) and 乙镇 (east), near 巢湖 in EPSG:4548."""
    x0, y0 = 500_000, 3_500_000
    return gpd.GeoDataFrame(
        {"name": ["甲镇", "乙镇"]},
        geometry=[shapely.box(x0, y0, x0 + 10_000, y0 + 10_000), shapely.box(x0 + 10_000, y0, x0 + 20_000, y0 + 10_000)],
        crs=MEASURE,
    ).to_crs(crs)


def test_assign_town_majority_share():
    x0, y0 = 500_000, 3_500_000
    feats = gpd.GeoDataFrame(
        {"what": ["mostly east line", "point west", "mostly west polygon", "outside"]},
        geometry=[shapely.LineString([(x0 + 8_000, y0 + 5_000), (x0 + 15_000, y0 + 5_000)]),
                  shapely.Point(x0 + 1_000, y0 + 1_000),
                  shapely.box(x0 + 2_000, y0 + 2_000, x0 + 11_000, y0 + 3_000),
                  shapely.Point(x0 - 5_000, y0)],
        crs=MEASURE,
    ).to_crs(STORAGE)
    towns = assign_town(feats, two_areas(STORAGE))
    assert towns.iloc[:3].tolist() == ["乙镇", "甲镇", "甲镇"] and towns.isna().iloc[3]
    pieces = split_by_town(feats.iloc[[0]], two_areas(STORAGE)).set_index("town")
    assert pieces["share"].to_dict() == pytest.approx({"甲镇": 2 / 7, "乙镇": 5 / 7}, abs=1e-3)


def test_voronoi_zones_tile_extent_and_water():
    areas = two_areas()
    extent = shapely.union_all(areas.geometry)
    water = shapely.box(505_000, 3_504_000, 530_000, 3_506_000)  # pokes out of the extent
    seats = gpd.GeoDataFrame({"id": ["a", "b"], "name": ["甲镇", "乙镇"], "kind": ["镇", "镇"]},
                             geometry=[shapely.Point(502_000, 3_502_000), shapely.Point(518_000, 3_508_000)],
                             crs=MEASURE)
    zones = voronoi_zones(seats, extent, water)
    assert zones["name"].tolist() == ["甲镇", "乙镇", "巢湖（水域）"]
    assert area_km2(zones).sum() == pytest.approx(200, rel=1e-6)
    assert area_km2(zones).iloc[2] == pytest.approx(30, rel=1e-6)
    assert zones.geometry.iloc[0].contains(seats.geometry.iloc[0])


@pytest.fixture
def official(tmp_path, monkeypatch):
    """An official directory with two township polygons (XZQMC names, EPSG:4548 shapefile) and a mapping."""
    folder = tmp_path / "official"
    folder.mkdir()
    x0, y0 = 500_000, 3_500_000
    gdf = gpd.GeoDataFrame(
        {"XZQMC": ["甲镇", "乙街道"], "XZQDM": ["340181100", "340181001"]},
        geometry=[shapely.box(x0, y0, x0 + 10_000, y0 + 10_000), shapely.box(x0 + 10_000, y0, x0 + 20_000, y0 + 10_000)],
        crs=MEASURE,
    )
    gdf.to_file(folder / "乡镇界线.shp", encoding="UTF-8")
    (folder / "mapping.yaml").write_text(
        "township_areas:\n  file: 乡镇界线.shp\n  name_field: XZQMC\n  encoding: UTF-8\n", encoding="utf-8")
    monkeypatch.setenv("CHAOHU_OFFICIAL_DIR", str(folder))
    return folder


def test_official_township_areas_replace_the_estimate(official):
    areas = load_township_areas()
    assert areas["name"].tolist() == ["甲镇", "乙街道"]
    assert areas.crs == STORAGE and set(areas["accuracy"]) == {"located"}
    assert areas["source"].str.contains("官方数据").all() and areas["kind"].tolist() == ["镇", "街道"]
    point = gpd.GeoDataFrame(geometry=[shapely.Point(515_000, 3_505_000)], crs=MEASURE).to_crs(STORAGE)
    assert assign_town(point, areas).tolist() == ["乙街道"]
    # seats were not supplied: they still come from the shipped estimate
    assert len(load_townships()) == 18


def test_shipped_areas_when_official_dir_empty(tmp_path):
    assert len(load_township_areas(official_dir=tmp_path)) == 19
