"""The plan's places: shapefiles agree with places.yaml, every place sits where the plan says, every
place is tied to the measures that name it."""

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geo.crs import STORAGE
from geo.joins import assign_town
from geo.measure import length_km
from core.declarations import PLAN_LAYER_IDS
from core.settings import SHAPEFILE_DIR
from loaders.places import (
    ACCURACIES, COLUMNS, PlacesError, layer_frame, load_place_links,
    load_places_yaml,
)

NEW_ROADS_KM = 25.85  # 规划文本 4.2：新建……等9条25.85公里主次干道


@pytest.fixture(scope="module")
def places() -> gpd.GeoDataFrame:
    return load_places_yaml()


@pytest.fixture(scope="module")
def drawn(places) -> gpd.GeoDataFrame:
    return places[places.geometry.notna()]


@pytest.fixture(scope="module")
def links() -> pd.DataFrame:
    return load_place_links()


@pytest.fixture(scope="module")
def city():
    boundary = gpd.read_file(SHAPEFILE_DIR / "city_boundary.shp").to_crs(STORAGE)
    return boundary[boundary["name"] == "巢湖市"].geometry.iloc[0]


@pytest.fixture(scope="module")
def lake():
    return gpd.read_file(SHAPEFILE_DIR / "lake.shp").to_crs(STORAGE).geometry.union_all()


@pytest.fixture(scope="module")
def town_areas() -> gpd.GeoDataFrame:
    return gpd.read_file(SHAPEFILE_DIR / "township_areas.shp")


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


@pytest.mark.parametrize("layer", PLAN_LAYER_IDS)
def test_shapefile_matches_places_yaml(places, layer):
    expected = layer_frame(places, layer)
    path = SHAPEFILE_DIR / f"{layer}.shp"
    assert path.with_suffix(".cpg").read_text().strip().upper() in ("UTF-8", "UTF8")
    shp = gpd.read_file(path)
    assert shp.crs.to_epsg() == 4490
    assert shp["id"].tolist() == expected["id"].tolist(), f"{layer}: rebuild with scripts/build_plan_layers.py"
    for col in COLUMNS:
        assert [_text(v) for v in shp[col]] == expected[col].tolist(), f"{layer}.{col} differs from places.yaml"
    for pid, got, want in zip(shp["id"], shp.geometry, expected.geometry):
        assert shapely.equals_exact(shapely.normalize(got), shapely.normalize(want), tolerance=1e-7), pid


def test_every_plan_layer_has_its_geometry_type(drawn):
    expected = {"feature_towns": "Point", "projects": "Point", "innovation_platforms": "Point",
                "peninsula_roads": "LineString"}
    for layer in PLAN_LAYER_IDS:
        kinds = set(drawn[drawn["layer"] == layer].geometry.geom_type.str.replace("Multi", ""))
        assert kinds == {expected.get(layer, "Polygon")}, layer


def test_every_place_lies_in_chaohu_on_land(drawn, city, lake):
    outside = drawn[~drawn.geometry.within(city)]
    assert outside.empty, f"outside 巢湖市: {outside['id'].tolist()}"
    wet = drawn[drawn.geometry.intersects(lake)]
    assert wet.empty, f"in the lake: {wet['id'].tolist()}"


def test_town_named_places_lie_in_that_town(drawn, town_areas):
    stems = {n.removesuffix("街道").removesuffix("镇").removesuffix("乡"): n
             for n in town_areas["name"] if n != "巢湖（水域）"}
    named = drawn[[any(name.startswith(s) for s in stems) for name in drawn["name"]]]
    assert len(named) >= 10  # 5 小镇, 柘皋产业新城, 黄麓/烔炀两园, 槐林集中区, 银屏区域
    towns = assign_town(named, town_areas)
    for name, town in zip(named["name"], towns):
        want = next(t for s, t in stems.items() if name.startswith(s))
        assert town == want, f"{name} lies in {town}, not {want}"


def test_roads_are_the_plan_network(places):
    roads = places[places["layer"] == "peninsula_roads"]
    status = dict(zip(roads["name"], roads["status"]))
    assert {k: status.get(k) for k in ("半岛大道", "塔山路", "治中路", "黄师路", "平顶山路")} == {
        "半岛大道": "续建", "塔山路": "续建", "治中路": "新建", "黄师路": "新建", "平顶山路": "新建"}
    assert (roads["status"] == "续建").sum() == 6
    new = roads[roads["status"] == "新建"]
    assert len(new) == 9
    assert length_km(new).sum() == pytest.approx(NEW_ROADS_KM, abs=0.05)


def test_children_lie_in_their_parent(drawn):
    by_id = drawn.set_index("id").geometry
    for pid, parent, geom in zip(drawn["id"], drawn["parent"], drawn.geometry):
        if parent in by_id and by_id[parent].geom_type.endswith("Polygon"):
            assert geom.within(by_id[parent]), f"{pid} is outside its parent {parent}"


def test_zhegao_new_city_is_inside_hechao_and_the_zone_covers_its_parts(places):
    by_id = places.set_index("id").geometry
    assert by_id["zg_zhegao"].within(by_id["hc_hechao"])
    for part in ("edz_south", "edz_north", "edz_yinping"):
        assert by_id[part].within(by_id["edz_juchao"])


def test_accuracy_is_stated_and_schematic_says_so(drawn):
    assert set(drawn["accuracy"]) <= set(ACCURACIES)
    schematic = drawn[drawn["accuracy"] == "schematic"]
    silent = schematic[~(schematic["note"] + schematic["source"]).str.contains("示意")]
    assert silent.empty, f"schematic but not said: {silent['id'].tolist()}"


def test_every_place_links_to_a_measure_that_names_it(places, links, plan):
    assert set(links["place_id"]) <= set(places["id"]), "links to unknown places"
    unlinked = set(places["id"]) - set(links["place_id"])
    assert not unlinked, f"places without a measure: {sorted(unlinked)}"
    for place_id, measure_id, basis in links.itertuples(index=False):
        measure = plan.measure(measure_id)  # KeyError on an unknown measure id
        role, _, unit_name = basis.partition(":")
        if role in ("配合单位", "牵头单位") and unit_name:
            unit = plan.unit_by_name(unit_name)
            ids = measure.coop if role == "配合单位" else measure.lead
            assert (unit and unit.id in ids) or unit_name in measure.towns, (place_id, measure_id, basis)
        else:
            assert basis in measure.text, (place_id, measure_id, basis)


def test_every_measure_naming_a_place_is_linked(places, links, plan):
    pairs = set(zip(links["place_id"], links["measure_id"]))
    for pid, name in zip(places["id"], places["name"]):
        for m in plan.measures:
            if name in m.text:
                assert (pid, m.id) in pairs, f"measure {m.id} names {name} but is not linked"
    zone = plan.unit_by_name("居巢经开区").id
    for m in plan.measures:
        if zone in m.lead or zone in m.coop:
            assert ("edz_juchao", m.id) in pairs, f"measure {m.id} names 居巢经开区 but is not linked"


def test_xiage_magnesium_town_links(links):
    mine = links[links["place_id"] == "ft_xiage"]
    assert dict(zip(mine["measure_id"], mine["basis"])) == {"1.3": "夏阁唯“镁”小镇", "3.2": "镁基轻合金新材料"}


def test_repaired_names(places):
    assert "旗山·中科精密智造小镇" in set(places["name"])
    assert not places["name"].str.contains("?", regex=False).any()


def test_bad_places_are_refused(tmp_path: Path):
    bad = tmp_path / "places.yaml"
    bad.write_text(
        "places:\n  - {id: x, layer: projects, name: 某项目, status: 已建成, accuracy: schematic,"
        " source: 示意, geometry: POINT (117.8 31.6)}\n", encoding="utf-8")
    with pytest.raises(PlacesError, match="status"):
        load_places_yaml(bad)
    bad.write_text(
        "places:\n  - {id: x, layer: projects, name: 某项目, accuracy: exact, source: s, geometry: POINT (117.8 31.6)}\n",
        encoding="utf-8")
    with pytest.raises(PlacesError, match="accuracy"):
        load_places_yaml(bad)
