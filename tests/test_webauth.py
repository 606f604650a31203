"""The login API and the session gate in-process (Starlette's test client, both engines): the HttpOnly cookie, 401
in Chinese for a wrong password and for tiles, downloads, uploads and metrics without a session, and a logout or a
removed account counting on the very next request."""

from __future__ import annotations

import warnings

import geopandas as gpd
import pytest
import shapely
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

with warnings.catch_warnings():  # Starlette 1.10 would rather have httpx2; httpx (pinned in requirements-dev) works
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from layers.tileserver import tile_routes
from layers.large import register
from store import webauth
from store.accounts import COOKIE

PASSWORD = "巢湖规划2026!"


def _stand_in(request):
    return PlainTextResponse("streamlit")


@pytest.fixture
def client(store, monkeypatch):
    """The app's own routes (tiles, login, logout) and the gate, with Streamlit's guarded paths stood in for."""
    monkeypatch.setattr(webauth, "open_store", lambda: store)
    stand_ins = [Route(p, _stand_in, methods=["GET", "PUT"]) for p in
                 ("/media/abc.xlsx", "/_stcore/upload_file/s/f", "/_stcore/metrics", "/_stcore/health")]
    app = Starlette(routes=tile_routes() + webauth.auth_routes() + stand_ins, middleware=webauth.auth_middleware())
    with TestClient(app, base_url="http://testserver") as c:
        yield c


@pytest.fixture
def layer_key():
    gdf = gpd.GeoDataFrame({"DLMC": ["耕地"] * 6000},
                           geometry=[shapely.box(117.8 + i * 1e-4, 31.6, 117.8 + i * 1e-4 + 5e-5, 31.6001) for i in range(6000)],
                           crs="EPSG:4490")
    key = register(gdf, "test")
    yield key, gdf


def test_login_sets_an_httponly_cookie_and_tiles_need_it(client, store, layer_key):
    key, _gdf = layer_key
    stats = f"/api/tiles/{key}/stats.json"
    assert client.get(stats).status_code == 200  # no account yet: the app runs open
    store.add_account("管理员", PASSWORD, "管理", "测试")
    store.add_account("查看员", PASSWORD, "查看", "测试")
    refused = client.get(stats)
    assert refused.status_code == 401 and refused.json()["message"] == "请重新登录。"
    for path in ("/media/abc.xlsx", "/_stcore/metrics"):
        assert client.get(path).status_code == 401, path
    assert client.put("/_stcore/upload_file/s/f", content=b"x").status_code == 401
    assert client.get("/_stcore/health").status_code == 200  # what the login page itself needs still answers

    wrong = client.post("/api/login", json={"name": "查看员", "password": "不是这个密码"})
    assert wrong.status_code == 401 and wrong.json()["message"] == "账号或密码不正确。"
    assert COOKIE not in client.cookies
    ok = client.post("/api/login", json={"name": "查看员", "password": PASSWORD})
    assert ok.status_code == 200 and ok.json() == {"name": "查看员", "role": "viewer", "role_name": "查看"}
    cookie = ok.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain HTTP, no trusted proxy
    assert client.get(stats).status_code == 200 and client.get("/media/abc.xlsx").status_code == 200

    assert client.post("/api/logout").status_code == 200
    assert client.get(stats).status_code == 401
    client.cookies.set(COOKIE, ok.cookies[COOKIE])  # the old cookie, kept by someone: ended in the store
    assert client.get(stats).status_code == 401
    client.cookies.clear()

    client.post("/api/login", json={"name": "查看员", "password": PASSWORD})
    assert client.get(stats).status_code == 200
    store.remove_account("查看员", "管理员")
    assert client.get(stats).status_code == 401


def test_the_session_route_says_who_the_cookie_is(client, store):
    """GET /api/session: the open office's 本机用户, then 401 without a session, the account after a login, 401 after
    the logout."""
    opened = client.get("/api/session")
    assert opened.status_code == 200 and opened.json()["open"] is True and opened.json()["name"] == "本机用户"
    store.add_account("管理员", PASSWORD, "管理", "测试")
    store.add_account("查看员", PASSWORD, "查看", "测试")
    refused = client.get("/api/session")
    assert refused.status_code == 401 and refused.json()["message"] == "请重新登录。"
    client.post("/api/login", json={"name": "查看员", "password": PASSWORD})
    me = client.get("/api/session")
    assert me.status_code == 200 and me.headers["cache-control"] == "no-store"
    assert me.json() == {"name": "查看员", "role": "viewer", "role_name": "查看", "unit": None, "open": False}
    client.post("/api/logout")
    assert client.get("/api/session").status_code == 401


def test_bad_requests_get_chinese_answers(client, store):
    store.add_account("管理员", PASSWORD, "管理", "测试")
    bad = client.post("/api/login", content=b"not json", headers={"content-type": "application/json"})
    assert bad.status_code == 400 and "JSON" in bad.json()["message"]
    assert client.post("/api/login", content=b"x" * 10_000).status_code == 413


def test_forwarded_addresses_count_only_from_a_trusted_proxy(store, monkeypatch):
    """Behind the office proxy each browser is its own client (one locked out, the next still logs in) and the cookie
    is Secure when the browser used HTTPS; a direct caller cannot pose as another address."""
    assert webauth.client_address("10.0.0.5", "203.0.113.7", []) == "10.0.0.5"
    assert webauth.client_address("10.0.0.5", "203.0.113.7", ["10.0.0.0/24"]) == "203.0.113.7"
    assert webauth.client_address("10.0.0.5", "198.51.100.1, 203.0.113.7, 10.0.0.9", ["10.0.0.0/24"]) == "203.0.113.7"
    assert webauth.client_address("192.0.2.1", "203.0.113.7", ["10.0.0.0/24"]) == "192.0.2.1"
    monkeypatch.setattr(webauth, "open_store", lambda: store)
    store.add_account("管理员", PASSWORD, "管理", "测试")
    store.put_setting("trusted_proxies", ["10.0.0.2"], "管理员")
    app = Starlette(routes=webauth.auth_routes())
    with TestClient(app, client=("10.0.0.2", 40000)) as proxy:
        for _ in range(6):
            proxy.post("/api/login", json={"name": "管理员", "password": "猜错了的密码"},
                       headers={"x-forwarded-for": "203.0.113.7", "x-forwarded-proto": "https"})
        locked = proxy.post("/api/login", json={"name": "管理员", "password": PASSWORD},
                            headers={"x-forwarded-for": "203.0.113.7", "x-forwarded-proto": "https"})
        assert locked.status_code == 401 and "尝试次数过多" in locked.json()["message"]
        ok = proxy.post("/api/login", json={"name": "管理员", "password": PASSWORD},
                        headers={"x-forwarded-for": "198.51.100.4", "x-forwarded-proto": "https"})
        assert ok.status_code == 200 and "Secure" in ok.headers["set-cookie"]
    assert "203.0.113.7" in store.changes(action="account.locked")[0].summary
    with TestClient(app, client=("192.0.2.1", 40000)) as direct:  # not the proxy: its headers count for nothing
        answer = direct.post("/api/login", json={"name": "管理员", "password": PASSWORD},
                             headers={"x-forwarded-for": "203.0.113.7", "x-forwarded-proto": "https"})
        assert answer.status_code == 200 and "Secure" not in answer.headers["set-cookie"]
