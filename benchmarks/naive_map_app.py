"""The naive side of benchmarks/app_render.py: the same plan map, handed to st_folium on every script run.

This is how a Streamlit map page is usually written (and how this app drew its map before views/mapframe.py):
data cached with st.cache_resource, the folium map built once and rendered again by st_folium on every run,
the libraries imported by the first page, the clicked place's panel below the map. Environment: BENCH_REPO; app_render.py gives it static/vendor.
"""

import copy
import os
import sys

sys.path.insert(0, os.environ["BENCH_REPO"])

import streamlit as st  # noqa: E402
from streamlit_folium import st_folium  # noqa: E402

from layers.assets import offline  # noqa: E402
from layers.catalog import load_catalog  # noqa: E402
from layers.mapview import build_map  # noqa: E402
from loaders.plan import load_plan  # noqa: E402
from presentation.panel import place_html  # noqa: E402
from views.state import default_layers  # noqa: E402


@st.cache_resource
def _data():
    return load_catalog(workspace=False), load_plan()


@st.cache_resource
def _map():
    catalog, _ = _data()
    m = build_map(catalog.layers, list(default_layers()), "none", height=720)
    offline(m, mode="static")
    return m


st.set_page_config(page_title="naive", layout="wide")
catalog, plan = _data()
out = st_folium(copy.deepcopy(_map()), key="map", height=720, use_container_width=True,
                returned_objects=["last_active_drawing"])
clicked = ((out or {}).get("last_active_drawing") or {}).get("properties") or {}
feature = catalog.feature(clicked["id"]) if clicked.get("id") else None
if feature is not None:
    st.html(place_html(catalog, plan, feature))
