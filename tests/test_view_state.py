"""The view as data: a URL reopens what the planner saw, and a map click selects what it hit (no browser)."""

from __future__ import annotations

import pytest

from core.declarations import LAYERS
from layers.mapview import BASEMAPS
from layers.query import Filters
from views.state import Click, MapReport, ViewState, default_layers, route_click

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


def test_a_button_of_a_panel_the_frame_drew_is_reported_apart_from_clicks():
    pressed = MapReport.parse({"last_active_drawing": {"properties": {"id": "ft_zhonghan"}}, "zoom": 12,
                               "center": {"lat": 31.6, "lng": 117.8}, "link": {"action": "measure", "value": "1.3", "n": 4}})
    assert pressed.link == ("measure", "1.3", 4) and pressed.props == {"id": "ft_zhonghan"} and pressed.zoom == 12
    for broken in ({"link": None}, {"link": {"action": "measure"}}, {"link": "measure"}, {"link": {"action": "x", "value": "1", "n": "x"}}):
        assert MapReport.parse(broken).link is None


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


def test_the_bounds_of_a_centre_and_zoom_hold_what_that_view_was_made_for():
    from geo.view import view_bounds, view_for

    bounds = (117.80, 31.55, 117.95, 31.65)
    centre, zoom = view_for(bounds)
    west, south, east, north = view_bounds(centre, zoom)
    assert west < bounds[0] and south < bounds[1] and east > bounds[2] and north > bounds[3]
    assert (east - west) < 4 * (bounds[2] - bounds[0])  # the view, not the whole region
    w2, s2, e2, n2 = view_bounds(centre, zoom + 1)
    assert (e2 - w2) == pytest.approx((east - west) / 2)  # one zoom level in: half as wide


def test_a_slide_from_the_map_keeps_its_view_layers_filters_and_selection(catalog):
    from views.pages.tour_editor import slide_of_view

    vs = ViewState(layers=("city_boundary", "projects"), filters=Filters(unit="jxw", deadline="年底前"),
                   sel="psc_science_city", center=(31.62, 117.56), zoom=12)
    slide = slide_of_view("我的视图", vs, catalog)
    assert slide.layers == ("city_boundary", "projects") and slide.places == ("psc_science_city",)
    assert (slide.filters.unit, slide.filters.deadline, slide.filters.measure) == ("jxw", "年底前", "")
    west, south, east, north = slide.view
    assert west < 117.56 < east and south < 31.62 < north
    assert slide_of_view("全市", ViewState(), catalog).view is None  # a map never moved: the slide shows its places


def test_slide_ids_move_with_their_slides():
    from views.pages.tour_editor import moved, removed

    ids = ["a", "b", "c", "d"]
    assert moved(ids, 1, 0) == ["b", "a", "c", "d"] and moved(ids, 1, 2) == ["a", "c", "b", "d"]
    assert removed(ids, 2) == ["a", "b", "d"] and ids == ["a", "b", "c", "d"]


def test_a_slide_can_show_the_city_every_town_and_every_plan_place(catalog):
    from views.pages.tour_editor import place_options

    options = place_options(catalog)
    assert options["340181"] == "巢湖市（全市）"
    assert set(catalog.plan_features()["id"]) <= set(options)
    assert set(catalog.town_areas["id"]) <= set(options)
    assert options["ft_huanglu"] == "黄麓建筑科创小镇（特色小镇）"


def test_a_new_filter_drops_a_measures_highlight_and_fits_every_place_it_leaves(catalog, plan):
    from shapely.geometry import box

    from geo.crs import WEB
    from layers.query import matching_places

    filters = Filters(unit="jxw")  # 市经信委: seven places, most of them outside measure 4.2's 半岛
    only = matching_places(catalog, plan, filters)
    state, bounds = ViewState().select_measure("4.2").refiltered(filters, only, catalog)
    assert state.selection == ("none", "") and state.filters == filters
    places = catalog.features[catalog.features["id"].isin(only)].to_crs(WEB)
    assert len(only) == 7 and places.within(box(*bounds).buffer(1e-9)).all()
    assert state.refiltered(filters, only, catalog, shown=bounds)[1] is None  # all in view already: the map stays
    half = (bounds[0], bounds[1], (bounds[0] + bounds[2]) / 2, bounds[3])
    assert state.refiltered(filters, only, catalog, shown=half)[1] == bounds  # some out of view: it fits them all


def test_a_new_filter_keeps_a_selected_place_it_leaves_and_drops_one_it_hides(catalog, plan):
    from layers.query import matching_places

    filters = Filters(unit="jxw")
    only = matching_places(catalog, plan, filters)
    kept, hidden = sorted(only)[0], next(i for i in catalog.plan_features()["id"] if i not in only)
    assert ViewState(sel=kept).refiltered(filters, only, catalog)[0].sel == kept
    assert ViewState(sel=hidden).refiltered(filters, only, catalog)[0].sel == ""
    town_area = catalog.town_area(catalog.town_names()[0])["id"].iloc[0]  # not a plan place: no filter hides it
    assert ViewState(sel=town_area).refiltered(filters, only, catalog)[0].sel == town_area


def test_clearing_the_filters_leaves_the_map_where_it_is(catalog, plan):
    state, bounds = ViewState(filters=Filters(unit="jxw")).select_measure("3.2").refiltered(Filters(), None, catalog)
    assert bounds is None and state.selection == ("none", "")
