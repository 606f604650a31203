"""The router's side of the app: the page table (the pages are views/pages/, one module each with `render()`), who
may open which page, and the shared parts the pages draw with (views/*.py)."""

from __future__ import annotations

from core import roles
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


def allowed_pages(user: login.User) -> dict[str, str]:
    """The pages this user may open (?mode= value → Chinese name), in the page switch's order."""
    return {mode: name for mode, name in PAGES.items() if user.can(PAGE_PERMISSION.get(mode, "browse"))}


def render(mode: str) -> None:
    """Draw the page `mode` for the user signed in (the map's state is kept while other pages are shown)."""
    roles.require(login.current().role, PAGE_PERMISSION.get(mode, "browse"))
    keep_state(mode)
    RENDER[mode]()


__all__ = ["PAGES", "RENDER", "FULL_SCREEN", "PAGE_PERMISSION", "allowed_pages", "render", "login"]
