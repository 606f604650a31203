"""Who a desktop client (QGIS, ArcGIS, GDAL) is: HTTP Basic (account name + password) or ``Bearer TOKEN``.

With no account configured the app runs open and every request may read. Otherwise a request without valid
credentials gets 401 with ``WWW-Authenticate: Basic``; a password is checked by the store's own login (so its
rate limits apply: too many failures refuse even the right password for a while), and a right one is remembered
for a minute, so a map drawing hundreds of tiles costs one Argon2 check, not hundreds. ``read_only(app)`` wraps
any ASGI app (the /ogc sub-app, /api routes) with this check; the routes it guards only read, so any other
method is refused with 405.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import threading
import time

from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from core import roles
from store.errors import LoginError, StoreError, StoreUnavailable

#: A right name and password is remembered this many seconds.
REMEMBER_SECONDS = 60
#: Methods that only read.
READ_METHODS = ("GET", "HEAD", "OPTIONS")
REALM = "chaohu"  # header text must be ASCII

_REMEMBERED: dict[str, tuple[str, float]] = {}
_LOCK = threading.Lock()


def _basic(value: str) -> tuple[str, str] | None:
    try:
        name, _, password = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return name, password


def role_for_header(store, authorization: str | None, client: str = "") -> str | None:
    """The role a request's Authorization header grants (``OPEN_ROLE`` with no accounts), or None."""
    if not store.accounts_configured():
        return roles.OPEN_ROLE
    scheme, _, value = (authorization or "").partition(" ")
    scheme = scheme.lower()
    if scheme == "bearer":
        from store.tokens import token_role

        found = token_role(store, value.strip())
        return found[1] if found else None
    if scheme != "basic" or (pair := _basic(value)) is None:
        return None
    key = hashlib.sha256(f"{pair[0]}\0{pair[1]}".encode()).hexdigest()
    now = time.monotonic()
    with _LOCK:
        known = _REMEMBERED.get(key)
    if known and known[1] > now:
        return known[0]
    try:
        session = store.login(pair[0], pair[1], client=f"basic:{client}" if client else "")
    except (LoginError, StoreError):
        return None
    store.logout(session.token)  # a desktop client keeps no session: each request carries its credentials
    with _LOCK:
        _REMEMBERED[key] = (session.role, now + REMEMBER_SECONDS)
    return session.role


def _refusal(status: int, message: str, headers: dict | None = None) -> JSONResponse:
    code = {401: "Unauthorized", 405: "NotAllowed"}.get(status, "Unavailable")
    return JSONResponse({"code": code, "description": message}, status_code=status, headers=headers)


class read_only:  # noqa: N801 - used like a function: read_only(app)
    """`app` guarded: 401 (Basic challenge) without valid credentials when accounts exist, 405 for writes.

    A class, not a closure, so Starlette's Route takes it as an ASGI app rather than a request handler.
    """

    def __init__(self, app, open_store=None):
        self.app, self.open_store = app, open_store

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        from store import open_store as default_open

        store = (self.open_store or default_open)()
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        client = (scope.get("client") or ("",))[0]
        try:
            role = await run_in_threadpool(role_for_header, store, headers.get("authorization"), client)
        except StoreUnavailable as exc:  # the database is down: say so, never a traceback
            return await _refusal(503, exc.message)(scope, receive, send)
        if role is None or not roles.allowed(role, "browse"):
            response = _refusal(401, "请提供账号和密码（HTTP Basic）或访问令牌（Bearer）。",
                                {"WWW-Authenticate": f'Basic realm="{REALM}", charset="UTF-8"'})
        elif scope["method"] not in READ_METHODS:
            response = _refusal(405, "此接口只读：请在应用中修改数据。", {"Allow": ", ".join(READ_METHODS)})
        else:
            return await self.app(scope, receive, send)
        await response(scope, receive, send)
