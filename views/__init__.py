"""The router's side of the app: the page table (the pages are views/pages/, one module each with `render()`), who
may open which page, and the shared parts the pages draw with (views/*.py)."""

from __future__ import annotations

import streamlit as st

from core import roles
from core.templates import static_text
from views import login
from views.map_session import keep_state
from views.pages import admin, changes, correct, map as map_page, overview, present, progress, tour_editor
from views.state import PAGES

#: ?mode= value → the module that draws that page (the Chinese names are in views.state.PAGES).
RENDER = {"map": map_page.render, "progress": progress.render, "overview": overview.render, "present": present.render,
          "tour": tour_editor.render, "correct": correct.render, "changes": changes.render, "accounts": admin.render}
#: Pages drawn full screen, without the sidebar and its page switch.
FULL_SCREEN = ("present",)
#: The permission a page needs beyond browsing (core.roles); the others are open to every logged-in role.
PAGE_PERMISSION = {"accounts": "manage_accounts", "correct": "correct_positions"}
#: Streamlit's own English texts (file uploader, running indicator) in Chinese on every page: one script, sent with
#: every page (views/static/streamlit_zh.js).
CHINESE_TEXTS = f"<script>{static_text('views', 'streamlit_zh.js')}</script>"
#: Other ?mode= values that name a page (a link typed from memory: ?mode=admin is 账号管理).
MODE_ALIASES = {"admin": "accounts"}


def allowed_pages(user: login.User) -> dict[str, str]:
    """The pages this user may open (?mode= value → Chinese name), in the page switch's order."""
    return {mode: name for mode, name in PAGES.items() if user.can(PAGE_PERMISSION.get(mode, "browse"))}


def requested_mode(value: str | None) -> str:
    """The page a ?mode= value asks for (aliases resolved); the map for nothing or a value naming no page."""
    mode = MODE_ALIASES.get(value or "", value or "map")
    return mode if mode in PAGES else "map"


def who_may_open(mode: str) -> list[str]:
    """The roles (Chinese names) that may open a page."""
    permission = PAGE_PERMISSION.get(mode, "browse")
    return [name for role, name in roles.ROLE_NAMES.items() if roles.allowed(role, permission)]


def denied(mode: str, user: login.User) -> None:
    """「无权访问」: the page asked for, who may open it, and the role of this user (instead of another page, silently)."""
    st.title("无权访问")
    st.error(f"「{PAGES[mode]}」页面仅限「{'、'.join(who_may_open(mode))}」角色打开；您当前的角色为「{user.role_name}」。"
             "如需使用，请联系本单位的管理员（「管理」角色）。")
    st.caption("可从左侧「页面」中选择您可以打开的页面。")


def render(mode: str) -> None:
    """Draw the page `mode` for the user signed in (the map's state is kept while other pages are shown), or say that
    the user's role may not open it."""
    st.html(CHINESE_TEXTS, unsafe_allow_javascript=True)
    user = login.current()
    if not user.can(PAGE_PERMISSION.get(mode, "browse")):
        denied(mode, user)
        return
    keep_state(mode)
    RENDER[mode]()


__all__ = ["PAGES", "RENDER", "FULL_SCREEN", "PAGE_PERMISSION", "MODE_ALIASES", "allowed_pages", "requested_mode",
           "who_may_open", "denied", "render", "login"]
