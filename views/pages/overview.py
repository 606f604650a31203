"""概览: the plan's goals, measures per lead unit and every deadline, drawn from the plan data."""

from __future__ import annotations

import streamlit as st

from presentation.charts import CHART_TITLES, chart_png
from presentation.tour import deadlines_by_lead
from views import progress_sections, resources


@st.cache_data(show_spinner="正在绘制图表…")
def _chart(name: str) -> bytes:
    """One chart of the plan as PNG (FontMissing when no CJK font is installed)."""
    return chart_png(name, resources.plan())


def render() -> None:
    """The overview page."""
    plan = resources.plan()
    st.title("概览：巢湖市冲刺“高质量千亿制造业”目标实施方案")
    cols = st.columns(2)
    for i, name in enumerate(["goals", "leads"]):
        with cols[i]:
            st.subheader(CHART_TITLES[name])
            st.image(_chart(name), use_container_width=True)
    st.subheader(CHART_TITLES["deadlines"])
    st.image(_chart("deadlines"), use_container_width=True)
    st.subheader("时间要求（按牵头单位）")
    rows = [{"牵头单位": unit, "措施": f"{r.measure.id} {r.measure.title}", "事项": r.text, "时限": r.deadline.by}
            for unit, items in deadlines_by_lead(plan).items() for r in items]
    st.table(rows)
    st.caption("各部分标题为编者所加（原文发布时标题丢失）；方案未写年份，时限照录原文。")
    progress_sections.overview_section()
