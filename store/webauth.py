"""The store's accounts over HTTP, beside Streamlit on its Starlette app: ``POST /api/login`` and ``POST /api/logout``,
the session cookie, and a gate that refuses the server's other ways in without a session.

``GET /api/session`` says who the cookie's session is: ``{"name", "role", "role_name", "unit", "open"}`` (the
office running open: 「本机用户」 with the open role), 401 without a valid session; it is guarded by the same gate,
and any app process answers it alike (the session lives in the store).

``/api/login`` takes JSON ``{"name", "password"}`` and answers 200 ``{"name", "role", "role_name"}`` with the session
cookie (``accounts.COOKIE``: HttpOnly, SameSite=Lax, Secure when the request came over HTTPS), or 401
``{"message"}`` in Chinese. The client a login is counted against is the connection's address, or the
X-Forwarded-For address when the connection comes from a trusted proxy (office setting ``trusted_proxies``).

While the office has accounts, ``SessionGate`` answers 401 to tiles (``/api/tiles/…``), places (``/api/places…``),
``/api/session``, downloads (``/media/…``), uploads (``/_stcore/upload_file/…``), ``/_stcore/metrics`` and Streamlit's agent
API (``/_stcore/agent/…``) without
a valid session, checked against the store on every request (a logout or a removed account counts at once).
"""

from __future__ import annotations

import ipaddress
import json
import re

from store import LoginError, StoreUnavailable, open_store
from store.accounts import COOKIE

#: What the gate guards: these paths (after an optional base path segment) need a session while accounts exist.
GUARDED = re.compile(r"^(?:/[^/]+)?/(?:api/tiles|api/places|api/session|media|_stcore/upload_file|_stcore/metrics|_stcore/agent)(?:/|$)")
#: The answer without a session.
RELOGIN = "请重新登录。"
MAX_BODY = 4096


def in_networks(address: str, networks: list[str]) -> bool:
    """Whether the address lies in one of the addresses or networks (CIDR); anything unparsable counts for nothing."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for net in networks:
        try:
            if ip in ipaddress.ip_network(net, strict=False):
                return True
        except ValueError:
            continue
    return False


def client_address(peer: str, forwarded_for: str | None, trusted: list[str]) -> str:
    """Who is asking: the connection's address, or — only when that is a trusted proxy — the nearest address in
    X-Forwarded-For that is not itself a trusted proxy (so each browser behind the proxy is its own client)."""
    if not forwarded_for or not in_networks(peer, trusted):
        return peer
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        if not in_networks(hop, trusted):
            return hop
    return peer


def _origin(request, trusted: list[str]) -> tuple[str, bool]:
    """(client address, whether the browser used HTTPS) of a request."""
    peer = request.client.host if request.client else ""
    proxied = in_networks(peer, trusted)
    https = request.url.scheme == "https" or (proxied and request.headers.get("x-forwarded-proto", "").lower() == "https")
    return client_address(peer, request.headers.get("x-forwarded-for"), trusted), https


def _message(text: str, status: int):
    from starlette.responses import JSONResponse

    return JSONResponse({"message": text}, status_code=status)


def _login_sync(body: bytes, peer_request) -> tuple[int, dict, str | None, bool]:
    store = open_store()
    trusted = store.trusted_proxies()
    client, https = _origin(peer_request, trusted)
    try:
        data = json.loads(body or b"{}")
        name, password = str(data.get("name", "")), str(data.get("password", ""))
    except (ValueError, AttributeError):
        return 400, {"message": "请求格式不正确：应为 JSON {\"name\", \"password\"}。"}, None, https
    try:
        session = store.login(name, password, client=client)
    except LoginError as exc:
        return 401, {"message": exc.message}, None, https
    from core import roles

    return 200, {"name": session.account, "role": session.role, "role_name": roles.ROLE_NAMES[session.role]}, session.token, https


async def login_endpoint(request):
    """POST /api/login: JSON name and password → the session cookie, or 401 with the Chinese reason."""
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import JSONResponse

    body = await request.body()
    if len(body) > MAX_BODY:
        return _message("请求过大。", 413)
    try:
        status, payload, token, https = await run_in_threadpool(_login_sync, body, request)
    except StoreUnavailable as exc:
        return _message(exc.message, 503)
    response = JSONResponse(payload, status_code=status)
    if token:
        idle, absolute = await run_in_threadpool(open_store().session_lifetimes)
        response.set_cookie(COOKIE, token, max_age=int(absolute.total_seconds()), path=_cookie_path(request),
                            httponly=True, samesite="lax", secure=https)
    return response


def _logout_sync(token: str | None) -> None:
    if token:
        open_store().logout(token)


async def logout_endpoint(request):
    """POST /api/logout: end the cookie's session in the store and clear the cookie."""
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import JSONResponse

    try:
        await run_in_threadpool(_logout_sync, request.cookies.get(COOKIE))
    except StoreUnavailable as exc:
        return _message(exc.message, 503)
    response = JSONResponse({"message": "已退出登录。"})
    response.delete_cookie(COOKIE, path=_cookie_path(request), httponly=True, samesite="lax")
    return response


def _session_sync(token: str | None) -> tuple[int, dict]:
    from core import roles
    from store import LOCAL_USER

    store = open_store()
    if not store.accounts_configured():
        return 200, {"name": LOCAL_USER, "role": roles.OPEN_ROLE, "role_name": roles.ROLE_NAMES[roles.OPEN_ROLE],
                     "unit": None, "open": True}
    session = store.session(token)
    if session is None:
        return 401, {"message": RELOGIN}
    return 200, {"name": session.account, "role": session.role, "role_name": roles.ROLE_NAMES[session.role],
                 "unit": session.unit, "open": False}


async def session_endpoint(request):
    """GET /api/session: who the cookie's session is (JSON), or 401 「请重新登录。」."""
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import JSONResponse

    try:
        status, payload = await run_in_threadpool(_session_sync, request.cookies.get(COOKIE))
    except StoreUnavailable as exc:
        return _message(exc.message, 503)
    return JSONResponse(payload, status_code=status, headers={"Cache-Control": "no-store"})


def _cookie_path(request) -> str:
    """The app's base path (the cookie is the app's, not the whole host's): what precedes /api/…"""
    path = request.url.path
    return path[:path.index("/api/") + 1] if "/api/" in path else "/"


def auth_routes() -> list:
    """The login, logout and session routes, for ``st.App(routes=…)``."""
    from starlette.routing import Route
    from streamlit import config

    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    prefix = f"/{base}/api" if base else "/api"
    return [Route(f"{prefix}/login", login_endpoint, methods=["POST"]),
            Route(f"{prefix}/logout", logout_endpoint, methods=["POST"]),
            Route(f"{prefix}/session", session_endpoint, methods=["GET"])]


def has_session(cookie_header: str | None) -> bool:
    """Whether a request may reach a guarded path: the office runs open, or its cookie's session is valid now."""
    from http.cookies import SimpleCookie

    jar = SimpleCookie()
    try:
        jar.load(cookie_header or "")
    except Exception:  # noqa: BLE001 — a malformed Cookie header is no session
        jar = SimpleCookie()
    morsel = jar.get(COOKIE)
    return open_store().admits(morsel.value if morsel else None)


class SessionGate:
    """ASGI middleware: a guarded path (``GUARDED``) without a valid session gets 401 (JSON, Chinese); the rest passes."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not GUARDED.match(scope.get("path", "")):
            return await self.app(scope, receive, send)
        from starlette.concurrency import run_in_threadpool
        from starlette.datastructures import Headers

        try:
            allowed = await run_in_threadpool(has_session, Headers(scope=scope).get("cookie"))
        except StoreUnavailable as exc:
            return await _message(exc.message, 503)(scope, receive, send)
        if not allowed:
            return await _message(RELOGIN, 401)(scope, receive, send)
        return await self.app(scope, receive, send)


def auth_middleware() -> list:
    """The session gate, for ``st.App(middleware=…)``."""
    from starlette.middleware import Middleware

    return [Middleware(SessionGate)]
