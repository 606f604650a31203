"""A tiny st_folium app proves the harness and the offline assets: map draws, controls work, nothing leaves localhost."""

import textwrap

import pytest

import browser as bh
from layers.assets import materialise_vendor

APP = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {repo!r})
    import folium
    import folium.plugins as plugins
    import streamlit as st
    from streamlit_folium import st_folium
    from layers.assets import offline

    m = folium.Map(location=[31.6, 117.87], zoom_start=11, tiles=None)
    folium.GeoJson(
        {{"type": "FeatureCollection", "features": [{{
            "type": "Feature", "properties": {{"name": "半汤片区"}},
            "geometry": {{"type": "Polygon", "coordinates": [[
                [117.80, 31.56], [117.94, 31.56], [117.94, 31.64], [117.80, 31.64], [117.80, 31.56]]]}}}}]}},
        name="片区",
    ).add_to(m)
    plugins.Fullscreen(title="全屏").add_to(m)
    plugins.MeasureControl().add_to(m)
    # MiniMap defaults to OpenStreetMap tiles; a local template keeps every request on this machine.
    plugins.MiniMap(tile_layer=folium.TileLayer(tiles="app/static/none/{{z}}/{{x}}/{{y}}.png", attr="本地")).add_to(m)
    plugins.MousePosition().add_to(m)
    offline(m, mode="static")
    result = st_folium(m, height=600, use_container_width=True, key="smoke")
    drawing = (result or {{}}).get("last_active_drawing")
    st.write("选中：" + (drawing["properties"]["name"] if drawing else "无"))
    """
)


@pytest.fixture(scope="module")
def smoke_url(tmp_path_factory):
    """The tiny app, served with its own static/vendor and static-serving config."""
    root = tmp_path_factory.mktemp("smoke")
    (root / "app.py").write_text(APP.format(repo=str(bh.REPO)), encoding="utf-8")
    materialise_vendor(root / "static")
    (root / ".streamlit").mkdir()
    (root / ".streamlit" / "config.toml").write_text(
        (bh.REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    url, stop = bh.start_streamlit(root / "app.py", cwd=root, log_path=bh.ARTIFACTS / "streamlit-smoke.log")
    try:
        yield url
    finally:
        stop()


def test_offline_map_draws_and_click_reaches_streamlit(smoke_url, page):
    page.goto(smoke_url)
    frame = bh.wait_for_app(page)

    # the polygon is drawn (Leaflet's SVG renderer) and the plugin controls are on the map
    frame.wait_for_selector("path.leaflet-interactive", timeout=20_000)
    assert frame.locator(".leaflet-control-zoom-fullscreen").count() == 1
    assert frame.locator(".leaflet-control-measure").count() == 1
    assert frame.locator(".leaflet-control-minimap").count() == 1
    assert frame.locator(".leaflet-control-mouseposition").count() == 1
    # the plugin scripts really ran from local files (not just empty placeholders)
    assert frame.evaluate("typeof L.Control.Measure === 'function' && typeof L.Control.MiniMap === 'function'")
    assert page.get_by_text("选中：无").count() == 1

    bh.click_feature(page, "半汤片区")
    page.get_by_text("选中：半汤片区").wait_for(timeout=30_000)
    bh.screenshot(page, "offline_smoke")

    local_vendor = [u for u in page.requests if "/app/static/vendor/" in u]
    assert any(u.endswith("leaflet.js") for u in local_vendor), page.requests
    assert bh.external_requests(page.requests) == []
