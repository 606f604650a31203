"""The benchmarks in benchmarks/ still run: a quick large-layer run (naive folium beside ours) gives every figure.

A module of its own so that the two test workers start it early rather than at the end of the run.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import browser as bh


@pytest.mark.slow(seconds=120)
@pytest.mark.browser
def test_benchmark_runs_on_a_small_count(tmp_path):
    out = tmp_path / "line.json"
    cmd = [sys.executable, "benchmarks/large_layers.py", "--quick", "--timeout", "150", "--json", str(out)]
    subprocess.run(cmd, cwd=bh.REPO, check=True, timeout=900, stdout=subprocess.DEVNULL)
    line = json.loads(out.read_text(encoding="utf-8"))
    parcels_run, points_run = line["results"]
    for r in line["results"]:
        naive, ours = r["naive"], r["ours"]
        assert naive["first_picture_s"] and ours["first_picture_s"] and ours["drawn_warm_s"]
        assert ours["panel_shows_clicked_feature"]
        assert 0 < ours["tiles_made_at_first_picture"] < ours["tiles_full_set"] / 100
        assert ours["gdf_rss"] > 0 and naive["bytes_warm"] > 0 and ours["bytes_warm"] > 0
    assert parcels_run["kind"] == "parcels" and 5000 < parcels_run["count"] < 7000
    assert points_run["kind"] == "points" and points_run["count"] == 6000
    assert (tmp_path / "line.json").exists() and "targets" in line
