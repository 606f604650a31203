"""Shared fixtures: the running app (``app_url``, one server for the whole run that tests only read; ``start_app``
for a test that changes data, with a workspace of its own) and a recorded headless Chromium (``browser``, ``page``).
Tests that drive a browser are marked ``browser`` automatically."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # make tests/browser.py importable as `browser`

import browser as bh  # noqa: E402

HOSTILE_NAME = "<img src=x onerror=alert(1)>"
#: The pytest-xdist worker running this process ("-gw0"), empty without workers: in the shared servers' log names.
_WORKER = f"-{os.environ['PYTEST_XDIST_WORKER']}" if "PYTEST_XDIST_WORKER" in os.environ else ""
#: Fixtures that mean a test drives the real app or a page in Chromium.
BROWSER_FIXTURES = {"page", "browser", "app_url", "hostile_app_url", "start_app"}


def pytest_configure(config):
    """Tests never read or write the developer's own workspace: an empty one per run, unless a test sets its own."""
    os.environ["CHAOHU_WORKSPACE"] = tempfile.mkdtemp(prefix="chaohu-test-ws-")


#: Rough seconds a test takes, by its marks: what orders the modules for the workers (longest first). A test much
#: longer than its mark says tells its own time: ``@pytest.mark.slow(seconds=80)``.
_COST = {"browser": 10.0, "slow": 4.0}


def _cost(item) -> float:
    marks = [(item.get_closest_marker(name), c) for name, c in _COST.items()]
    return max((m.kwargs.get("seconds", c) for m, c in marks if m is not None), default=0.05)


def pytest_collection_modifyitems(config, items):
    """Mark every test that uses the browser or the app as `browser` (the fast tier leaves them out), then order the
    modules by their estimated time, longest first, keeping each module's own order. The workers take modules in this
    order (pytest.ini: --dist loadfile --no-loadscope-reorder), so the short ones fill the end of the run instead of a
    browser module starting last and running alone (xdist's own order is by number of tests)."""
    for item in items:
        if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)
    cost: dict[str, float] = {}
    for item in items:
        cost[item.nodeid.split("::")[0]] = cost.get(item.nodeid.split("::")[0], 0.0) + _cost(item)
    items.sort(key=lambda item: -cost[item.nodeid.split("::")[0]])


def _start(workspace: Path, log_name: str, timeout: float = 90.0, **env):
    """The real app (streamlit_app.py) on a free port with `workspace` (plus env): (url, stop)."""
    return bh.start_streamlit(bh.REPO / "streamlit_app.py", cwd=bh.REPO, log_path=bh.ARTIFACTS / f"streamlit-{log_name[:80]}.log",
                              timeout=timeout, env_extra={"CHAOHU_WORKSPACE": str(workspace), **env})


@pytest.fixture(autouse=True, scope="session")
def _quick_password_hashing():
    """Passwords hashed in this process (accounts made by tests) with Argon2id at its lightest settings: the checks,
    limits and sessions under test are the same, each hash takes milliseconds instead of ~0.1 s. App servers started by
    the tests keep the production settings (and re-hash such a password at its first login)."""
    from argon2 import PasswordHasher

    from store import accounts

    production = accounts._HASHER
    accounts._HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    accounts._HASHER = production


@pytest.fixture
def start_app(tmp_path_factory, request):
    """A function starting the real app on a free port with its own workspace; stopped after the test. For tests that
    change data (upload, save, settings): what they do reaches no other test.

    ``start_app(workspace=None, **env)`` → URL; the workspace is a fresh empty folder unless given.
    """
    stops = []

    def start(workspace: Path | None = None, timeout: float = 90.0, **env) -> str:
        url, stop = _start(workspace or tmp_path_factory.mktemp("app-ws"), request.node.name, timeout, **env)
        stops.append(stop)
        return url

    yield start
    for stop in stops:
        stop()


@pytest.fixture(scope="session")
def app_url(tmp_path_factory):
    """The real app with an empty workspace, one server for the whole run: for tests that only read (open pages,
    click, filter, export a download). A test that changes the workspace or the store uses `start_app` instead."""
    url, stop = _start(tmp_path_factory.mktemp("shared-app-ws"), f"shared{_WORKER}", timeout=180)
    try:
        yield url
    finally:
        stop()


@pytest.fixture(scope="session")
def hostile_app_url(tmp_path_factory):
    """The real app whose workspace holds one layer whose feature name is an HTML/JS injection attempt (read only)."""
    import geopandas as gpd
    from shapely.geometry import Point

    from store.gpkg import GpkgStore

    ws = tmp_path_factory.mktemp("hostile-ws")
    store = GpkgStore(ws / "workspace.gpkg")
    store.add_layer("hostile", gpd.GeoDataFrame({"name": [HOSTILE_NAME]}, geometry=[Point(117.80, 31.70).buffer(0.01)],
                                                crs="EPSG:4490"), "测试")
    store.engine.dispose()
    url, stop = _start(ws, f"hostile{_WORKER}", timeout=180)
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
    from store.gpkg import GpkgStore
    from store.postgis import PostgisStore

    if request.param == "gpkg":
        st = GpkgStore(tmp_path / "workspace.gpkg")
    else:
        st = PostgisStore(request.getfixturevalue("pg_cluster").new_database())
    try:
        yield st
    finally:
        st.engine.dispose()


@pytest.fixture
def workspace(tmp_path, monkeypatch, plan):
    """An empty workspace store for the tracking command line and service run in this process (the plan read once
    per session): tmp_path, with the workspace in tmp_path / "ws"."""
    from store import forget_stores

    monkeypatch.setattr("tracking.service.load_plan", lambda: plan)
    monkeypatch.setenv("CHAOHU_WORKSPACE", str(tmp_path / "ws"))
    monkeypatch.delenv("CHAOHU_DATABASE_URL", raising=False)
    monkeypatch.delenv("CHAOHU_WORKSPACE_GPKG", raising=False)
    yield tmp_path
    forget_stores()


#: The store settings a command line reads; each ``cli`` call starts from the test run's own (neither set).
STORE_VARIABLES = ("CHAOHU_DATABASE_URL", "CHAOHU_WORKSPACE_GPKG")


@pytest.fixture
def cli(capsys):
    """Run a command line's ``main(argv)`` in this process as a planner would run it: ``cli(main, *args, env=…,
    stdin=…)`` → CompletedProcess (returncode, stdout, stderr). ``env`` is set for that call only (over the run's
    environment, store variables cleared); the store objects the calls opened are closed afterwards."""
    import io
    import subprocess

    from store import forget_stores

    patch = pytest.MonkeyPatch()  # its own: undone before each call, not the test's monkeypatch

    def run(main, *args, env: dict | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
        patch.undo()  # the previous call's environment and stdin
        for key in STORE_VARIABLES:
            patch.delenv(key, raising=False)
        for key, value in (env or {}).items():
            patch.setenv(key, value)
        patch.setattr(sys, "stdin", io.StringIO(stdin or ""))
        capsys.readouterr()
        argv = [str(a) for a in args]
        code = main(argv)
        out = capsys.readouterr()
        return subprocess.CompletedProcess(argv, code, out.out, out.err)

    yield run
    patch.undo()
    forget_stores()


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
