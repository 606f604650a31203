"""The app's pages, one module each (`render()`), and the page table the router reads."""

from __future__ import annotations

from views import map as map_page, overview, present, tour_editor
from views.state import PAGES

#: ?mode= value → the module that draws that page (the Chinese names are in views.state.PAGES).
RENDER = {"map": map_page.render, "overview": overview.render, "present": present.render, "tour": tour_editor.render}
#: Pages drawn full screen, without the sidebar and its page switch.
FULL_SCREEN = ("present",)



def render(mode: str) -> None:
    """Draw the page `mode` (the map's state is kept while other pages are shown)."""
    map_page.keep_state(mode)
    RENDER[mode]()


__all__ = ["PAGES", "RENDER", "FULL_SCREEN", "render"]
