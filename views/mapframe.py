"""The map frame: streamlit-folium's component, fed from strings rendered once per map, reporting clicks and the view.

`st_folium()` renders the whole map to JavaScript on every script run (about 0.4 s for the plan layers, more
with a planner's layers). A pan, a click or a selection does not change the map itself, so the rendered
strings are cached per map (layers, basemap, filter, planner's layers) and handed to the same component with
the same arguments `st_folium` 0.27.4 gives it (tests/test_mapframe.py compares them). The component's key
is the hash of the map's script, as in `st_folium`: a new map remounts the frame, anything else (the
highlighted features, a requested view) is applied to the live map.
"""

from __future__ import annotations

from dataclasses import dataclass

import folium
import streamlit_folium as sf

#: What the frame reports back: the clicked feature and the view (a pan reruns only the map's fragment).
RETURNED = ("last_active_drawing", "center", "zoom", "bounds")
DEFAULT_VALUE = dict.fromkeys(RETURNED)
KEY = "map"


@dataclass(frozen=True)
class MapStrings:
    """One map rendered for the component: its script, header, HTML, links and the component key they give."""

    script: str
    header: str
    html: str
    map_id: str
    css_links: tuple[str, ...]
    js_links: tuple[str, ...]
    key: str


def render_map(fmap: folium.Map) -> MapStrings:
    """The strings st_folium would send for this map (the map is consumed: rendering renames its elements)."""
    fmap.get_root().render()
    fmap.render()
    html = sf._get_html(fmap)
    header = sf._get_header(fmap)
    script = sf._get_map_string(fmap)
    css, js = [], []
    for elem in _walk(fmap):
        css.extend(href for _, href in getattr(elem, "default_css", []))
        js.extend(src for _, src in getattr(elem, "default_js", []))
    return MapStrings(script=script, header=header, html=html, map_id=sf.get_full_id(fmap),
                      css_links=tuple(dict.fromkeys(css)), js_links=tuple(dict.fromkeys(js)),
                      key=sf.generate_js_hash(script, KEY, False))


def _walk(element):
    """An element and all its descendants (as st_folium collects their script and style links)."""
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)


def feature_group_script(groups: list[folium.FeatureGroup]) -> str | None:
    """The script that draws these groups over the live map (replaced as a whole when it changes)."""
    if not groups:
        return None
    host = folium.Map(tiles=None)  # st_folium adds the groups to a map only to name it `map_div`
    return "".join(sf._get_feature_group_string(group, map=host, idx=i) for i, group in enumerate(groups))


def show(strings: MapStrings, *, groups: list[folium.FeatureGroup], center, zoom, height: int, on_change) -> dict:
    """Draw the map frame; returns the frame's last report (DEFAULT_VALUE until it has reported)."""
    value = sf._component_func(
        script=strings.script, header=strings.header, html=strings.html, id=strings.map_id, key=strings.key,
        height=height, width=None, returned_objects=list(RETURNED), default=dict(DEFAULT_VALUE),
        zoom=zoom, center=center, feature_group=feature_group_script(groups), return_on_hover=False,
        layer_control=None, pixelated=False, css_links=list(strings.css_links), js_links=list(strings.js_links),
        on_change=on_change, wrap_longitude=False,
    )
    return value or dict(DEFAULT_VALUE)
