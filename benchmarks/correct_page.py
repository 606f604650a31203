"""The 校正位置 page as benchmarks/correct_save.py runs it in Streamlit's AppTest: the real page (views/pages/correct.py)
with the drawing map's answer replaced by a point a little east of the last one (AppTest draws no map).
Environment: BENCH_REPO (repo root)."""

import os
import sys
import time

sys.path.insert(0, os.environ["BENCH_REPO"])

import streamlit as st  # noqa: E402

from views import login, resources  # noqa: E402
from views.pages import correct  # noqa: E402

resources.plan()
login.signed_in()
step = st.session_state.setdefault("step", [0])
step[0] += 1
drawn = {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [117.70 + step[0] * 0.001, 31.62]}}
correct.st_folium = lambda *args, **kwargs: {"all_drawings": [drawn]}
started = time.perf_counter()
correct.render()
st.session_state.setdefault("runs", []).append(time.perf_counter() - started)
