"""The naive side of the large-layer benchmark: a Streamlit page drawing one layer as a plain folium.GeoJson.

This is what tutorials do (the whole GeoDataFrame in one GeoJson, points as circle markers); the benchmark
sets it beside the real app (streamlit_app.py) on the same data. Environment: BENCH_REPO (repo root),
BENCH_DATA (pickled GeoDataFrame), BENCH_STATS (JSON-lines file this app appends one line per script run to).
"""

import json
import os
import sys
import time

T0 = time.perf_counter()
sys.path.insert(0, os.environ["BENCH_REPO"])

import copy  # noqa: E402
import pickle  # noqa: E402
from pathlib import Path  # noqa: E402

import folium  # noqa: E402
from branca.element import MacroElement  # noqa: E402
from folium.template import Template  # noqa: E402
import streamlit as st  # noqa: E402
from streamlit_folium import st_folium  # noqa: E402

from benchmarks.large_layers import BEACON, NAIVE_DRAWN_JS  # noqa: E402
from layers.assets import offline  # noqa: E402
from layers.mapview import CENTER, DEFAULT_ZOOM  # noqa: E402


def _rss() -> tuple[int, int]:
    """Resident and peak-resident bytes of this process (from /proc)."""
    status = Path("/proc/self/status").read_text()
    get = lambda k: int(status.split(k + ":")[1].split()[0]) * 1024  # noqa: E731
    return get("VmRSS"), get("VmHWM")


@st.cache_resource
def _data():
    before = _rss()[0]
    with open(os.environ["BENCH_DATA"], "rb") as fh:
        gdf = pickle.load(fh)
    return gdf, before, _rss()[0]


class Beacon(MacroElement):
    """Once the layer is drawn (and painted), request app/static/__layer_drawn__ so the benchmark can time it."""

    _template = Template(
        "{% macro script(this, kwargs) %}(function () { var drawn = " + NAIVE_DRAWN_JS + ";"
        "var check = function () { try { if (window.map && drawn()) {"
        " requestAnimationFrame(function () { requestAnimationFrame(function () {"
        " fetch('../../app/static/" + BEACON + "?' + Date.now()).catch(function () {}); }); }); return; } }"
        " catch (e) {} setTimeout(check, 100); }; setTimeout(check, 0); })();{% endmacro %}"
    )


@st.cache_resource
def _map():
    gdf = _data()[0]
    m = folium.Map(location=CENTER, zoom_start=DEFAULT_ZOOM, tiles=None)
    fields = [c for c in gdf.columns if c != gdf.geometry.name][:2]
    points = bool(gdf.geom_type.isin(["Point"]).all())
    folium.GeoJson(gdf, name="图层", tooltip=folium.GeoJsonTooltip(fields),
                   marker=folium.CircleMarker(radius=3) if points else None).add_to(m)
    Beacon().add_to(m)
    offline(m, mode="static")
    return m


gdf, rss_before_data, rss_after_data = _data()
fmap = copy.deepcopy(_map())  # st_folium renames the map it is given; the app does the same
st.button("刷新（不改变图层）", key="other")
st_folium(fmap, key="map", height=600, use_container_width=True, returned_objects=["last_active_drawing"])
rss, hwm = _rss()
with open(os.environ["BENCH_STATS"], "a", encoding="utf-8") as fh:
    fh.write(json.dumps({"script_seconds": time.perf_counter() - T0, "rss": rss, "hwm": hwm,
                         "rss_before_data": rss_before_data, "rss_after_data": rss_after_data}) + "\n")
