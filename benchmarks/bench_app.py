"""The Streamlit app the large-layer benchmark opens: one parcel layer drawn the naive way or ours.

Environment: BENCH_REPO (repo root), BENCH_MODE (naive|ours), BENCH_DATA (pickled GeoDataFrame),
BENCH_STATS (JSON-lines file this app appends one line per script run to).
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

from benchmarks.large_layers import BEACON, DRAWN_JS  # noqa: E402
from layers.assets import offline  # noqa: E402
from layers.large import landuse_tiles, parcel_attributes, vector_layer  # noqa: E402
from layers.mapview import CENTER, DEFAULT_ZOOM  # noqa: E402

MODE = os.environ["BENCH_MODE"]
ROOT = Path(__file__).resolve().parent


def _rss() -> int:
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
    """Once the parcel layer is drawn (and painted), request app/static/__layer_drawn__ so the benchmark can time it."""

    _template = Template(
        "{% macro script(this, kwargs) %}(function () { var drawn = " + DRAWN_JS + ";"
        "var check = function () { try { if (window.map && drawn(" + json.dumps(MODE) + ")) {"
        " requestAnimationFrame(function () { requestAnimationFrame(function () {"
        " fetch('../../app/static/" + BEACON + "?' + Date.now()).catch(function () {}); }); }); return; } }"
        " catch (e) {} setTimeout(check, 100); }; setTimeout(check, 0); })();{% endmacro %}"
    )


@st.cache_resource
def _map():
    gdf = _data()[0]
    m = folium.Map(location=CENTER, zoom_start=DEFAULT_ZOOM, tiles=None)
    if MODE == "naive":
        folium.GeoJson(gdf, name="土地利用图斑", tooltip=folium.GeoJsonTooltip(["地类名称"])).add_to(m)
        lookup = None
    else:
        vector_layer(landuse_tiles(gdf, ROOT / "static", "parcels"), name="土地利用图斑（三调）").add_to(m)
        lookup = lambda props: parcel_attributes(gdf, props)  # noqa: E731
    Beacon().add_to(m)
    offline(m, mode="static")
    return m, lookup


gdf, rss_before_data, rss_after_data = _data()
cached, lookup = _map()
fmap = copy.deepcopy(cached)  # st_folium renames the map it is given; the app does the same
st.button("刷新（不改变图斑图层）", key="other")
out = st_folium(fmap, key="map", height=600, use_container_width=True, returned_objects=["last_active_drawing"])
props = ((out or {}).get("last_active_drawing") or {}).get("properties") or {}
if lookup and props.get("layer") == "parcels":
    st.markdown("#### 图斑属性")
    st.table({"属性": list(lookup(props)), "值": list(lookup(props).values())})
rss, hwm = _rss()
with open(os.environ["BENCH_STATS"], "a", encoding="utf-8") as fh:
    fh.write(json.dumps({"script_seconds": time.perf_counter() - T0, "rss": rss, "hwm": hwm,
                         "rss_before_data": rss_before_data, "rss_after_data": rss_after_data}) + "\n")
