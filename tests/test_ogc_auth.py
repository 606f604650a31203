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

pytestmark = pytest.mark.slow

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


def test_gdal_reads_with_basic_credentials(secured):
    url, _ = secured
    pyogrio.set_gdal_config_options({"GDAL_HTTP_AUTH": "BASIC", "GDAL_HTTP_USERPWD": f"{VIEWER}:{PASSWORD}"})
    try:
        towns = pyogrio.read_dataframe(f"OAPIF:{url}/ogc", layer="feature_towns")
    finally:
        pyogrio.set_gdal_config_options({"GDAL_HTTP_AUTH": None, "GDAL_HTTP_USERPWD": None})
    assert len(towns) == 6


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
