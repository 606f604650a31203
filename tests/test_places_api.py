"""GET /api/places… in-process (Starlette's test client): a place's JSON with its measures in the plan's words, its
实施进展 and its correction; the panel as the map draws it; 404 in Chinese; 401 without a session while accounts exist;
hostile text (a correction's source and author) stays text; a new report or correction is served at once."""

from __future__ import annotations

import warnings
from datetime import date

import pytest
import shapely
from starlette.applications import Starlette

with warnings.catch_warnings():  # Starlette 1.10 would rather have httpx2; httpx (pinned in requirements-dev) works
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from corrections.checks import correct
from layers.catalog import load_catalog
from loaders.places import load_places_yaml
from loaders.plan import load_plan
from presentation import places as places_mod
from presentation import places_api
from store import webauth
from store.gpkg import GpkgStore
from tracking.load import load_board, plan_items
from tracking.records import ProgressInput

PASSWORD = "巢湖规划2026!"
HOSTILE = '<img src=x onerror="alert(1)">「管委会」&amp;'
PLACE = "ft_zhonghan"  # 中垾体育小镇: measure 1.3
CORRECTED = "ip_jinjiang"  # 锦江产业园


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One store with a correction by a hostile author and source, and the Places over it (loaded once: ~10 s)."""
    store = GpkgStore(tmp_path_factory.mktemp("places") / "workspace.gpkg")
    shipped = load_places_yaml()
    area = shipped.loc[shipped["id"] == CORRECTED].geometry.iloc[0]
    correct(store, CORRECTED, shapely.affinity.scale(area, 0.9, 0.9), HOSTILE, "2025-03", user=HOSTILE)
    places = places_mod.Places(lambda: store, load_plan, load_catalog, load_board, plan_items)
    yield store, places
    store.engine.dispose()


@pytest.fixture
def client(shared, monkeypatch):
    store, places = shared
    monkeypatch.setattr(webauth, "open_store", lambda: store)
    monkeypatch.setitem(places_api._PLACES, "current", places)
    app = Starlette(routes=places_api.place_routes() + webauth.auth_routes(), middleware=webauth.auth_middleware())
    with TestClient(app, base_url="http://testserver") as c:
        yield c


def test_a_place_in_json_with_its_measures_progress_and_correction(client):
    place = client.get(f"/api/places/{PLACE}")
    assert place.status_code == 200 and place.headers["content-type"].startswith("application/json")
    data = place.json()
    assert (data["id"], data["name"], data["layer"], data["layer_title"], data["town"]) == (
        PLACE, "中垾体育小镇", "feature_towns", "特色小镇", "中垾镇")
    assert data["accuracy"] == "schematic" and data["accuracy_label"].startswith("示意位置")
    assert data["source"].startswith("规划文本措施1.3点名")
    [m] = data["measures"]
    assert m["id"] == "1.3" and m["title"] == "加快特色小镇建设" and "市发改委" in m["lead"]
    assert isinstance(m["cooperating"], list) and isinstance(m["deadline"], list)
    assert data["progress"]["category"] and data["progress"]["items"], "1.3 names the town: it has items to track"
    assert all({"status", "overdue", "completion"} <= set(item) for item in data["progress"]["items"])
    assert data["correction"] == {"in_effect": False, "by": None, "at": None, "source": None, "source_date": None,
                                  "method": None, "history": 0}


def test_targets_keep_the_plans_qualifiers(client):
    listed = client.get("/api/places").json()
    assert {"id", "name", "layer", "accuracy"} == set(listed[0])
    ids = {p["id"] for p in listed}
    assert PLACE in ids and CORRECTED in ids
    [m41] = [m for m in client.get("/api/places/edz_juchao").json()["measures"] if m["id"] == "4.1"]
    assert "围绕项目、产业的产投基金 3支左右" in m41["targets"]  # never shortened to a bare 3


def test_a_correction_and_hostile_text_stay_text(client):
    data = client.get(f"/api/places/{CORRECTED}").json()
    corr = data["correction"]
    assert corr["in_effect"] and corr["by"] == HOSTILE and corr["source"] == HOSTILE and corr["history"] == 1
    assert corr["at"].endswith("+08:00") and data["accuracy"] == "located"
    panel = client.get(f"/api/places/{CORRECTED}/panel")
    assert panel.status_code == 200 and panel.headers["content-type"].startswith("text/html")
    assert "<img" not in panel.text and "&lt;img src=x onerror=" in panel.text
    assert "&amp;amp;" in panel.text  # the source's own "&amp;" shown as typed


def test_the_panel_is_the_maps_panel_with_its_buttons(client):
    panel = client.get(f"/api/places/{PLACE}/panel").text
    assert 'data-place="ft_zhonghan"' in panel and "<h3>中垾体育小镇</h3>" in panel
    assert 'data-action="measure" data-value="1.3"' in panel and ">措施 1.3<" in panel
    assert 'data-action="correct" data-value="ft_zhonghan"' in panel and "校正此地点的位置" in panel
    assert 'data-progress-place="ft_zhonghan"' in panel  # its 实施进展 section


def test_an_unknown_place_is_404_in_chinese(client):
    for path in ("/api/places/ip_atlantis", "/api/places/ip_atlantis/panel", "/api/places/%3Cscript%3E"):
        answer = client.get(path)
        assert answer.status_code == 404 and answer.json()["message"].startswith("没有编号为「"), path
    assert client.get("/api/places/%3Cscript%3E").json()["message"] == "没有编号为「<script>」的规划地点。"


def test_without_a_session_401_while_accounts_exist(client, monkeypatch, tmp_path):
    assert client.get(f"/api/places/{PLACE}").status_code == 200  # no account: the office runs open
    office = GpkgStore(tmp_path / "office.gpkg")  # the gate asks this store; the places are the shared store's
    monkeypatch.setattr(webauth, "open_store", lambda: office)
    office.add_account("管理员", PASSWORD, "管理", "测试")
    for path in ("/api/places", f"/api/places/{PLACE}", f"/api/places/{PLACE}/panel", "/api/places/ip_atlantis"):
        refused = client.get(path)
        assert refused.status_code == 401 and refused.json()["message"] == "请重新登录。", path
    assert client.post("/api/login", json={"name": "管理员", "password": PASSWORD}).status_code == 200
    assert client.get(f"/api/places/{PLACE}").json()["name"] == "中垾体育小镇"
    client.cookies.clear()
    assert client.get(f"/api/places/{PLACE}").status_code == 401
    office.engine.dispose()


def test_a_new_report_is_served_at_once(client, shared, monkeypatch):
    store, _ = shared
    monkeypatch.setattr(places_mod, "CHECK_EVERY_S", 0.0)  # the snapshot is otherwise trusted for a second
    before = {i["id"]: i["status"] for i in client.get(f"/api/places/{PLACE}").json()["progress"]["items"]}
    item = next(iter(before))
    batch = store.add_progress([ProgressInput(item_id=item, status="推进中", value=None, note="", reported_on=date(2026, 11, 20))],
                               "市发改委", "张三")
    pending = {i["id"]: i["status"] for i in client.get(f"/api/places/{PLACE}").json()["progress"]["items"]}
    store.review_progress(batch.batch, "王工", accept=True)  # a report counts once the office accepts it
    after = {i["id"]: i["status"] for i in client.get(f"/api/places/{PLACE}").json()["progress"]["items"]}
    assert before[item] is None and pending[item] is None and after[item] == "推进中"


def test_a_pick_is_taken_once_by_its_view(client):
    view = "v" * 20
    assert client.get(f"/api/places/{PLACE}/panel", params={"view": view}).status_code == 200
    assert places_api.take_pick(view) == PLACE and places_api.take_pick(view) is None
    client.get(f"/api/places/{PLACE}/panel", params={"view": "short"})
    assert places_api.take_pick("short") is None  # not a view key: nothing remembered
