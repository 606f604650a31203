"""Shared fixtures: the running app (``app_url``) and a recorded headless Chromium (``browser``, ``page``)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # make tests/browser.py importable as `browser`

import browser as bh  # noqa: E402


HOSTILE_NAME = "<img src=x onerror=alert(1)>"


def pytest_configure(config):
    """Tests never read or write the developer's own workspace: an empty one per run, unless a test sets its own."""
    import tempfile

    os.environ["CHAOHU_WORKSPACE"] = tempfile.mkdtemp(prefix="chaohu-test-ws-")


@pytest.fixture(scope="session")
def workspace(tmp_path_factory):
    """A planner's workspace holding one layer whose feature name is an HTML/JS injection attempt."""
    import geopandas as gpd
    from shapely.geometry import Point

    ws = tmp_path_factory.mktemp("workspace")
    (ws / "layers").mkdir()
    gpd.GeoDataFrame({"name": [HOSTILE_NAME]}, geometry=[Point(117.80, 31.70).buffer(0.01)], crs="EPSG:4490").to_file(
        ws / "layers" / "hostile.geojson", driver="GeoJSON")
    return ws


@pytest.fixture(scope="session")
def app_url(workspace):
    """The real app (streamlit_app.py at the repo root), started once per session on a free port."""
    script = bh.REPO / "streamlit_app.py"
    url, stop = bh.start_streamlit(script, cwd=bh.REPO, log_path=bh.ARTIFACTS / "streamlit.log",
                                   env_extra={"CHAOHU_WORKSPACE": str(workspace)})
    try:
        yield url
    finally:
        stop()


@pytest.fixture(scope="session")
def catalog():
    """The shipped layers as the app loads them (with the test run's empty workspace); not to be mutated."""
    from layers.catalog import load_catalog

    return load_catalog()


@pytest.fixture(scope="session")
def plan():
    """The plan data as shipped; not to be mutated."""
    from loaders.plan import load_plan

    return load_plan()


@pytest.fixture(scope="session")
def pg_cluster():
    """A throwaway PostgreSQL + PostGIS server for the session (tests/pgcluster.py); a missing server fails, never skips."""
    from pgcluster import PgCluster

    cluster = PgCluster()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(params=["gpkg", "postgis"])
def store(request, tmp_path):
    """An empty store on each engine: a GeoPackage in tmp_path, a fresh PostGIS database."""
    from loaders.store.gpkg import GpkgStore
    from loaders.store.postgis import PostgisStore

    if request.param == "gpkg":
        st = GpkgStore(tmp_path / "workspace.gpkg")
    else:
        st = PostgisStore(request.getfixturevalue("pg_cluster").new_database())
    try:
        yield st
    finally:
        st.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium per session (system /usr/bin/chromium, offline flags)."""
    from playwright import sync_api  # installed by scripts/test.sh; a missing browser is a failure, not a skip

    assert Path(bh.CHROMIUM).exists(), f"{bh.CHROMIUM} is missing: run scripts/test.sh, which installs it"
    with sync_api.sync_playwright() as p:
        chromium = bh.launch_browser(p)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser):
    """A fresh 1600x1000 zh-CN page; every request URL it and its frames make is in ``page.requests``."""
    pg = bh.new_page(browser)
    try:
        yield pg
    finally:
        pg.context.close()
