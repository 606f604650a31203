"""The view as data: a URL reopens what the planner saw, and a map click selects what it hit (no browser)."""

from __future__ import annotations

import pytest

from core.declarations import LAYERS
from layers.mapview import BASEMAPS
from layers.query import Filters
from views.state import Click, ViewState, default_layers, route_click

LAYER_IDS = [s.id for s in LAYERS]


def parse(params: dict, towns=()) -> ViewState:
    return ViewState.from_query(params, LAYER_IDS, BASEMAPS, towns)


def test_an_empty_url_is_the_default_view():
    vs = parse({})
    assert vs == ViewState()
    assert vs.layers == default_layers() and vs.basemap == "none" and vs.selection == ("none", "")
    assert vs.to_query() == {}  # links to the default view stay short


def test_every_part_of_a_view_survives_the_round_trip_through_the_url():
    vs = ViewState(mode="map", basemap="amap", layers=("lake", "projects"), town="黄麓镇",
                   filters=Filters(measure="4.2", unit="jxw", deadline="6月底前"), sel="rd_zhizhong",
                   center=(31.64525, 117.5605), zoom=14)
    query = vs.to_query()
    assert query["layers"] == "lake,projects" and query["z"] == "14" and query["measure"] == "4.2"
    assert parse(query, towns=["黄麓镇"]) == vs


def test_unknown_or_malformed_values_fall_back_to_defaults():
    vs = parse({"layers": "lake,no_such_layer", "basemap": "google", "mode": "admin", "town": "不存在镇",
                "lat": "north", "lon": "117.7", "z": "12"}, towns=["黄麓镇"])
    assert vs.layers == ("lake",)
    assert vs.basemap == "none" and vs.mode == "map" and vs.town == ""
    assert vs.center is None and vs.zoom is None  # a view needs both coordinates


def test_a_view_out_of_range_is_refused():
    assert parse({"lat": "95", "lon": "117", "z": "12"}).center is None
    assert parse({"lat": "31.6", "lon": "117.7", "z": "40"}).zoom is None


def test_selection_kinds():
    assert ViewState(sel="measure:4.2").selection == ("measure", "4.2")
    assert ViewState(sel="tile").selection == ("tile", "")
    assert ViewState().select_place("ft_huanglu").selection == ("place", "ft_huanglu")
    assert ViewState().select_measure("1.3").sel == "measure:1.3"
    assert "sel" not in ViewState(sel="tile").to_query()  # a parcel click is not a shareable selection


def test_a_click_on_a_plan_place_selects_it(catalog):
    place = catalog.plan_features().iloc[0]
    click = route_click({"id": place["id"], "layer": place["layer"], "name": place["name"]}, catalog)
    assert click == Click("place", place["id"], click.props)
    assert click.selection == place["id"]


def test_a_click_on_nothing_known_selects_nothing(catalog):
    assert route_click(None, catalog) is None
    assert route_click({}, catalog) is None
    assert route_click({"id": "no_such_place"}, catalog) is None
    # a parcel-like click on a layer that is not a planner's tiled layer is not a tile click
    assert route_click({"fid": 3, "layer": "township_areas"}, catalog) is None


def test_a_click_on_a_tiled_parcel_is_told_apart(catalog):
    from core.declarations import LayerSpec
    from layers.catalog import Catalog

    spec = LayerSpec(id="user_0", title="我的数据：三调", group="我的数据", geometry="Polygon", file="三调",
                     color="#000", plan=False)
    with_tiles = Catalog(layers=catalog.layers, links=catalog.links, places=catalog.places, user_specs={"user_0": spec})
    click = route_click({"fid": 17, "layer": "user_0", "地类名称": "水田"}, with_tiles)
    assert click.kind == "tile" and click.selection == "tile" and click.props["fid"] == 17
    overview = route_click({"generalised": 1, "layer": "user_0", "地类名称": "耕地"}, with_tiles)
    assert overview.kind == "tile" and overview.ident != click.ident  # a later parcel click is a new click


@pytest.mark.parametrize("town", ["柘皋镇", "黄麓镇"])
def test_a_slide_added_from_a_town_view_shows_that_town(catalog, town):
    places = ViewState(town=town).slide_places(catalog)
    assert places and set(catalog.features.set_index("id").loc[places, "name"]) == {town}


def test_a_slide_added_with_a_place_selected_shows_that_place(catalog):
    place = catalog.plan_features().iloc[3]["id"]
    assert ViewState(town="柘皋镇", sel=place).slide_places(catalog) == [place]
    assert ViewState().slide_places(catalog) == []
