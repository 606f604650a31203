"""Pictures made from the plan data: the goal figures, measures per lead unit, every deadline on a timeline."""

from __future__ import annotations

import io
from collections import Counter

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from core.formatting import number, value_text, wrap_lines  # noqa: E402
from loaders.plan import Plan, target_phrase  # noqa: E402
from presentation.tour import all_deadlines  # noqa: E402
from reports.fonts import cjk_font  # noqa: E402

INK, MUTED, ACCENT, RANGE = "#1f2933", "#66788a", "#c92a2a", "#ffc9c9"
#: Recurring cadences (每月, 每半年) are a band across the year, not points on dates.
RECURRING = "#1971c2"
#: Where the timeline draws deadlines without a month (如期).
ON_TIME_X = 13.6
#: The smallest text of a chart (points = units of its SVG): 汇报模式 never shows a chart smaller than this many
#: pixels to the point of 12 px (presentation/static/tour.js reads it from the SVG's data-min-text).
MIN_TEXT = 12


def setup_fonts() -> None:
    """Register the CJK font and make PDFs embed it and SVGs draw text as paths (no font needed to view)."""
    matplotlib.rcParams.update({
        "font.family": [cjk_font(), "DejaVu Sans"],
        "pdf.fonttype": 42,
        "svg.fonttype": "path",
        "axes.unicode_minus": False,
    })


def draw_goals(ax: Axes, plan: Plan) -> None:
    """The overall goal as a range on a scale, and the three goal groups as big figures."""
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    overall = plan.goals_in_group(None)
    for goal in overall[:1]:
        top = goal.value_max or goal.value
        horizon = f"（{goal.horizon}）" if goal.horizon else ""
        ax.text(0.0, 0.95, f"{goal.what}{horizon}", fontsize=14, color=MUTED, va="top")
        ax.text(0.0, 0.86, f"{value_text(goal.value, goal.value_max)} {goal.unit}", fontsize=30, color=ACCENT,
                va="top", weight="bold")
        x0, width = 0.42, 0.56
        ax.add_patch(plt.Rectangle((x0, 0.76), width, 0.06, color="#e9ecef", lw=0))
        ax.add_patch(plt.Rectangle((x0 + width * goal.value / top, 0.76), width * (top - goal.value) / top, 0.06,
                                   color=ACCENT, lw=0))
        for v in (0, goal.value, top):
            ax.text(x0 + width * v / top, 0.74, number(v), fontsize=MIN_TEXT, color=MUTED, ha="center", va="top")
    groups = plan.goal_groups
    for k, group in enumerate(groups):
        x = k / len(groups)
        ax.text(x, 0.6, group.title, fontsize=14, color=INK, va="top", weight="bold")
        for n, goal in enumerate(plan.goals_in_group(group.id)):
            y = 0.52 - n * 0.14
            ax.text(x, y, target_phrase(goal), fontsize=18,
                    color=ACCENT, va="top", weight="bold")
            ax.text(x, y - 0.055, "\n".join(wrap_lines(goal.what, 15)), fontsize=MIN_TEXT, color=MUTED, va="top",
                    linespacing=1.1)


def lead_counts(plan: Plan) -> list[tuple[str, int]]:
    """(unit name, number of measures it leads), most first; joint leads count for each unit."""
    counts = Counter(u for m in plan.measures for u in m.lead)
    order = {u.id: i for i, u in enumerate(plan.units)}
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], order[kv[0]]))
    return [(plan.unit(u).name, n) for u, n in ranked]


def draw_leads(ax: Axes, plan: Plan) -> None:
    """Measures per lead unit as horizontal bars."""
    rows = lead_counts(plan)
    names = [name for name, _ in rows][::-1]
    values = [n for _, n in rows][::-1]
    bars = ax.barh(names, values, color="#1971c2")
    ax.bar_label(bars, padding=3, fontsize=MIN_TEXT, color=INK)
    ax.set_xlabel("牵头措施（条）", color=MUTED, fontsize=MIN_TEXT)
    ax.tick_params(labelsize=MIN_TEXT)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_xlim(0, max(values) * 1.15)


def draw_deadlines(ax: Axes, plan: Plan) -> None:
    """Every deadline on a month axis (方案未写年份): one-off dates as points, 如期 at the end, and recurring
    cadences (每月, 每半年) as a band across the year — the plan names no month for them, so none is drawn."""
    rows = all_deadlines(plan)
    for y, row in enumerate(rows):
        d = row.deadline
        label = f"{row.text}（{d.by}）"
        if d.recurring:
            ax.add_patch(Rectangle((0.55, y - 0.28), 11.9, 0.56, color=RECURRING, alpha=0.18, lw=0, zorder=2))
            ax.text(0.8, y, f"{d.by} · {row.text}", ha="left", va="center", fontsize=MIN_TEXT, color=INK, zorder=3)
            continue
        x = d.month or ON_TIME_X
        ax.scatter([x], [y], s=60, color=ACCENT, zorder=3)
        if x >= 12:
            ax.text(x - 0.35, y, label, ha="right", va="center", fontsize=MIN_TEXT, color=INK)
        else:
            ax.text(x + 0.35, y, label, ha="left", va="center", fontsize=MIN_TEXT, color=INK)
    ax.set_yticks(range(len(rows)), ["、".join(r.leads) for r in rows], fontsize=MIN_TEXT)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xticks([*range(1, 13), ON_TIME_X], [*(f"{m}月" for m in range(1, 13)), "如期"], fontsize=MIN_TEXT)
    ax.set_xlim(0.5, ON_TIME_X + 0.6)
    ax.grid(axis="x", color="#e9ecef")
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title("时间节点（方案未写年份；每月、每半年为周期要求，方案未定具体月份）", fontsize=MIN_TEXT, color=MUTED,
                 loc="left")


CHARTS = {"goals": draw_goals, "leads": draw_leads, "deadlines": draw_deadlines}
#: Chinese captions of the charts, for the overview page and slides.
CHART_TITLES = {"goals": "方案目标", "leads": "各牵头单位的措施数", "deadlines": "全部时间节点"}
SIZES = {"goals": (10, 5.6), "leads": (8, 6), "deadlines": (10, 4.2)}


def chart_figure(name: str, plan: Plan) -> Figure:
    """One chart (goals, leads or deadlines) as a matplotlib figure."""
    setup_fonts()
    fig = Figure(figsize=SIZES[name], layout="constrained")
    CHARTS[name](fig.add_subplot(), plan)
    return fig


def smallest_text(fig: Figure) -> float:
    """The size (points) of the smallest text drawn on a figure that has been drawn."""
    return min(t.get_fontsize() for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip())


def chart_svg(name: str, plan: Plan) -> str:
    """One chart as a standalone SVG string (text drawn as paths, needs no font); its root carries the size of its
    smallest text in SVG units (data-min-text), so that the page can keep it readable."""
    buf = io.StringIO()
    fig = chart_figure(name, plan)
    fig.savefig(buf, format="svg")
    svg = buf.getvalue()
    return svg[svg.index("<svg"):].replace("<svg", f'<svg data-min-text="{smallest_text(fig):g}"', 1)


def chart_png(name: str, plan: Plan, dpi: int = 150) -> bytes:
    """One chart as PNG bytes (for st.image)."""
    buf = io.BytesIO()
    chart_figure(name, plan).savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()
