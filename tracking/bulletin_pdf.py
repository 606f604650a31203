"""The 通报 as a PDF for the 调度会: a map of the places coloured by the state of their items, the headline and the
same tables as the workbook, with the notes; A4 portrait, the CJK font embedded (TrueType, like reports/pdf.py).
"""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display: write files only

from matplotlib.backends.backend_pdf import PdfPages  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from core.formatting import wrap_lines  # noqa: E402
from core.progress import CATEGORY_COLORS, NO_ITEMS  # noqa: E402
from geo.crs import MEASURE  # noqa: E402
from layers.catalog import Catalog  # noqa: E402
from reports.excel import display_width  # noqa: E402
from reports.fonts import cjk_font  # noqa: E402
from reports.labels import place_labels  # noqa: E402
from reports.pdf import DASH, map_spots  # noqa: E402
from tracking.bulletin import TITLE, Bulletin, headline, sections  # noqa: E402

A4 = (8.27, 11.69)
LEFT, RIGHT, TOP, BOTTOM = 0.06, 0.94, 0.95, 0.07
ROW = 0.0165
FONT = 7
#: Width of the page between the margins in display units at 7 pt (a CJK character is 2 units, a digit 1).
UNITS = 136
#: The widest a column may be (display units) before its text wraps, and the narrowest a wrapping column is squeezed to.
MAX_COLUMN = 44
MIN_COLUMN = 10
#: Columns never narrowed (their text stays on one line, whole): the deadline, a date, a status.
KEEP_WHOLE = ("时限", "填报日期", "当前状态", "催办时间")
#: The height of each further line of a wrapped cell (figure fraction).
LINE = 0.0125


def _rc() -> dict:
    """Matplotlib settings of every tracking PDF: the CJK font embedded as TrueType (FontMissing without it)."""
    return {"font.family": [cjk_font()], "pdf.fonttype": 42, "axes.unicode_minus": False}


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float):
        return f"{value:.0%}" if 0 <= value <= 1 else f"{value:g}"
    return str(value)


def wrap_units(text: str, units: int) -> list[str]:
    """Text broken into lines of at most `units` display units (a CJK character is 2): nothing is ever cut."""
    lines, line = [], ""
    for ch in str(text):
        if ch == "\n":
            lines.append(line)
            line = ""
            continue
        if line and display_width(line + ch) > units:
            lines.append(line)
            line = ""
        line += ch
    lines.append(line)
    return lines


class _Pages:
    """Figures added one after another; `need(h)` starts a new page when h does not fit below `y`."""

    def __init__(self, pdf: PdfPages, label: str, title: str = TITLE):
        self.pdf, self.label, self.title, self.fig, self.y, self.n = pdf, label, title, None, TOP, 0

    def new(self) -> Figure:
        self.close()
        self.n += 1
        self.fig = Figure(figsize=A4)
        self.fig.text(LEFT, 0.975, f"{self.title}（{self.label}）", fontsize=8, color="#666")
        self.fig.text(RIGHT, 0.025, f"第 {self.n} 页", fontsize=7, ha="right", color="#666")
        self.y = TOP
        return self.fig

    def need(self, height: float) -> Figure:
        if self.fig is None or self.y - height < BOTTOM:
            self.new()
        return self.fig

    def close(self) -> None:
        if self.fig is not None:
            self.pdf.savefig(self.fig)
            self.fig = None


def _widths(frame, texts: list[list[str]]) -> list[int]:
    """Each column's width in display units: the longest value (at most MAX_COLUMN); when the table is wider than the
    page the widest column that may wrap is narrowed, never a KEEP_WHOLE column (a 时限 stays on one line)."""
    need = [max([display_width(c)] + [display_width(r[i]) for r in texts]) + 2 for i, c in enumerate(frame.columns)]
    need = [n if c in KEEP_WHOLE else min(n, MAX_COLUMN) for n, c in zip(need, frame.columns)]
    squeezable = [i for i, c in enumerate(frame.columns) if c not in KEEP_WHOLE]
    while sum(need) > UNITS and squeezable:
        widest = max(squeezable, key=lambda i: need[i])
        if need[widest] <= MIN_COLUMN:
            break
        need[widest] -= 1
    return need


def _table(pages: _Pages, heading: str, frame, empty: str) -> None:
    """A heading and a table whose long cells wrap onto further lines (nothing is cut), continued on the next page
    (with its header repeated) when it runs out of room."""
    fig = pages.need(0.03 + 3 * ROW)
    fig.text(LEFT, pages.y, heading, fontsize=10, weight="bold", va="top")
    pages.y -= 0.025
    if frame.empty:
        fig.text(LEFT, pages.y, empty, fontsize=FONT + 1, va="top")
        pages.y -= 0.03
        return
    texts = [[_cell(v) for v in row] for row in frame.itertuples(index=False)]
    widths = _widths(frame, texts)
    xs, x = [], LEFT
    for n in widths:
        xs.append(x)
        x += n / UNITS * (RIGHT - LEFT)

    def header(fig) -> None:
        for c, name in enumerate(frame.columns):
            fig.text(xs[c] + 0.002, pages.y, name, fontsize=FONT, weight="bold", va="top")
        pages.y -= ROW
        fig.add_artist(Line2D([LEFT, RIGHT], [pages.y + 0.003] * 2, color="#999", linewidth=0.5,
                              transform=fig.transFigure))

    header(fig)
    for row in texts:
        cells = [wrap_units(text, widths[c] - 1) for c, text in enumerate(row)]
        height = LINE * (max(len(lines) for lines in cells) - 1) + ROW
        if pages.y - height < BOTTOM:
            fig = pages.new()
            fig.text(LEFT, pages.y, f"{heading}（续）", fontsize=10, weight="bold", va="top")
            pages.y -= 0.025
            header(fig)
        for c, lines in enumerate(cells):
            for n, line in enumerate(lines):
                fig.text(xs[c] + 0.002, pages.y - n * LINE, line, fontsize=FONT, va="top")
        pages.y -= height
    pages.y -= 0.015


def tables_pdf(title: str, label: str, lead: list[str], tables, notes: list[str] = ()) -> bytes:
    """A PDF of headed tables (the 催办单): a title, lines of text, then each (heading, table, what to say when
    empty), and the notes; the same pages, fonts and wrapping as the 通报."""
    buf = io.BytesIO()
    with matplotlib.rc_context(_rc()), PdfPages(buf, metadata={"Title": title, "Creator": "tracking"}) as pdf:
        pages = _Pages(pdf, label, title)
        fig = pages.new()
        fig.text(LEFT, TOP, title, fontsize=16, weight="bold", va="top")
        lines = [line for text in lead for line in wrap_units(text, 110)]
        fig.text(LEFT, TOP - 0.035, "\n".join(lines), fontsize=9, va="top", linespacing=1.4)
        pages.y = TOP - 0.05 - 0.016 * len(lines)
        for heading, frame, empty in tables:
            _table(pages, heading, frame, empty)
        if notes:
            text = [line for note in notes for line in wrap_units("注：" + note, 130)]
            fig = pages.need(0.012 * len(text) + 0.02)
            fig.text(LEFT, pages.y, "\n".join(text), fontsize=6.5, color="#a00000", va="top", linespacing=1.35)
        pages.close()
    return buf.getvalue()


def draw_map(ax, catalog: Catalog, bulletin: Bulletin) -> list:
    """The city with every plan place coloured by the state of its items on the data date; legend handles."""
    board = bulletin.board
    city = catalog.city_outline().to_crs(MEASURE)
    catalog.role("water").to_crs(MEASURE).plot(ax=ax, color="#cfe5f7", edgecolor="#5b9bd5", linewidth=0.4)
    catalog.town_areas.to_crs(MEASURE).plot(ax=ax, facecolor="none", edgecolor="#cccccc", linewidth=0.4)
    city.plot(ax=ax, facecolor="none", edgecolor="#555555", linewidth=1.0)
    features = catalog.plan_features().to_crs(MEASURE)
    categories = {pid: board.place_category(pid) for pid in features["id"]}
    features = features.assign(category=features["id"].map(categories))
    kind = features.geom_type.map({"Polygon": 0, "MultiPolygon": 0, "LineString": 1, "MultiLineString": 1}).fillna(2)
    features = features.assign(_kind=kind)
    for (k, category, accuracy), part in features.groupby(["_kind", "category", "accuracy"], sort=True):
        color, faint, style = CATEGORY_COLORS[category], category == NO_ITEMS, DASH.get(accuracy, "solid")
        if k == 0:
            part.plot(ax=ax, facecolor=color, alpha=0.15 if faint else 0.45, edgecolor="none")
            part.boundary.plot(ax=ax, color=color, linewidth=0.8, linestyle=style)
        elif k == 1:
            part.plot(ax=ax, color=color, linewidth=1.6, linestyle=style)
        else:
            part.plot(ax=ax, color=color, edgecolor="#333333", markersize=14 if faint else 26, linewidth=0.5, zorder=5)
    minx, miny, maxx, maxy = city.total_bounds
    pad = (maxx - minx) * 0.03
    ax.set_xlim(minx - pad, maxx + pad)
    ax.set_ylim(miny - pad, maxy + pad)
    ax.set_aspect("equal")
    ax.set_axis_off()
    extent = (minx - pad, miny - pad, maxx + pad, maxy + pad)
    spots = [spot for layer, part in features.groupby("layer", sort=False)
             for spot in map_spots(part, catalog.spec(layer), extent, marker_pt=2.5)]
    place_labels(ax, spots, fontsize=5)  # the places' names, most important first, none overlapping
    shown = set(categories.values())
    handles = [Patch(facecolor=CATEGORY_COLORS[c], edgecolor="#333", label=c) for c in CATEGORY_COLORS if c in shown]
    handles.append(Line2D([], [], color="#333", linestyle=DASH["schematic"], label="虚线 = 示意或大致位置"))
    return handles


def _first_page(pages: _Pages, catalog: Catalog, bulletin: Bulletin) -> None:
    fig = pages.new()
    fig.text(LEFT, TOP, "实施进展通报", fontsize=18, weight="bold", va="top")
    fig.text(LEFT, TOP - 0.03, f"{bulletin.label} · 《巢湖市冲刺“高质量千亿制造业”目标实施方案》", fontsize=10, va="top")
    lines = wrap_lines(headline(bulletin), 60)
    fig.text(LEFT, TOP - 0.055, "\n".join(lines), fontsize=9, va="top", linespacing=1.4)
    top = TOP - 0.07 - 0.018 * len(lines)
    ax = fig.add_axes((LEFT, top - 0.42, 0.62, 0.42))
    handles = draw_map(ax, catalog, bulletin)
    legend = fig.add_axes((LEFT + 0.64, top - 0.42, RIGHT - LEFT - 0.64, 0.42))
    legend.axis("off")
    legend.legend(handles=handles, loc="upper left", fontsize=7, title="地点颜色（按关联事项的填报）", title_fontsize=7.5)
    pages.y = top - 0.45
    notes = [line for note in bulletin.notes() for line in wrap_lines("注：" + note, 70)]
    fig.text(LEFT, pages.y, "\n".join(notes), fontsize=6.5, color="#a00000", va="top", linespacing=1.35)
    pages.y -= 0.012 * len(notes) + 0.02


def pdf_bytes(bulletin: Bulletin, catalog: Catalog) -> bytes:
    """The 通报 PDF (CJK font embedded as TrueType)."""
    buf = io.BytesIO()
    with matplotlib.rc_context(_rc()):
        with PdfPages(buf, metadata={"Title": f"实施进展通报 {bulletin.month}", "Creator": "reports.progress"}) as pdf:
            pages = _Pages(pdf, bulletin.label)
            _first_page(pages, catalog, bulletin)
            for heading, frame, empty in sections(bulletin):
                _table(pages, heading, frame, empty)
            pages.close()
    return buf.getvalue()


def write_pdf(bulletin: Bulletin, catalog: Catalog, path: Path) -> Path:
    """Save the 通报 PDF to path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pdf_bytes(bulletin, catalog))
    return path
