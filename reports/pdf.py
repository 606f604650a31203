"""A one-page brief per town for a leadership meeting: static map with legend, summary table, measures due, notes.

Drawn with matplotlib on A4 portrait; the CJK font is found by path (`cjk_font`) and embedded as a
TrueType (Type 42) font, so the PDF shows Chinese on any machine.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display: write files only

from matplotlib.backends.backend_pdf import PdfPages  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from geo.crs import MEASURE  # noqa: E402
from layers.catalog import Catalog  # noqa: E402
from core.formatting import map_note, wrap_lines  # noqa: E402
from reports.fonts import cjk_font  # noqa: E402
from reports.labels import LabelSpot, artist_boxes, label_ranks, place_labels  # noqa: E402
from reports.summary import (  # noqa: E402
    TownSummary, plan_specs,
)

A4 = (8.27, 11.69)
DASH = {"approximate": (0, (5, 3)), "schematic": (0, (2, 3))}
MAX_MEASURE_LINES = 16
#: Page layout in figure fractions: a table row, a line of 8-point text, the top of the notes block.
ROW_H = 0.019
LINE_H = 8 * 1.35 / 72 / A4[1]
NOTES_TOP = 0.105


def draw_map(ax, catalog: Catalog, summary: TownSummary) -> list:
    """The town's area, its neighbours, the lake and its plan pieces on ax (EPSG:4548); returns legend handles."""
    town = summary.town
    area = summary.area.to_crs(MEASURE)
    minx, miny, maxx, maxy = area.total_bounds
    pad = max(maxx - minx, maxy - miny) * 0.06
    areas = catalog.town_areas.to_crs(MEASURE)
    catalog.role("water").to_crs(MEASURE).plot(ax=ax, color="#cfe5f7", edgecolor="#5b9bd5", linewidth=0.5)
    areas.plot(ax=ax, facecolor="none", edgecolor="#bbbbbb", linewidth=0.5)
    area.plot(ax=ax, facecolor="#f6f3ea", edgecolor="#555555", linewidth=1.4)
    if town is None:
        areas[areas["name"].isin(catalog.town_names())].plot(ax=ax, facecolor="none", edgecolor="#999999", linewidth=0.6)
    handles = [Patch(facecolor="#f6f3ea", edgecolor="#555555", label="乡镇/街道范围（近似）" if town else "巢湖市")]
    spots: list[LabelSpot] = []
    cut = summary.pieces.to_crs(MEASURE)
    for spec in plan_specs(catalog):
        sub = cut[cut["layer"] == spec.id]
        if sub.empty:
            continue
        for accuracy, part in sub.groupby("accuracy"):
            style = DASH.get(accuracy, "solid")
            if spec.geometry == "Polygon":
                part.plot(ax=ax, facecolor=spec.fill_color or spec.color, alpha=max(spec.fill_opacity, 0.15),
                          edgecolor="none")
                part.boundary.plot(ax=ax, color=spec.color, linewidth=1.2, linestyle=style)
            elif spec.geometry == "LineString":
                for status, lines in part.groupby("status"):
                    lines.plot(ax=ax, color=spec.color_for(status), linewidth=1.6, linestyle=style)
            else:
                part.plot(ax=ax, color=spec.fill_color or spec.color, edgecolor=spec.color, markersize=40,
                          linewidth=1, zorder=5)
        handles.append(_handle(spec))
        if spec.geometry != "LineString" and (town is not None or spec.labels):  # the city map: key places only
            spots += map_spots(sub, spec, (minx - pad, miny - pad, maxx + pad, maxy + pad))
    ax.set_xlim(minx - pad, maxx + pad)
    ax.set_ylim(miny - pad, maxy + pad)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    furniture = _scale_bar(ax, minx - pad, miny - pad, maxx - minx + 2 * pad)
    furniture.append(ax.annotate("北", xy=(0.95, 0.95), xytext=(0.95, 0.86), xycoords="axes fraction", ha="center",
                                 fontsize=9, arrowprops={"arrowstyle": "-|>", "color": "#333"}))
    place_labels(ax, spots, fontsize=6.5, obstacles=artist_boxes(ax, furniture))  # labelled points are kept clear
    handles.append(Line2D([], [], color="#333", linestyle=DASH["schematic"], label="虚线 = 示意或大致位置"))
    return handles


def map_spots(features, spec, extent, marker_pt: float = 3.5) -> list[LabelSpot]:
    """Label candidates of one layer's features (EPSG:4548) inside extent, one per place (pieces cut by town are
    joined): plan layers before base layers, larger areas before smaller ones."""
    minx, miny, maxx, maxy = extent
    rank = label_ranks().get(spec.id, 50)
    if features.empty:
        return []
    features = features.dissolve(by="id", aggfunc={"name": "first"}, sort=False).reset_index()  # one label per place
    order = features.geometry.area.rank(ascending=False, method="first") if spec.geometry == "Polygon" else None
    spots = []
    for n, (idx, row) in enumerate(features.iterrows()):
        p = row.geometry.representative_point()
        if minx <= p.x <= maxx and miny <= p.y <= maxy:
            within = float(order[idx]) if order is not None else n
            spots.append(LabelSpot(str(row["name"]), p.x, p.y, priority=rank * 1000 + within,
                                   point=spec.geometry == "Point", marker_pt=marker_pt))
    return spots


def _handle(spec):
    if spec.geometry == "Point":
        return Line2D([], [], marker="o", linestyle="none", markerfacecolor=spec.fill_color or spec.color,
                      markeredgecolor=spec.color, label=spec.title)
    if spec.geometry == "LineString":
        return Line2D([], [], color=spec.color_for("新建"), linewidth=1.6, label=spec.title)
    return Patch(facecolor=spec.fill_color or spec.color, alpha=0.5, edgecolor=spec.color, label=spec.title)


def _scale_bar(ax, x0: float, y0: float, width_m: float) -> list:
    """A round-number scale bar at the bottom left of the map; returns its artists."""
    km = next(k for k in (50, 20, 10, 5, 2, 1, 0.5) if k * 1000 <= width_m / 4)
    x, y = x0 + width_m * 0.04, y0 + width_m * 0.03
    line = ax.plot([x, x + km * 1000], [y, y], color="#333", linewidth=2)[0]
    text = ax.text(x + km * 500, y + width_m * 0.012, f"{km:g} 公里", ha="center", fontsize=7)
    return [line, text]


def _fmt(value, digits: int, suffix: str = "") -> str:
    return "" if value is None or value != value else f"{value:,.{digits}f}{suffix}"


def draw_table(ax, summary: TownSummary) -> None:
    """The per-layer summary (layers with features in the town) as a table on ax."""
    ax.axis("off")
    rows = []
    for _, r in summary.layers[summary.layers["count"] > 0].iterrows():
        rows.append([r["title"], str(r["count"]), _fmt(r["area_km2"], 2), _fmt(r["area_mu"], 0),
                     _fmt(r["length_km"], 2), _fmt(r["unsure_share"] * 100, 0, "%")])
    if not rows:
        ax.text(0, 0.5, "本范围内没有规划图层要素。", fontsize=9)
        return
    headings = ["图层", "要素数", "面积（平方公里）", "面积（亩）", "长度（公里）", "示意/大致占比"]
    table = ax.table(cellText=rows, colLabels=headings, bbox=(0, 0, 1, 1), cellLoc="center",
                     colWidths=[0.26, 0.1, 0.18, 0.16, 0.14, 0.16])
    table.auto_set_font_size(False)
    table.set_fontsize(8)
    for (r, _), cell in table.get_celld().items():
        cell.set_edgecolor("#999999")
        if r == 0:
            cell.set_facecolor("#ddebf7")


def measure_lines(summary: TownSummary, limit: int = MAX_MEASURE_LINES) -> list[str]:
    """The measures and what is due, as wrapped lines (at most `limit`, then a pointer to the workbook)."""
    lines = []
    due = {}
    for _, d in summary.deadlines.iterrows():
        due.setdefault(d["measure"], []).append(d["what"])
    ordered = sorted(summary.measures.to_dict("records"), key=lambda m: m["measure"] not in due)  # due first
    for m in ordered:
        head = f"{m['measure']} {m['measure_title']}"
        units = f"牵头：{m['lead'] or '—'}" + (f"；配合：{m['coop']}" if m["coop"] else "")
        lines += wrap_lines(head, 52)[:2]
        lines += ["    " + t for t in wrap_lines(units, 50)[:2]]
        for what in due.get(m["measure"], []):
            lines += ["    时限：" + t for t in wrap_lines(what, 46)[:2]]
    if len(lines) > limit:
        rest = len(lines) - limit + 1
        lines = lines[: limit - 1] + [f"……（另有 {rest} 行，详见 Excel 汇总表）"]
    return lines or ["本范围内没有关联或点名的措施。"]


def town_page(catalog: Catalog, summary: TownSummary) -> Figure:
    """One A4 page: title, map + legend, summary table, measures due, accuracy note, date."""
    fig = Figure(figsize=A4)
    fig.text(0.05, 0.965, f"{summary.label} · 规划要素简报", fontsize=17, weight="bold")
    fig.text(0.95, 0.968, f"{summary.date:%Y-%m-%d}", fontsize=9, ha="right")
    fig.text(0.05, 0.945, "《巢湖市冲刺“高质量千亿制造业”目标实施方案》", fontsize=9, color="#444")
    ax_map = fig.add_axes((0.05, 0.50, 0.64, 0.43))
    handles = draw_map(ax_map, catalog, summary)
    ax_leg = fig.add_axes((0.70, 0.50, 0.27, 0.43))
    ax_leg.axis("off")
    ax_leg.legend(handles=handles, loc="upper left", fontsize=7.5, title="图例", title_fontsize=9, frameon=True)
    ax_leg.text(0, 0.02, "\n".join(wrap_lines(map_note(), 16)), fontsize=8, color="#a00000", va="bottom")
    fig.text(0.05, 0.475, "一、按图层汇总（位于本范围内的部分）", fontsize=11, weight="bold")
    table_h = ROW_H * (1 + max(int((summary.layers["count"] > 0).sum()), 1))
    draw_table(fig.add_axes((0.05, 0.465 - table_h, 0.90, table_h)), summary)
    top = 0.465 - table_h - 0.03
    fig.text(0.05, top, "二、相关措施与时限", fontsize=11, weight="bold")
    room = int((top - 0.012 - NOTES_TOP) / LINE_H)
    fig.text(0.05, top - 0.012, "\n".join(measure_lines(summary, room)), fontsize=8, va="top", linespacing=1.35)
    notes = "\n".join(wrap_lines("示意说明：" + summary.accuracy, 62) + wrap_lines(summary.scope_note, 62))
    fig.text(0.05, 0.025, notes, fontsize=7, color="#a00000", va="bottom", linespacing=1.3)
    return fig


def write_pdf(catalog: Catalog, summaries: list[TownSummary], path: Path) -> Path:
    """A PDF with one brief page for each town summarised (or the whole city), CJK font embedded."""
    family = cjk_font()
    path.parent.mkdir(parents=True, exist_ok=True)
    with matplotlib.rc_context({"font.family": [family], "pdf.fonttype": 42, "axes.unicode_minus": False}):
        with PdfPages(path, metadata={"Title": "巢湖市规划要素简报", "Creator": "reports.pdf"}) as pdf:
            for summary in summaries:
                pdf.savefig(town_page(catalog, summary))
    return path


