"""The map frame gets from its cache exactly what st_folium would send, and the view rules hold (no browser)."""

from __future__ import annotations

import copy

import pytest
import streamlit_folium as sf

from core.declarations import LAYERS
from layers.mapview import build_map, emphasis_group
from views import mapframe
from views.state import MapReport, fit_view, request


def test_cached_strings_are_what_st_folium_sends(catalog, monkeypatch):
    fmap = build_map(catalog.layers, [s.id for s in LAYERS if s.visible])
    sent = {}
    monkeypatch.setattr(sf, "_component_func", lambda **kwargs: sent.update(kwargs))
    row = catalog.features[catalog.features["id"] == "ft_huanglu"]
    group = emphasis_group(row, catalog.spec("feature_towns"))
    sf.st_folium(copy.deepcopy(fmap), key=mapframe.KEY, returned_objects=list(mapframe.RETURNED), center=[31.6, 117.7], zoom=12,
                 feature_group_to_add=[copy.deepcopy(group)], use_container_width=True, height=640)
    ours = {}
    monkeypatch.setattr(sf, "_component_func", lambda **kwargs: ours.update(kwargs))
    strings = mapframe.render_map(copy.deepcopy(fmap))
    mapframe.show(strings, groups=[copy.deepcopy(group)], center=[31.6, 117.7], zoom=12, height=640, on_change=None)
    for name in ("script", "header", "html", "id", "key", "height", "width", "returned_objects", "zoom", "center",
                 "return_on_hover", "layer_control", "pixelated", "css_links", "js_links", "wrap_longitude"):
        assert ours[name] == sent[name], name
    assert ours["feature_group"].replace(" ", "") == sent["feature_group"].replace(" ", "")
    assert "ft_huanglu" in ours["feature_group"]


def test_a_report_reads_the_view_and_the_maps_size():
    report = MapReport.parse({
        "last_active_drawing": {"type": "Feature", "properties": {"id": "ft_huanglu", "_click": 3}},
        "center": {"lat": 31.6, "lng": 117.7}, "zoom": 12,
        "bounds": {"_southWest": {"lat": 31.5, "lng": 117.5}, "_northEast": {"lat": 31.7, "lng": 117.9}},
    })
    assert report.props == {"id": "ft_huanglu", "_click": 3}
    assert (report.center, report.zoom, report.bounds) == ((31.6, 117.7), 12, (117.5, 31.5, 117.9, 31.7))
    # 0.4° of longitude at zoom 12: 0.4/360·256·2¹² = 1165 px; 0.2° of latitude at 31.6°: ×1/cos(31.6°) → 684 px
    assert report.size == (1165, 684)
    assert MapReport.parse(None) == MapReport()
    assert MapReport.parse({"center": None, "zoom": 10}).center is None


def test_a_fitted_view_holds_the_bounds_and_stops_at_street_level():
    center, zoom = fit_view((117.5, 31.5, 117.9, 31.7), (1165, 698))
    assert center == pytest.approx([31.6, 117.7]) and zoom == 11  # 12 would fill more than 85 % of the map
    assert fit_view((117.7, 31.6, 117.7, 31.6))[1] == 15  # a single point: not closer than 15


def test_a_repeated_request_still_moves_the_map():
    first = request(([31.6, 117.7], 12), None)
    assert first == ([31.6, 117.7], 12)
    again = request(([31.6, 117.7], 12), first)
    assert again[0] != first[0] and again[1] != first[1] and round(again[1]) == 12
    other = request(([31.5, 117.6], 12), again)  # a new place at the same zoom: both change again
    assert other[0] != again[0] and other[1] != again[1]
    assert request(([31.5, 117.6], 13), ([31.6, 117.7], 12)) == ([31.5, 117.6], 13)
