"""The trackable items come from the plan data (never retyped), the plan year turns deadlines into dates only when
the office sets it, and the state of an item is the latest report: overdue, due soon, the roll-up and the map colour."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from core.progress import CATEGORY_COLORS, DONE, NO_ITEMS, NOT_REPORTED, OVERDUE
from loaders.places import load_place_links, load_places_yaml
from loaders.plan import DUE_PHRASES
from tracking.board import Board, place_category
from tracking.dates import check_year, due_date, due_text, month_bounds
from tracking.errors import ProgressError
from tracking.items import NO_LEAD, derive_items
from tracking.records import ProgressRecord, problems_of

TODAY = date(2026, 11, 26)


@pytest.fixture(scope="module")
def places():
    return pd.DataFrame(load_places_yaml())


@pytest.fixture(scope="module")
def items(plan, places):
    return derive_items(plan, places, load_place_links())


def record(item_id: str, status: str, on: date, value=None, rid: int = 1, withdrawn=False, note="") -> ProgressRecord:
    return ProgressRecord(id=rid, item_id=item_id, status=status, value=value, note=note, unit="市经信委", reporter="张三",
                          reported_on=on, batch=f"b{rid}", source="", recorded_at=datetime(2026, 11, 1), withdrawn=withdrawn)


def test_every_measure_deadline_target_and_place_with_a_required_action_is_an_item(items, plan, places):
    kinds = {k: [i.id for i in items.of_kind(k)] for k in ("measure", "deadline", "target", "place")}
    assert kinds["measure"] == [m.id for m in plan.measures]
    assert kinds["deadline"] == [f"{m.id}-d{n}" for m in plan.measures for n in range(1, len(m.deadlines) + 1)]
    assert kinds["target"] == [t.id for m in plan.measures for t in m.targets]
    dated = {pid for i in items.of_kind("deadline") for pid in i.places}
    expected = [p for p, n, s, due in zip(places["id"], places["name"], places["status"], places["deadline"])
                if s and "（未命名）" not in n and not (due and p in dated)]
    assert kinds["place"] == expected
    assert len(set(items.by_id)) == len(items)  # ids are unique across kinds


def test_items_are_faithful_to_the_plan(items, plan):
    """Responsibility only from the plan's words; one plan requirement one item; no placeholder road reports."""
    assert "pj_pvb" not in items and "pj_mg50kt" not in items and "ip_zhongcai" not in items  # their deadlines are the items
    assert items.get("3.2-d3").lead_names == ("市经信委",)  # PVB下游项目: 3.2 names 市经信委 alone (1.1's link is 推断)
    assert items.get("ft_xiage").lead_names == ("市发改委",)  # 夏阁唯“镁”小镇: 1.3 (3.2's link is inferred)
    assert "ip_huailin_nets" not in items.get("2.1-t2").places  # 百亿级 is not tied to a place the plan never names
    assert not [i.id for i in items if "（未命名）" in i.title]
    assert "pj_zhongtie" not in items and items.get("4.2-d1").lead_names == ("市半岛建设办",)
    overdue = Board(items, [], 2018, TODAY).overdue()
    assert 5 <= len(overdue) <= 7  # the plan's five dated requirements
    assert sorted(s.item.id for s in overdue) == ["2.3-d1", "3.2-d1", "3.2-d2", "3.2-d3", "4.1-d1"]
    assert len({frozenset(s.item.places) for s in overdue}) == len(overdue)  # no project counted twice


def test_completion_starts_from_the_plans_baseline(items):
    fund = items.get("6.3-t1")
    assert (fund.baseline, fund.target, fund.words) == (5.0, 10.0, "由5亿元增加到10亿元")
    at = {v: Board(items, [record("6.3-t1", "推进中", date(2026, 11, 1), v)], None, TODAY).state("6.3-t1") for v in (5, 7.5)}
    assert at[5].completion == 0 and at[7.5].completion == pytest.approx(0.5)
    assert Board(items, [], None, TODAY).state("6.3-t1").completion is None  # nothing measurable before a report
    assert at[7.5].done_text() == "7.5亿元 / 由5亿元增加到10亿元"


def test_figures_keep_the_plans_qualifiers(items):
    assert items.get("4.1-t1").requirement == "目标 3支左右"
    assert items.get("2.1-t2").requirement == "目标 百亿级"
    assert Board(items, [], None, TODAY).state("4.1-t1").done_text() == f"{NOT_REPORTED} / 3支左右"


def test_items_carry_the_plans_words_and_lead_units(items, plan):
    d = items.get("4.1-d1")
    deadline = plan.measure("4.1").deadlines[0]
    assert d.due == deadline.by == "6月底前" and deadline.what in d.title and deadline.action in d.requirement
    assert d.lead_names == tuple(plan.unit(u).name for u in plan.measure("4.1").lead)
    t = items.get("4.2-t3")
    target = plan.target("4.2-t3")
    assert (t.target, t.unit, t.title, t.parent) == (target.value, target.unit, target.what, "4.2")
    assert items.get("11.1-d2").lead_names == (NO_LEAD,)  # the plan names no lead unit for its 组织保障 part
    place = items.get("ip_fuhuang")
    assert place.requirement == "建设" and place.due == "" and place.kind == "place"


def test_deadlines_and_targets_are_about_the_places_their_words_name(items):
    assert items.get("3.2-d1").places == ("pj_mg50kt",)
    assert set(items.get("3.2-d3").places) == {"pj_pvb", "pj_diecast", "pj_dekun"}
    roads = set(items.get("4.2-t3").places)
    assert {"rd_zhizhong", "rd_huangshi", "rd_pingdingshan"} <= roads and "rd_peninsula_ave" not in roads
    assert [i.id for i in items.of_place("pj_mg50kt")] == ["3.2-d1"]
    assert items.of_place("edz_juchao") == ()


def test_the_plan_year_is_checked_and_deadlines_become_dates_only_with_it():
    assert check_year("2018", TODAY) == 2018 and check_year("2019年", TODAY) == 2019
    for bad in ("1990", "2099", "明年", ""):
        with pytest.raises(ProgressError, match="起始年份"):
            check_year(bad, TODAY)
    assert due_date("6月底前", None) is None and due_text("6月底前", None) == "6月底前（年份未定）"
    assert due_date("6月底前", 2018) == date(2018, 6, 30) and due_date("年底前", 2018) == date(2018, 12, 31)
    assert due_date("每月", 2018) is None and due_text("每月", 2018) == "每月（周期性）"
    assert due_date("如期", 2018) is None and "方案未给日期" in due_text("如期", 2018)
    assert set(DUE_PHRASES) >= {"6月底前", "12月底前", "年底前", "如期", "每半年", "每月"}


def test_with_the_year_unset_nothing_is_overdue(items):
    board = Board(items, [], None, TODAY)
    assert board.overdue() == [] and board.due_soon() == []
    assert all("年份未定" in s.due_label for s in board.states if s.item.due in ("6月底前", "12月底前", "年底前"))


def test_with_2018_the_items_due_by_june_without_a_done_report_are_overdue(items):
    june = [i.id for i in items if i.due == "6月底前"] + ["3.2-d1"]
    assert len(june) >= 3
    done, late = june[0], june[1:]
    records = [record(done, DONE, date(2018, 6, 20), rid=1), record(late[0], "推进中", date(2018, 6, 1), rid=2)]
    board = Board(items, records, 2018, TODAY)
    overdue = {s.item.id for s in board.overdue()}
    assert set(late) <= overdue and done not in overdue
    assert all(board.state(i).due_on == date(2018, 6, 30) for i in june if i != "3.2-d1")
    assert {s.item.due for s in board.overdue()} == {"6月底前", "12月底前", "年底前"}  # every dated item not done
    assert not any(board.state(i).overdue for i in items.by_id if items.get(i).due in ("如期", "每月", "每半年", ""))


def test_a_deadline_is_warned_about_before_it_passes(items):
    soon = Board(items, [], 2026, date(2026, 6, 10))
    assert {s.item.id for s in soon.due_soon()} == {i.id for i in items if i.due == "6月底前"}
    assert soon.overdue() == []
    assert Board(items, [], 2026, date(2026, 5, 1)).due_soon() == []


def test_the_current_state_is_the_latest_report_and_withdrawn_ones_do_not_count(items):
    records = [record("4.2-t3", "推进中", date(2026, 10, 1), 5.0, rid=1),
               record("4.2-t3", "推进中", date(2026, 11, 1), 12.3, rid=2),
               record("4.2-t3", DONE, date(2026, 11, 20), 30.0, rid=3, withdrawn=True)]
    state = Board(items, records, None, TODAY).state("4.2-t3")
    assert (state.status, state.value, len(state.history)) == ("推进中", 12.3, 3)
    assert state.done_text() == "12.3公里 / 25.85公里"
    assert Board(items, records, None, date(2026, 10, 15)).state("4.2-t3").value == 5.0  # as known on that day


def test_measures_roll_up_their_deadlines_targets_and_places(items):
    children = items.children("4.2")
    records = [record("4.2-t1", DONE, date(2026, 11, 1), rid=1), record("4.2-t3", "推进中", date(2026, 11, 1), 12.925, rid=2)]
    roll = Board(items, records, None, TODAY).measure("4.2")
    assert roll.total == 1 + len(children)
    assert roll.counts[DONE] == 1 and roll.counts["推进中"] == 1 and roll.counts[NOT_REPORTED] == roll.total - 2
    assert roll.progress == pytest.approx((1.0 + 0.5) / roll.total)
    section = Board(items, records, None, TODAY).section(4)
    assert section.total == len(items.of_section(4)) and section.done == 1


def test_a_place_is_coloured_by_its_items_overdue_first_grey_without_reports(items):
    board = Board(items, [record("3.2-d1", DONE, date(2026, 11, 1))], None, TODAY)
    assert board.place_category("pj_mg50kt") == DONE  # every reported item of it says 已完成
    # 黄麓建筑科创小镇: its own item (规划建设) and the target of 1.3 naming it
    assert [i.id for i in items.of_place("ft_huanglu")][0] == "ft_huanglu"
    mixed = Board(items, [record("3.2-d3", DONE, date(2026, 11, 1)), record("pj_diecast", "未启动", date(2026, 11, 2), rid=2)],
                  None, TODAY)
    assert mixed.place_category("pj_pvb") == DONE
    lagging = Board(items, [record("3.2-d1", "滞后", date(2026, 11, 2), rid=2)], None, TODAY)
    assert lagging.place_category("pj_mg50kt") == "滞后"
    assert board.place_category("pj_minglin") == NOT_REPORTED and board.place_category("edz_juchao") == NO_ITEMS
    late = Board(items, [record("3.2-d2", "推进中", date(2018, 11, 1))], 2018, TODAY)
    assert late.place_category("pj_minglin") == OVERDUE  # 3.2-d2 is past 12月底前 2018 and not done
    assert set(CATEGORY_COLORS) >= {OVERDUE, DONE, NOT_REPORTED, NO_ITEMS}
    assert place_category([]) == NO_ITEMS


def test_a_report_is_checked_like_a_planner_would(items):
    target, measure = items.get("4.2-t3"), items.get("4.2")
    assert problems_of(target, "推进中", 12.0, "", date(2026, 11, 1), TODAY) == []
    assert [c for c, _ in problems_of(target, "完成", 12.0, "", date(2026, 11, 1), TODAY)] == ["进展状态"]
    assert "超过目标 25.85 公里" in problems_of(target, "推进中", 30.0, "", date(2026, 11, 1), TODAY)[0][1]
    assert problems_of(target, "推进中", 30.0, "含延伸段 4.2 公里", date(2026, 11, 1), TODAY) == []
    assert "不是量化目标" in problems_of(measure, "推进中", 3.0, "", date(2026, 11, 1), TODAY)[0][1]
    assert "晚于今天" in problems_of(measure, "推进中", None, "", date(2026, 11, 27), TODAY)[0][1]
    assert "请填写填报日期" in problems_of(measure, "推进中", None, "", None, TODAY)[0][1]


def test_a_report_month_must_be_well_formed_and_not_in_the_future():
    assert month_bounds("2026-11", TODAY) == (date(2026, 11, 1), date(2026, 11, 30))
    with pytest.raises(ProgressError, match="格式不对"):
        month_bounds("11月", TODAY)
    with pytest.raises(ProgressError, match="还没有到"):
        month_bounds("2026-12", TODAY)
