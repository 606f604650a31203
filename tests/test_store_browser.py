"""Script in a planner's file never runs in a viewer's browser: a CSV whose header is an <img onerror> and a
GeoJSON whose property KEYS are script, uploaded through the real loaders into the store, shown by the real
app; every feature is hovered and clicked, and the text shows literally."""

from __future__ import annotations

import json

import pytest

import browser as bh
from loaders.files import read_any
from store.gpkg import GpkgStore

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CSV_HEADER = "<img src=x onerror=top.__xss=1;window.__xss=1>"
KEY_IMG = "<img src=x onerror=top.__xss=2;window.__xss=2>"
KEY_SCRIPT = "</script><script>top.__xss=3;window.__xss=3</script>"
NAMES = ["甲厂", "乙厂", "丙园", "丁园"]


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory):
    """The app on a workspace whose store holds the two hostile files, loaded as an upload would load them."""
    folder = tmp_path_factory.mktemp("hostile-ws")
    csv = folder / "企业.csv"
    csv.write_text(f"名称,经度,纬度,{CSV_HEADER}\n甲厂,117.80,31.62,一号\n乙厂,117.70,31.58,二号\n", encoding="utf-8")
    geojson = folder / "园区.geojson"
    features = [{"type": "Feature", "properties": {"名称": name, KEY_IMG: "值", KEY_SCRIPT: "javascript:top.__xss=4"},
                 "geometry": {"type": "Point", "coordinates": [lon, 31.66]}}
                for name, lon in (("丙园", 117.75), ("丁园", 117.85))]
    geojson.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), encoding="utf-8")
    ws = GpkgStore(folder / "workspace.gpkg")
    for path in (csv, geojson):
        for layer in read_any(path).layers:
            ws.add_layer(layer.name, layer.gdf, source=path.name)
    url, stop = bh.start_streamlit(bh.REPO / "streamlit_app.py", cwd=bh.REPO, log_path=bh.ARTIFACTS / "streamlit-hostile.log",
                                   env_extra={"CHAOHU_WORKSPACE": str(folder)})
    try:
        yield url
    finally:
        stop()


def xss_flags(page) -> list:
    """The flags the payloads would set, in the page and in the map frame."""
    frame = bh.map_frame(page)
    return [page.evaluate("() => window.__xss"), frame.evaluate("() => window.__xss")]


def test_hovering_and_clicking_every_feature_runs_no_script(hostile_app, page):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(hostile_app)
    frame = bh.wait_for_app(page)
    handle = page.wait_for_selector(f'iframe[title*="{bh.FOLIUM_FRAME_TITLE}"]', state="attached")
    for name in NAMES:
        box = handle.bounding_box()
        point = frame.evaluate(bh._FEATURE_POINT_JS, name)
        assert point and "error" not in point, f"{name} is not on the map"
        page.mouse.move(box["x"] + point["x"], box["y"] + point["y"])
        tooltip = frame.locator(".leaflet-tooltip")
        tooltip.first.wait_for(timeout=10_000)
        text = " ".join(tooltip.all_inner_texts())
        if name in ("甲厂", "乙厂"):
            assert CSV_HEADER in text, text  # the header shown literally
        else:
            assert KEY_IMG in text and KEY_SCRIPT in text and "javascript:top.__xss=4" in text, text
        assert xss_flags(page) == [None, None]
        page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
        page.wait_for_selector(f'[data-place] h3:has-text("{name}")', timeout=30_000)
        frame = bh.wait_for_app(page)
        assert xss_flags(page) == [None, None]
    assert frame.locator('img[src="x"]').count() == 0 and page.locator('img[src="x"]').count() == 0
    assert page.locator('a[href^="javascript:"]').count() == 0 and frame.locator('a[href^="javascript:"]').count() == 0
    assert dialogs == []
