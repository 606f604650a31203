"""The words and colours of progress tracking, declared once: the five 进展状态, what the map shows, the plan year.

Progress is what the responsible units report (with a date); it is never the plan's required action (规划要求).
The store, the workbooks, the map, the 通报 and the tour all read these declarations.
"""

from __future__ import annotations

#: The progress statuses a unit may report, in the order the drop-down offers them.
STATUSES = ("未启动", "推进中", "已完成", "滞后", "调整")
DONE = "已完成"
#: Shown for an item nobody has reported on yet (a state of the records, never a status someone chose).
NOT_REPORTED = "未填报"
#: Computed from the plan year and the deadline, never reported: past the date and not 已完成.
OVERDUE = "逾期"
#: Computed: the date is within SOON_DAYS and the item is not 已完成.
DUE_SOON = "临近"
SOON_DAYS = 30

#: The office setting holding the year the plan's deadlines fall in (the plan itself states none).
YEAR_SETTING = "plan_start_year"
YEAR_LABEL = "起始年份"
#: The plan cites 巢政办〔2017〕61号, so its deadlines cannot fall before 2017.
EARLIEST_YEAR = 2017
#: Shown beside a deadline while the office has not set the year.
YEAR_UNSET = "年份未定"

#: A place the plan asks nothing of and no deadline or target names (drawn faintly on the progress map).
NO_ITEMS = "无跟踪事项"

#: What a place is coloured by on the 实施进展 map, most pressing first, with its colour.
CATEGORY_COLORS = {
    OVERDUE: "#c92a2a",
    "滞后": "#f76707",
    "调整": "#7048e8",
    "未启动": "#fab005",
    "推进中": "#1c7ed6",
    DONE: "#2f9e44",
    NOT_REPORTED: "#868e96",
    NO_ITEMS: "#dee2e6",
}
#: What each colour means in the legend.
CATEGORY_NOTES = {
    OVERDUE: "有事项已过时限且未填报「已完成」",
    "滞后": "有事项填报为「滞后」",
    "调整": "有事项填报为「调整」",
    "未启动": "已填报的事项均为「未启动」",
    "推进中": "其余已填报情况（推进中，或部分已完成）",
    DONE: "已填报的事项均为「已完成」",
    NOT_REPORTED: "关联事项尚无填报",
    NO_ITEMS: "规划对该地点未提出要求，也没有时间要求或量化目标点名它",
}

#: A report (one import or one online form) is reviewed by the office before it counts: its states, in Chinese.
PENDING, ACCEPTED, RETURNED, WITHDRAWN = "pending", "accepted", "returned", "withdrawn"
REVIEW_STATES = {PENDING: "待审核", ACCEPTED: "已采纳", RETURNED: "已退回", WITHDRAWN: "已撤回"}
