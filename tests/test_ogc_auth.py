"""With accounts configured, desktop clients must say who they are: HTTP Basic or a revocable Bearer token.

The real app on a free port whose store has a 管理 and a 查看 account (one server for the module).
"""

from __future__ import annotations

import base64
import urllib.error
import urllib.request

import pyogrio
import pytest

import browser as bh

VIEWER, PASSWORD = "测绘张工", "viewer-pass-1"


@pytest.fixture(scope="module")
def secured(tmp_path_factory):
    """(app URL, workspace) with accounts 管理员 (管理) and 测绘张工 (查看)."""
    from store import forget_stores, open_store

    ws = tmp_path_factory.mktemp("ogc-auth-ws")
    store = open_store(gpkg=ws / "workspace.gpkg")
    store.add_account("管理员", "admin-pass-1", "管理", "测试")
    store.add_account(VIEWER, PASSWORD, "查看", "测试")
    url, stop = bh.start_streamlit(bh.REPO / "streamlit_app.py", cwd=bh.REPO,
                                   log_path=bh.ARTIFACTS / "streamlit-ogc-auth.log", env_extra={"CHAOHU_WORKSPACE": str(ws)})
    yield url, ws
    stop()
    forget_stores()


def _status(url: str, authorization: str | None = None, method: str = "GET") -> tuple[int, dict]:
    req = urllib.request.Request(url, method=method, headers={"Authorization": authorization} if authorization else {})
    try:
        with urllib.request.urlopen(req, timeout=120) as resp:
            resp.read()
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}
    except urllib.error.HTTPError as err:
        return err.code, {k.lower(): v for k, v in err.headers.items()}


def _basic(name: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{name}:{password}".encode()).decode()


def _cli(ws, capsys, monkeypatch, *argv) -> str:
    from loaders.__main__ import main

    monkeypatch.setenv("CHAOHU_WORKSPACE", str(ws))
    capsys.readouterr()
    assert main(list(argv)) == 0
    return capsys.readouterr().out.strip()


@pytest.mark.slow  # starts the app
def test_refused_without_credentials_accepted_with_basic(secured):
    url, _ = secured
    items = f"{url}/ogc/collections/feature_towns/items?f=json"
    for path in (f"{url}/ogc/", f"{url}/ogc/collections", items, f"{url}/ogc/styles/map.json",
                 f"{url}/ogc/tiles/feature_towns/10/843/418.pbf"):
        status, headers = _status(path)
        assert status == 401 and headers["www-authenticate"].startswith("Basic"), (path, status)
    assert _status(items, _basic(VIEWER, "wrong-password"))[0] == 401
    assert _status(items, _basic(VIEWER, PASSWORD))[0] == 200
    assert _status(items, _basic(VIEWER, PASSWORD), method="POST")[0] == 405  # 查看 reads; nothing writes here


@pytest.mark.slow  # starts the app
def test_gdal_reads_with_basic_credentials(secured):
    url, _ = secured
    pyogrio.set_gdal_config_options({"GDAL_HTTP_AUTH": "BASIC", "GDAL_HTTP_USERPWD": f"{VIEWER}:{PASSWORD}"})
    try:
        towns = pyogrio.read_dataframe(f"OAPIF:{url}/ogc", layer="feature_towns")
    finally:
        pyogrio.set_gdal_config_options({"GDAL_HTTP_AUTH": None, "GDAL_HTTP_USERPWD": None})
    assert len(towns) == 6


@pytest.mark.slow  # starts the app
def test_bearer_token_until_revoked(secured, capsys, monkeypatch):
    url, ws = secured
    items = f"{url}/ogc/collections/feature_towns/items?f=json"
    token = _cli(ws, capsys, monkeypatch, "accounts", "token", VIEWER)
    assert len(token) >= 40 and " " not in token
    assert _status(items, f"Bearer {token}")[0] == 200
    assert _status(items, f"Bearer {token}x")[0] == 401
    assert "1 个" in _cli(ws, capsys, monkeypatch, "accounts", "token", VIEWER, "--revoke")
    assert _status(items, f"Bearer {token}")[0] == 401
    from store import open_store
    from store import schema as t

    with open_store(gpkg=ws / "workspace.gpkg").reading() as conn:  # only the token's hash is kept
        stored = [r.token_hash for r in conn.execute(t.api_tokens.select())]
    assert stored and token not in stored


def test_tokens_in_the_store(store):
    """Issue, use, revoke; a removed account's tokens end; only hashes and change-log rows are kept (both engines)."""
    from core import roles
    from layers.auth import role_for_header
    from store.errors import StoreError
    from store.tokens import issue_token, revoke_tokens, token_role

    assert role_for_header(store, None) == roles.OPEN_ROLE  # no account: open, like the app
    store.add_account("管理员", "admin-pass-1", "管理", "测试")
    store.add_account(VIEWER, PASSWORD, "查看", "测试")
    assert role_for_header(store, None) is None
    with pytest.raises(StoreError, match="没有名为「无此人」的账号"):
        issue_token(store, "无此人", "测试")
    first, second = issue_token(store, VIEWER, "测试"), issue_token(store, VIEWER, "测试")
    assert first != second and token_role(store, first) == (VIEWER, roles.VIEWER)
    assert role_for_header(store, f"Bearer {second}") == roles.VIEWER
    assert role_for_header(store, _basic(VIEWER, PASSWORD)) == roles.VIEWER
    assert role_for_header(store, _basic(VIEWER, "wrong-password")) is None
    assert role_for_header(store, "Basic not-base64!") is None
    assert revoke_tokens(store, VIEWER, "测试") == 2
    assert token_role(store, first) is None and token_role(store, second) is None
    assert revoke_tokens(store, VIEWER, "测试") == 0
    third = issue_token(store, VIEWER, "测试")
    store.remove_account(VIEWER, "测试")
    assert token_role(store, third) is None
    logged = [(c.action, c.target) for c in store.changes(kind="account")]
    assert ("account.token", VIEWER) in logged and ("account.token_revoke", VIEWER) in logged
    assert not any(tok in repr(c.to_dict()) for c in store.changes() for tok in (first, second, third))
