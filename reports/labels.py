"""Labels on static maps (PDF brief, printed view) that never overlap: placed by priority, a point's label tried
right, above, left, below and at the corners of its point, and left out when every place collides with one already drawn."""

from __future__ import annotations

from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from core.declarations import LAYERS, LayerSpec


def label_ranks(specs: tuple[LayerSpec, ...] = LAYERS) -> dict[str, int]:
    """Which labels win a collision, by layer (lower first): plan layers in declaration order, then the base layers."""
    ordered = [s for s in specs if s.plan] + [s for s in specs if not s.plan]
    return {s.id: n for n, s in enumerate(ordered)}


#: Gap (points) between a point and its label, and around every label.
GAP_PT = 3.0
PAD_PT = 1.5
#: A light box behind each label, so it reads over lines and fills.
BACKDROP = {"boxstyle": "square,pad=0.08", "facecolor": "white", "alpha": 0.7, "edgecolor": "none"}


#: Where an area's label may move from its point (points), nearest first.
AREA_SHIFTS = ((0, 0), (0, 8), (0, -8), (0, 16), (0, -16), (24, 0), (-24, 0), (0, 24), (0, -24), (24, 12), (-24, -12))


@dataclass(frozen=True)
class LabelSpot:
    """One label to place: its text, anchor (data coordinates), priority (lower wins) and whether it names a point."""

    text: str
    x: float
    y: float
    priority: float = 0.0
    point: bool = False
    marker_pt: float = 3.0  # half the size of the point's symbol, in points
    weight: str = "normal"
    color: str = "#222222"
    rotation: float = 0.0  # degrees, for names along a road


def _renderer(ax: Axes):
    """A renderer for measuring text before the figure is saved (an Agg canvas when the figure has none)."""
    fig = ax.figure
    if not hasattr(fig.canvas, "get_renderer"):
        FigureCanvasAgg(fig)
    return fig.canvas.get_renderer()


def _offsets(spot: LabelSpot) -> list[tuple[float, float, str, str]]:
    """(dx, dy in points, ha, va) to try, best first."""
    if spot.point:
        g = spot.marker_pt + GAP_PT
        d = g * 0.75
        return [(g, 0, "left", "center"), (0, g, "center", "bottom"), (-g, 0, "right", "center"),
                (0, -g, "center", "top"), (d, d, "left", "bottom"), (-d, d, "right", "bottom"),
                (d, -d, "left", "top"), (-d, -d, "right", "top")]
    return [(dx, dy, "center", "center") for dx, dy in AREA_SHIFTS]


def _overlaps(box: Bbox, others: list[Bbox], pad: float) -> bool:
    return any(box.x0 < o.x1 + pad and o.x0 < box.x1 + pad and box.y0 < o.y1 + pad and o.y0 < box.y1 + pad
               for o in others)


def place_labels(ax: Axes, spots: list[LabelSpot], fontsize: float = 7.0, obstacles: list[Bbox] = ()) -> list[Text]:
    """Draw the labels that fit, most important first; returns the drawn texts (the rest are left out).

    Call it after the axes' limits and aspect are final: positions are measured on the page. Labels stay text
    in a PDF (searchable, the embedded font), on a light backdrop instead of a halo (a halo turns text into paths).
    """
    renderer = _renderer(ax)
    ax.apply_aspect()
    frame = ax.get_window_extent(renderer)
    scale = ax.figure.dpi / 72.0
    pad = PAD_PT * scale
    taken: list[Bbox] = [Bbox(o) for o in obstacles]
    ordered = sorted(spots, key=lambda s: s.priority)
    for spot in ordered:  # no label covers a labelled point's symbol
        if spot.point:
            px, py = ax.transData.transform((spot.x, spot.y))
            m = spot.marker_pt * scale
            taken.append(Bbox([[px - m, py - m], [px + m, py + m]]))
    drawn: list[Text] = []
    for spot in ordered:
        for dx, dy, ha, va in _offsets(spot):
            text = ax.annotate(spot.text, (spot.x, spot.y), xytext=(dx, dy), textcoords="offset points", ha=ha,
                               va=va, fontsize=fontsize, color=spot.color, weight=spot.weight, zorder=8,
                               annotation_clip=False, bbox=BACKDROP, rotation=spot.rotation, rotation_mode="anchor")
            box = text.get_window_extent(renderer)
            inside = (box.x0 >= frame.x0 and box.x1 <= frame.x1 and box.y0 >= frame.y0 and box.y1 <= frame.y1)
            if inside and not _overlaps(box, taken, pad):
                taken.append(box)
                drawn.append(text)
                break
            text.remove()
    return drawn


def point_boxes(ax: Axes, xy, marker_pt: float) -> list[Bbox]:
    """Page boxes of point symbols (data coordinates `xy`), so that no label covers a place drawn as a point."""
    ax.apply_aspect()
    scale = ax.figure.dpi / 72.0 * marker_pt
    return [Bbox([[px - scale, py - scale], [px + scale, py + scale]]) for px, py in ax.transData.transform(list(xy))]


def artist_boxes(ax: Axes, artists) -> list[Bbox]:
    """Page boxes of drawn artists (scale bar, north arrow …) that labels must keep clear of."""
    renderer = _renderer(ax)
    return [a.get_window_extent(renderer) for a in artists if a is not None]
