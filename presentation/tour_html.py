"""The tour as one self-contained presentation page: Leaflet, the vector layers, a subset CJK font and slides inline.

The same page serves the app's 汇报模式 (shown full-screen in a component) and the USB-stick export:
no server, no network. Keys: →/PageDown/Space/Enter next, ←/PageUp/Backspace back, Home/End, F full screen.
The page is presentation/templates/tour.html.j2 (autoescaped: titles and texts are shown as typed, never run), its
script presentation/static/tour.js reads the data from a JSON element, and the labels are placed by the map's
own placer (layers/static/map_client.js).
"""

from __future__ import annotations

import base64
import functools
import io
import json
import math
import re

import folium.folium
from fontTools import subset
from fontTools.ttLib import TTFont

from core.declarations import BY_ID, LAYERS
from core.formatting import map_note
from core.templates import render, trusted
from layers.assets import resource_text
from layers.mapview import feature_collection, label_items
from layers.measured import figure_beside
from loaders.plan import Plan
from presentation.charts import CHART_TITLES, chart_svg
from presentation.tour import (Slide, Tour, check_tour, deadlines_by_lead, slide_extent, slide_figures, slide_only,
                               slide_places, tour_board)
from reports.fonts import NOTO_CJK, NOTO_CJK_SC_INDEX

KEYS_HINT = "← → / PageUp PageDown / 空格 翻页 · F 全屏"
#: The smallest text the presentation shows, in CSS pixels (--least of presentation/static/tour.css).
LEAST_TEXT_PX = 12


def _leaflet() -> tuple[str, str]:
    """Leaflet's script and style sheet text from the pinned offline package."""
    js = dict(folium.folium._default_js)["leaflet"]
    css = dict(folium.folium._default_css)["leaflet_css"]
    return resource_text(js), resource_text(css)


@functools.lru_cache(maxsize=8)
def font_data(chars: str) -> str:
    """Noto Sans CJK SC cut down to `chars` as a base64 WOFF (the page's TourCJK face); empty if the font is missing."""
    if not NOTO_CJK.exists():
        return ""
    font = TTFont(str(NOTO_CJK), fontNumber=NOTO_CJK_SC_INDEX, lazy=True)
    options = subset.Options()
    options.flavor = "woff"
    options.layout_features = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars)
    subsetter.subset(font)
    buf = io.BytesIO()
    font.flavor = "woff"
    font.save(buf)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _bounds(extent: tuple[float, float, float, float]) -> list[list[float]]:
    """Leaflet's [[south, west], [north, east]] of a (west, south, east, north) extent (CGCS2000 ≈ WGS84 to centimetres)."""
    west, south, east, north = extent
    return [[south, west], [north, east]]


def _responsive(svg: str) -> str:
    """An SVG that scales to its box (width/height removed, viewBox kept), never lower than its smallest text at
    LEAST_TEXT_PX (the data-min-text presentation/charts.py writes, in the units of its viewBox)."""
    height = float(re.search(r'viewBox="[-0-9.]+ [-0-9.]+ [0-9.]+ ([0-9.]+)"', svg).group(1))
    least = float(re.search(r'data-min-text="([0-9.]+)"', svg).group(1))
    svg = re.sub(r'\s(width|height)="[^"]*pt"', "", svg, count=2)
    return svg.replace("<svg", f'<svg style="min-height:{math.ceil(height * LEAST_TEXT_PX / least)}px"', 1)


def _figures(plan: Plan, slide: Slide, catalog=None, board=None) -> list[dict]:
    """The slide's key figures, each a big number with its label and source (and a measured total of corrected places beside it)."""
    out = []
    for f in slide_figures(plan, slide, board):
        measured = figure_beside(catalog, f.ref) if catalog is not None else None
        out.append({"ref": f.ref, "value": f.value, "unit": f.unit, "qualifier": f.qualifier, "label": f.label,
                    "source": f.source, "measured": measured.text if measured else ""})
    return out


def _slide(plan: Plan, slide: Slide, charts: dict[str, str], catalog=None, board=None) -> dict:
    """What the template shows of one slide: title, text, figures, chart (our own SVG) and list."""
    return {"title": slide.title, "text": slide.text, "figures": _figures(plan, slide, catalog, board), "chart": slide.chart,
            "svg": trusted(charts[slide.chart]) if slide.chart else "",
            "caption": CHART_TITLES[slide.chart] if slide.chart else "", "list": slide.list}


def _layer_data(catalog, layer_ids: list[str]) -> list[dict]:
    """The layers the tour shows, in registry (drawing) order, with their style and GeoJSON."""
    return [{"id": spec.id, "title": spec.title, "geometry": spec.geometry, "color": spec.color,
             "fill": spec.fill_color, "fillOpacity": spec.fill_opacity, "weight": spec.weight, "radius": spec.radius,
             "plan": spec.plan, "fc": feature_collection(catalog.layers[spec.id], spec)}
            for spec in LAYERS if spec.id in layer_ids]


def _label_data(catalog, layer_ids: list[str], highlighted: set[str]) -> list[dict]:
    """The names of the shown layers that carry labels, as the map's placer takes them (layers.mapview.label_items),
    and of the places a slide highlights in the other layers (`h`: named only on the slides that highlight them,
    at every zoom)."""
    items = []
    for spec in LAYERS:
        if spec.id not in layer_ids:
            continue
        layer = catalog.layers[spec.id]
        if spec.labels:
            items += label_items(layer, spec)
        else:
            items += [dict(item, h=True, z=0) for item in label_items(layer[layer["id"].isin(highlighted)], spec)]
    return items


def tour_data(tour: Tour, plan: Plan, catalog, board=None) -> dict:
    """What the page's script needs: layers with GeoJSON, and per slide its layers, places, filter and bounds."""
    check_tour(tour, plan, set(catalog.features["id"]), set(BY_ID), board)
    slides = []
    needed: set[str] = set()
    for slide in tour.slides:
        places = slide_places(catalog, slide)
        needed |= set(slide.layers) | set(places["layer"])
        only = slide_only(catalog, plan, slide)
        slides.append({"title": slide.title, "layers": list(slide.layers), "places": list(places["id"]),
                       "only": sorted(only) if only is not None else None,
                       "bounds": _bounds(slide_extent(catalog, slide, plan))})
    highlighted = {place for slide in slides for place in slide["places"]}
    return {"title": tour.title, "slides": slides, "layers": _layer_data(catalog, sorted(needed)),
            "labels": _label_data(catalog, sorted(needed), highlighted), "note": map_note()}


def tour_html(tour: Tour, plan: Plan, catalog, start: int = 0, board=None) -> str:
    """The whole presentation as one HTML page that needs no server and no network (the progress board, when a
    slide shows progress, read once here unless given)."""
    board = tour_board(plan, tour, board)
    data = tour_data(tour, plan, catalog, board)
    charts = {name: _responsive(chart_svg(name, plan)) for name in {s.chart for s in tour.slides if s.chart}}
    leaflet_js, leaflet_css = _leaflet()
    context = {
        "title": tour.title, "note": data["note"], "hint": KEYS_HINT,
        "slides": [_slide(plan, s, charts, catalog, board) for s in tour.slides],
        "deadlines": deadlines_by_lead(plan) if any(s.list == "deadlines" for s in tour.slides) else {},
        "data": {**data, "start": max(0, min(start, len(tour.slides) - 1))},
        "leaflet_js": trusted(leaflet_js), "leaflet_css": trusted(leaflet_css), "least_px": LEAST_TEXT_PX,
    }
    page = render("presentation", "tour.html.j2", font_data="", **context)
    # the embedded font holds every character the page shows: its text (charts are drawn already) and its data
    shown = re.sub(r"<svg.*?</svg>", "", page, flags=re.S) + json.dumps(context["data"], ensure_ascii=False)
    return render("presentation", "tour.html.j2", font_data=font_data("".join(sorted(set(shown)))), **context)
