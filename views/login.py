"""Who is using the app: the login page (when the office has accounts), the account box in the sidebar, and the
current user's name, role and unit that every store call and every permission check uses.

With no account in the store the app runs open, as on one planner's laptop: everyone is 「本机用户」 with every
permission, and the sidebar says so. With accounts, the login form (login_form.html) posts to the app's own
``/api/login`` (store/webauth.py), which sets an HttpOnly session cookie; every script run reads it through
``st.context.cookies`` and checks it against the store, so a reload, a new tab, a shared link or a server restart
keep the login, and a logout, a password or role change or a removed account counts on the very next click.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import streamlit as st

from core import roles
from store import LOCAL_USER
from store.accounts import COOKIE
from core.clock import local_text
from core.formatting import plain
from views import resources

USER_KEY = "auth_user"
LOGGED_OUT_KEY = "auth_logged_out"
OPEN_NOTE = "未配置账号：所有人可编辑（单机模式）"
FORM = Path(__file__).with_name("login_form.html")


@dataclass(frozen=True)
class User:
    """The person behind this browser session: the name the change log records, the role, and whether the app runs open."""

    name: str
    role: str
    open: bool
    token: str | None = None
    expires_at: datetime | None = None
    #: The lead unit a 填报 account reports for (None: any unit its role allows).
    unit: str | None = None

    @property
    def role_name(self) -> str:
        """The role in Chinese (查看 / 编辑 / 管理)."""
        return roles.ROLE_NAMES[self.role]

    def can(self, permission: str) -> bool:
        """Whether the page should offer an action (the action itself still calls ``require``)."""
        return roles.allowed(self.role, permission)


def _token() -> str | None:
    """The session cookie this browser sent with the page (HttpOnly: set by /api/login, never by the page)."""
    try:
        return st.context.cookies.get(COOKIE)
    except Exception:  # noqa: BLE001 — outside a browser session (bare mode) there are no cookies
        return None


def signed_in() -> User:
    """The user of this browser session. When the office has accounts and nobody is logged in here (or the session
    ended), the login page is drawn and the script run ends."""
    store = resources.store()
    ss = st.session_state
    if not store.accounts_configured():
        user = User(LOCAL_USER, roles.OPEN_ROLE, open=True)
    else:
        token = _token()
        session = None if ss.get(LOGGED_OUT_KEY) == token else store.session(token)
        if session is None:
            ss.pop(USER_KEY, None)
            login_page(expired=token is not None and ss.get(LOGGED_OUT_KEY) != token)
            st.stop()
        user = User(session.account, session.role, open=False, token=session.token, expires_at=session.expires_at,
                    unit=session.unit)
    ss[USER_KEY] = user
    return user


def current() -> User:
    """The user ``signed_in`` found at the top of this script run."""
    user = st.session_state.get(USER_KEY)
    if user is None:
        raise roles.PermissionDenied("请先登录。")
    return user


def role() -> str | None:
    """The current user's role, asked of the store now: a role lowered since the page was drawn counts (the open role
    of a laptop while no account exists)."""
    return resources.store().role_for(current().token)


def require(permission: str) -> User:
    """Check, against the store and not the page, that the current user may do this now; the user, or PermissionDenied.

    Called before every change: a role changed or a session ended since the page was drawn counts.
    """
    user = current()
    if user.open:
        roles.require(resources.store().role_for(None), permission)
        return user
    session = resources.store().session(user.token)
    roles.require(session.role if session else None, permission)
    return User(user.name, session.role, False, user.token, session.expires_at, session.unit)


def login_page(expired: bool = False) -> None:
    """The Chinese login form: it posts to /api/login (the session cookie) and reloads the page."""
    st.title("巢湖市制造业规划图")
    st.subheader("登录")
    if expired:
        st.info("登录已过期或已失效，请重新登录。")
    st.html(FORM, unsafe_allow_javascript=True)
    st.caption("没有账号或忘记密码，请联系本单位的管理员（「管理」角色）。")


def account_box(user: User) -> None:
    """In the sidebar: who is logged in and 退出登录, or that the app runs open."""
    if user.open:
        st.caption(OPEN_NOTE)
        return
    until = f"，登录有效至 {local_text(user.expires_at)}（使用中自动延长）" if user.expires_at else ""
    unit = f"，{user.unit}" if user.unit else ""
    st.caption(f"当前用户：{plain(user.name)}（{user.role_name}{plain(unit)}）{until}")
    if st.button("退出登录", key="logout"):
        logout()


def logout() -> None:
    """End this browser's session in the store (everywhere it is open) and show the login page."""
    user = st.session_state.pop(USER_KEY, None)
    token = user.token if user else _token()
    if token:
        resources.store().logout(token)
        st.session_state[LOGGED_OUT_KEY] = token
    st.rerun()


__all__ = ["User", "signed_in", "current", "role", "require", "login_page", "account_box", "logout", "OPEN_NOTE"]
