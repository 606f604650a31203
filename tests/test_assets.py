"""The map loads every script/style from the app or the page itself — never from a CDN."""

import os
import re

import folium
import folium.plugins as plugins

from layers.assets import COMPONENT_BASE_URL, external_urls, materialise_vendor, offline

PLUGIN_CONTROLS = ["leaflet-control-zoom-fullscreen", "leaflet-control-measure", "leaflet-control-minimap",
                   "leaflet-control-mouseposition"]


def _map(tiles=None):
    """A map like the app's: GeoJSON layer plus the four plugins, MiniMap on a local tile template."""
    m = folium.Map(location=[31.6, 117.87], zoom_start=11, tiles=tiles)
    folium.GeoJson(
        {"type": "Feature", "properties": {"name": "半汤片区"},
         "geometry": {"type": "Polygon", "coordinates": [[[117.8, 31.56], [117.94, 31.56], [117.94, 31.64],
                                                          [117.8, 31.56]]]}},
    ).add_to(m)
    plugins.Fullscreen().add_to(m)
    plugins.MeasureControl().add_to(m)
    plugins.MiniMap(tile_layer=folium.TileLayer(tiles="tiles/{z}/{x}/{y}.png", attr="本地")).add_to(m)
    plugins.MousePosition().add_to(m)
    return m


def test_plain_folium_map_would_hit_cdns_but_tile_templates_are_not_counted():
    html = folium.Map(location=[31.6, 117.87]).get_root().render()  # default OSM tiles
    urls = external_urls(html)
    assert any("leaflet" in u and u.endswith(".js") for u in urls)
    assert not any("tile.openstreetmap" in u for u in urls)


def test_inline_export_has_no_external_script_or_style():
    html = offline(_map(), mode="inline").get_root().render()
    assert external_urls(html) == []
    assert "L.Control.Measure" in html and "MiniMap" in html  # plugin code really embedded
    assert "bootstrap" not in html.lower()  # unused folium defaults dropped


def test_offline_after_a_render_replaces_links_already_in_the_header():
    m = _map()
    m.get_root().render()
    assert external_urls(offline(m, mode="inline").get_root().render()) == []


def test_static_links_point_only_at_files_materialise_wrote(tmp_path):
    written = {p.name for p in materialise_vendor(tmp_path / "static")}
    html = offline(_map(), mode="static").get_root().render()
    assert external_urls(html) == []
    links = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html)
    assert len(links) >= 10  # leaflet js/css + 4 plugins x (js, css)
    for link in links:
        assert link.startswith(COMPONENT_BASE_URL + "/"), link
        assert link.rsplit("/", 1)[1] in written, link


def test_vendor_css_makes_no_network_or_missing_file_requests(tmp_path):
    for path in materialise_vendor(tmp_path):
        if path.suffix == ".css":
            for url in re.findall(r"""url\(\s*['"]?([^'")]+)""", path.read_text(encoding="utf-8")):
                assert url.startswith(("data:", "#", "%23")), (path.name, url[:80])


def test_materialise_is_idempotent(tmp_path):
    first = materialise_vendor(tmp_path)
    stamps = {p: os.stat(p).st_mtime_ns for p in first}
    second = materialise_vendor(tmp_path)
    assert first == second
    assert {p: os.stat(p).st_mtime_ns for p in second} == stamps
    assert not list(tmp_path.rglob("*.tmp"))


def test_folium_classes_untouched_for_other_maps():
    offline(_map(), mode="static")
    fresh = folium.Map().get_root().render()
    assert "cdn.jsdelivr.net/npm/leaflet@" in fresh


def test_awesome_marker_support_kept_when_a_map_uses_icons():
    m = _map()
    folium.Marker([31.6, 117.87], icon=folium.Icon(icon="info-sign")).add_to(m)
    html = offline(m, mode="inline").get_root().render()
    assert external_urls(html) == []
    assert "L.AwesomeMarkers = " in html or "L.AwesomeMarkers=" in html


def test_inline_export_works_from_file_without_network(tmp_path, page):
    path = tmp_path / "export.html"
    offline(_map(), mode="inline").save(str(path))
    page.goto(path.as_uri())
    page.wait_for_selector("path.leaflet-interactive", timeout=20_000)
    for cls in PLUGIN_CONTROLS:
        assert page.locator(f".{cls}").count() == 1, cls
    remote = [u for u in page.requests if u.startswith(("http:", "https:"))]
    assert remote == []
