"""The plan's places: shapefiles agree with places.yaml, every place sits where the plan says, every
place is tied to the measures that name it."""

import re
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
    ACCURACIES, COLUMNS, PlacesError, layer_frame, link_problems, load_place_links,
    load_places_yaml, place_names,
)
from loaders.plan import load_plan

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


def test_every_place_links_to_a_measure(places, links, plan):
    assert set(links["place_id"]) <= set(places["id"]), "links to unknown places"
    unlinked = set(places["id"]) - set(links["place_id"])
    assert not unlinked, f"places without a measure: {sorted(unlinked)}"
    assert set(links["kind"]) == {"原文点名", "推断"}


def test_a_named_link_quotes_the_measure_naming_the_place(places, links, plan):
    """原文点名: the basis is the measure's own words (or a unit of its closing bracket) and names the place."""
    for place_id, measure_id, kind, basis, note in links.itertuples(index=False):
        measure = plan.measure(measure_id)  # KeyError on an unknown measure id
        role, _, unit_name = basis.partition(":")
        if role in ("配合单位", "牵头单位") and unit_name:
            unit = plan.unit_by_name(unit_name)
            ids = measure.coop if role == "配合单位" else measure.lead
            assert unit and unit.id in ids, (place_id, measure_id, basis)
            said = unit.names
        else:
            assert basis in measure.text, (place_id, measure_id, basis)
            said = (basis,)
        if kind == "原文点名":
            names = place_names(places, place_id)
            assert any(n in s for n in names for s in said), f"{measure_id} “{basis}” does not name {names}"
        else:
            assert note, (place_id, measure_id)
    assert link_problems(links, places, plan) == []


def test_the_inferred_links_are_the_ones_the_plan_does_not_make(links):
    inferred = links[links["kind"] == "推断"]
    assert set(zip(inferred["place_id"], inferred["measure_id"])) == {
        ("ft_xiage", "3.2"), ("edz_north", "3.2"), ("ip_magnesium", "1.1"), ("ip_huailin_nets", "2.1"), ("pj_pvb", "1.1")}
    xiage = links[links["place_id"] == "ft_xiage"].set_index("measure_id")
    assert xiage.loc["1.3", "kind"] == "原文点名" and "镁" in xiage.loc["3.2", "note"]


def test_link_check_refuses_a_link_the_words_do_not_make(places, links, plan):
    bad = links.copy()
    row = bad.index[(bad["place_id"] == "ft_xiage") & (bad["measure_id"] == "3.2")][0]
    bad.loc[row, "kind"] = "原文点名"
    assert any("ft_xiage—3.2" in p and "没有写出" in p for p in link_problems(bad, places, plan))
    bad.loc[row, "basis"] = "夏阁镇镁业"
    assert any("不在措施原文中" in p for p in link_problems(bad, places, plan))


def test_an_inferred_link_without_a_reason_is_refused(tmp_path):
    path = tmp_path / "links.csv"
    path.write_text("place_id,measure_id,kind,basis,note\nft_xiage,3.2,推断,镁基轻合金新材料,\n", encoding="utf-8")
    with pytest.raises(PlacesError, match="推断的关联须在 note 中写明理由"):
        load_place_links(path)
    path.write_text("place_id,measure_id,basis\nft_xiage,3.2,镁\n", encoding="utf-8")
    with pytest.raises(PlacesError, match="表头"):
        load_place_links(path)


def test_every_measure_naming_a_place_is_linked(places, links, plan):
    pairs = set(zip(links["place_id"], links["measure_id"]))
    for pid in places["id"]:
        for name in place_names(places, pid):
            for m in plan.measures:
                if name in m.text:
                    assert (pid, m.id) in pairs, f"measure {m.id} names {name} but is not linked"
    zone = plan.unit_by_name("居巢经开区").id
    for m in plan.measures:
        if zone in m.lead or zone in m.coop:
            assert ("edz_juchao", m.id) in pairs, f"measure {m.id} names 居巢经开区 but is not linked"


def test_places_the_plan_names_are_all_there(places, plan):
    """Sites the measures name that the map once lacked, each tied to its measure (no position where none is known)."""
    by_name = places.set_index("name")
    for name, measure_id in (("安徽巢湖经开区", "4.1"), ("大学城", "4.2"), ("北大未名生物医药", "3.4"), ("今辰药业", "3.4"),
                             ("五粮泰", "3.4"), ("南区集中供热", "4.1"), ("大健康科技制造基地", "3.4")):
        assert name in plan.measure(measure_id).text
        assert by_name.loc[name, "geometry"] is None, f"{name}: no source gives its position"
    assert "黄麓大学城" in by_name.loc["大学城", "other_names"]


def test_names_are_the_plans_and_third_party_names_are_kept_apart(places, links):
    plan_text = "\n".join(m.text for m in load_plan().measures)
    only_inferred = set(links["place_id"]) - set(links.loc[links["kind"] == "原文点名", "place_id"])
    for pid, name, aliases, others in zip(places["id"], places["name"], places["aliases"], places["other_names"]):
        assert all(a in plan_text for a in aliases), pid
        assert not any(o in plan_text for o in others), f"{pid}: {others} is the plan's word, not a third-party name"
        assert name in plan_text or any(a in plan_text for a in aliases) or pid in only_inferred, f"{pid}: {name}"
        assert not any(o in name for o in others), f"{pid}: third-party name in the name {name}"
    south = places.set_index("id").loc["edz_south"]
    assert (south["name"], south["other_names"]) == ("南区", ("亚父园区",))


def test_a_parent_relation_says_whether_the_plan_makes_it(places, links):
    """原文点名 parent: one measure names both child and parent. The others are marked 推断 and the note says why."""
    named = links[links["kind"] == "原文点名"]
    measures_of = named.groupby("place_id")["measure_id"].apply(set).to_dict()
    for pid, parent, kind, note in zip(places["id"], places["parent"], places["parent_kind"], places["note"]):
        if not parent:
            assert not kind
            continue
        both = measures_of.get(pid, set()) & measures_of.get(parent, set())
        if kind == "原文点名":
            assert both, f"{pid} → {parent}: no measure names both"
        else:
            assert kind == "推断" and "推断" in note, pid


def test_sources_name_real_sources_not_file_names(places):
    for pid, source, note in zip(places["id"], places["source"], places["note"]):
        for text in (source, note):
            assert not re.search(r"\.(tsv|md|py|ya?ml|csv)\b|gazetteer|places-facts", text), f"{pid}: {text}"
        assert re.search("规划文本|第三方网页|编者", source), f"{pid}: {source}"


@pytest.mark.parametrize("shp", sorted(SHAPEFILE_DIR.glob("*.shp")), ids=lambda p: p.stem)
def test_no_shipped_layer_gives_a_file_name_as_its_source(shp):
    """来源 names the source (规划文本, a website, 编者计算, a dataset), not one of our files."""
    sources = gpd.read_file(shp, ignore_geometry=True)["source"]
    assert len(sources) and not sources.str.contains(r"\.(?:tsv|md|py|ya?ml|csv|geojson|dat)\b|gazetteer|places-facts").any()


def test_invented_shapes_are_schematic_and_only_a_published_coordinate_is_located(drawn):
    shapes = drawn[drawn.geometry.geom_type != "Point"]
    assert set(shapes["accuracy"]) == {"schematic"}, shapes.loc[shapes["accuracy"] != "schematic", "id"].tolist()
    located = drawn[drawn["accuracy"] == "located"]
    assert located["name"].tolist() == ["华能巢湖电厂"]
    assert "gem.wiki" in located["source"].iloc[0]


def test_the_heating_is_the_south_zones_and_the_point_is_the_power_plant(places, city):
    by_id = places.set_index("id")
    heating = by_id.loc["pj_south_heating"]
    assert heating["geometry"] is None and heating["parent"] == "edz_south"
    assert (heating["status"], heating["deadline"]) == ("完成", "6月底前")
    plant = by_id.loc["pj_huaneng_heating"]
    assert plant["name"] == "华能巢湖电厂" and plant["status"] == "" and plant["accuracy"] == "located"
    gap_km = gpd.GeoSeries([plant.geometry, by_id.loc["edz_south", "geometry"]], crs=STORAGE).to_crs(4548)
    assert f"约{round(gap_km.iloc[0].distance(gap_km.iloc[1]) / 1000)}公里" in plant["note"]


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
