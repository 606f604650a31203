"""Who is using the app: the login page (when the office has accounts), the account box in the sidebar, and the
current user's name and role that every store call and every permission check uses.

With no account in the store the app runs open, as on one planner's laptop: everyone is 「本机用户」 with every
permission, and the sidebar says so. With accounts, a browser session keeps its login token in
``st.session_state`` (server memory, never a cookie or the URL); the store checks it on every run, so an expired
session, a removed account or a changed role takes effect on the next click.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import streamlit as st

from core import roles
from store import LOCAL_USER, LoginError
from core.clock import local_text
from core.formatting import plain
from views import resources

TOKEN_KEY = "auth_token"
USER_KEY = "auth_user"
OPEN_NOTE = "未配置账号：所有人可编辑（单机模式）"
#: The rate limit's key for a browser whose address Streamlit does not give (one on the same machine).
LOCAL_CLIENT = "本机"


@dataclass(frozen=True)
class User:
    """The person behind this browser session: the name the change log records, the role, and whether the app runs open."""

    name: str
    role: str
    open: bool
    token: str | None = None
    expires_at: datetime | None = None

    @property
    def role_name(self) -> str:
        """The role in Chinese (查看 / 编辑 / 管理)."""
        return roles.ROLE_NAMES[self.role]

    def can(self, permission: str) -> bool:
        """Whether the page should offer an action (the action itself still calls ``require``)."""
        return roles.allowed(self.role, permission)


def _client() -> str:
    """What the store counts failed logins by besides the account: the browser's address."""
    try:
        return st.context.ip_address or LOCAL_CLIENT
    except Exception:  # noqa: BLE001 — outside a browser session (bare mode) there is no address
        return LOCAL_CLIENT


def signed_in() -> User:
    """The user of this browser session. When the office has accounts and nobody is logged in here (or the session
    expired), the login page is drawn and the script run ends."""
    store = resources.store()
    ss = st.session_state
    if not store.accounts_configured():
        ss.pop(TOKEN_KEY, None)
        user = User(LOCAL_USER, roles.OPEN_ROLE, open=True)
    else:
        token = ss.get(TOKEN_KEY)
        session = store.session(token)
        if session is None:
            ss.pop(TOKEN_KEY, None)
            ss.pop(USER_KEY, None)
            login_page(expired=token is not None)
            st.stop()
        user = User(session.account, session.role, open=False, token=session.token, expires_at=session.expires_at)
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
    now = role()
    roles.require(now, permission)
    return user if now == user.role else User(user.name, now, user.open, user.token, user.expires_at)


def login_page(expired: bool = False) -> None:
    """The Chinese login form; a successful login reruns the app as that user."""
    st.title("巢湖市制造业规划图")
    st.subheader("登录")
    if expired:
        st.info("登录已过期或已失效，请重新登录。")
    with st.form("login"):
        name = st.text_input("账号")
        password = st.text_input("密码", type="password")
        submitted = st.form_submit_button("登录")
    st.caption("没有账号或忘记密码，请联系本单位的管理员（「管理」角色）。")
    if not submitted:
        return
    try:
        session = resources.store().login(name, password, client=_client())
    except LoginError as exc:
        st.error(exc.message)
        return
    st.session_state[TOKEN_KEY] = session.token
    st.rerun()


def account_box(user: User) -> None:
    """In the sidebar: who is logged in and 退出登录, or that the app runs open."""
    if user.open:
        st.caption(OPEN_NOTE)
        return
    until = f"，登录有效至 {local_text(user.expires_at)}" if user.expires_at else ""
    st.caption(f"当前用户：{plain(user.name)}（{user.role_name}）{until}")
    if st.button("退出登录", key="logout"):
        logout()


def logout() -> None:
    """End this browser's session in the store and show the login page."""
    token = st.session_state.pop(TOKEN_KEY, None)
    st.session_state.pop(USER_KEY, None)
    if token:
        resources.store().logout(token)
    st.rerun()


__all__ = ["User", "signed_in", "current", "role", "require", "login_page", "account_box", "logout", "OPEN_NOTE"]
