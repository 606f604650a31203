"""The tour as a handout PDF: one landscape A4 page per slide (map, title, text, figures, chart), CJK embedded."""

from __future__ import annotations

import io
import math

import matplotlib.image as mpimg
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from core.declarations import BY_ID, LAYERS
from core.formatting import accuracy_dash, map_note, wrap_lines
from layers.measured import figure_beside
from loaders.plan import Plan
from presentation.charts import ACCENT, INK, MUTED, chart_png, setup_fonts
from presentation.tour import (Slide, Tour, check_tour, deadlines_by_lead, slide_extent, slide_figures, slide_only,
                               slide_places, tour_board)
from reports.labels import LabelSpot, label_ranks, place_labels

A4_LANDSCAPE = (11.69, 8.27)
HIGHLIGHT = "#ffd000"
#: Smallest half-extent (degrees) of a page's map, so a single point is shown with its surroundings.
MIN_HALF_EXTENT = 0.02


def _dash(accuracy) -> str:
    """Matplotlib linestyle for a feature's accuracy (dashed = 示意/大致)."""
    return "--" if accuracy_dash(accuracy) else "-"


def _draw_layer(ax, gdf, spec, highlight: bool = False) -> None:
    """One layer's features drawn in its declared style (or the highlight style)."""
    if gdf.empty:
        return
    colors = gdf["status"].map(lambda s: HIGHLIGHT if highlight else spec.color_for(s))
    dashes = gdf["accuracy"].map(lambda a: "-" if highlight else _dash(a))
    for (color, dash), part in gdf.groupby([colors, dashes]):
        if spec.geometry == "Point":
            part.plot(ax=ax, color=spec.fill_color or color, edgecolor=color, linewidth=2 if highlight else 0.8,
                      markersize=(spec.radius * (2 if highlight else 1.2)) ** 2, zorder=6 if highlight else 4)
        elif spec.geometry == "LineString":
            part.plot(ax=ax, color=color, linewidth=spec.weight * (1.6 if highlight else 0.6), linestyle=dash,
                      zorder=5 if highlight else 3)
        else:
            if not highlight and spec.fill_opacity > 0:
                part.plot(ax=ax, color=spec.fill_color or color, alpha=spec.fill_opacity, linewidth=0, zorder=1)
            part.boundary.plot(ax=ax, color=color, linewidth=spec.weight * (1.5 if highlight else 0.5),
                               linestyle=dash, zorder=5 if highlight else 2)


def _draw_map(ax, catalog, slide: Slide, plan: Plan) -> None:
    """The slide's visible layers (narrowed by its filters), its places highlighted, framed on those places."""
    places = slide_places(catalog, slide)
    only = slide_only(catalog, plan, slide)
    west, south, east, north = slide_extent(catalog, slide, plan)
    cx, cy = (west + east) / 2, (south + north) / 2
    hx = max((east - west) / 2 * 1.15, MIN_HALF_EXTENT)
    hy = max((north - south) / 2 * 1.15, MIN_HALF_EXTENT)
    shown = {}
    for spec in LAYERS:
        if spec.id in slide.layers:
            gdf = catalog.layers[spec.id]
            shown[spec.id] = gdf[gdf["id"].isin(only)] if spec.plan and only is not None else gdf
            _draw_layer(ax, shown[spec.id], spec)
    for layer_id, group in places.groupby("layer"):
        _draw_layer(ax, group, BY_ID[layer_id], highlight=True)
    _frame(ax, cx, cy, hx, hy)
    ranks = label_ranks()
    spots = []
    for spec in LAYERS:
        if spec.id in shown and spec.labels:
            for n, (_, row) in enumerate(shown[spec.id].iterrows()):
                p = row.geometry.representative_point()
                own = row["id"] in slide.places
                spots.append(LabelSpot(str(row["name"]), p.x, p.y, priority=(0 if own else 1e6) + ranks[spec.id] * 1000 + n,
                                       point=spec.geometry == "Point", marker_pt=spec.radius * (2 if own else 1.2) / 2,
                                       color=INK))
    place_labels(ax, spots, fontsize=7)  # the slide's own places first; colliding names left out
    ax.set_facecolor("#f4f1ea")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")


def _frame(ax, cx: float, cy: float, hx: float, hy: float) -> None:
    """Limits around (cx, cy) that fill the axes box with true shape (degrees of longitude shrink by cos(lat))."""
    box = ax.get_position()
    fig_w, fig_h = ax.figure.get_size_inches()
    ratio = (box.width * fig_w) / (box.height * fig_h)  # box width / height
    shrink = math.cos(math.radians(cy))
    if hx * shrink / hy < ratio:
        hx = hy * ratio / shrink
    else:
        hy = hx * shrink / ratio
    ax.set_aspect("auto")
    ax.set_xlim(cx - hx, cx + hx)
    ax.set_ylim(cy - hy, cy + hy)


def _draw_text(fig: Figure, plan: Plan, slide: Slide, catalog=None, board=None) -> float:
    """Title, text and figures in the right column; returns the y (figure fraction) below them."""
    x, y = 0.56, 0.93
    for line in wrap_lines(slide.title, 16):
        fig.text(x, y, line, fontsize=22, weight="bold", color=INK, va="top")
        y -= 0.055
    for line in wrap_lines(slide.text, 30):
        fig.text(x, y, line, fontsize=11, color="#334155", va="top")
        y -= 0.03
    y -= 0.01
    for n, f in enumerate(slide_figures(plan, slide, board)):
        col_x = x + (n % 2) * 0.21
        fig.text(col_x, y, f"{f.value} {f.unit}{f.qualifier}", fontsize=18, weight="bold", color=ACCENT, va="top")
        for k, line in enumerate(wrap_lines(f.label, 15)[:2]):
            fig.text(col_x, y - 0.045 - k * 0.025, line, fontsize=9, color=INK, va="top")
        fig.text(col_x, y - 0.1, f.source[:24], fontsize=7, color=MUTED, va="top")
        measured = figure_beside(catalog, f.ref) if catalog is not None else None
        if measured:  # beside the plan's figure, never in its place
            fig.text(col_x, y - 0.117, measured.short, fontsize=6.5, color="#2b8a3e", va="top")
        if n % 2 == 1 or n == len(slide.figures) - 1:
            y -= 0.13
    return y


def _draw_chart(fig: Figure, plan: Plan, name: str, top: float, bottom: float) -> None:
    """A chart of the plan data placed between `top` and `bottom` of the right column."""
    ax = fig.add_axes([0.56, bottom, 0.41, max(top - bottom, 0.05)])
    ax.imshow(mpimg.imread(io.BytesIO(chart_png(name, plan, dpi=200)), format="png"))
    ax.set_axis_off()


def _draw_deadlines(fig: Figure, plan: Plan, top: float) -> float:
    """Every deadline grouped by lead unit, as small text; returns the y below it."""
    y = top
    for lead, rows in deadlines_by_lead(plan).items():
        fig.text(0.56, y, lead, fontsize=9, weight="bold", color=INK, va="top")
        y -= 0.022
        for r in rows:
            for line in wrap_lines(f"{r.deadline.by}　{r.text}（措施 {r.measure.id}）", 40):
                fig.text(0.57, y, line, fontsize=8, color=INK, va="top")
                y -= 0.019
    return y


def slide_page(plan: Plan, catalog, tour: Tour, index: int, board=None) -> Figure:
    """One slide as an A4 landscape page (progress figures from `board`, else read for this slide)."""
    slide = tour.slides[index]
    fig = Figure(figsize=A4_LANDSCAPE)
    _draw_map(fig.add_axes([0.03, 0.08, 0.5, 0.86]), catalog, slide, plan)
    y = _draw_text(fig, plan, slide, catalog, board)
    bottom = 0.08
    if slide.list == "deadlines":
        bottom = 0.36
        _draw_deadlines(fig, plan, bottom - 0.01)
    if slide.chart:
        _draw_chart(fig, plan, slide.chart, y, bottom)
    fig.text(0.03, 0.035, map_note(), fontsize=9, color="#a61e1e", va="center",
             bbox={"facecolor": "white", "edgecolor": "#e03131", "boxstyle": "round,pad=0.3"})
    fig.text(0.5, 0.035, tour.title, fontsize=8, color=MUTED, ha="center", va="center")
    fig.text(0.97, 0.035, f"{index + 1} / {len(tour.slides)}", fontsize=12, color=INK, ha="right", va="center")
    return fig


def tour_pdf(tour: Tour, plan: Plan, catalog, board=None) -> bytes:
    """The whole tour as PDF bytes: one landscape page per slide, with the CJK font embedded (the progress board,
    when a slide shows progress, read once here unless given)."""
    board = tour_board(plan, tour, board)
    check_tour(tour, plan, set(catalog.features["id"]), set(BY_ID), board)
    setup_fonts()
    buf = io.BytesIO()
    with PdfPages(buf, metadata={"Title": tour.title}) as pdf:
        for index in range(len(tour.slides)):
            pdf.savefig(slide_page(plan, catalog, tour, index, board))
    return buf.getvalue()
